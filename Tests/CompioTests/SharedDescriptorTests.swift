import CLinux
import Compio
import Glibc
import Testing

/// Events in the order the runtime saw them; touched only on the runtime thread.
private final class EventLog: @unchecked Sendable {
    var events: [String] = []
}

@Suite(.serialized) struct SharedDescriptorTests {
    @Test(arguments: TestDrivers.choices)
    func closeWaitsForEveryReadInFlightThenClosesOnce(_ choice: DriverBuilder.Choice) async throws {
        let before = OpenDescriptors.count()
        let pipe = try Fixture.pipe()
        let readers = 8
        let (log, fdNumber, lateResult, closeResults) = try await RuntimeHarness.run(choice) { runtime in
            let shared = SharedDescriptor(pipe.read, closer: KernelDescriptorCloser.shared)
            let log = EventLog()
            var reads: [JoinHandle<Void, Never>] = []
            for i in 0..<readers {
                // Every task holds the same descriptor: the clones of one file.
                let clone = shared
                reads.append(runtime.spawn {
                    let buffer = IOBuffer(capacity: 1)
                    let c = await clone.submit(on: runtime) { .read(fd: $0, buffer: OpBuffer(buffer)) }
                    log.events.append("read \(i): \(c.result)")
                })
            }
            let allInFlight = await runtime.waitUntil { shared.uses >= readers }
            #expect(allInFlight)
            let closers = (0..<2).map { _ in
                runtime.spawn { () async -> Result<Void, IOError> in
                    let r: Result<Void, IOError>
                    do throws(IOError) { try await shared.close(); r = .success(()) } catch { r = .failure(error) }
                    log.events.append("closed")
                    return r
                }
            }
            let closing = await runtime.waitUntil { shared.isClosing }
            #expect(closing)
            let late = await shared.submit(on: runtime) { .read(fd: $0, buffer: OpBuffer(IOBuffer(capacity: 1))) }
            try await runtime.sleep(for: .milliseconds(20))
            #expect(!log.events.contains("closed"), "close must wait for the reads in flight")
            for _ in 0..<readers {
                let one = IOBuffer(bytes: [7])
                let w = await runtime.submit(.write(fd: pipe.write, buffer: OpBuffer(one)))
                #expect((try? w.result.get()) == 1)
            }
            for r in reads { await r.value }
            var results: [Result<Void, IOError>] = []
            for c in closers { results.append(await c.value) }
            return (log.events, shared.raw, late.result, results)
        }
        #expect(log.count == readers + 2)
        #expect(log.prefix(readers).allSatisfy { $0.hasPrefix("read") && $0.hasSuffix("success(1)") }, "\(log)")
        #expect(log.suffix(2) == ["closed", "closed"], "the close happens after the last read: \(log)")
        #expect(closeResults.allSatisfy { (try? $0.get()) != nil }, "one close, whose success both callers see: a second close(2) would be EBADF")
        if case .failure(let e) = lateResult { #expect(e == .closed) } else { Issue.record("an op after close() must be refused") }
        #expect(!OpenDescriptors.isOpen(fdNumber))
        Fixture.close(pipe.write)
        #expect(OpenDescriptors.count() == before)
    }

    @Test(arguments: TestDrivers.choices)
    func droppingTheLastCloneCloses(_ choice: DriverBuilder.Choice) async throws {
        let before = OpenDescriptors.count()
        let pipe = try Fixture.pipe()
        try await RuntimeHarness.run(choice) { runtime in
            var shared: SharedDescriptor? = SharedDescriptor(pipe.write, closer: runtime.descriptorCloserForTests)
            let clone = shared
            let buffer = IOBuffer(bytes: [1, 2, 3])
            let c = await clone!.submit(on: runtime) { .write(fd: $0, buffer: OpBuffer(buffer, count: 3)) }
            #expect((try? c.result.get()) == 3)
            shared = nil
            #expect(OpenDescriptors.isOpen(pipe.write), "a clone still holds it")
            withExtendedLifetime(clone) {}
        }
        #expect(!OpenDescriptors.isOpen(pipe.write))
        Fixture.close(pipe.read)
        #expect(OpenDescriptors.count() == before)
    }

    @Test(arguments: TestDrivers.choices)
    func closeOutsideARuntimeIsATypedError(_ choice: DriverBuilder.Choice) async throws {
        let pipe = try Fixture.pipe()
        defer { Fixture.close(pipe.write) }
        let shared = SharedDescriptor(pipe.read, closer: KernelDescriptorCloser.shared)
        await #expect(throws: IOError.noRuntime) { try await shared.close() }
        #expect(!shared.isClosing, "a refused close leaves the descriptor open")
    }
}

extension Runtime {
    /// The closer tests hand to shared descriptors: the kernel's.
    var descriptorCloserForTests: any DescriptorCloser { KernelDescriptorCloser.shared }
}
