import Compio
import Glibc
import SystemPackage
import Testing

/// A seeded stream of numbers (SplitMix64): the same seed, the same test.
private struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The content every byte of the test file must have: byte `p` is byte
/// `p % 8` (little-endian) of a seeded 64-bit word for `p / 8`.
private struct Pattern: Sendable {
    let seed: UInt64

    func word(_ index: UInt64) -> UInt64 { SeededRandom.mix(seed ^ (index &* 0x9E37_79B9_7F4A_7C15)) }

    func byte(at position: UInt64) -> UInt8 { UInt8(truncatingIfNeeded: word(position >> 3) >> ((position & 7) * 8)) }

    /// Fills `memory` with the bytes at `offset..<offset + memory.count`.
    func fill(_ memory: UnsafeMutableRawBufferPointer, from offset: UInt64) {
        if offset % 8 == 0 && memory.count % 8 == 0 {
            for i in 0..<memory.count / 8 {
                memory.storeBytes(of: word(offset / 8 + UInt64(i)).littleEndian, toByteOffset: i * 8, as: UInt64.self)
            }
        } else {
            for i in 0..<memory.count { memory[i] = byte(at: offset + UInt64(i)) }
        }
    }

    /// Whether `buffer`'s data is the pattern at `offset`; `scratch` has room for it.
    func matches(_ buffer: borrowing OwnedBuffer, at offset: UInt64, scratch: inout OwnedBuffer) -> Bool {
        let count = buffer.count
        scratch.withUnsafeMutableBytes { memory in
            fill(UnsafeMutableRawBufferPointer(rebasing: memory[0..<count]), from: offset)
            return count
        }
        return memcmp(buffer.base, scratch.base, count) == 0
    }
}

/// Events in the order the runtime saw them; touched only on the runtime thread.
private final class CloseOrderLog: @unchecked Sendable {
    var events: [String] = []
}

/// Many tasks on one file: the 64 MiB round trip and close under load.
@Suite(.serialized) struct FSConcurrencyTests {
    static let fileSize = 64 << 20
    static let blockSize = 256 << 10
    static let tasks = 16

