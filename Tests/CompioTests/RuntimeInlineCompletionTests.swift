import Glibc
import Testing

@testable import Compio

/// Inline completion: an op the kernel finishes while it is submitted returns
/// without suspending its task, when no other task is ready, within a budget.
@Suite struct RuntimeInlineCompletionTests {
    /// With a budget of 16, 160 NOPs all complete inline, and the task lets
    /// the loop turn after every 16 (a sibling task runs each time); with
    /// inline completion off, every NOP waits for a poll.
    @Test(arguments: TestDrivers.choices)
    func nopsCompleteInlineWithinTheBudget(choice: DriverBuilder.Choice) async throws {
        func run(limit: Int) async throws -> (polls: Int, inline: Int, ok: Int, siblingTurns: Int) {
            try await RuntimeHarness.run(choice, configure: { $0.inlineCompletionLimit = limit }) { runtime in
                let sibling = SiblingCounter()
                let handle = runtime.spawn {
                    while !sibling.stopped {
                        sibling.turns += 1
                        await runtime.yield()
                    }
                }
                await runtime.yield()
                let before = (runtime.loopCounters, sibling.turns)
                var ok = 0
                for _ in 0..<160 where (try? await runtime.submit(.nop).result.get()) == 0 { ok += 1 }
                let after = (runtime.loopCounters, sibling.turns)
                sibling.stopped = true
                await handle.value
                return (after.0.polls - before.0.polls, after.0.inline - before.0.inline, ok, after.1 - before.1)
            }
        }
        let budgeted = try await run(limit: 16)
        #expect(budgeted.ok == 160)
        if choice == .ioUring {
            // With the sibling ready, each NOP joins the ring's batch instead
            // (Driver.batchesEagerPush(of:)): one loop turn per NOP.
            #expect(budgeted.inline == 0)
            #expect(budgeted.siblingTurns >= 150, "sibling ran \(budgeted.siblingTurns) times")
        } else {
            #expect(budgeted.inline == 160)
            #expect((8...12).contains(budgeted.siblingTurns), "sibling ran \(budgeted.siblingTurns) times")
        }
        let off = try await run(limit: 0)
        #expect(off.ok == 160)
        #expect(off.inline == 0)
        #expect(off.polls >= 160)
    }

    /// A task whose ops always finish at once must not starve timers or
    /// other tasks: the budget makes it suspend. Without the budget the
    /// sleeps below never end.
    @Test(.timeLimit(.minutes(1)), arguments: TestDrivers.choices)
    func aTaskWhoseOpsAlwaysCompleteInlineLetsTimersAndTasksRun(choice: DriverBuilder.Choice) async throws {
        let (ticks, other, spins) = try await RuntimeHarness.run(choice) { runtime in
            let stop = StopFlag()
            let spinner = runtime.spawn { () -> Int in
                var n = 0
                while !stop.stopped {
                    _ = await runtime.submit(.nop)
                    n += 1
                }
                return n
            }
            var ticks = 0
            for _ in 0..<5 {
                try await runtime.sleep(for: .milliseconds(2))
                ticks += 1
            }
            let other = await runtime.spawn { 42 }.value
            stop.stopped = true
            return (ticks, other, await spinner.value)
        }
        #expect(ticks == 5 && other == 42)
        #expect(spins > 64, "the spinner ran \(spins) ops")
    }

    /// An op that tries to complete inline and finds no data waits like any
    /// other: it completes when the data comes, and cancels to `ECANCELED`
    /// with its buffer.
    @Test(arguments: TestDrivers.choices)
    func anOpThatCannotCompleteInlineIsAwaitedAndCancellable(choice: DriverBuilder.Choice) async throws {
        let pipe = try Fixture.pipe()
        defer { Fixture.close(pipe.read, pipe.write) }
        let liveBefore = IOBuffer.live
        let (read, bytes, cancelled, sameBuffer, inline) = try await RuntimeHarness.run(choice) { runtime in
            let inlineBefore = runtime.loopCounters.inline
            Fixture.after(.milliseconds(20)) { _ = write(pipe.write, "hi", 2) }
            // Nothing else is ready: this read is pushed eagerly and stays pending.
            let buffer = IOBuffer(capacity: 8)
            let c = await runtime.submit(.read(fd: pipe.read, buffer: OpBuffer(buffer)))
            let n = (try? c.result.get()) ?? -1
            buffer.initialized = max(n, 0)

            let second = IOBuffer(capacity: 8)
            let reader = runtime.spawn { await runtime.submit(.read(fd: pipe.read, buffer: OpBuffer(second))) }
            await runtime.waitUntil(timeout: .seconds(1)) { runtime.inFlight > 0 }
            reader.cancel()
            let r = await reader.value
            return (n, buffer.bytes, r.error, returnedBuffer(r.op)?.owner === second,
                    runtime.loopCounters.inline - inlineBefore)
        }
        #expect(read == 2 && bytes == Array("hi".utf8))
        #expect(cancelled == .errno(.canceled))
        #expect(sameBuffer)
        #expect(inline == 0, "neither read could complete inline")
        #expect(IOBuffer.live == liveBefore)
    }

