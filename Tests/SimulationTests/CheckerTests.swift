import Compio
import CompioSim
import Glibc
import Testing

@Suite struct CheckerTests {
    @Test func opOnAClosedDescriptorIsEBADFAndAViolation() throws {
        let h = SimHarness(seed: 1)
        let fd = try h.open(.openAt(directory: -100, path: try OpPath("/f"), flags: createReadWrite, mode: 0o644))
        try h.close(fd)
        let c = try h.run(.read(fd: fd, buffer: OpBuffer(IOBuffer(capacity: 4))))
        #expect(c.error == .code(EBADF))
        let found = h.driver.check(final: true)
        #expect(found.map(\.rule) == [.opOnClosedDescriptor])
        let report = h.driver.failureReport(test: "CheckerTests") ?? ""
        #expect(report.contains("op on closed fd"))
        #expect(report.contains("COMPIO_SIM_SEED=1 swift test --filter CheckerTests"))
    }

    @Test func completionNeverTakenAndBufferNotReturnedAreReported() throws {
        let driver = SimDriver(seed: 2)
        _ = driver.push(.readAt(fd: 0, buffer: OpBuffer(IOBuffer(capacity: 4)), offset: 0))
        let rules = driver.check(final: true).map(\.rule)
        #expect(rules == [.neverCompleted, .bufferNotReturned])
        // Run to completion but never poll it out: still never taken.
        try driver.poll(timeout: .zero) { _ in }
        driver.shutdown()
        #expect(driver.check(final: true).isEmpty)
    }

    @Test func descriptorLeftOpenIsReported() throws {
        let h = SimHarness(seed: 3)
        let fd = try h.open(.openAt(directory: -100, path: try OpPath("/f"), flags: createReadWrite, mode: 0o644))
        let found = h.driver.check(final: true)
        #expect(found.map(\.rule) == [.descriptorLeaked])
        #expect(found.first?.message.contains("fd \(fd)") == true)
    }

    @Test func unclaimedDescriptorFromADroppedCompletionIsClosed() throws {
        let h = SimHarness(seed: 4)
        let t = h.start(.openAt(directory: -100, path: try OpPath("/f"), flags: createReadWrite, mode: 0o644))
        _ = try h.wait(t)
        #expect(h.driver.openDescriptors == [0, 1, 2, 3])
        _ = h.take(t)
        #expect(h.driver.openDescriptors == [0, 1, 2])
        expectClean(h.driver)
    }

    @Test func nonDeterministicScenarioIsCaughtAtTheFirstDivergentEvent() throws {
        var run = 0
        #expect(throws: SimDeterminism.Divergence.self) {
            try SimDeterminism.check(seed: 9, test: "x") { seed in
                run += 1
                let h = SimHarness(seed: seed)
                // The second run pushes one more op: a stand-in for hidden nondeterminism.
                for _ in 0..<(run == 1 ? 3 : 4) { h.start(.nop) }
                try h.drain()
                return h.driver.trace
            }
        }
    }
}
