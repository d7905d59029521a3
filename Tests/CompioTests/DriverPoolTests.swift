import CLinux
import Compio
import Dispatch
import Glibc
import SystemPackage
import Testing

/// Work on the thread pool comes back through the driver's poll.
@Suite struct DriverPoolTests {
    @Test(arguments: TestDrivers.choices)
    func asyncifyResultArrivesThroughPoll(_ choice: DriverBuilder.Choice) throws {
        let driver = try TestDrivers.make(choice)
        let c = try driver.run(.asyncify(BlockingWork { .success(42) }))
        #expect(c.result == .success(42))
        let failed = try driver.run(.asyncify(BlockingWork { .failure(.errno(.noSpace)) }))
        #expect(failed.error == .errno(.noSpace))
    }

    @Test(arguments: TestDrivers.choices)
    func busyPoolRefusesAtOnce(_ choice: DriverBuilder.Choice) throws {
        let driver = try TestDrivers.make(choice) { $0.threadPoolLimit = 1 }
        let gate = DispatchSemaphore(value: 0)
        let first = try driver.pushPending(.asyncify(BlockingWork {
            gate.wait()
            return .success(1)
        }))
        guard case .ready(let second) = driver.push(.asyncify(BlockingWork { .success(2) })) else {
            Issue.record("a second blocking op on a pool of one must be refused at once")
            gate.signal()
            _ = try driver.wait(for: first)
            return
        }
        #expect(second.error == .poolBusy)
        gate.signal()
        let c = try driver.wait(for: first)
        #expect(c.result == .success(1))
        #expect(driver.inFlight == 0)
    }
}
