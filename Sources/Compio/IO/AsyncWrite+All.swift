extension AsyncWrite {
    /// Writes all of the buffer's data (`ioInitialized` bytes), calling
    /// ``write(_:)`` until the sink took every byte, and hands the buffer back.
    ///
    /// `.success(n)` has `n == buffer.ioInitialized`. On `.failure`, some of
    /// the data may have been written already. A write that accepts no bytes
    /// of a non-empty remainder would loop forever, so it fails with
    /// ``IOError/writeZero``. An empty buffer succeeds with
    /// 0 without writing.
    public mutating func writeAll<B: IoBuf & ~Copyable>(_ buffer: consuming B) async -> BufResult<Int, B> {
        var written = 0
        return await writeAll(buffer, written: &written)
    }

    /// ``writeAll(_:)`` starting after the first `written` bytes of the data,
    /// and counting what it writes in `written`, so that a caller can tell how
    /// much went out before a failure.
    mutating func writeAll<B: IoBuf & ~Copyable>(_ buffer: consuming B, written: inout Int) async -> BufResult<Int, B> {
        let total = buffer.ioInitialized
        precondition(written >= 0 && written <= total, "writeAll: \(written) bytes already written of \(total)")
        var rest = UnwrittenData(base: buffer, offset: written)
        while rest.offset < total {
            let r = await write(rest)
            let result = r.result
            rest = r.buffer
            switch result {
            case .success(0):
                return BufResult(.failure(.writeZero), rest.base)
            case .success(let n):
                precondition(n <= total - rest.offset, "AsyncWrite wrote \(n) bytes of \(total - rest.offset)")
                rest.offset += n
                written += n
            case .failure(let error):
                return BufResult(.failure(error), rest.base)
            }
        }
        return BufResult(.success(total), rest.base)
    }
}

/// The data of a buffer after its first `offset` bytes: what ``AsyncWrite/writeAll(_:)``
/// still has to send. Unlike ``BufferSlice`` it needs only ``IoBuf``.
struct UnwrittenData<Base: IoBuf & ~Copyable>: ~Copyable, IoBuf {
    var base: Base
    var offset: Int

    var ioBase: UnsafeRawPointer? { base.ioBase.map { $0 + offset } }
    var ioInitialized: Int { base.ioInitialized - offset }
}
