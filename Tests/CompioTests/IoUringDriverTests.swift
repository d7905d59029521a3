import CLinux
import Glibc
import SystemPackage
import Synchronization
import Testing
@testable import Compio

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

    // The kernel's IORING_SETUP_* values (the test target does not import liburing).
    static let sqpollFlag: UInt32 = 1 << 1
    static let coopFlag: UInt32 = 1 << 8
    static let singleIssuerFlag: UInt32 = 1 << 12
    static let deferTaskrunFlag: UInt32 = 1 << 13

    @Test(arguments: flagVariants.map(\.0))
    func setupFlagVariantsRunOps(_ name: String) throws {
        var builder = DriverBuilder(choice: .ioUring)
        builder.ioUring = Self.flagVariants.first { $0.0 == name }!.1
        let driver = try IoUringDriver(builder: builder)
        let flags = driver.setupFlags
        switch name {
        case "default": #expect(flags & (Self.singleIssuerFlag | Self.deferTaskrunFlag) == Self.singleIssuerFlag | Self.deferTaskrunFlag)
        case "coop": #expect(flags & Self.coopFlag != 0 && flags & Self.deferTaskrunFlag == 0)
        case "plain": #expect(flags & (Self.coopFlag | Self.deferTaskrunFlag | Self.sqpollFlag) == 0)
        default: #expect(flags & Self.sqpollFlag != 0)
        }
        #expect(try driver.run(.nop).result == .success(0))
        let pipe = try Fixture.pipe()
        defer { Fixture.close(pipe.read, pipe.write) }
        #expect(Glibc.write(pipe.write, "ok", 2) == 2)
        let buffer = IOBuffer(capacity: 4)
        #expect(try driver.run(.read(fd: pipe.read, buffer: OpBuffer(buffer))).result == .success(2))
    }

    /// The ring is entered through a registered slot (`IORING_REGISTER_RING_FDS`),
    /// and ops submitted and reaped that way complete, in batches and alone.
    @Test(.enabled(if: kernelAtLeast(5, 18), "needs Linux 5.18 (IORING_REGISTER_RING_FDS)"))
    func theRingIsEnteredThroughARegisteredSlot() throws {
        let driver = try IoUringDriver(builder: DriverBuilder(choice: .ioUring))
        #expect(driver.ringFdRegistered)
        for _ in 0..<8 { _ = try driver.pushPending(.nop) }
        let batch = try driver.collect(8)
        #expect(batch.allSatisfy { $0.result == .success(0) })
        guard case .ready(let alone) = driver.pushEagerly(.nop, { _ in Issue.record("no other op is in flight") }) else {
            Issue.record("a NOP pushed eagerly did not complete during its own enter")
            return
        }
        #expect(alone.result == .success(0))
    }

    @Test func simulatedRingFailureThrows() {
        var builder = DriverBuilder(choice: .ioUring)
        builder.simulatedRingFailure = .notPermitted
        #expect(throws: IOError.errno(.notPermitted)) { try IoUringDriver(builder: builder) }
        #expect(throws: IOError.errno(.notPermitted)) { try builder.build() }
    }

    @Test func sqpollWithATinyQueueUsesTheBacklogAndLosesNothing() throws {
        var builder = DriverBuilder(choice: .ioUring)
        builder.capacity = 1
        builder.ioUring.singleIssuerDeferTaskrun = false
        builder.ioUring.coopTaskrun = false
        builder.ioUring.sqpollIdle = .milliseconds(50)
        let driver = try IoUringDriver(builder: builder)
        var keys = Set<OpKey>()
        for _ in 0..<200 { keys.insert(try driver.pushPending(.nop)) }
        // Cancel a few: wherever they are (queue, backlog, kernel), each still completes once.
        for key in keys.prefix(20) { driver.cancel(key) }
        // A poll moves only as many backlog ops as the polling thread made room
        // for, so count time rather than polls.
        var seen: [OpKey: Int] = [:]
        let deadline = driver.now.advanced(by: .seconds(10))
        while seen.values.reduce(0, +) < 200, driver.now < deadline {
            _ = try driver.poll(timeout: .milliseconds(100)) { c in
                #expect(c.result == .success(0) || c.error == .errno(.canceled))
                seen[c.key, default: 0] += 1
            }
        }
        #expect(Set(seen.keys) == keys)
        #expect(seen.values.allSatisfy { $0 == 1 })
        #expect(driver.ringOpCount == 0)
        #expect(driver.backlogPeak > 0, "the polling thread kept up with 200 pushes: the backlog was not exercised")
    }

    @Test func probeFindsTheBasicOpcodes() throws {
        let driver = try IoUringDriver(builder: DriverBuilder(choice: .ioUring))
        let b = OpBuffer.empty
        #expect(driver.runsNatively(.nop))
        #expect(driver.runsNatively(.read(fd: 0, buffer: b)))
        #expect(driver.runsNatively(.send(fd: 0, buffer: b, flags: 0)))
        #expect(!driver.runsNatively(.asyncify(BlockingWork { .success(0) })), "asyncify always runs on the pool")
    }

    /// Forces every op onto the pool, as on a kernel whose probe lists none of them.
    static func poolOnlyDriver() throws -> IoUringDriver {
        let driver = try IoUringDriver(builder: DriverBuilder(choice: .ioUring))
        driver.routesToPool = { _ in true }
        return driver
    }

    @Test func opsTheKernelLacksRunOnThePool() throws {
        let driver = try Self.poolOnlyDriver()
        let dir = try Fixture.temporaryDirectory()
        defer { Fixture.remove(dir) }
        let fd = try DriverFileOpTests.open(driver, dir + "/pool")
        #expect(fcntl(fd, F_GETFD) & FD_CLOEXEC != 0)
        let out = IOBuffer(bytes: Array("pooled".utf8))
        #expect(try driver.run(.writeAt(fd: fd, buffer: OpBuffer(out, count: 6), offset: 0)).result == .success(6))
        #expect(try driver.run(.truncate(fd: fd, length: 4)).result == .success(0))
        #expect(try DriverFileOpTests.metadata(driver, fd: fd).size == 4)
        let into = IOBuffer(capacity: 8)
        let r = try driver.run(.readAt(fd: fd, buffer: OpBuffer(into), offset: 0))
        into.initialized = try r.result.get()
        #expect(into.bytes == Array("pool".utf8))
        #expect(try driver.run(.close(fd: fd)).result == .success(0))
        let (listenFD, port) = try DriverSocketOpTests.listener(driver)
        defer { Fixture.close(listenFD) }
        #expect(port != 0)
    }

    @Test func cancelledPoolOpEitherNeverRunsOrKeepsItsResult() throws {
        let driver = try Self.poolOnlyDriver()
        for _ in 0..<20 {
            let ran = StateBox()
            let key = try driver.pushPending(.asyncify(BlockingWork {
                ran.state.store(1, ordering: .releasing)
                return .success(7)
            }))
            driver.cancel(key)
            let c = try driver.wait(for: key)
            if c.error == .errno(.canceled) {
                #expect(ran.state.load(ordering: .acquiring) == 0, "a cancelled pool op ran")
            } else {
                #expect(c.result == .success(7))
                #expect(ran.state.load(ordering: .acquiring) == 1)
            }
            #expect(driver.inFlight == 0)
        }
    }
}

/// Whether the running kernel is at least `major.minor` (from `uname`).
func kernelAtLeast(_ major: Int, _ minor: Int) -> Bool {
    var name = utsname()
    guard uname(&name) == 0 else { return false }
    let release = withUnsafeBytes(of: name.release) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
    let parts = release.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
    guard parts.count == 2 else { return false }
    return (parts[0], parts[1]) >= (major, minor)
}
