#if !IOUring
/// Built without the `IOUring` trait: io_uring is unavailable and
/// ``DriverBuilder/build()`` falls back to epoll (or fails when io_uring is forced).
public final class IoUringDriver {
    /// Always throws ``IOError/unsupported(_:)``.
    public init(builder: DriverBuilder) throws(IOError) {
        throw .unsupported("io_uring (built without the IOUring trait)")
    }
}

extension IoUringDriver: Driver {
    /// ``DriverKind/ioUring``.
    public var kind: DriverKind { .ioUring }
    /// Unreachable: no instance can exist.
    public var notifier: any DriverNotifier { fatalError("IoUringDriver is unavailable") }
    /// `CLOCK_MONOTONIC`.
    public var now: Instant { MonotonicClock.now() }
    /// Always zero.
    public var inFlight: Int { 0 }
    /// Nothing to attach.
    public func attach(_ fd: Int32) throws(IOError) {}
    /// Unreachable: no instance can exist.
    public func push(_ op: Op) -> PushResult { .ready(Completion(key: .immediate, op: op, result: .failure(.shutdown))) }
    /// Nothing to cancel.
    public func cancel(_ key: OpKey) {}
    /// Nothing to poll.
    public func poll(timeout: Duration?, _ body: (consuming Completion) -> Void) throws(IOError) -> Int { throw .shutdown }
    /// Nothing to shut down.
    public func shutdown() {}
}
#endif
