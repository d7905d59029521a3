extension File {
    /// Most bytes one op moves in the looping calls below. The kernel caps a
    /// single transfer near 2 GiB (and drivers refuse more than `Int32.max`),
    /// so a larger buffer is moved in several ops.
    static let maxTransfer = 1 << 30

    /// The default `limit` of ``readToEnd(from:limit:)`` and
    /// ``FileSystem/readFile(at:limit:)-(FilePath,_)``: 1 GiB, so that reading
    /// an unexpectedly huge file fails instead of exhausting memory.
    public static let defaultReadLimit = 1 << 30

    /// Fills the whole buffer (`ioCapacity` bytes) from `offset`, with as many
    /// reads as it takes.
    ///
    /// Fails with ``IOError/unexpectedEndOfStream`` if the file ends first. On
    /// any failure the buffer comes back holding the bytes read so far
    /// (its `ioInitialized`).
    public func readExact<B: IoBufMut & ~Copyable>(into buffer: consuming B, at offset: UInt64) async -> BufResult<Void, B> {
        let capacity = buffer.ioCapacity
        guard let base = buffer.ioMutableBase else { return BufResult(.success(()), buffer) }
        // The buffer stays in this frame until the loop ends, which keeps its
        // memory alive under every op (see `SharedDescriptor.submitRead`).
        let (done, error) = await transferAll(capacity, at: offset, atEnd: .unexpectedEndOfStream) { fd, done, count, position in
            .readAt(fd: fd, buffer: OpBuffer(base: base + done, count: count, owner: nil), offset: position)
        }
        buffer.setInitialized(done)
        return BufResult(error.map { .failure($0) } ?? .success(()), buffer)
    }

    /// Writes all of the buffer's data (`ioInitialized` bytes) at `offset`,
    /// with as many writes as it takes.
    ///
    /// A write that makes no progress fails with ``IOError/writeZero`` rather than looping
    /// forever. On failure, the bytes before the failed write are in the file.
    public func writeAll<B: IoBuf & ~Copyable>(_ buffer: consuming B, at offset: UInt64) async -> BufResult<Void, B> {
        let total = buffer.ioInitialized
        guard let base = buffer.ioBase else { return BufResult(.success(()), buffer) }
        let bytes = UnsafeMutableRawPointer(mutating: base)
        let (_, error) = await transferAll(total, at: offset, atEnd: .writeZero) { fd, done, count, position in
            .writeAt(fd: fd, buffer: OpBuffer(base: bytes + done, count: count, owner: nil), offset: position)
        }
        return BufResult(error.map { .failure($0) } ?? .success(()), buffer)
    }

    /// Reads from `offset` to the end of the file and returns the bytes.
    ///
    /// The buffer starts at the file's current size (one `statx`) and grows
    /// while the file does. Fails with `EFBIG` (``IOError/errno(_:)`` of
    /// `.fileTooLarge`) as soon as more than `limit` bytes turn up, so a huge
    /// or endless file cannot exhaust memory; a negative `limit` is
    /// ``IOError/invalidArgument(_:)``.
    public func readToEnd(from offset: UInt64 = 0, limit: Int = File.defaultReadLimit) async throws(IOError) -> [UInt8] {
        guard limit >= 0 else { throw .invalidArgument("readToEnd limit \(limit) is negative") }
        _ = try Self.position(offset, plus: 0).get()
        // One byte past the limit is enough to tell "exactly at the limit" from "over it".
        let ceiling = limit == Int.max ? limit : limit + 1
        let size = try await metadata().size
        let remaining = max(0, size - Int64(truncatingIfNeeded: offset))
        // +1 so the read that meets end of file needs no growth.
        var buffer = OwnedBuffer(capacity: Int(clamping: min(Int64(ceiling), max(remaining + 1, 4096))))
        var filled = 0
        while true {
            if filled == buffer.capacity {
                guard filled < ceiling else { throw .errno(.fileTooLarge) }
                var grown = OwnedBuffer(capacity: filled > ceiling / 2 ? ceiling : max(filled, 2048) * 2)
                grown.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(start: buffer.base, count: filled)); return filled }
                buffer = grown
            }
            let position = try Self.position(offset, plus: filled).get()
            let region = OpBuffer(base: buffer.base + filled, count: min(buffer.capacity - filled, Self.maxTransfer), owner: nil)
            let n = try await descriptor.submit { .readAt(fd: $0, buffer: region, offset: position) }.get()
            if n == 0 { break }
            filled += n
            if filled > limit { throw .errno(.fileTooLarge) }
        }
        buffer.setInitialized(filled)
        return buffer.bytes
    }

    /// Moves `total` bytes in ops built by `makeOp(fd, done, count, position)`
    /// until all moved, an op fails, or one moves nothing (`atEnd`). Returns the
    /// bytes moved and the error that stopped it, if any. `EINTR` is retried.
    private func transferAll(
        _ total: Int, at offset: UInt64, atEnd: IOError,
        _ makeOp: (_ fd: Int32, _ done: Int, _ count: Int, _ position: Int64) -> Op
    ) async -> (Int, IOError?) {
        var done = 0
        while done < total {
            let position: Int64
            switch Self.position(offset, plus: done) {
            case .success(let p): position = p
            case .failure(let error): return (done, error)
            }
            let count = min(total - done, Self.maxTransfer)
            let start = done
            switch await descriptor.submit({ makeOp($0, start, count, position) }) {
            case .success(0): return (done, atEnd)
            case .success(let n): done += n
            case .failure(.errno(.interrupted)): continue
            case .failure(let error): return (done, error)
            }
        }
        return (done, nil)
    }
}
