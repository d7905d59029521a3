import Compio
import Glibc
import Synchronization
import Testing

/// Task cancellation bridged to driver cancellation: the op's own completion
/// always resumes the task, with its buffer.
@Suite struct RuntimeCancellationTests {
    @Test(arguments: TestDrivers.choices)
    func cancellingATaskBlockedInAPipeReadGivesECANCELEDAndTheBuffer(choice: DriverBuilder.Choice) async throws {
        let pipe = try Fixture.pipe()
        defer { Fixture.close(pipe.read, pipe.write) }
        let liveBefore = IOBuffer.live
        let (error, sameBuffer) = try await RuntimeHarness.run(choice) { runtime in
            let buffer = IOBuffer(capacity: 64)
            let reader = await startReading(pipe.read, into: buffer, on: runtime)
            // Cancelled from a sibling task.
            reader.cancel()
            let c = await reader.value
            return (c.error, returnedBuffer(c.op)?.owner === buffer)
        }
        #expect(error == .errno(.canceled))
        #expect(sameBuffer)
        #expect(IOBuffer.live == liveBefore)
    }

    /// A structured child of a spawned task inherits the task's cancel scope
    /// (a task local) but not its handler: cancelling the child through its
    /// group must still reach the child's op.
    @Test(.timeLimit(.minutes(1)), arguments: TestDrivers.choices)
    func cancellingAStructuredChildOfASpawnedTaskCancelsItsOp(choice: DriverBuilder.Choice) async throws {
        let pipe = try Fixture.pipe()
        defer { Fixture.close(pipe.read, pipe.write) }
        let errors = try await RuntimeHarness.run(choice) { runtime in
            await runtime.spawn { () async -> [IOError?] in
                await withTaskGroup(of: IOError?.self) { group in
                    for _ in 0..<2 {
                        group.addTask { await runtime.submit(.read(fd: pipe.read, buffer: OpBuffer(IOBuffer(capacity: 8)))).error }
                    }
                    await runtime.waitUntil(timeout: .seconds(1)) { runtime.inFlight == 2 }
                    group.cancelAll()
                    var errors: [IOError?] = []
                    for await e in group { errors.append(e) }
                    return errors
                }
            }.value
        }
        #expect(errors == [.errno(.canceled), .errno(.canceled)])
    }

    /// A task spawned on one runtime that waits on an op of another runtime:
    /// its cancel scope belongs to the first runtime's loop, so the op must
    /// keep its own handler, or the cancel would look for it in the wrong
    /// runtime's tables.
    @Test(.timeLimit(.minutes(1)), arguments: TestDrivers.choices)
    func cancellingATaskBlockedOnAnotherRuntimesOpReachesThatRuntime(choice: DriverBuilder.Choice) async throws {
        let pipe = try Fixture.pipe()
        defer { Fixture.close(pipe.read, pipe.write) }
        let dispatcher = try Dispatcher(workers: 1, builder: RuntimeBuilder(choice: choice))
        defer { dispatcher.join() }
        let other = try await dispatcher.dispatch { Runtime.current! }
        let error = try await RuntimeHarness.run(choice) { runtime in
            let reader = runtime.spawn { () async -> IOError? in
                await other.submit(.read(fd: pipe.read, buffer: OpBuffer(IOBuffer(capacity: 8)))).error
            }
            let started = try await dispatcher.dispatch { () async -> Bool in
                await other.waitUntil(timeout: .seconds(2)) { other.inFlight > 0 }
            }
            #expect(started)
            reader.cancel()
            return await reader.value
        }
        #expect(error == .errno(.canceled))
    }

