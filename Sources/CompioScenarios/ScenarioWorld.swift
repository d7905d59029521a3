import Compio

/// What differs between the simulated world and the real kernel, handed to a
/// scenario so that its code is the same in both.
public struct ScenarioWorld: Sendable {
    /// An existing, writable directory (absolute) for the scenario's files.
    public var directory: String
    /// Closes descriptors whose last reference goes away (the driver's closer).
    public var closer: any DescriptorCloser
    /// Where servers listen (port 0: any free port; the scenario asks which).
    public var serverAddress: SocketAddress
    /// What client `i` binds to before connecting (another simulated host), or
    /// `nil` to let connect pick.
    public var clientAddress: @Sendable (Int) -> SocketAddress?
    /// Whether faults are injected: scenarios then accept the errors a fault
    /// can cause, and check only what must hold anyway.
    public var faults: Bool
    /// The unit of the scenario's sleeps and timeouts: long under simulation
    /// (virtual time costs nothing), short on the kernel.
    public var timeUnit: Duration
    /// The thread pool's limit the runtime was built with.
    public var poolLimit: Int
    /// What a blocking job does to keep its pool thread busy (real sleep on
    /// the kernel; nothing under simulation, where the latency is simulated).
    public var blockingWork: @Sendable () -> Void

    /// A world from its parts.
    public init(
        directory: String, closer: any DescriptorCloser, serverAddress: SocketAddress,
        clientAddress: @escaping @Sendable (Int) -> SocketAddress?, faults: Bool, timeUnit: Duration,
        poolLimit: Int, blockingWork: @escaping @Sendable () -> Void
    ) {
        self.directory = directory
        self.closer = closer
        self.serverAddress = serverAddress
        self.clientAddress = clientAddress
        self.faults = faults
        self.timeUnit = timeUnit
        self.poolLimit = poolLimit
        self.blockingWork = blockingWork
    }
}
