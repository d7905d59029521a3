import Compio
import Testing

/// `copy(from:to:)` in memory and through a real pipe on both drivers.
@Suite(.serialized) struct IOCopyTests {
    @Test func copyMovesEverythingThroughShortReadsAndWritesThenFlushes() async throws {
        let data = patternBytes(1000)
        var source = ScriptedSource(data, chunkSizes: [1, 99, 500, 7])
        var sink = LimitedSink(maxPerWrite: 3)
        let copied = try await copy(from: &source, to: &sink, bufferSize: 128)
        #expect(copied == 1000)
        #expect(sink.received == data)
        #expect(sink.events.last == "flush")
        #expect(source.requestedCapacities.allSatisfy { $0 == 128 })
    }

    @Test func copyStopsAtTheFirstZeroRead() async throws {
        // An empty chunk is a read of 0: end of stream, even though the script goes on.
        var source = ScriptedSource([.bytes([1, 2]), .bytes([]), .bytes([3])])
        var sink = LimitedSink(maxPerWrite: .max)
        #expect(try await copy(from: &source, to: &sink) == 2)
        #expect(sink.received == [1, 2])
    }

    @Test func copyRethrowsAReadErrorAfterWritingWhatCameBefore() async {
        var source = ScriptedSource([.bytes([1, 2, 3]), .failure(.errno(.connectionReset))])
        var sink = LimitedSink(maxPerWrite: .max)
        await #expect(throws: IOError.errno(.connectionReset)) { _ = try await copy(from: &source, to: &sink) }
        #expect(sink.received == [1, 2, 3])
        #expect(!sink.events.contains("flush"))
    }

    @Test func copyRethrowsAWriteError() async {
        var source = ScriptedSource([.bytes([1, 2, 3])])
        var sink = LimitedSink(maxPerWrite: .max)
        sink.failingCalls = [0: .errno(.brokenPipe)]
        await #expect(throws: IOError.errno(.brokenPipe)) { _ = try await copy(from: &source, to: &sink) }
    }

    @Test func copyRejectsABufferSizeBelowOne() async {
        var source = ScriptedSource([.bytes([1])])
        var sink = LimitedSink(maxPerWrite: .max)
        await #expect(throws: IOError.invalidArgument("copy with a buffer of 0 bytes")) {
            _ = try await copy(from: &source, to: &sink, bufferSize: 0)
        }
        #expect(source.reads == 0)
    }

    @Test(arguments: TestDrivers.choices)
    func fiveMebibytesThroughARealPipeBetweenTwoTasks(_ choice: DriverBuilder.Choice) async throws {
        let before = OpenDescriptors.count()
        let data = patternBytes(5 * 1024 * 1024)
        let (sent, received, bytes) = try await RuntimeHarness.run(choice) { runtime in
            let (reader, writer) = try PipeEnd.pipe()
            let producer = runtime.spawn { () async throws -> UInt64 in
                // Odd chunk sizes, so that reads and writes never line up with the pipe's pages.
                var source = ScriptedSource(data, chunkSizes: (0..<2000).map { 1 + ($0 * 7919) % 9000 })
                var pipe = writer
                let n = try await copy(from: &source, to: &pipe, bufferSize: 48 * 1024)
                try await pipe.shutdown()
                return n
            }
            var pipe = reader
            var sink = LimitedSink(maxPerWrite: .max)
            let received = try await copy(from: &pipe, to: &sink, bufferSize: 64 * 1024)
            let sent = try await producer.value
            try await pipe.descriptor.close()
            return (sent, received, sink.received)
        }
        #expect(sent == UInt64(data.count))
        #expect(received == UInt64(data.count))
        let firstDifference = zip(bytes, data).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        #expect(bytes.count == data.count && firstDifference == nil,
                "byte for byte: \(bytes.count) bytes received, first difference at \(firstDifference.map(String.init) ?? "none")")
        #expect(OpenDescriptors.count() == before)
    }
}
