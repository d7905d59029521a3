import CLinux
import Testing
@testable import Compio

private struct BodyFailed: Error, Equatable { let code: Int }

/// blockOn, Runtime.current, forced driver kinds, submit, spawn and JoinHandle.
@Suite struct RuntimeBasicsTests {
    @Test(arguments: TestDrivers.choices)
    func blockOnReturnsTheBodysValueOnTheForcedDriver(choice: DriverBuilder.Choice) async throws {
        let (kind, value, same) = try await RuntimeHarness.run(choice) { runtime in
            (runtime.driverKind, 41 + 1, Runtime.current === runtime)
        }
        #expect(kind.rawValue == choice.rawValue)
        #expect(value == 42)
        #expect(same)
    }

    @Test(arguments: TestDrivers.choices)
    func aThrowingBodyRethrowsItsTypedError(choice: DriverBuilder.Choice) async throws {
        let outcome = try await RuntimeHarness.onOwnThread { () -> Result<Int, BodyFailed> in
            let runtime = try RuntimeBuilder(choice: choice).build()
            return Result { () throws(BodyFailed) -> Int in
                try runtime.blockOn { () async throws(BodyFailed) -> Int in
                    _ = await runtime.submit(.nop)
                    throw BodyFailed(code: 7)
                }
            }
        }
        #expect(outcome == .failure(BodyFailed(code: 7)))
    }

    @Test(arguments: TestDrivers.choices)
    func awaitedNopsCompleteOnTheRuntimeThread(choice: DriverBuilder.Choice) async throws {
        let (threads, results) = try await RuntimeHarness.run(choice) { runtime in
            var threads: Set<Int32> = [RuntimeHarness.threadID]
            var results: [Int] = []
            for _ in 0..<100 {
                let c = await runtime.submit(.nop)
                results.append(try c.result.get())
                threads.insert(RuntimeHarness.threadID)
            }
            return (threads, results)
        }
        #expect(threads.count == 1)
        #expect(results == Array(repeating: 0, count: 100))
    }

    @Test(arguments: TestDrivers.choices)
    func currentIsFoundInSpawnedTasksChildrenAndActors(choice: DriverBuilder.Choice) async throws {
        actor Plain {
            func currentIs(_ runtime: Runtime) -> Bool { Runtime.current === runtime }
        }
        let found = try await RuntimeHarness.run(choice) { runtime in
            async let child = Runtime.current === runtime
            let spawned = await runtime.spawn { Runtime.current === runtime }.value
            let inGroup = await withTaskGroup(of: Bool.self) { group in
                group.addTask { Runtime.current === runtime }
                return await group.next()!
            }
            let inActor = await Plain().currentIs(runtime)
            return [await child, spawned, inGroup, inActor]
        }
        #expect(found == [true, true, true, true])
    }

    @Test(arguments: TestDrivers.choices)
    func tenThousandConcurrentTasksEachAwaitingOps(choice: DriverBuilder.Choice) async throws {
        let (sum, threads) = try await RuntimeHarness.run(choice) { runtime in
            let handles = (0..<10_000).map { i in
                runtime.spawn { () -> (Int, Int32) in
                    var ok = 0
                    for _ in 0..<3 where (try? await runtime.submit(.nop).result.get()) == 0 { ok += 1 }
                    return (ok == 3 ? i : -1_000_000, RuntimeHarness.threadID)
                }
            }
            var sum = 0
            var threads: Set<Int32> = []
            for h in handles {
                let (v, t) = await h.value
                sum += v
                threads.insert(t)
            }
            return (sum, threads)
        }
        #expect(sum == (0..<10_000).reduce(0, +))
        #expect(threads.count == 1)
    }

    @Test(arguments: TestDrivers.choices)
    func spawnJoinCancelAndDetach(choice: DriverBuilder.Choice) async throws {
        let (joined, cancelled, detachedRan, droppedRan) = try await RuntimeHarness.run(choice) { runtime in
            let joined = await runtime.spawn { 6 * 7 }.value

            let sleeper = runtime.spawn { () async throws -> Int in
                try await runtime.sleep(for: .seconds(30))
                return 1
            }
            sleeper.cancel()
            let cancelled = await sleeper.result

            let flags = Flags()
            runtime.spawn {
                _ = await runtime.submit(.nop)
                flags.detachedRan = true
            }.detach()
            // Discarding the handle detaches too: the task still runs to the end.
            runtime.spawn {
                _ = await runtime.submit(.nop)
                flags.droppedRan = true
            }
            let ran = await runtime.waitUntil { flags.detachedRan && flags.droppedRan }
            #expect(ran)
            return (joined, cancelled, flags.detachedRan, flags.droppedRan)
        }
        #expect(joined == 42)
        #expect(throws: CancellationError.self) { try cancelled.get() }
        #expect(detachedRan && droppedRan)
    }

    @Test(arguments: TestDrivers.choices)
    func taskBracesLeaveTheRuntimeAndSpawnStays(choice: DriverBuilder.Choice) async throws {
        let (runtimeThread, unstructured, spawned) = try await RuntimeHarness.run(choice) { runtime in
            let unstructured = await Task { RuntimeHarness.threadID }.value
            let spawned = await runtime.spawn { RuntimeHarness.threadID }.value
            return (RuntimeHarness.threadID, unstructured, spawned)
        }
        #expect(unstructured != runtimeThread)
        #expect(spawned == runtimeThread)
    }
}

/// Flags set by tasks on one runtime thread and read there.
final class Flags: @unchecked Sendable {
    var detachedRan = false
    var droppedRan = false
}
