import Compio
import Synchronization

/// The simulated driver's notifier: an atomic flag, no descriptor. A notify
/// from any thread makes the next ``SimDriver/poll(timeout:_:)`` return at once.
public final class SimNotifier: DriverNotifier {
    private let flag = Atomic<Bool>(false)

    init() {}

    /// Records a wake-up for the driver's next poll.
    public func notify() { flag.store(true, ordering: .releasing) }

    /// Driver side: clears the flag, returning whether it was set.
    func consume() -> Bool { flag.exchange(false, ordering: .acquiringAndReleasing) }
}
