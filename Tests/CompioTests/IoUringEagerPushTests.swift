import CLinux
import Glibc
import Testing
@testable import Compio

/// `IoUringDriver.pushEagerly` without a table slot: an op submitted under
/// the eager `user_data` that completes during the submission never enters
/// the op table; one that does not gets a slot and behaves like any other
/// table op (poll, cancel, shutdown), and while it waits the next eager push
/// takes the table path.
@Suite struct IoUringEagerPushTests {
    private static func write(_ fd: Int32, _ bytes: [UInt8]) -> Int {
        bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    }

    private func read(_ fd: Int32, _ buffer: IOBuffer) -> Op {
        .read(fd: fd, buffer: OpBuffer(buffer))
    }

    private func eagerly(_ driver: IoUringDriver, _ op: Op, others: (Completion) -> Void = { _ in
        Issue.record("the driver handed out another op's completion")
    }) -> PushResult {
        driver.pushEagerly(op) { others($0) }
    }

    /// The completion of a ready push, else `nil`.
    private func ready(_ result: PushResult) -> Completion? {
        if case .ready(let c) = result { c } else { nil }
    }

    /// The key of a pending push, else `nil`.
    private func pending(_ result: PushResult) -> OpKey? {
        if case .pending(let key) = result { key } else { nil }
    }

    @Test func aNopCompletesDuringItsPushWithoutATableSlot() throws {
        let driver = try IoUringDriver(builder: DriverBuilder(choice: .ioUring))
        for _ in 0..<3 {
            let c = try #require(ready(eagerly(driver, .nop)), "an eager NOP stayed pending")
            #expect(c.key == .immediate)
            #expect(c.result == .success(0))
            #expect(driver.inFlight == 0)
            #expect(driver.ringOpCount == 0)
        }
    }

    /// A read of an empty pipe stays pending under the eager `user_data`:
    /// the next eager op goes through the table and completes, and the read's
    /// completion later comes out of a poll under the key the push returned.
    @Test func aPendingEagerOpCompletesByPollUnderItsKey() throws {
        let driver = try IoUringDriver(builder: DriverBuilder(choice: .ioUring))
        let pipe = try Fixture.pipe()
        defer { Fixture.close(pipe.read, pipe.write) }
        let buffer = IOBuffer(capacity: 8)
        let key = try #require(pending(eagerly(driver, read(pipe.read, buffer))), "a read of an empty pipe completed at push")
        #expect(driver.inFlight == 1)
        // The eager user_data is taken: this NOP goes through the table.
        let nop = try #require(ready(eagerly(driver, .nop)), "an eager NOP stayed pending")
        #expect(nop.result == .success(0))
        #expect(driver.inFlight == 1)
        #expect(Self.write(pipe.write, [7, 8, 9]) == 3)
        let c = try driver.wait(for: key)
        #expect(c.result == .success(3))
        buffer.initialized = 3
        #expect(buffer.bytes == [7, 8, 9])
        #expect(driver.inFlight == 0)
        // The user_data is free again: the next NOP needs no slot.
        let again = try #require(ready(eagerly(driver, .nop)), "an eager NOP stayed pending")
        #expect(again.key == .immediate)
    }

    /// The cancel of a pending eager op names it by the eager `user_data`.
    @Test func aPendingEagerOpIsCancelledByKey() throws {
        let driver = try IoUringDriver(builder: DriverBuilder(choice: .ioUring))
        let pipe = try Fixture.pipe()
        defer { Fixture.close(pipe.read, pipe.write) }
        let key = try #require(pending(eagerly(driver, read(pipe.read, IOBuffer(capacity: 8)))), "a read of an empty pipe completed at push")
        driver.cancel(key)
        let c = try driver.wait(for: key)
        #expect(c.result == .failure(.errno(.canceled)))
        #expect(driver.inFlight == 0)
        #expect(driver.ringOpCount == 0)
    }

    /// When another op's CQE is ready too, the eager op gets a slot, and both
    /// completions come out: the eager op's as the push's result, the other
    /// through `others`, each exactly once.
    @Test func otherCompletionsFoundDuringAnEagerPushAreHandedOut() throws {
        let driver = try IoUringDriver(builder: DriverBuilder(choice: .ioUring))
        let pipe = try Fixture.pipe()
        defer { Fixture.close(pipe.read, pipe.write) }
        let waiting = try driver.pushPending(read(pipe.read, IOBuffer(capacity: 8)))
        // Hand the read to the kernel, then make it complete.
        try driver.poll(timeout: .zero) { _ in Issue.record("nothing should be complete yet") }
        #expect(Self.write(pipe.write, [1]) == 1)
        var others: [Completion] = []
        let nop = try #require(ready(eagerly(driver, .nop, others: { others.append($0) })), "an eager NOP stayed pending")
        #expect(nop.result == .success(0))
        var late: [Completion] = []
        try driver.poll(timeout: .zero) { late.append($0) }
        let all = others + late
        #expect(all.map(\.key) == [waiting], "the pipe read completes exactly once")
        #expect(all.first?.result == .success(1))
        #expect(driver.inFlight == 0)
    }

    /// An op that creates a descriptor hands it over, whichever way it
    /// completes.
    @Test func aSocketPushedEagerlyCarriesItsDescriptor() throws {
        let driver = try IoUringDriver(builder: DriverBuilder(choice: .ioUring))
        let op = Op.socket(domain: AF_INET, type: CLINUX_SOCK_STREAM, protocol: 0)
        let c: Completion =
            switch eagerly(driver, op) {
            case .ready(let c): c
            case .pending(let key): try driver.wait(for: key)
            }
        guard case .success(let fd) = c.result else {
            Issue.record("socket failed: \(c.result)")
            return
        }
        #expect(c.descriptor?.raw == Int32(fd))
        #expect(fcntl(Int32(fd), F_GETFD) >= 0, "the new socket is open")
        // Dropping the completion closes the unclaimed descriptor.
    }

    /// Shutdown cancels and drains a pending eager op like any other.
    @Test func shutdownDrainsAPendingEagerOp() throws {
        let driver = try IoUringDriver(builder: DriverBuilder(choice: .ioUring))
        let pipe = try Fixture.pipe()
        defer { Fixture.close(pipe.read, pipe.write) }
        _ = try #require(pending(eagerly(driver, read(pipe.read, IOBuffer(capacity: 8)))), "a read of an empty pipe completed at push")
        driver.shutdown()
        #expect(driver.inFlight == 0)
        #expect(driver.ringOpCount == 0)
    }
}
