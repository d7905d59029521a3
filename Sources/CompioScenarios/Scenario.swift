/// A test scenario written once against the runtime API, run under CompioSim
/// over many seeds and on the kernel drivers with the same assertions.
///
/// `body` runs inside the runtime's `blockOn`; `afterRun` runs after `blockOn`
/// returned (everything the body left running was cancelled and drained), for
/// checks of what the drain did.
public struct Scenario: Sendable, CustomStringConvertible {
    /// The name `compio-sim run` and the tests use.
    public let name: String
    /// What it exercises, in a line.
    public let summary: String
    /// The scenario itself.
    public let body: @Sendable (ScenarioContext) async throws -> Void
    /// Checks after the runtime drained.
    public let afterRun: @Sendable (ScenarioContext) throws -> Void
    /// The thread pool's limit the scenario needs, or `nil` for the default
    /// (on epoll, file ops run on the pool too, so only a scenario about the
    /// pool asks for a small one).
    public let poolLimit: Int?

    /// A scenario from its parts.
    public init(
        name: String, summary: String, poolLimit: Int? = nil,
        afterRun: @escaping @Sendable (ScenarioContext) throws -> Void = { _ in },
        body: @escaping @Sendable (ScenarioContext) async throws -> Void
    ) {
        self.name = name
        self.summary = summary
        self.body = body
        self.afterRun = afterRun
        self.poolLimit = poolLimit
    }

    /// The name.
    public var description: String { name }

    /// Every scenario, in a fixed order.
    public static let all: [Scenario] = [
        .files, .echo, .cancelStorm, .sharedClose, .timers, .shutdown, .poolExhaustion, .taskTrees, .unixEcho,
    ]

    /// The scenario called `name`, if any.
    public static func named(_ name: String) -> Scenario? { all.first { $0.name == name } }
}

/// A scenario's assertion failed.
public struct ScenarioFailure: Error, CustomStringConvertible {
    /// What was expected and what happened.
    public let message: String

    /// A failure with `message`.
    public init(_ message: String) { self.message = message }

    /// The message.
    public var description: String { message }
}
