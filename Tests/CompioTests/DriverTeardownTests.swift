import CLinux
import Compio
import Glibc
import Synchronization
import SystemPackage
import Testing

/// Shutting a driver down with ops in flight: cancel, drain, then free.
@Suite struct DriverTeardownTests {
    @Test(arguments: TestDrivers.choices)
    func shutdownWithHundredOpsInFlightLeaksNothing(_ choice: DriverBuilder.Choice) throws {
        try Self.expectNoLeaks { buffersBefore in
            let driver = try TestDrivers.make(choice)
            let pipe = try Fixture.pipe()
            defer { Fixture.close(pipe.read, pipe.write) }
            var keys: [OpKey] = []
            for i in 0..<100 {
                keys.append(try driver.pushPending(.read(fd: pipe.read, buffer: OpBuffer(IOBuffer(capacity: 64)))))
                // Most reach the kernel; the last few are still queued at shutdown.
                if i == 89 { _ = try driver.poll(timeout: .zero) { _ in } }
            }
            #expect(driver.inFlight == 100)
            #expect(IOBuffer.live - buffersBefore == 100)
            driver.shutdown()
            #expect(driver.inFlight == 0)
        }
    }

    /// Runs `body` (given the live buffer count before it) and expects every
    /// buffer and descriptor it made to be gone afterwards.
    static func expectNoLeaks(
        sourceLocation: SourceLocation = #_sourceLocation, _ body: (Int) throws -> Void
    ) rethrows {
        let descriptorsBefore = OpenDescriptors.count()
        let buffersBefore = IOBuffer.live
        try body(buffersBefore)
        #expect(IOBuffer.live == buffersBefore, "buffers of cancelled ops leaked", sourceLocation: sourceLocation)
        #expect(OpenDescriptors.count() == descriptorsBefore, "descriptors leaked", sourceLocation: sourceLocation)
    }

    @Test(arguments: TestDrivers.choices)
    func droppingTheDriverWithOpsInFlightLeaksNothing(_ choice: DriverBuilder.Choice) throws {
        try Self.expectNoLeaks { _ in
            let driver = try TestDrivers.make(choice)
            let pipe = try Fixture.pipe()
            defer { Fixture.close(pipe.read, pipe.write) }
            let listener = try DriverSocketOpTests.listener(driver)
            defer { Fixture.close(listener.fd) }
            for _ in 0..<10 {
                _ = try driver.pushPending(.read(fd: pipe.read, buffer: OpBuffer(IOBuffer(capacity: 8))))
                _ = try driver.pushPending(.accept(fd: listener.fd, peer: SocketAddressBuffer()))
            }
            _ = try driver.poll(timeout: .zero) { _ in }
        }
    }

    @Test(arguments: TestDrivers.choices)
    func shutdownWaitsForARunningPoolOp(_ choice: DriverBuilder.Choice) throws {
        let driver = try TestDrivers.make(choice)
        let box = StateBox()  // 0 queued, 1 running, 2 done
        _ = try driver.pushPending(.asyncify(BlockingWork {
            box.state.store(1, ordering: .releasing)
            usleep(50_000)
            box.state.store(2, ordering: .releasing)
            return .success(1)
        }))
        let deadline = driver.now.advanced(by: .seconds(5))
        while box.state.load(ordering: .acquiring) == 0, driver.now < deadline {
            _ = try driver.poll(timeout: .milliseconds(1)) { _ in }
        }
        driver.shutdown()
        #expect(driver.inFlight == 0)
        #expect(box.state.load(ordering: .acquiring) == 2, "shutdown returned before the running pool op finished")
    }
}

/// An atomic a `@Sendable` closure can share.
final class StateBox: Sendable {
    let state: Atomic<Int>
    init() { state = Atomic(0) }
}