    @Test(arguments: TestDrivers.choices)
    func sixteenTasksWriteAndReadBack64MiBAtRandomOffsets(_ choice: DriverBuilder.Choice) async throws {
        let pattern = Pattern(seed: 0x5EED_F11E)
        let clock = ContinuousClock()
        let started = clock.now
        let mismatches = try await FSTest.run(choice) { runtime, dir -> [String] in
            let file = try await File.open(dir + "/big", options: FSTest.readWriteCreate)
            let blocks = Self.fileSize / Self.blockSize
            var random = SeededRandom(state: pattern.seed)

            // Every block written once, in a seeded order, by 16 tasks at once.
            let writeOrder = Array(0..<blocks).shuffled(using: &random)
            let writers = (0..<Self.tasks).map { t in
                runtime.spawn { () async -> String? in
                    var buffer = OwnedBuffer(capacity: Self.blockSize)
                    for block in stride(from: t, to: blocks, by: Self.tasks).map({ writeOrder[$0] }) {
                        let offset = UInt64(block * Self.blockSize)
                        buffer.withUnsafeMutableBytes { pattern.fill($0, from: offset); return $0.count }
                        let r = await file.writeAll(buffer, at: offset)
                        let result = r.result
                        buffer = r.buffer
                        if case .failure(let e) = result { return "write of block \(block): \(e)" }
                    }
                    return nil
                }
            }
            var problems: [String] = []
            for w in writers { if let p = await w.value { problems.append(p) } }
            let size = try await file.metadata().size
            if size != Int64(Self.fileSize) { problems.append("size \(size)") }

            // Every block read back in another seeded order, plus unaligned
            // reads at random offsets that straddle blocks, again by 16 tasks.
            let readOrder = Array(0..<blocks).shuffled(using: &random)
            let extraReads = (0..<Self.tasks * 4).map { _ in
                let length = Int.random(in: 1...(96 << 10), using: &random)
                return (UInt64.random(in: 0...UInt64(Self.fileSize - length), using: &random), length)
            }
            let readers = (0..<Self.tasks).map { t in
                runtime.spawn { () async -> [String] in
                    var found: [String] = []
                    var scratch = OwnedBuffer(capacity: Self.blockSize)
                    var reads = stride(from: t, to: blocks, by: Self.tasks).map { (UInt64(readOrder[$0] * Self.blockSize), Self.blockSize) }
                    reads += stride(from: t, to: extraReads.count, by: Self.tasks).map { extraReads[$0] }
                    for (offset, length) in reads {
                        let r = await file.readExact(into: OwnedBuffer(capacity: length), at: offset)
                        let result = r.result
                        let buffer = r.buffer
                        if case .failure(let e) = result {
                            found.append("read of \(length) at \(offset): \(e)")
                        } else if !pattern.matches(buffer, at: offset, scratch: &scratch) {
                            found.append("wrong bytes in \(length) at \(offset)")
                        }
                    }
                    return found
                }
            }
            for r in readers { problems += await r.value }
            // The check has teeth: bytes compared against the wrong offset do not match.
            let control = await file.readExact(into: OwnedBuffer(capacity: 4096), at: 8)
            let controlBuffer = control.buffer
            var scratch = OwnedBuffer(capacity: 4096)
            if pattern.matches(controlBuffer, at: 16, scratch: &scratch) { problems.append("the check cannot tell offsets apart") }
            if !pattern.matches(controlBuffer, at: 8, scratch: &scratch) { problems.append("the control read is wrong") }
            try await file.close()
            return problems
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
        let elapsed = clock.now - started
        #expect(elapsed < .seconds(30), "took \(elapsed)")
        print("64 MiB written and read back by \(Self.tasks) tasks on \(choice) in \(elapsed)")
    }

    @Test(arguments: TestDrivers.choices)
    func closeWaitsForEightReadsInFlightOnClones(_ choice: DriverBuilder.Choice) async throws {
        let pattern = Pattern(seed: 8)
        let readers = 8
        let chunk = 2 << 20
        // The reads must be in flight when close() is called: with inline
        // completion, a read from the page cache could finish inside its
        // submission instead (and close would have nothing to wait for).
        try await FSTest.run(choice, configure: { $0.inlineCompletionLimit = 0 }) { runtime, dir in
            let path = dir + "/in-flight"
            let writer = try await File.create(path)
            var content = OwnedBuffer(capacity: readers * chunk)
            content.withUnsafeMutableBytes { pattern.fill($0, from: 0); return $0.count }
            try await writer.writeAll(content, at: 0).get()
            try await writer.close()

            let log = CloseOrderLog()
            let fdNumber: Int32
            do {
                let file = try await File.open(path)
                fdNumber = file.descriptor.raw
                let reads = (0..<readers).map { i in
                    let clone = file
                    return runtime.spawn { () async -> Bool in
                        let offset = UInt64(i * chunk)
                        let r = await clone.read(OwnedBuffer(capacity: chunk), at: offset)
                        let result = r.result
                        let buffer = r.buffer
                        // Only the last read's completion lets the close go out,
                        // so every earlier one must still see the number open.
                        log.events.append("read \(i) \(result) open=\(OpenDescriptors.isOpen(fdNumber))")
                        var scratch = OwnedBuffer(capacity: chunk)
                        return result == .success(chunk) && pattern.matches(buffer, at: offset, scratch: &scratch)
                    }
                }
                // The readers run up to their op before this task runs again,
                // and nothing resumes them before this task suspends.
                var spins = 0
                while file.descriptor.uses < readers && spins < 1_000 {
                    spins += 1
                    await Task.yield()
                }
                // These two run once this task is suspended in close().
                let late = runtime.spawn { await file.read(OwnedBuffer(capacity: 1), at: 0).result.error }
                let secondClose = runtime.spawn { () async -> IOError? in
                    let e = await FSTest.error { try await file.close() }
                    log.events.append("second close returned")
                    return e
                }
                let usesAtClose = file.descriptor.uses
                log.events.append("close called")
                let closeError = await FSTest.error { try await file.close() }
                log.events.append("close returned")

                #expect(usesAtClose == readers, "close() was called with every read in flight")
                #expect(closeError == nil)
                #expect(await late.value == .closed, "new ops are refused once close() started")
                #expect(await secondClose.value == nil, "one close(2), whose success both callers see: a second would be EBADF")
                for r in reads { #expect(await r.value, "every read in flight completes with its bytes") }
                #expect(!OpenDescriptors.isOpen(fdNumber))
                let events = log.events
                #expect(events.first == "close called")
                let readEvents = events.filter { $0.hasPrefix("read") }
                #expect(readEvents.count == readers && readEvents.allSatisfy { $0.contains("success(\(chunk))") }, "\(events)")
                #expect(readEvents.prefix(readers - 1).allSatisfy { $0.hasSuffix("open=true") } && readEvents.last?.hasSuffix("open=false") == true,
                        "the close happens after the last read completed, not before: \(events)")
                let lastRead = events.lastIndex { $0.hasPrefix("read") } ?? events.endIndex
                #expect((events.firstIndex(of: "close returned") ?? -1) > lastRead, "\(events)")
                #expect(await FSTest.error { _ = try await file.metadata() } == .closed)

                // The kernel hands the lowest free number out again: the next
                // file gets the old number, and must survive every clone of the
                // old file going away (nothing closes that number a second time).
                let reopened = try await File.open(path)
                #expect(reopened.descriptor.raw == fdNumber)
                try await Self.keepAlive(reopened, whileDropping: file)
                #expect(try await FSTest.read(reopened, 4, at: 0).count == 4)
                try await reopened.close()
            }
        }
    }

    /// Drops `old` (the caller's last clone moves in here) while `file` stays open.
    private static func keepAlive(_ file: File, whileDropping old: consuming File) async throws {
        _ = consume old
        #expect(OpenDescriptors.isOpen(file.descriptor.raw))
    }
}
