/// Counters of a simulated run, for tests and the summary line.
public struct SimStats: Sendable, Hashable {
    /// Ops pushed.
    public var pushed = 0
    /// Completions handed to the caller of poll (or dropped by shutdown).
    public var delivered = 0
    /// Cancels that found the op not yet submitted: it never ran.
    public var cancelBeforeSubmission = 0
    /// Cancels that ended the op with `ECANCELED`.
    public var cancelCanceled = 0
    /// Cancels that came too late: the op completed normally.
    public var cancelTooLate = 0
    /// Cancels that left partial progress (a short transfer).
    public var cancelPartial = 0
    /// Cancels of ops that had already completed (or unknown keys): ignored.
    public var cancelIgnored = 0
    /// Faults injected from the plan.
    public var faults = 0
    /// Descriptors created by ops and closed because nobody claimed them.
    public var unclaimedDescriptorsClosed = 0
    /// Eager pushes that submitted at once (the seed may defer one to the next poll).
    public var eagerSubmissions = 0
    /// Eager pushes that returned `.ready`: the op finished during submission,
    /// or was refused at push (`EBADF`, pool busy, shutdown), as the runtime counts them.
    public var inlineCompletions = 0
    /// Other ops' completions an eager push handed to its `others` closure.
    public var eagerDeliveries = 0
    /// Agenda entries run.
    public var events = 0

    /// Nothing counted yet.
    public init() {}
}
