import Compio
import Glibc
import SystemPackage
import Testing

/// What only the io_uring driver has: ring setup flags, a bounded SQ, ring failure.
@Suite struct IoUringDriverTests {
    @Test func fullSubmissionQueueLosesNothing() throws {
        var builder = DriverBuilder(choice: .ioUring)
        builder.capacity = 4
        let driver = try IoUringDriver(builder: builder)
        var keys = Set<OpKey>()
        for _ in 0..<100 { keys.insert(try driver.pushPending(.nop)) }
        #expect(keys.count == 100)
        var seen: [OpKey: Int] = [:]
        for c in try driver.collect(100) {
            #expect(c.result == .success(0))
            seen[c.key, default: 0] += 1
        }
        #expect(Set(seen.keys) == keys)
        #expect(seen.values.allSatisfy { $0 == 1 }, "every op completes exactly once")
        #expect(driver.inFlight == 0)
    }

    @Test func cancelOfAnOpStillInTheSubmissionQueueNeverRuns() throws {
        var builder = DriverBuilder(choice: .ioUring)
        builder.capacity = 2
        let driver = try IoUringDriver(builder: builder)
        let pipe = try Fixture.pipe()
        defer { Fixture.close(pipe.read, pipe.write) }
        let out = IOBuffer(bytes: [1, 2, 3])
        // A full queue is flushed to make room, so all but the last op reach the kernel.
        let keys = try (0..<8).map { _ in try driver.pushPending(.write(fd: pipe.write, buffer: OpBuffer(out, count: 3))) }
        driver.cancel(keys[7])
        var results: [OpKey: Result<Int, IOError>] = [:]
        for c in try driver.collect(8) { results[c.key] = c.result }
        #expect(results[keys[7]] == .failure(.errno(.canceled)))
        #expect(keys.dropLast().allSatisfy { results[$0] == .success(3) })
        #expect(Fixture.pendingBytes(pipe.read) == 21, "the cancelled write must not have run")
    }

    static let flagVariants: [(String, DriverBuilder.IoUringOptions)] = {
        var coop = DriverBuilder.IoUringOptions()
        coop.singleIssuerDeferTaskrun = false
        var plain = coop
        plain.coopTaskrun = false
        var sqpoll = plain
        sqpoll.sqpollIdle = .milliseconds(10)
        return [("default", DriverBuilder.IoUringOptions()), ("coop", coop), ("plain", plain), ("sqpoll", sqpoll)]
    }()

    @Test(arguments: flagVariants.map(\.0))
    func setupFlagVariantsRunOps(_ name: String) throws {
        var builder = DriverBuilder(choice: .ioUring)
        builder.ioUring = Self.flagVariants.first { $0.0 == name }!.1
        let driver = try IoUringDriver(builder: builder)
        #expect(try driver.run(.nop).result == .success(0))
        let pipe = try Fixture.pipe()
        defer { Fixture.close(pipe.read, pipe.write) }
        #expect(Glibc.write(pipe.write, "ok", 2) == 2)
        let buffer = IOBuffer(capacity: 4)
        #expect(try driver.run(.read(fd: pipe.read, buffer: OpBuffer(buffer))).result == .success(2))
    }

    @Test func simulatedRingFailureThrows() {
        var builder = DriverBuilder(choice: .ioUring)
        builder.simulatedRingFailure = .notPermitted
        #expect(throws: IOError.errno(.notPermitted)) { try IoUringDriver(builder: builder) }
        #expect(throws: IOError.errno(.notPermitted)) { try builder.build() }
    }
}
