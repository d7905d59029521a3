import Glibc

/// Unix signals delivered as async events on a ``Runtime``.
public enum Signal {
    /// Starts watching `signo` and returns the stream of its deliveries.
    ///
    /// Fails with ``IOError/invalidArgument(_:)`` for a number that is out of
    /// range or cannot be caught (`SIGKILL`, `SIGSTOP`). While any stream for
    /// the signal lives, the signal's default action (often: terminate) is
    /// replaced by delivery to the streams.
    public static func stream(_ signo: Int32) throws(IOError) -> SignalStream {
        guard signo > 0, signo < SignalRegistry.signalLimit, signo != SIGKILL, signo != SIGSTOP else {
            throw .invalidArgument("signal \(signo) cannot be caught")
        }
        return try SignalStream(signal: signo)
    }

    /// Waits for the next `SIGINT` (Ctrl-C) on the current runtime.
    ///
    /// While it waits, Ctrl-C no longer terminates the process; afterwards the
    /// previous action is back.
    public static func ctrlC() async throws(IOError) {
        let stream = try stream(SIGINT)
        _ = try await stream.next()
    }
}
