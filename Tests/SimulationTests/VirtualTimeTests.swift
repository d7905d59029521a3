import Glibc
import Compio
import CompioSim
import Synchronization
import Testing

@Suite struct VirtualTimeTests {
    @Test func tenHourWaitFinishesInstantly() throws {
        let driver = SimDriver(seed: 1)
        let wallStart = ContinuousClock.now
        let start = driver.now
        let n = try driver.poll(timeout: .seconds(10 * 3600)) { _ in }
        #expect(n == 0)
        #expect(start.duration(to: driver.now) == .seconds(10 * 3600))
        #expect(ContinuousClock.now - wallStart < .seconds(1))
        expectClean(driver)
    }

    @Test func pollJumpsToTheNextCompletionNotTheDeadline() throws {
        let h = SimHarness(seed: 3)
        let t = h.start(.nop)
        try h.poll(timeout: .seconds(3600))
        #expect(h.isDone(t))
        // A nop takes at most a microsecond of virtual time.
        #expect(h.driver.now.nanoseconds <= 1_000)
        expectClean(h.driver)
    }

    @Test func nilTimeoutWithNothingScheduledReturnsAtOnce() throws {
        let driver = SimDriver(seed: 5)
        let n = try driver.poll(timeout: nil) { _ in }
        #expect(n == 0)
        #expect(driver.now == .zero)
        #expect(driver.trace.events.contains { $0.kind == .wake && $0.name == "idle" })
    }

    @Test func foreignNotifyMakesTheNextPollReturn() throws {
        let driver = SimDriver(seed: 6)
        let notifier = driver.notifier
        let thread = Thread { notifier.notify() }
        thread.join()
        let n = try driver.poll(timeout: .seconds(60)) { _ in }
        #expect(n == 0)
        #expect(driver.now == .zero)
        // Consumed: the next poll waits out its timeout (virtually).
        try driver.poll(timeout: .seconds(1)) { _ in }
        #expect(driver.now == Instant(nanoseconds: 1_000_000_000))
    }

    @Test func blockingWorkRunsOnThePollingThreadAtItsSimulatedTime() throws {
        let h = SimHarness(seed: 9)
        let pollingThread = pthread_self()
        let sameThread = Atomic<Bool>(false)
        let ran = Atomic<Int64>(-1)
        let t = h.start(.asyncify(BlockingWork { [driver = UncheckedDriver(h.driver)] in
            sameThread.store(pthread_equal(pthread_self(), pollingThread) != 0, ordering: .relaxed)
            ran.store(driver.value.now.nanoseconds, ordering: .relaxed)
            return .success(42)
        }))
        let before = ran.load(ordering: .relaxed)
        #expect(before == -1)
        let c = try h.wait(t)
        #expect(try c.result.get() == 42)
        let onPollingThread = sameThread.load(ordering: .relaxed)
        let ranAt = ran.load(ordering: .relaxed)
        #expect(onPollingThread)
        #expect(ranAt >= 5_000)
        expectClean(h.driver)
    }
}

/// Lets a `@Sendable` test closure read the driver's clock; the simulated run
/// is single-threaded, so nothing races.
struct UncheckedDriver: @unchecked Sendable {
    let value: SimDriver
    init(_ value: SimDriver) { self.value = value }
}

/// A joinable thread for the foreign-notify test.
final class Thread {
    private var handle = pthread_t()
    init(_ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(Box(body))
        pthread_create(&handle, nil, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            box.body()
            return nil
        }, box.toOpaque())
    }
    func join() { pthread_join(handle, nil) }
    private final class Box {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
}
