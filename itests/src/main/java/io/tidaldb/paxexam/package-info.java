/**
 * Pax Exam provisioning for TidalDB: {@link io.tidaldb.paxexam.TidalOptions#node()} adds every
 * bundle of a single-region node, in start order, and configures its WAL, store and router under
 * one data directory, so that an application's own Pax Exam tests run against a real node.
 *
 * <p>The bundle list is not kept here: it is the node feature ({@code
 * io.tidaldb:tidal-features:slingosgifeature:node}), copied into this jar as {@value
 * io.tidaldb.paxexam.TidalOptions#FEATURE_RESOURCE}, the same file the distribution is built from.
 */
package io.tidaldb.paxexam;
