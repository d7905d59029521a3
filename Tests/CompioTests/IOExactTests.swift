import Compio
import Testing

/// `readExact` and `writeAll` over in-memory streams that cut reads and writes short.
@Suite(.serialized) struct IOExactTests {
    @Test func readExactFillsTheWholeCapacityAcrossShortReads() async {
        let data = patternBytes(16)
        var source = ScriptedSource(data, chunkSizes: [3, 1, 5])
        var buffer = OwnedBuffer(capacity: 16)
        buffer.append([9, 9])
        let r = await source.readExact(into: buffer)
        let result = r.result
        let filled = r.buffer
        #expect(result == .success(16))
        #expect(filled.bytes == data, "earlier data is forgotten: the read fills from the start")
        #expect(source.requestedCapacities == [16, 13, 12, 7], "each read gets the room left after the bytes so far")
    }

    @Test func readExactReportsAnEarlyEndAsAShortCountAndKeepsTheBytes() async {
        let data = patternBytes(10)
        var source = ScriptedSource(data, chunkSizes: [4, 6])
        let r = await source.readExact(into: OwnedBuffer(capacity: 16))
        let result = r.result
        let partial = r.buffer
        #expect(result == .success(10))
        #expect(partial.ioInitialized == 10)
        #expect(partial.bytes == data)
        #expect(source.reads == 3, "two chunks, then the 0 that means end of stream")
    }

    @Test func readExactCountThrowsOnAnEarlyEnd() async {
        var source = ScriptedSource(patternBytes(10), chunkSizes: [4])
        await #expect(throws: IOError.unexpectedEndOfStream) { _ = try await source.readExact(count: 11) }
    }

    @Test func readExactCountReturnsExactlyTheBytesAndLeavesTheRest() async throws {
        let data = patternBytes(30)
        var source = ScriptedSource(data, chunkSizes: [7, 7, 7])
        let first = try await source.readExact(count: 12)
        let second = try await source.readExact(count: 18)
        #expect(first.bytes == Array(data[..<12]))
        #expect(second.bytes == Array(data[12...]))
        let empty = try await source.readExact(count: 0)
        #expect(empty.ioInitialized == 0)
        await #expect(throws: IOError.unexpectedEndOfStream) { _ = try await source.readExact(count: 1) }
    }

    @Test func readExactRejectsANegativeCount() async {
        var source = ScriptedSource([])
        await #expect(throws: IOError.invalidArgument("readExact of -1 bytes")) { _ = try await source.readExact(count: -1) }
        #expect(source.reads == 0)
    }

    @Test func readExactHandsBackTheBytesReadBeforeAnError() async {
        let data = patternBytes(5)
        var source = ScriptedSource([.bytes(data), .failure(.errno(.connectionReset)), .bytes([1, 2, 3])])
        let r = await source.readExact(into: OwnedBuffer(capacity: 8))
        let result = r.result
        let partial = r.buffer
        #expect(result == .failure(.errno(.connectionReset)))
        #expect(partial.bytes == data)
    }

    @Test func readExactIntoAZeroCapacityBufferDoesNotRead() async {
        var source = ScriptedSource([.bytes([1])])
        let r = await source.readExact(into: OwnedBuffer(capacity: 0))
        #expect(r.result == .success(0))
        #expect(source.reads == 0)
    }

    @Test func writeAllLoopsUntilASinkTakingThreeBytesPerCallHasEverything() async {
        let data = patternBytes(10)
        var sink = LimitedSink(maxPerWrite: 3)
        let r = await sink.writeAll(OwnedBuffer(data))
        let result = r.result
        let buffer = r.buffer
        #expect(result == .success(10))
        #expect(buffer.bytes == data, "the buffer comes back with its data")
        #expect(sink.received == data)
        #expect(sink.offered == [10, 7, 4, 1], "each write is offered the rest")
    }

    @Test func writeAllOfAnEmptyBufferDoesNotWrite() async {
        var sink = LimitedSink(maxPerWrite: 3)
        let r = await sink.writeAll(OwnedBuffer(capacity: 4))
        #expect(r.result == .success(0))
        #expect(sink.offered.isEmpty)
    }

    @Test func writeAllFailsWhenTheSinkTakesNothing() async {
        var sink = LimitedSink(maxPerWrite: 3)
        sink.acceptsAtMost = 5
        let r = await sink.writeAll(OwnedBuffer(patternBytes(8)))
        #expect(r.result == .failure(.writeZero))
        #expect(sink.received == Array(patternBytes(8)[..<5]))
        #expect(sink.offered == [8, 5, 3], "it stops at the first write that takes nothing")
    }

    @Test func writeAllReturnsTheFirstErrorAndTheBuffer() async {
        var sink = LimitedSink(maxPerWrite: 4)
        sink.failingCalls = [1: .errno(.brokenPipe)]
        let data = patternBytes(9)
        let r = await sink.writeAll(OwnedBuffer(data))
        let result = r.result
        let buffer = r.buffer
        #expect(result == .failure(.errno(.brokenPipe)))
        #expect(buffer.bytes == data)
        #expect(sink.received == Array(data[..<4]))
    }

    @Test func writeAllSendsOnlyASlicesRange() async {
        let data = patternBytes(20)
        var sink = LimitedSink(maxPerWrite: 3)
        let r = await sink.writeAll(BufferSlice(OwnedBuffer(data), range: 5..<12))
        let result = r.result
        let whole = r.buffer.into()
        #expect(result == .success(7))
        #expect(sink.received == Array(data[5..<12]))
        #expect(whole.bytes == data)
    }

    @Test(arguments: TestDrivers.choices)
    func writeAllAndReadExactThroughARealPipe(_ choice: DriverBuilder.Choice) async throws {
        let before = OpenDescriptors.count()
        let data = patternBytes(1024 * 1024 + 3)
        let (written, first, rest, end) = try await RuntimeHarness.run(choice) { runtime in
            let (reader, writer) = try PipeEnd.pipe()
            // More than a pipe holds: the write can only finish while the reader drains it.
            let producer = runtime.spawn { () async throws -> Int in
                var pipe = writer
                let r = await pipe.writeAll(OwnedBuffer(data))
                let n = try r.get()
                try await pipe.shutdown()
                return n
            }
            var pipe = reader
            let head = try await pipe.readExact(count: 1000)
            let tail = await pipe.readExact(into: OwnedBuffer(capacity: data.count))
            let tailResult = tail.result
            let tailBuffer = tail.buffer
            let written = try await producer.value
            try await pipe.descriptor.close()
            return (written, head.bytes, tailBuffer.bytes, tailResult)
        }
        #expect(written == data.count)
        #expect(first == Array(data[..<1000]))
        #expect(rest == Array(data[1000...]))
        #expect(end == .success(data.count - 1000), "the writer closed before the buffer was full: a short count")
        #expect(OpenDescriptors.count() == before)
    }
}
