package io.tidaldb.http;

import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.Signal;

/**
 * One signal of a request body as parsed: the signal and, for a session write, its session.
 *
 * @param signal the signal
 * @param session its (session, seq, ackedBelow), or null for a write without a session
 */
public record SignalInput(Signal signal, SessionSeq session) {}
