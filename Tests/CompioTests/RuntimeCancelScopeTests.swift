@testable import Compio
import Glibc
import Testing

/// `Runtime.withCancelScope`: one cancellation handler for every op of a
/// structured child, with the same cancellation semantics as one per op.
@Suite struct RuntimeCancelScopeTests {
    /// A task-group child gets no scope of its own; inside `withCancelScope`
    /// it has one, and it is gone again when the body returns.
    @Test(arguments: TestDrivers.choices)
    func aStructuredChildHasAScopeOnlyInsideWithCancelScope(choice: DriverBuilder.Choice) async throws {
        let seen = try await RuntimeHarness.run(choice) { runtime in
            await runtime.spawn { () async -> [Bool] in
                await withTaskGroup(of: [Bool].self) { group in
                    group.addTask {
                        let before = TaskCancelScope.ofCurrentTask(on: runtime) != nil
                        let inside = await runtime.withCancelScope {
                            // Nested: the same task's scope, not a second one.
                            let outer = TaskCancelScope.ofCurrentTask(on: runtime)?.takeUnretainedValue()
                            let nested = await runtime.withCancelScope { TaskCancelScope.ofCurrentTask(on: runtime)?.takeUnretainedValue() }
                            _ = await runtime.submit(.nop)
                            return outer != nil && nested === outer
                        }
                        let after = TaskCancelScope.ofCurrentTask(on: runtime) != nil
                        return [before, inside, after]
                    }
                    return await group.next() ?? []
                }
            }.value
        }
        #expect(seen == [false, true, false])
    }

    /// Cancelling the group reaches the op each scoped child waits on: the
    /// read ends with `ECANCELED` and gives its buffer back.
    @Test(.timeLimit(.minutes(1)), arguments: TestDrivers.choices)
    func cancellingAScopedChildCancelsItsOpAndReturnsTheBuffer(choice: DriverBuilder.Choice) async throws {
        let pipe = try Fixture.pipe()
        defer { Fixture.close(pipe.read, pipe.write) }
        let liveBefore = IOBuffer.live
        let results = try await RuntimeHarness.run(choice) { runtime in
            await runtime.spawn { () async -> [Bool] in
                await withTaskGroup(of: Bool.self) { group in
                    for _ in 0..<2 {
                        group.addTask {
                            await runtime.withCancelScope {
                                let buffer = IOBuffer(capacity: 8)
                                let c = await runtime.submit(.read(fd: pipe.read, buffer: OpBuffer(buffer)))
                                guard case .read(_, let back) = c.op else { return false }
                                return c.error == .errno(.canceled) && back.owner === buffer
                            }
                        }
                    }
                    await runtime.waitUntil(timeout: .seconds(1)) { runtime.inFlight == 2 }
                    group.cancelAll()
                    var results: [Bool] = []
                    for await r in group { results.append(r) }
                    return results
                }
            }.value
        }
        #expect(results == [true, true])
        #expect(IOBuffer.live == liveBefore)
    }

    /// A scoped child cancelled between two ops has its next op refused, as
    /// an unscoped one does: the read does not run.
    @Test(arguments: TestDrivers.choices)
    func aScopedChildCancelledBetweenOpsHasItsNextOpRefused(choice: DriverBuilder.Choice) async throws {
        let payload: [UInt8] = [1, 2, 3]
        let pipe = try Fixture.pipe(holding: payload)
        defer { Fixture.close(pipe.read, pipe.write) }
        let error = try await RuntimeHarness.run(choice) { runtime in
            await runtime.spawn { () async -> IOError? in
                await withTaskGroup(of: IOError?.self) { group in
                    group.addTask {
                        await runtime.withCancelScope {
                            _ = await runtime.submit(.nop)
                            withUnsafeCurrentTask { $0?.cancel() }
                            return await runtime.submit(.read(fd: pipe.read, buffer: OpBuffer(IOBuffer(capacity: 8)))).error
                        }
                    }
                    return await group.next() ?? nil
                }
            }.value
        }
        #expect(error == .errno(.canceled))
        #expect(Fixture.pendingBytes(pipe.read) == payload.count, "the read did not run")
    }

    /// An actor pinned to the runtime can open a scope: the body stays on
    /// the actor (it mutates the actor's state without an await), and
    /// cancelling the calling task still reaches the op the body waits on.
    @Test(.timeLimit(.minutes(1)), arguments: TestDrivers.choices)
    func anActorOpensAScopeAndItsBodyStaysIsolated(choice: DriverBuilder.Choice) async throws {
        let pipe = try Fixture.pipe()
        defer { Fixture.close(pipe.read, pipe.write) }
        let (error, isolatedReads) = try await RuntimeHarness.run(choice) { runtime in
            let reader = ScopedReader(runtime: runtime)
            let task = runtime.spawn { await reader.read(pipe.read) }
            await runtime.waitUntil(timeout: .seconds(2)) { runtime.inFlight == 1 }
            task.cancel()
            return (await task.value, await reader.isolatedReads)
        }
        #expect(error == .errno(.canceled))
        #expect(isolatedReads == 1)
    }

}

/// Reads inside a cancel scope from an actor pinned to the runtime.
private actor ScopedReader {
    let runtime: Runtime
    private(set) var isolatedReads = 0

    init(runtime: Runtime) { self.runtime = runtime }

    nonisolated var unownedExecutor: UnownedSerialExecutor { runtime.serialExecutor.asUnownedSerialExecutor() }

    func read(_ fd: Int32) async -> IOError? {
        await runtime.withCancelScope {
            // Synchronous actor state: compiles only if the body is isolated.
            isolatedReads += 1
            return await runtime.submit(.read(fd: fd, buffer: OpBuffer(IOBuffer(capacity: 8)))).error
        }
    }
}
