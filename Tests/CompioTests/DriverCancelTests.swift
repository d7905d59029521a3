import CLinux
import Compio
import Glibc
import SystemPackage
import Testing

/// Cancellation: a request, never a guarantee, and never a lost or doubled completion.
@Suite struct DriverCancelTests {
    @Test(arguments: TestDrivers.choices)
    func pendingPipeReadCancelledCompletesOnceWithItsBuffer(_ choice: DriverBuilder.Choice) throws {
        let driver = try TestDrivers.make(choice)
        let pipe = try Fixture.pipe()
        defer { Fixture.close(pipe.read, pipe.write) }
        let buffer = IOBuffer(capacity: 64)
        let key = try driver.pushPending(.read(fd: pipe.read, buffer: OpBuffer(buffer)))
        let early = try driver.poll(timeout: .milliseconds(20)) { c in Issue.record("unexpected completion \(c.key)") }
        #expect(early == 0)
        driver.cancel(key)
        driver.cancel(key)
        let c = try driver.wait(for: key)
        #expect(c.error == .errno(.canceled))
        #expect(returnedBuffer(c.op)?.owner === buffer)
        let later = try driver.poll(timeout: .milliseconds(50)) { c in Issue.record("second completion for \(c.key)") }
        #expect(later == 0)
        #expect(driver.inFlight == 0)
        driver.cancel(key)  // stale: ignored
    }

    @Test(arguments: TestDrivers.choices)
    func cancelAfterCompletionKeepsTheRealResult(_ choice: DriverBuilder.Choice) throws {
        let driver = try TestDrivers.make(choice)
        let pipe = try Fixture.pipe()
        defer { Fixture.close(pipe.read, pipe.write) }
        #expect(Glibc.write(pipe.write, "abc", 3) == 3)
        let buffer = IOBuffer(capacity: 8)
        let key = try driver.pushPending(.read(fd: pipe.read, buffer: OpBuffer(buffer)))
        // Wait until the kernel has done the read, without taking the completion.
        var completions: [Completion] = []
        let deadline = driver.now.advanced(by: .seconds(5))
        while completions.isEmpty, driver.now < deadline {
            _ = try driver.poll(timeout: .milliseconds(100)) { completions.append($0) }
        }
        driver.cancel(key)  // the key is already done: ignored
        #expect(completions.count == 1)
        #expect(completions.first?.result == .success(3))
    }

    @Test(arguments: TestDrivers.choices)
    func cancelBeforeSubmissionMeansTheOpNeverRuns(_ choice: DriverBuilder.Choice) throws {
        let driver = try TestDrivers.make(choice)
        let pipe = try Fixture.pipe()
        defer { Fixture.close(pipe.read, pipe.write) }
        let out = IOBuffer(bytes: Array("never".utf8))
        let key = try driver.pushPending(.write(fd: pipe.write, buffer: OpBuffer(out, count: out.initialized)))
        driver.cancel(key)
        let c = try driver.wait(for: key)
        #expect(c.error == .errno(.canceled))
        #expect(returnedBuffer(c.op)?.owner === out)
        _ = try driver.poll(timeout: .milliseconds(20)) { _ in }
        #expect(Fixture.pendingBytes(pipe.read) == 0, "the cancelled write reached the pipe")
    }

    @Test(arguments: TestDrivers.choices)
    func cancelOneOfManyLeavesTheOthers(_ choice: DriverBuilder.Choice) throws {
        let driver = try TestDrivers.make(choice)
        let pipe = try Fixture.pipe()
        defer { Fixture.close(pipe.read, pipe.write) }
        let buffers = (0..<3).map { _ in IOBuffer(capacity: 1) }
        let keys = try buffers.map { try driver.pushPending(.read(fd: pipe.read, buffer: OpBuffer($0))) }
        _ = try driver.poll(timeout: .milliseconds(10)) { _ in }
        driver.cancel(keys[1])
        let cancelled = try driver.wait(for: keys[1])
        #expect(cancelled.error == .errno(.canceled))
        #expect(driver.inFlight == 2)
        #expect(Glibc.write(pipe.write, "ab", 2) == 2)
        let rest = try driver.collect(2)
        #expect(Set(rest.map(\.key)) == [keys[0], keys[2]])
        #expect(rest.allSatisfy { $0.result == .success(1) })
    }
}