    /// A spawned task cancelled while it waits on something other than an op
    /// (here a sibling's value) has no op to cancel then; its next op finds
    /// the task cancelled and does not run.
    @Test(arguments: TestDrivers.choices)
    func aTaskCancelledBetweenOpsHasItsNextOpRefused(choice: DriverBuilder.Choice) async throws {
        let payload: [UInt8] = [1, 2, 3]
        let pipe = try Fixture.pipe(holding: payload)
        defer { Fixture.close(pipe.read, pipe.write) }
        let (error, unread) = try await RuntimeHarness.run(choice) { runtime in
            let gate = Event()
            let task = runtime.spawn { () async -> IOError? in
                await gate.wait()
                return await runtime.submit(.read(fd: pipe.read, buffer: OpBuffer(IOBuffer(capacity: 8)))).error
            }
            await runtime.yield()
            task.cancel()
            gate.notify()
            return (await task.value, Fixture.pendingBytes(pipe.read))
        }
        #expect(error == .errno(.canceled))
        #expect(unread == payload.count, "the read did not run")
    }

    @Test(arguments: TestDrivers.choices)
    func aCancelRacingWithDataGivesECANCELEDOrTheRealResult(choice: DriverBuilder.Choice) async throws {
        let pipe = try Fixture.pipe()
        defer { Fixture.close(pipe.read, pipe.write) }
        let payload: [UInt8] = Array("hello".utf8)
        #expect(write(pipe.write, payload, payload.count) == payload.count)
        let (result, bytes) = try await RuntimeHarness.run(choice) { runtime in
            let buffer = IOBuffer(capacity: 64)
            let reader = await startReading(pipe.read, into: buffer, on: runtime)
            reader.cancel()
            let c = await reader.value
            if case .success(let n) = c.result { buffer.initialized = n }
            return (c.result, buffer.bytes)
        }
        switch result {
        case .success(let n):
            #expect(n == payload.count && bytes == payload)
        case .failure(let e):
            #expect(e == .errno(.canceled))
            #expect(Fixture.pendingBytes(pipe.read) == payload.count)
        }
    }

    @Test(arguments: TestDrivers.choices)
    func cancellationFromAnotherThreadReachesTheDriver(choice: DriverBuilder.Choice) async throws {
        let pipe = try Fixture.pipe()
        defer { Fixture.close(pipe.read, pipe.write) }
        let (error, runtimeThread, cancelThread) = try await RuntimeHarness.run(choice) { runtime in
            let reader = await startReading(pipe.read, into: IOBuffer(capacity: 16), on: runtime)
            let canceller = Atomic<Int32>(0)
            Fixture.after(.milliseconds(20)) {
                canceller.store(RuntimeHarness.threadID, ordering: .relaxed)
                reader.cancel()
            }
            let c = await reader.value
            return (c.error, RuntimeHarness.threadID, canceller.load(ordering: .relaxed))
        }
        #expect(error == .errno(.canceled))
        #expect(cancelThread != 0 && cancelThread != runtimeThread)
    }

    @Test(arguments: TestDrivers.choices)
    func anAlreadyCancelledTaskDoesNotRunItsOp(choice: DriverBuilder.Choice) async throws {
        let pipe = try Fixture.pipe()
        defer { Fixture.close(pipe.read, pipe.write) }
        let error = try await RuntimeHarness.run(choice) { runtime in
            await runtime.spawn { () -> IOError? in
                withUnsafeCurrentTask { $0?.cancel() }
                let buffer = IOBuffer(bytes: Array("never".utf8))
                return await runtime.submit(.write(fd: pipe.write, buffer: OpBuffer(buffer, count: 5))).error
            }.value
        }
        #expect(error == .errno(.canceled))
        #expect(Fixture.pendingBytes(pipe.read) == 0)
    }
}

/// Spawns a task reading `fd` into `buffer` and returns once its read is in flight.
private func startReading(_ fd: Int32, into buffer: IOBuffer, on runtime: Runtime) async -> JoinHandle<Completion, Never> {
    let reader = runtime.spawn { () -> Completion in
        await runtime.submit(.read(fd: fd, buffer: OpBuffer(buffer)))
    }
    // A read that finds data completes at once and is never in flight.
    await runtime.waitUntil(timeout: .seconds(1)) { runtime.inFlight > 0 }
    return reader
}