    /// Completions of other ops that the eager submission finds (here a pipe
    /// read woken by the write) resume their tasks; on io_uring the write's
    /// own submission reaps the read's completion.
    @Test(arguments: TestDrivers.choices)
    func completionsFoundDuringAnEagerPushResumeTheirTasks(choice: DriverBuilder.Choice) async throws {
        let pipe = try Fixture.pipe()
        defer { Fixture.close(pipe.read, pipe.write) }
        let (read, wrote, eager) = try await RuntimeHarness.run(choice) { runtime in
            let buffer = IOBuffer(capacity: 8)
            let reader = runtime.spawn { () -> Int in
                let c = await runtime.submit(.read(fd: pipe.read, buffer: OpBuffer(buffer)))
                return (try? c.result.get()) ?? -1
            }
            await runtime.waitUntil(timeout: .seconds(1)) { runtime.inFlight > 0 }
            // A poll submits the read: an op still waiting in io_uring's
            // submission queue would make the write join it instead.
            await runtime.yield()
            let before = runtime.loopCounters.eagerDeliveries
            let payload = IOBuffer(bytes: Array("abc".utf8))
            let w = await runtime.submit(.write(fd: pipe.write, buffer: OpBuffer(payload)))
            let eager = runtime.loopCounters.eagerDeliveries - before
            return (await reader.value, (try? w.result.get()) ?? -1, eager)
        }
        #expect(read == 3 && wrote == 3)
        if choice == .ioUring {
            #expect(eager == 1, "the read's completion came with the write's submission")
        }
    }

    /// On io_uring an op pushed the ordinary way waits in the submission
    /// queue for the next poll, and later ops join it there instead of
    /// entering the kernel early on their own; after the poll, ops complete
    /// inline again. On epoll a pushed op is in the kernel already, so a
    /// NOP still completes inline.
    @Test(.timeLimit(.minutes(1)), arguments: TestDrivers.choices)
    func opsWaitingForThePollMakeLaterOpsJoinTheBatch(choice: DriverBuilder.Choice) async throws {
        let pipe = try Fixture.pipe()
        defer { Fixture.close(pipe.read, pipe.write) }
        let (flagged, batchedInline, cleared, laterInline, read) = try await RuntimeHarness.run(choice) { runtime in
            let buffer = IOBuffer(capacity: 8)
            let readOp = Op.read(fd: pipe.read, buffer: OpBuffer(buffer))
            // Reads that keep missing are not tried inline while other tasks are ready.
            for _ in 0..<3 { runtime.core.pointee.inline.record(kind: InlineCompletionPolicy.kind(of: readOp), completedInline: false) }
            // One loop turn runs the reader, then the checker: the reader
            // pushes its read the ordinary way (the checker is ready).
            let reader = runtime.spawn { () -> Int in (try? await runtime.submit(readOp).result.get()) ?? -1 }
            let checker = runtime.spawn { () -> (Bool, Int, Bool, Int) in
                let flagged = runtime.core.pointee.pushedSincePoll
                var before = runtime.loopCounters.inline
                _ = await runtime.submit(.nop)
                let batchedInline = runtime.loopCounters.inline - before
                let cleared = !runtime.core.pointee.pushedSincePoll
                before = runtime.loopCounters.inline
                _ = await runtime.submit(.nop)
                return (flagged, batchedInline, cleared, runtime.loopCounters.inline - before)
            }
            let (flagged, batchedInline, cleared, laterInline) = await checker.value
            let payload = IOBuffer(bytes: Array("abc".utf8))
            _ = await runtime.submit(.write(fd: pipe.write, buffer: OpBuffer(payload)))
            return (flagged, batchedInline, cleared, laterInline, await reader.value)
        }
        #expect(flagged, "the read was pushed the ordinary way")
        #expect(batchedInline == (choice == .ioUring ? 0 : 1))
        if choice == .ioUring { #expect(cleared, "the poll submitted the batch") }
        #expect(laterInline == 1)
        #expect(read == 3)
    }
}

/// Written and read on one runtime's thread only.
private final class StopFlag: @unchecked Sendable {
    var stopped = false
}

/// Counts a sibling task's turns (one runtime's thread only).
private final class SiblingCounter: @unchecked Sendable {
    var turns = 0
    var stopped = false
}
