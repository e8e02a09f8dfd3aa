/**
 * The client side of TidalDB's client sessions (issue 12; design in docs/design/sessions.md, "What
 * the client sees"): a {@link io.tidaldb.session.client.Session} hands out the (session, seq,
 * ackedBelow) of each write, and a {@link io.tidaldb.session.client.SessionClient} writes through
 * one or more {@link io.tidaldb.api.SignalStore}s, retrying a write whose outcome is ambiguous with
 * the same seq, so that the stores count it once.
 *
 * <p>What the client promises: a seq is sent for one signal only and never reused; every attempt of
 * a write carries its seq; {@code ackedBelow} never passes a seq that may still be sent; a write
 * ends with the first acknowledgement the stores gave for it, a refusal (nothing stored), or an
 * {@link io.tidaldb.api.UnavailableException} whose {@code mayBeStored()} says whether it may be
 * stored (at most once); a LOCAL write's retries after an attempt that may have stored it ask for
 * QUORUM, so its acknowledgement may say QUORUM (see {@link
 * io.tidaldb.session.client.SessionClient}). What the caller must do: use one session per logical
 * writer (or share it: it is thread-safe), keep at most {@link
 * io.tidaldb.session.client.Session#MAX_IN_FLIGHT} writes in flight, and not re-send a write that
 * ended with {@code mayBeStored()} true if it must be counted at most once.
 */
@Export
@Version("0.4.0")
package io.tidaldb.session.client;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
