/// The tick arithmetic of ``Interval``: ticks at `start + k·period`, and when
/// the consumer falls behind, the missed ticks are skipped rather than fired in
/// a burst (compio's and tokio's `MissedTickBehavior::Skip`).
struct IntervalSchedule: Sendable, Hashable {
    /// Time between ticks; positive.
    let period: Duration
    /// When the next tick is due.
    private(set) var next: Instant

    /// The first tick is due at `start`.
    init(start: Instant, period: Duration) {
        precondition(period > .zero, "IntervalSchedule: period must be positive, got \(period)")
        self.period = period
        self.next = start
    }

    /// If a tick is due at `now`, returns its scheduled instant and moves the
    /// next tick to the first multiple of the period after `now`.
    mutating func tick(now: Instant) -> Instant? {
        guard now >= next else { return nil }
        let fired = next
        let step = period.nanosecondsClamped
        let behind = next.duration(to: now).nanosecondsClamped
        let (periods, overflow) = (behind / step).addingReportingOverflow(1)
        next = overflow ? Instant(nanoseconds: .max) : next.advanced(by: .nanoseconds(step) * periods)
        assert(next > now, "IntervalSchedule: next tick \(next) not after now \(now)")
        return fired
    }
}
