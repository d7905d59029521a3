import Compio
import Testing

/// `IOBufferVector` and vectored reads and writes through a real pipe.
@Suite(.serialized) struct IOVectoredTests {
    @Test func aReadFillsTheBuffersInOrder() {
        let vector = IOBufferVector([IOBuffer(capacity: 4), IOBuffer(capacity: 10), IOBuffer(capacity: 100)])
        #expect(vector.totalCapacity == 114)
        vector.setInitialized(afterReading: 20)
        #expect(vector.buffers.map(\.initialized) == [4, 10, 6])
        vector.setInitialized(afterReading: 3)
        #expect(vector.buffers.map(\.initialized) == [3, 0, 0])
        #expect(vector.totalInitialized == 3)
    }

    @Test func theOpVectorsDescribeCapacityForReadsAndDataForWrites() throws {
        let vector = IOBufferVector([IOBuffer(bytes: [1, 2, 3]), IOBuffer(capacity: 8)])
        let forRead = try vector.opBufferVectorForRead()
        let forWrite = try vector.opBufferVectorForWrite()
        #expect(forRead.buffers.map(\.count) == [3, 8])
        #expect(forWrite.buffers.map(\.count) == [3, 0])
        #expect(forRead.buffers[0].owner === vector.buffers[0], "the op keeps each buffer alive")
    }

    @Test func moreBuffersThanIOVMaxIsATypedError() {
        let vector = IOBufferVector(Array(repeating: IOBuffer(capacity: 1), count: IOBufferVector.maximumCount + 1))
        #expect(throws: IOError.invalidArgument("1025 buffers in one vectored op; at most 1024")) { _ = try vector.opBufferVectorForRead() }
    }

    @Test(arguments: TestDrivers.choices)
    func vectoredWriteThenVectoredReadThroughAPipe(_ choice: DriverBuilder.Choice) async throws {
        let before = OpenDescriptors.count()
        let (written, read, lengths, bytes, end, tooMany) = try await RuntimeHarness.run(choice) { _ in
            var (reader, writer) = try PipeEnd.pipe()
            let out = IOBufferVector(["hello ", "vectored ", "world"].map { IOBuffer(bytes: Array($0.utf8)) })
            let w = await writer.writeVectored(out)
            let into = IOBufferVector([IOBuffer(capacity: 4), IOBuffer(capacity: 10), IOBuffer(capacity: 100)])
            let r = await reader.readVectored(into)
            try await writer.shutdown()
            let e = await reader.readVectored(IOBufferVector([IOBuffer(capacity: 4)]))
            let huge = IOBufferVector((0...IOBufferVector.maximumCount).map { _ in IOBuffer(capacity: 1) })
            let refused = await reader.readVectored(huge)
            try await reader.descriptor.close()
            return (w.result, r.result, r.buffer.buffers.map(\.initialized), r.buffer.bytes, e.result, refused.result)
        }
        #expect(written == .success(20))
        #expect(read == .success(20))
        #expect(lengths == [4, 10, 6])
        #expect(String(decoding: bytes, as: UTF8.self) == "hello vectored world")
        #expect(end == .success(0), "end of stream after the writer closed")
        #expect(tooMany == .failure(.invalidArgument("1025 buffers in one vectored op; at most 1024")))
        #expect(OpenDescriptors.count() == before)
    }
}
