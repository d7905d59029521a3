/// Ticks at a fixed period on a runtime's clock, as an `AsyncSequence` of the
/// instants the ticks were scheduled for.
///
/// The first tick is due at the start instant (at once for
/// ``Runtime/interval(every:)``). When the consumer falls behind, missed ticks
/// are skipped, not delivered in a burst: the next tick is the first multiple
/// of the period after now, as in compio. Iteration throws
/// `CancellationError` when the task is cancelled.
public struct Interval: AsyncSequence, Sendable {
    /// The scheduled instant of a tick.
    public typealias Element = Instant
    /// Iteration fails only when the task is cancelled.
    public typealias Failure = CancellationError

    let runtime: Runtime
    let start: Instant
    /// Time between ticks.
    public let period: Duration

    init(runtime: Runtime, start: Instant, period: Duration) {
        precondition(period > .zero, "Interval: period must be positive, got \(period)")
        self.runtime = runtime
        self.start = start
        self.period = period
    }

    /// Produces the ticks.
    public struct Iterator: AsyncIteratorProtocol {
        let runtime: Runtime
        var schedule: IntervalSchedule

        /// Waits for the next tick and returns its scheduled instant.
        public mutating func next() async throws(CancellationError) -> Instant? {
            while true {
                if let tick = schedule.tick(now: runtime.now) { return tick }
                try await runtime.sleep(until: schedule.next)
            }
        }
    }

    /// An iterator whose first tick is due at the start instant.
    public func makeAsyncIterator() -> Iterator {
        Iterator(runtime: runtime, schedule: IntervalSchedule(start: start, period: period))
    }
}
