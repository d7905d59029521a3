/// Settings for a ``Runtime``: its driver, and how many ops it keeps in flight.
public struct RuntimeBuilder: Sendable {
    /// The driver to build (kind, capacity, thread pool, io_uring flags).
    public var driver: DriverBuilder
    /// Most ops the runtime keeps in the driver at once; further ops wait in the
    /// runtime, in order, until earlier ones complete. `nil`: all the driver
    /// holds (``Driver/maxInFlight``, about a million on the kernel drivers).
    ///
    /// A bound below the number of ops a program awaits at once can stall it:
    /// ops that wait for a peer (an idle connection's receive) hold their
    /// places while an op that could complete waits behind them.
    public var maxInFlight: Int?
    /// Most ops a task may complete inline, without suspending, each time it
    /// runs (see ``Runtime/submit(_:)``); then its next op suspends it and the
    /// loop turns. This bound keeps timers, other tasks and new completions
    /// from waiting behind a task whose ops the kernel keeps finishing at once
    /// (reads from the page cache). `0` turns inline completion off: every op
    /// then suspends its task.
    public var inlineCompletionLimit = 64

    /// Default settings; the driver kind comes from `COMPIO_DRIVER` if set.
    public init() {
        driver = DriverBuilder()
    }

    /// A runtime on the driver `driver` describes.
    public init(driver: DriverBuilder) {
        self.driver = driver
    }

    /// A runtime on the given driver kind, other settings default.
    public init(choice: DriverBuilder.Choice) {
        driver = DriverBuilder(choice: choice)
    }

    /// Builds the runtime and its driver on the calling thread, which becomes
    /// the runtime's thread.
    public func build() throws(IOError) -> Runtime {
        try Runtime(builder: self)
    }
}
