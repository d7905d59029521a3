import Synchronization

/// Wake elision between a driver thread and the threads that notify it.
///
/// Bits: `awake` (the driver is running) and `notified` (a wake is pending).
/// A notifier sets `notified` and issues the wake-up syscall only when the flag
/// was fully clear (the driver is blocked or about to block), so notifications
/// while the driver runs cost one atomic operation. A notification that lands
/// while the driver is awake stays recorded, and the driver's next
/// ``prepareToBlock()`` sees it and does not sleep.
public final class WakeFlag: Sendable {
    static let notifiedBit: UInt8 = 1
    static let awakeBit: UInt8 = 2

    private let state = Atomic<UInt8>(WakeFlag.awakeBit)

    /// A flag in the awake state.
    public init() {}

    /// Driver side, before blocking: clears the flag. Returns true when a
    /// notification was pending, in which case the driver must not block.
    public func prepareToBlock() -> Bool {
        state.exchange(0, ordering: .acquiringAndReleasing) & WakeFlag.notifiedBit != 0
    }

    /// Driver side, after waking: marks the driver awake. A wake that raced with
    /// this already wrote the eventfd, so the next wait returns at once.
    public func markAwake() {
        state.store(WakeFlag.awakeBit, ordering: .releasing)
    }

    /// Notifier side: records a notification. Returns true when the driver may be
    /// blocked, in which case the caller must issue the wake-up syscall.
    public func notify() -> Bool {
        state.bitwiseOr(WakeFlag.notifiedBit, ordering: .acquiringAndReleasing).oldValue == 0
    }
}
