/// The proactor: the only layer that talks to the OS (or the simulated OS) for I/O.
///
/// A driver is used from one thread, the one that created it; only its
/// ``notifier`` may be used from others. The protocol is the whole contract
/// between the runtime and the kernel:
///
/// - ``push(_:)`` an ``Op``: it completes at once (``PushResult/ready(_:)``) or
///   is in flight (``PushResult/pending(_:)``).
/// - ``poll(timeout:_:)`` waits for completions; each pending key comes out
///   exactly once, carrying its op back with its buffers.
/// - ``cancel(_:)`` asks, and only asks: the op's own completion still arrives,
///   with `ECANCELED` or with its real result if it finished first.
/// - ``now`` is the clock every timer runs on.
public protocol Driver: AnyObject {
    /// Which driver this is.
    var kind: DriverKind { get }

    /// Wakes a ``poll(timeout:_:)`` that is blocked, from any thread.
    var notifier: any DriverNotifier { get }

    /// The driver's monotonic clock.
    var now: Instant { get }

    /// Number of ops pushed and not yet completed.
    var inFlight: Int { get }

    /// Most ops the driver holds at once; a push beyond fails with `EBUSY`.
    /// The runtime keeps at most this many in it by default (further ops wait
    /// in the runtime), so it should be far above the number of ops a program
    /// awaits at once: a server awaits one receive per connection.
    var maxInFlight: Int { get }

    /// Closes descriptors synchronously, for a shared descriptor whose last
    /// reference goes away with no op in flight. Kernel drivers use `close(2)`;
    /// the simulator closes in its world.
    var descriptorCloser: any DescriptorCloser { get }

    /// Prepares a descriptor for use with this driver. A no-op on Linux drivers;
    /// it exists so that drivers which must register descriptors can.
    func attach(_ fd: Int32) throws(IOError)

    /// Starts an op.
    func push(_ op: Op) -> PushResult

    /// Starts an op and, when that costs nothing in batching, hands it to the
    /// kernel at once, so that an op the kernel finishes during submission (a
    /// NOP, a read from the page cache, a send with room in the socket buffer)
    /// comes back `.ready` without a poll.
    ///
    /// Completions of other ops found on the way are handed to `others`,
    /// exactly as ``poll(timeout:_:)`` would hand them; they do not come out of
    /// a later poll. A driver that cannot do better returns ``push(_:)``'s
    /// result (the default).
    func pushEagerly(_ op: Op, _ others: (consuming Completion) -> Void) -> PushResult

    /// Whether ``pushEagerly(_:_:)`` would take `op` into the kernel with a
    /// batch: ops started with ``push(_:)`` wait to reach the kernel together,
    /// at the next ``poll(timeout:_:)`` or eager push (io_uring's submission
    /// queue), and an eager push of `op` enters the kernel for all of them.
    /// While such ops wait, or other tasks are ready to add theirs, the
    /// runtime then starts `op` the ordinary way, to join the batch instead of
    /// entering early and again at the poll. `false` by default.
    func batchesEagerPush(of op: Op) -> Bool

    /// Asks the driver to cancel the op named by `key`. Best effort: the op still
    /// completes exactly once. Unknown or completed keys are ignored.
    func cancel(_ key: OpKey)

    /// Submits what is queued, waits up to `timeout` (`nil`: until something
    /// happens) for completions or a notification, and hands every completion
    /// that is ready to `body`, on the calling thread.
    ///
    /// - Returns: the number of completions handed to `body`.
    @discardableResult
    func poll(timeout: Duration?, _ body: (consuming Completion) -> Void) throws(IOError) -> Int

    /// Cancels every op in flight, waits for all of them to complete (dropping
    /// their completions, which closes any descriptors they created), and releases
    /// the driver's resources. Later pushes complete with ``IOError/shutdown``.
    /// Idempotent; `deinit` calls it too.
    func shutdown()
}

extension Driver {
    /// ``push(_:)``: no eager submission.
    public func pushEagerly(_ op: Op, _ others: (consuming Completion) -> Void) -> PushResult {
        push(op)
    }

    /// No batching: a pushed op reaches the kernel at once.
    public func batchesEagerPush(of op: Op) -> Bool { false }

    /// `close(2)`, for the kernel drivers.
    public var descriptorCloser: any DescriptorCloser { KernelDescriptorCloser.shared }
}

/// Wakes a driver's blocked poll from any thread.
public protocol DriverNotifier: AnyObject, Sendable {
    /// Makes the driver's current or next ``Driver/poll(timeout:_:)`` return
    /// without waiting. Cheap when the driver is awake: no syscall then.
    func notify()
}

/// The kinds of driver.
public enum DriverKind: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Linux io_uring through liburing.
    case ioUring = "io_uring"
    /// Linux epoll, with blocking ops on the thread pool.
    case epoll
    /// CompioSim's deterministic simulated kernel.
    case simulated

    /// The name, as `COMPIO_DRIVER` spells it.
    public var description: String { rawValue }
}
