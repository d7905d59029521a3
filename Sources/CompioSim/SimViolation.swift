/// A rule of the driver contract that the code using the simulated driver broke
/// (or, for the exactly-once rules, that the simulator itself broke).
public struct SimViolation: Sendable, Hashable, CustomStringConvertible {
    /// Which rule.
    public enum Rule: String, Sendable, Hashable {
        /// An op completed a second time (or a completion for an unknown key appeared).
        case completedTwice = "op completed twice"
        /// An op was still pushed and not completed at the end of the run.
        case neverCompleted = "op never completed"
        /// An op named a descriptor number that was not open: the runtime used a
        /// number after it closed it, or one it never had.
        case opOnClosedDescriptor = "op on closed fd"
        /// Buffer owners handed to the driver did not all come back.
        case bufferNotReturned = "buffer not returned"
        /// A descriptor was still open at the end of the run.
        case descriptorLeaked = "fd left open"
        /// A close was pushed for a descriptor while ops pushed on it were still
        /// in flight (checked with ``SimDriver/closeRequiresQuiescence``): Linux
        /// allows it, the runtime's shared descriptors must never do it.
        case closeWithOpsInFlight = "close with ops in flight"
        /// Every task waits and nothing is scheduled: the run can never finish.
        case deadlock = "deadlock"
        /// A check of the runtime or of the scenario itself failed.
        case runtimeCheck = "runtime check"
        /// The scenario's own assertion failed.
        case scenario = "scenario assertion"
    }

    /// Which rule was broken.
    public var rule: Rule
    /// Virtual time, in nanoseconds, when it was found.
    public var time: Int64
    /// What exactly happened.
    public var message: String

    /// `rule at time: message`.
    public var description: String { "\(rule.rawValue) at t=\(time)ns: \(message)" }
}
