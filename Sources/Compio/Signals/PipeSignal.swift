import Glibc

/// `SIGPIPE`, ignored once per process by the first runtime, unless the
/// program set a disposition of its own.
///
/// A write to a pipe or socket whose reader is gone raises `SIGPIPE`, and its
/// default action ends the process. Sends pass `MSG_NOSIGNAL`, but writes to
/// pipes, and writes the thread pool runs for the epoll driver, cannot: with
/// the signal ignored they fail with `EPIPE`, a typed error, as in Rust
/// programs (whose standard library ignores `SIGPIPE` before `main`) and so
/// in compio and tokio.
enum PipeSignal {
    /// Ignores `SIGPIPE` if its disposition is still the default. Idempotent.
    static func ignoreUnlessHandled() { _ = ignored }

    private static let ignored: Bool = {
        var current = sigaction()
        guard sigaction(SIGPIPE, nil, &current) == 0,
            current.sa_flags & SA_SIGINFO == 0, current.__sigaction_handler.sa_handler == nil  // SIG_DFL
        else { return false }
        var ignore = sigaction()
        ignore.__sigaction_handler.sa_handler = SIG_IGN
        return sigaction(SIGPIPE, &ignore, nil) == 0
    }()
}
