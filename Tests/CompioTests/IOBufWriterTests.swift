import Compio
import Testing

/// `BufWriter` over in-memory sinks that count and cut the writes.
@Suite struct IOBufWriterTests {
    @Test func smallWritesAreCoalesced() async throws {
        let data = patternBytes(30)
        var writer = BufWriter(LimitedSink(maxPerWrite: .max), capacity: 16)
        for start in stride(from: 0, to: 30, by: 3) {
            let r = await writer.write(OwnedBuffer(data[start..<start + 3]))
            #expect(try r.get() == 3, "a buffered write takes all its data")
        }
        // Five writes fill 15 bytes; the sixth does not fit and sends them.
        #expect(writer.inner.events == ["write 15"])
        #expect(writer.bufferedCount == 15)
        try await writer.flush()
        #expect(writer.inner.events == ["write 15", "write 15", "flush"])
        #expect(writer.inner.received == data)
        #expect(writer.bufferedCount == 0)
    }

    @Test func flushDeliversEverythingThroughAShortWritingSink() async throws {
        let data = patternBytes(10)
        var writer = BufWriter(LimitedSink(maxPerWrite: 3), capacity: 16)
        let r = await writer.write(OwnedBuffer(data))
        _ = try r.get()
        #expect(writer.inner.events.isEmpty)
        try await writer.flush()
        #expect(writer.inner.events == ["write 3", "write 3", "write 3", "write 1", "flush"])
        #expect(writer.inner.received == data)
    }

    @Test func shutdownFlushesFirst() async throws {
        var writer = BufWriter(LimitedSink(maxPerWrite: .max), capacity: 16)
        let r = await writer.write(OwnedBuffer(string: "bye"))
        _ = try r.get()
        try await writer.shutdown()
        #expect(writer.inner.events == ["write 3", "flush", "shutdown"])
        #expect(writer.inner.received == Array("bye".utf8))
    }

    @Test func aWriteAsLargeAsTheBufferGoesStraightThroughAfterTheBuffered() async throws {
        let data = patternBytes(23)
        var writer = BufWriter(LimitedSink(maxPerWrite: .max), capacity: 8)
        let small = await writer.write(OwnedBuffer(data[..<3]))
        _ = try small.get()
        let large = await writer.write(OwnedBuffer(data[3...]))
        #expect(try large.get() == 20)
        #expect(writer.inner.events == ["write 3", "write 20"])
        #expect(writer.inner.received == data)
    }

    @Test func aFailedFlushKeepsTheUnsentBytesForARetry() async throws {
        let data = patternBytes(10)
        var sink = LimitedSink(maxPerWrite: 3)
        sink.failingCalls = [1: .errno(.interrupted)]
        var writer = BufWriter(sink, capacity: 16)
        let r = await writer.write(OwnedBuffer(data))
        _ = try r.get()
        await #expect(throws: IOError.errno(.interrupted)) { try await writer.flush() }
        #expect(writer.bufferedCount == 7)
        try await writer.flush()
        #expect(writer.inner.received == data, "nothing lost and nothing sent twice")
    }

    @Test func aFailedFlushBeforeAWriteReturnsTheBuffer() async throws {
        var sink = LimitedSink(maxPerWrite: .max)
        sink.failingCalls = [0: .errno(.brokenPipe)]
        var writer = BufWriter(sink, capacity: 4)
        let first = await writer.write(OwnedBuffer(string: "abc"))
        _ = try first.get()
        let second = await writer.write(OwnedBuffer(string: "de"))
        let result = second.result
        let buffer = second.buffer
        #expect(result == .failure(.errno(.brokenPipe)))
        #expect(buffer.string == "de")
        #expect(writer.bufferedCount == 3)
    }

    @Test func aCopyWritesIntoMemoryOfItsOwn() async throws {
        var original = BufWriter(LimitedSink(maxPerWrite: .max), capacity: 16)
        let a = await original.write(OwnedBuffer(string: "ab"))
        _ = try a.get()
        var copy = original
        let c = await copy.write(OwnedBuffer(string: "CD"))
        _ = try c.get()
        let o = await original.write(OwnedBuffer(string: "ef"))
        _ = try o.get()
        try await original.flush()
        try await copy.flush()
        #expect(original.inner.received == Array("abef".utf8))
        #expect(copy.inner.received == Array("abCD".utf8))
    }
}
