import Testing
import Compio

@Suite struct BufferTests {
    @Test func ownedBufferHoldsItsBytes() {
        var b = OwnedBuffer(capacity: 8)
        #expect(b.ioInitialized == 0 && b.ioCapacity == 8)
        b.append([1, 2, 3])
        #expect(b.bytes == [1, 2, 3])
        b.withUnsafeMutableBytes { raw in
            raw[0] = 9
            return 5
        }
        #expect(b.count == 5)
        #expect(b.bytes.prefix(3) == [9, 2, 3])
        let sum = b.withSpan { span in (0..<span.byteCount).reduce(0) { $0 + Int(span.unsafeLoad(fromByteOffset: $1, as: UInt8.self)) } }
        #expect(sum == b.bytes.reduce(0) { $0 + Int($1) })
        #expect(OwnedBuffer(string: "héllo").string == "héllo")
    }

    @Test func movingKeepsTheAddress() {
        let b = OwnedBuffer(capacity: 16)
        let before = b.base
        let moved = consume b
        #expect(moved.base == before, "the kernel may hold the address across moves")
    }

    @Test func bufResultComesApartAcrossModules() throws {
        let r = BufResult<Int, OwnedBuffer>(.success(3), OwnedBuffer([7, 8, 9]))
        let result = r.result
        let buffer = r.buffer
        #expect(try result.get() == 3)
        #expect(buffer.bytes == [7, 8, 9])
    }

    @Test func sliceExposesOnlyItsRange() {
        var base = OwnedBuffer(capacity: 10)
        base.append([0, 1, 2, 3, 4, 5])
        var s = BufferSlice(base, range: 4..<8)
        #expect(s.ioCapacity == 4)
        #expect(s.ioInitialized == 2, "data 4..<6 falls in the slice")
        #expect(s.ioMutableBase == s.base.ioMutableBase! + 4)
        s.setInitialized(4)
        let whole = s.into()
        #expect(whole.count == 8, "a read filling the slice extends the base's data to its end")
    }

    @Test func ioBufferIsAnIoBufMut() {
        let b = IOBuffer(bytes: [1, 2])
        func fill<B: IoBufMut & ~Copyable>(_ buf: inout B) { buf.setInitialized(1) }
        var ref = b
        fill(&ref)
        #expect(b.initialized == 1, "a class buffer is shared, so the change shows through every reference")
        #expect(b.opBufferForWrite.count == 1)
        #expect(b.opBufferForRead.count == 2)
    }

    /// `IOBuffer(bytes:)` copies contiguous collections with one memcpy and
    /// others element by element: the same bytes either way.
    @Test func ioBufferCopiesContiguousAndOtherCollections() {
        let bytes: [UInt8] = (0..<200).map { UInt8($0 & 0xFF) }
        let sources: [(String, IOBuffer)] = [
            ("array", IOBuffer(bytes: bytes)),
            ("slice", IOBuffer(bytes: bytes[3...])),
            ("lazy map", IOBuffer(bytes: bytes.lazy.map { $0 })),
            ("range", IOBuffer(bytes: (0..<200).lazy.map { UInt8($0 & 0xFF) })),
            ("empty", IOBuffer(bytes: [UInt8]())),
        ]
        let wanted: [String: [UInt8]] = ["array": bytes, "slice": Array(bytes[3...]), "lazy map": bytes, "range": bytes, "empty": []]
        for (name, buffer) in sources {
            #expect(buffer.bytes == wanted[name], "\(name)")
            #expect(buffer.initialized == buffer.capacity, "\(name)")
        }
    }

    /// Small buffers take malloc's alignment; a page or more starts on a cache line.
    @Test func ioBufferAlignment() {
        for capacity in [0, 1, 16, 100, 4095] {
            #expect(Int(bitPattern: IOBuffer(capacity: capacity).base) % 16 == 0, "\(capacity)")
        }
        for capacity in [4096, 65536] {
            #expect(Int(bitPattern: IOBuffer(capacity: capacity).base) % 64 == 0, "\(capacity)")
        }
    }
}
