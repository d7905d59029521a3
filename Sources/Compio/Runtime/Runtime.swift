import Glibc
import Synchronization

/// A single-threaded, completion-based async runtime: one ``Driver``, one
/// thread, many tasks.
///
/// Build one on the thread that will run it (the driver is created there, and
/// io_uring wants its ring driven by the thread that created it), then call
/// ``blockOn(_:)``. Everything the body starts with ``spawn(_:)``, every
/// structured child (`async let`, task groups), every nonisolated async
/// function and every default actor it calls runs on that thread, interleaved
/// with driver polls. One runtime per thread; to use every core, run one per
/// thread (the dispatcher does this).
///
/// The runtime is a `TaskExecutor`: its tasks carry it as their executor
/// preference. Two ways out of it, both documented Swift behaviour:
/// - `Task { }` and `Task.detached { }` do **not** inherit the preference: they
///   run on the global concurrent pool, not on this runtime. Use
///   ``spawn(_:)`` to start a task that stays.
/// - A `@MainActor` (or other custom-executor actor) call hops to that actor
///   and back. Never call `blockOn` on the main thread and then call into the
///   main actor: the main queue is not drained while `blockOn` holds it.
///
/// Never call `blockOn` from a thread of Swift's cooperative pool (for example
/// directly inside an async test): on small machines that starves the pool.
/// Run it on a thread of your own.
public final class Runtime: TaskExecutor, @unchecked Sendable {
    /// The driver; used only on the runtime's thread, except `notifier` and `now`.
    let driver: any Driver
    /// Wakes the driver's poll from any thread, with wake elision.
    let notifier: any DriverNotifier
    /// Owner-thread state (see ``RuntimeCore``).
    let core: UnsafeMutablePointer<RuntimeCore>
    let remote = RemoteInbox()
    let tasks = TaskRegistry()
    /// Set by ``shutdown()`` before it drains; the one piece of shutdown state
    /// other threads may read (``run(_:)`` refuses work once it is set).
    let shutDownForRemote = Atomic<Bool>(false)
    /// Most ops the runtime keeps in the driver at once; more wait in the runtime.
    let maxInFlight: Int
    private let owner: pthread_t
    /// The executor that pins actors to this runtime.
    public let serialExecutor: RuntimeSerialExecutor

    /// Builds a runtime with the default settings (driver kind from
    /// `COMPIO_DRIVER`, else io_uring when usable, else epoll).
    public convenience init() throws(IOError) {
        try self.init(builder: RuntimeBuilder())
    }

    /// Builds a runtime and its driver from `builder`, on the calling thread.
    public convenience init(builder: RuntimeBuilder) throws(IOError) {
        let driver = try builder.driver.build()
        self.init(
            driver: driver, maxInFlight: builder.maxInFlight,
            inlineCompletionLimit: builder.inlineCompletionLimit)
    }

    /// A runtime around an existing driver (for example CompioSim's), owned by
    /// the calling thread. The runtime keeps at most `maxInFlight` ops in the
    /// driver (`nil`: ``Driver/maxInFlight``, all the driver accepts); it must
    /// not exceed what the driver accepts.
    /// `inlineCompletionLimit` is ``RuntimeBuilder/inlineCompletionLimit``.
    ///
    /// The first runtime of the process ignores `SIGPIPE`, unless the program
    /// set a disposition of its own: a write to a pipe whose reader is gone
    /// then fails with `EPIPE` instead of ending the process.
    public init(driver: any Driver, maxInFlight: Int? = nil, inlineCompletionLimit: Int = 64) {
        let maxInFlight = maxInFlight ?? driver.maxInFlight
        precondition(maxInFlight > 0, "Runtime: maxInFlight must be positive, got \(maxInFlight)")
        PipeSignal.ignoreUnlessHandled()
        self.driver = driver
        self.notifier = driver.notifier
        self.maxInFlight = maxInFlight
        self.owner = pthread_self()
        core = .allocate(capacity: 1)
        core.initialize(to: RuntimeCore(inlineLimit: inlineCompletionLimit))
        serialExecutor = RuntimeSerialExecutor()
        serialExecutor.runtime = self
    }

    deinit {
        if !core.pointee.isShutDown {
            if isOnRuntimeThread {
                shutdown()
            } else {
                // Nothing can be in flight: every task holds the runtime through
                // its executor preference, so none is left when this runs.
                driver.shutdown()
            }
        }
        core.deinitialize(count: 1)
        core.deallocate()
    }

    /// Which driver this runtime runs on.
    public var driverKind: DriverKind { driver.kind }

    /// Now, on the driver's clock (virtual time under CompioSim).
    public var now: Instant { driver.now }

    /// This runtime's `Clock`, for `Task.sleep(for:clock:)` and Clock-generic code.
    public var clock: RuntimeClock { RuntimeClock(runtime: self) }

    /// Whether the caller runs on the runtime's thread.
    public var isOnRuntimeThread: Bool { pthread_equal(pthread_self(), owner) != 0 }

    /// The runtime running the current task or thread, if any.
    ///
    /// On a runtime's thread (while its ``blockOn(_:)`` runs), that runtime:
    /// every job there, an actor pinned to it included, runs on it. Elsewhere,
    /// the current task's executor preference, so a task of the runtime that
    /// hopped to another actor still finds it.
    public static var current: Runtime? {
        // A thread-specific read first: the preference look-up takes the task's
        // status-record lock and a dynamic cast, on every file or socket op.
        if let onThread = RuntimeThreadLocal.current { return onThread }
        let fromTask: Runtime? = withUnsafeCurrentTask { task in
            guard let executor = task?.unownedTaskExecutor else { return nil }
            return executor.asTaskExecutor() as? Runtime
        }
        return fromTask
    }

    // MARK: Executor

    /// Queues a job of one of the runtime's tasks. From the runtime's thread it
    /// is a plain append; from any other thread it goes through a lock and wakes
    /// the driver (a syscall only when the loop is blocked).
    public func enqueue(_ job: consuming ExecutorJob) {
        schedule(ReadyJob(job: UnownedJob(job), isolated: false))
    }

    func schedule(_ job: ReadyJob) {
        if isOnRuntimeThread {
            core.pointee.jobs.push(job)
        } else {
            remote.push(job)
            notifier.notify()
        }
    }

    func run(_ ready: ReadyJob) {
        let outer = core.pointee.runningJob
        core.pointee.runningJob = unsafeBitCast(ready.job, to: UnsafeRawPointer.self)
        defer { core.pointee.runningJob = outer }
        if ready.isolated {
            ready.job.runSynchronously(
                isolatedTo: serialExecutor.asUnownedSerialExecutor(),
                taskExecutor: asUnownedTaskExecutor())
        } else {
            ready.job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }

    func preconditionOnRuntimeThread(_ what: @autoclosure () -> String) {
        precondition(isOnRuntimeThread, "Runtime: \(what()) must be called on the runtime's thread")
    }
}
