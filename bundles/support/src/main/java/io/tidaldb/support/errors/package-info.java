/**
 * How background loops fail loudly but once: {@link io.tidaldb.support.errors.ErrorCounters} counts
 * failures per cause and logs each cause once (then summaries at most once per interval), {@link
 * io.tidaldb.support.errors.Backoff} spaces out the retries of a failing step exponentially, and
 * {@link io.tidaldb.support.errors.ThreadDeaths} is the uncaught-exception handler of every
 * long-lived thread. Not exported: bnd embeds this package into each bundle that uses it.
 */
package io.tidaldb.support.errors;
