@testable import Compio
import Glibc
import Testing

/// How many ops a runtime keeps in flight. A server has one receive pending
/// per connection, most of them idle; those must not hold up an op that could
/// complete, however small the submission queue.
@Suite struct RuntimeInFlightTests {
    /// Forty reads wait on pipes nobody writes to, on a driver whose queue
    /// holds eight: a read whose data is there must still complete. With the
    /// in-flight bound at the queue size, it waited in the runtime behind the
    /// idle ones until the timeout cancelled it.
    @Test(.timeLimit(.minutes(1)), arguments: TestDrivers.choices)
    func idleReadsBeyondTheQueueSizeDoNotStarveAReadyOne(choice: DriverBuilder.Choice) async throws {
        let idle = try (0..<40).map { _ in try Fixture.pipe() }
        let ready = try Fixture.pipe()
        defer {
            for pipe in idle { Fixture.close(pipe.read, pipe.write) }
            Fixture.close(ready.read, ready.write)
        }
        let (inFlight, result) = try await RuntimeHarness.run(choice, configure: { $0.driver.capacity = 8 }) { runtime in
            let readers = idle.map { pipe in
                runtime.spawn { await runtime.submit(.read(fd: pipe.read, buffer: OpBuffer(IOBuffer(capacity: 1)))).error }
            }
            let allWaiting = await runtime.waitUntil(timeout: .seconds(5)) { runtime.inFlight == idle.count }
            #expect(allWaiting)
            #expect(write(ready.write, "x", 1) == 1)
            let result = try? await runtime.timeout(after: .seconds(5)) {
                try await runtime.submit(.read(fd: ready.read, buffer: OpBuffer(IOBuffer(capacity: 8)))).result.get()
            }
            let inFlight = runtime.inFlight
            for reader in readers { reader.cancel() }
            for reader in readers { #expect(await reader.value == .errno(.canceled)) }
            return (inFlight, result)
        }
        #expect(result == 1)
        #expect(inFlight == idle.count)
    }

    /// The bound still holds when set: ops beyond it wait in the runtime, in
    /// order, and run as earlier ones complete.
    @Test(.timeLimit(.minutes(1)), arguments: TestDrivers.choices)
    func anExplicitBoundQueuesOpsBeyondIt(choice: DriverBuilder.Choice) async throws {
        let pipes = try (0..<6).map { _ in try Fixture.pipe() }
        defer { for pipe in pipes { Fixture.close(pipe.read, pipe.write) } }
        let (queuedAtPeak, results) = try await RuntimeHarness.run(choice, configure: { $0.maxInFlight = 4 }) { runtime in
            let readers = pipes.map { pipe in
                runtime.spawn { () async -> Int in
                    (try? await runtime.submit(.read(fd: pipe.read, buffer: OpBuffer(IOBuffer(capacity: 1)))).result.get()) ?? -1
                }
            }
            // Four in the driver, two waiting in the runtime.
            let settled = await runtime.waitUntil(timeout: .seconds(5)) { runtime.inFlight == pipes.count }
            #expect(settled)
            let queued = runtime.core.pointee.waiters.queuedCount
            for pipe in pipes { #expect(write(pipe.write, "y", 1) == 1) }
            var results: [Int] = []
            for reader in readers { results.append(await reader.value) }
            return (queued, results)
        }
        #expect(queuedAtPeak == 2)
        #expect(results == Array(repeating: 1, count: pipes.count))
    }
}
