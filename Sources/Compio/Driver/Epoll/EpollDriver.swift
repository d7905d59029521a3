/// SCAFFOLD: the epoll driver is being written.
public final class EpollDriver {
    /// Not available yet.
    public init(builder: DriverBuilder) throws(IOError) { throw .unsupported("epoll driver not built yet") }
}
extension EpollDriver: Driver {
    public var kind: DriverKind { .epoll }
    public var notifier: any DriverNotifier { fatalError("unimplemented") }
    public var now: Instant { MonotonicClock.now() }
    public var inFlight: Int { 0 }
    public func attach(_ fd: Int32) throws(IOError) {}
    public func push(_ op: Op) -> PushResult { fatalError("unimplemented") }
    public func cancel(_ key: OpKey) {}
    public func poll(timeout: Duration?, _ body: (consuming Completion) -> Void) throws(IOError) -> Int { 0 }
    public func shutdown() {}
}
