import Compio
import CompioSim
import Glibc
import Testing

@Suite struct CancellationTests {
    /// Over ~1,000 seeds every cancel outcome is reached; each op completes
    /// exactly once (the harness checks) and every buffer comes back.
    @Test func everyCancelOutcomeIsReachable() throws {
        var totals = SimStats()
        let liveBefore = IOBuffer.live
        for seed in SimSeeds.seeds(defaultCount: 1000) {
            let h = SimHarness(seed: seed)
            let fd = try h.open(.openAt(directory: -100, path: try OpPath("/f"), flags: createReadWrite, mode: 0o644))
            _ = try h.run(.writeAt(fd: fd, buffer: OpBuffer(IOBuffer(bytes: Array(repeating: 1, count: 64))), offset: 0))
            let read = h.start(.readAt(fd: fd, buffer: OpBuffer(IOBuffer(capacity: 64)), offset: 0))
            let write = h.start(.writeAt(fd: fd, buffer: OpBuffer(IOBuffer(bytes: Array(repeating: 2, count: 32))), offset: 100))
            h.cancel(read)
            h.cancel(write)
            h.cancel(write)  // a repeated cancel is ignored
            try h.drain()
            let r = try h.wait(read), w = try h.wait(write)
            // No side effect unless the write really ran (fully or partly).
            let contents = h.driver.contentsOfFile(atPath: "/f")!
            switch w.result {
            case .failure(let e):
                #expect(e == .code(ECANCELED))
                #expect(contents.count == 64, "seed \(seed): a cancelled write left data")
            case .success(let n):
                #expect(n >= 1 && n <= 32)
                #expect(contents.count == 100 + n)
            }
            if case .success(let n) = r.result { #expect(n >= 1 && n <= 64) } else { #expect(r.error == .code(ECANCELED)) }
            try h.close(fd)
            expectClean(h.driver)
            let s = h.driver.stats
            totals.cancelBeforeSubmission += s.cancelBeforeSubmission
            totals.cancelCanceled += s.cancelCanceled
            totals.cancelTooLate += s.cancelTooLate
            totals.cancelPartial += s.cancelPartial
            totals.cancelIgnored += s.cancelIgnored
        }
        #expect(IOBuffer.live == liveBefore, "every buffer is released")
        #expect(totals.cancelBeforeSubmission > 0)
        #expect(totals.cancelCanceled > 0)
        #expect(totals.cancelTooLate > 0)
        #expect(totals.cancelPartial > 0)
        #expect(totals.cancelIgnored > 0)
        print("cancel outcomes: before submission \(totals.cancelBeforeSubmission), ECANCELED \(totals.cancelCanceled), too late \(totals.cancelTooLate), partial \(totals.cancelPartial), repeated/after completion \(totals.cancelIgnored)")
    }

    /// A cancelled accept that completed anyway carries a new descriptor; if the
    /// completion is dropped unclaimed, the descriptor is closed, not leaked.
    @Test func acceptCompletingAfterItsCancelClosesTheUnclaimedDescriptor() throws {
        var tooLate = 0
        for seed in SimSeeds.seeds(defaultCount: 200) {
            let h = SimHarness(seed: seed)
            h.driver.addHost("10.0.0.2")
            let listener = try h.open(.socket(domain: AF_INET, type: 1, protocol: 0))
            _ = try h.run(.bind(fd: listener, address: SimAddress("10.0.0.1:9")!.buffer()))
            _ = try h.run(.listen(fd: listener, backlog: 4))
            let client = try h.open(.socket(domain: AF_INET, type: 1, protocol: 0))
            _ = try h.run(.bind(fd: client, address: SimAddress("10.0.0.2:0")!.buffer()))
            let connected = try h.run(.connect(fd: client, address: SimAddress("10.0.0.1:9")!.buffer()))
            #expect(connected.result == .success(0))
            // The connection waits in the backlog; an accept now can finish at once.
            let accept = h.start(.accept(fd: listener, peer: nil))
            h.cancel(accept)
            try h.drain()
            let before = h.driver.openDescriptors
            let c = h.take(accept)!
            if case .success(let fd) = c.result {
                tooLate += 1
                #expect(before.contains(Int32(fd)))
                _ = consume c  // dropped without take()
                #expect(!h.driver.openDescriptors.contains(Int32(fd)), "seed \(seed): unclaimed fd \(fd) leaked")
                #expect(h.driver.stats.unclaimedDescriptorsClosed == 1)
            } else {
                #expect(c.error == .code(ECANCELED))
            }
            try h.close(client)
            try h.close(listener)
            try h.drain()
            expectClean(h.driver)
        }
        #expect(tooLate > 0)
    }

    @Test func cancelOfABlockedReceiveEndsItWithECANCELED() throws {
        for seed in UInt64(1)...50 {
            let h = SimHarness(seed: seed)
            let pipe = h.driver.makePipe()
            let read = h.start(.read(fd: pipe.read, buffer: OpBuffer(IOBuffer(capacity: 8))))
            try h.poll(timeout: .seconds(1))
            #expect(!h.isDone(read))
            h.cancel(read)
            #expect(try h.wait(read).error == .code(ECANCELED))
            try h.close(pipe.read)
            try h.close(pipe.write)
            expectClean(h.driver)
        }
    }

    @Test func shutdownCancelsAndDrainsEverything() throws {
        let h = SimHarness(seed: 21)
        let pipe = h.driver.makePipe()
        _ = h.start(.read(fd: pipe.read, buffer: OpBuffer(IOBuffer(capacity: 8))))
        _ = h.start(.nop)
        h.driver.shutdown()
        #expect(h.driver.inFlight == 0)
        if case .ready(let c) = h.driver.push(.nop) { #expect(c.error == .shutdown) } else { Issue.record("push after shutdown was accepted") }
        try h.driver.poll(timeout: .zero) { _ in }
        let problems = h.driver.check(final: true)
        // Only the two pipe ends, left open on purpose, are reported.
        #expect(problems.map(\.rule) == [.descriptorLeaked, .descriptorLeaked])
    }
}
