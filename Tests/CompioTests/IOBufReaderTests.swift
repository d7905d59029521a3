import Compio
import Testing

/// `BufReader` over scripted in-memory sources, and over a real pipe.
@Suite(.serialized) struct IOBufReaderTests {
    private static func lines(_ text: String, chunkSizes: [Int], capacity: Int) async throws -> [String] {
        var reader = BufReader(ScriptedSource(Array(text.utf8), chunkSizes: chunkSizes), capacity: capacity)
        var lines: [String] = []
        while let line = try await reader.readLine() { lines.append(line) }
        return lines
    }

    @Test func linesAcrossChunkBoundaries() async throws {
        let lines = try await Self.lines("alpha\nbeta\ngamma delta\n", chunkSizes: [3, 4, 2, 5, 1, 100], capacity: 4)
        #expect(lines == ["alpha", "beta", "gamma delta"])
    }

    @Test func crlfEndsALineEvenWhenSplitBetweenChunks() async throws {
        // Chunks of 4: "one\r" | "\ntwo" | "\r\n\r\n" | "a\rb\n" | "thre" | "e".
        let lines = try await Self.lines("one\r\ntwo\r\n\r\na\rb\nthree", chunkSizes: Array(repeating: 4, count: 6), capacity: 16)
        #expect(lines == ["one", "two", "", "a\rb", "three"], "a lone CR stays in the line")
    }

    @Test func theFinalLineWithoutANewlineIsReturned() async throws {
        #expect(try await Self.lines("first\nlast", chunkSizes: [2], capacity: 3) == ["first", "last"])
        #expect(try await Self.lines("", chunkSizes: [], capacity: 3) == [])
        #expect(try await Self.lines("\n", chunkSizes: [], capacity: 3) == [""])
    }

    @Test func aReadLargerThanTheBufferBypassesIt() async {
        let data = patternBytes(100)
        var reader = BufReader(ScriptedSource(data, chunkSizes: [100]), capacity: 8)
        let big = await reader.readBytes(capacity: 64)
        #expect(big.0 == .success(64))
        #expect(big.1 == Array(data[..<64]))
        #expect(reader.inner.requestedCapacities == [64], "the inner stream read straight into the caller's buffer")
        #expect(reader.bufferedCount == 0)

        let small = await reader.readBytes(capacity: 3)
        #expect(small.0 == .success(3))
        #expect(small.1 == Array(data[64..<67]))
        #expect(reader.inner.requestedCapacities == [64, 8], "a small read fills the buffer")
        #expect(reader.bufferedCount == 5)

        // Bytes are buffered, so even a large read is served from them first.
        let rest = await reader.readBytes(capacity: 64)
        #expect(rest.0 == .success(5))
        #expect(rest.1 == Array(data[67..<72]))
        #expect(reader.inner.reads == 2)
    }

    @Test func smallReadsAreServedFromOneInnerRead() async {
        let data = patternBytes(16)
        var reader = BufReader(ScriptedSource(data, chunkSizes: [16]), capacity: 16)
        var got: [UInt8] = []
        for _ in 0..<4 {
            got += await reader.readBytes(capacity: 4).1
        }
        #expect(got == data)
        #expect(reader.inner.reads == 1)
        let end = await reader.read(OwnedBuffer(capacity: 4))
        #expect(end.result == .success(0))
    }

    @Test func readUntilStopsAtTheLimitWithATypedError() async throws {
        var reader = BufReader(ScriptedSource(Array("0123456789\nok\n".utf8), chunkSizes: [3]), capacity: 4)
        var output: [UInt8] = []
        await #expect(throws: IOError.invalidArgument("more than 6 bytes before the delimiter")) {
            _ = try await reader.read(until: UInt8(ascii: "\n"), into: &output, limit: 6)
        }
        #expect(output == Array("012345".utf8))
        var rest: [UInt8] = []
        #expect(try await reader.read(until: UInt8(ascii: "\n"), into: &rest) == 5)
        #expect(rest == Array("6789\n".utf8))
        #expect(try await reader.readLine(limit: 3) == "ok", "the limit counts the newline")
    }

    @Test func aReadErrorReachesTheCallerAndReadingGoesOnAfterIt() async throws {
        var reader = BufReader(ScriptedSource([.bytes(Array("ab".utf8)), .failure(.errno(.connectionReset)), .bytes(Array("c\n".utf8))]), capacity: 8)
        await #expect(throws: IOError.errno(.connectionReset)) { _ = try await reader.readLine() }
        #expect(try await reader.readLine() == "c")
        #expect(try await reader.readLine() == nil)
    }

    @Test func fillBufferConsumeAndAZeroCapacityRead() async throws {
        var reader = BufReader(ScriptedSource(Array("hello".utf8), chunkSizes: [5]), capacity: 8)
        let zero = await reader.read(OwnedBuffer(capacity: 0))
        #expect(zero.result == .success(0))
        #expect(reader.inner.reads == 0, "a zero-capacity read does not touch the stream")
        #expect(try await reader.fillBuffer() == 5)
        #expect(reader.withBufferedBytes { Array($0) } == Array("hello".utf8))
        reader.consume(2)
        #expect(try await reader.fillBuffer() == 3, "buffered bytes are not refilled")
        #expect(reader.inner.reads == 1)
        reader.consume(3)
        #expect(try await reader.fillBuffer() == 0)
    }

    @Test func aCopyRefillsIntoMemoryOfItsOwn() async throws {
        let data = patternBytes(12)
        var original = BufReader(ScriptedSource(data, chunkSizes: [4]), capacity: 4)
        #expect(try await original.fillBuffer() == 4)
        var copy = original
        var fromCopy: [UInt8] = []
        for _ in 0..<2 {
            fromCopy += await copy.readBytes(capacity: 4).1
        }
        // The copy has its own script too, so its refill read the second chunk.
        #expect(fromCopy == Array(data[..<8]))
        #expect(await original.readBytes(capacity: 4).1 == Array(data[..<4]), "the copy's refill must not overwrite the original's buffered bytes")
    }

    @Test(arguments: TestDrivers.choices)
    func linesOverARealPipe(_ choice: DriverBuilder.Choice) async throws {
        let before = OpenDescriptors.count()
        let text = (0..<200).map { "line \($0) " + String(repeating: "x", count: $0 % 37) }
        let got = try await RuntimeHarness.run(choice) { runtime in
            let (reader, writer) = try PipeEnd.pipe()
            let producer = runtime.spawn { () async throws -> Void in
                var out = BufWriter(writer, capacity: 64)
                for line in text {
                    let r = await out.write(OwnedBuffer(string: line + (line.count % 2 == 0 ? "\r\n" : "\n")))
                    _ = try r.get()
                }
                try await out.shutdown()
            }
            var buffered = BufReader(reader, capacity: 50)
            var lines: [String] = []
            while let line = try await buffered.readLine() { lines.append(line) }
            try await producer.value
            try await buffered.intoInner().descriptor.close()
            return lines
        }
        #expect(got == text)
        #expect(OpenDescriptors.count() == before)
    }
}
