/**
 * Crash-safe file writing: {@link io.tidaldb.support.files.AtomicFile} replaces a file through a
 * fsynced temporary file, an atomic rename and a directory fsync; {@link
 * io.tidaldb.support.files.Fsync} makes creations, renames and deletions in a directory durable.
 * Not exported: bnd embeds this package into each bundle that uses it.
 */
package io.tidaldb.support.files;
