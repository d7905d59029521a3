import SystemPackage

/// Settings for a driver, and the choice of which driver to build.
public struct DriverBuilder: Sendable {
    /// Which driver ``build()`` makes.
    public enum Choice: String, Sendable, Hashable, CaseIterable {
        /// io_uring when the kernel allows it, else epoll.
        case auto
        /// io_uring, or an error if it is unusable.
        case ioUring = "io_uring"
        /// epoll.
        case epoll
    }

    /// Which driver to build. Defaults to the `COMPIO_DRIVER` environment
    /// variable (`io_uring`, `epoll` or `auto`), else ``Choice/auto``.
    public var choice: Choice
    /// The io_uring submission queue size: most ops handed to the kernel per
    /// `io_uring_enter` (more wait in the driver for the next one). It does
    /// not bound the ops in flight (``Driver/maxInFlight``). Default 1024.
    public var capacity: Int = 1024
    /// Most threads the thread pool may run. Default 256.
    public var threadPoolLimit: Int = 256
    /// How long an idle pool thread waits for work before it exits. Default 60 s.
    public var threadPoolIdleTimeout: Duration = .seconds(60)
    /// A pool to share with other drivers (the dispatcher's workers share one).
    /// `nil`: the driver makes its own from the two settings above.
    public var threadPool: ThreadPool?
    /// io_uring setup flags.
    public var ioUring = IoUringOptions()
    /// Test hook: pretend io_uring ring creation fails with this error, to
    /// exercise the fallback to epoll.
    public var simulatedRingFailure: Errno?

    /// io_uring setup flags.
    public struct IoUringOptions: Sendable, Hashable {
        /// `IORING_SETUP_SQPOLL` with this idle time. Off by default: on small
        /// machines the polling thread costs more than it saves.
        public var sqpollIdle: Duration?
        /// `IORING_SETUP_COOP_TASKRUN`. Used when `singleIssuerDeferTaskrun` is off.
        public var coopTaskrun = true
        /// `IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN`: completion
        /// work runs only when the driver thread asks for it. On by default; it
        /// matters for networking (DESIGN.md).
        public var singleIssuerDeferTaskrun = true

        /// The defaults.
        public init() {}
    }

    /// Default settings; the driver kind comes from `COMPIO_DRIVER` if set.
    public init() {
        choice = Self.environmentChoice ?? .auto
    }

    /// Default settings with the driver kind forced to `choice`.
    public init(choice: Choice) {
        self.choice = choice
    }

    /// The choice named by `COMPIO_DRIVER`, if it names one.
    public static var environmentChoice: Choice? {
        guard let raw = getenv("COMPIO_DRIVER") else { return nil }
        let value = String(cString: raw).lowercased()
        if value == "iouring" || value == "uring" { return .ioUring }
        return Choice(rawValue: value)
    }

    /// The pool the driver should use: the shared one, or a new one from the settings.
    public func makeThreadPool() -> ThreadPool {
        threadPool ?? ThreadPool(limit: threadPoolLimit, idleTimeout: threadPoolIdleTimeout)
    }
}

#if canImport(Glibc)
import Glibc
#endif
