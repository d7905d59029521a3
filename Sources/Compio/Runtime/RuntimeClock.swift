/// A runtime's clock as a Swift `Clock`: the driver's clock, with sleeps on
/// the runtime's own timers.
///
/// `Task.sleep(for:clock: runtime.clock)` and any Clock-generic code run on
/// the runtime without leaving its thread (unlike `ContinuousClock`, whose
/// sleeps are woken by another thread), honour cancellation, and run on
/// virtual time under CompioSim.
public struct RuntimeClock: Clock {
    /// Compio's ``Instant``, on the driver's clock.
    public typealias Instant = Compio.Instant

    /// The runtime whose timers this clock sleeps on.
    public let runtime: Runtime

    /// The clock of `runtime`.
    public init(runtime: Runtime) { self.runtime = runtime }

    /// Now, on the driver's clock.
    public var now: Instant { runtime.now }

    /// One nanosecond: deadlines are kept exactly; how close a wake-up comes
    /// depends on the driver.
    public var minimumResolution: Duration { .nanoseconds(1) }

    /// Sleeps on the runtime until `deadline`; `tolerance` is ignored.
    public func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        try await runtime.sleep(until: deadline)
    }
}
