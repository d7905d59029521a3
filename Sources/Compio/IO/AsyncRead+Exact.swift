extension AsyncRead {
    /// Reads until the buffer's whole capacity holds data, or the stream ends.
    ///
    /// The buffer is filled from its start (data it held before is forgotten).
    /// The outcome:
    /// - `.success(n)` with `n == buffer.ioCapacity`: the buffer is full.
    /// - `.success(n)` with `n < buffer.ioCapacity`: the stream ended after
    ///   `n` more bytes; they are in the buffer (`ioInitialized == n`). Nothing
    ///   is lost, so the caller decides whether a short message is an error.
    /// - `.failure(e)`: a read failed; the bytes read before it are in the
    ///   buffer (`ioInitialized`), and the stream's position is after them.
    ///
    /// A zero-capacity buffer succeeds with 0 without reading. For the
    /// throwing form, which treats a short read as an error, see
    /// ``readExact(count:)``.
    public mutating func readExact<B: IoBufMut & ~Copyable>(into buffer: consuming B) async -> BufResult<Int, B> {
        let capacity = buffer.ioCapacity
        buffer.setInitialized(0)
        var filled = 0
        while filled < capacity {
            // The slice makes the next read land after what is already there.
            let r = await read(BufferSlice(buffer, range: filled..<capacity))
            let result = r.result
            buffer = r.buffer.into()
            switch result {
            case .success(0):
                return BufResult(.success(filled), buffer)
            case .success(let n):
                precondition(n <= capacity - filled, "AsyncRead returned \(n) bytes for \(capacity - filled) of room")
                filled += n
            case .failure(let error):
                return BufResult(.failure(error), buffer)
            }
        }
        return BufResult(.success(filled), buffer)
    }

    /// Reads exactly `count` bytes into a new buffer.
    ///
    /// Throws ``IOError/unexpectedEndOfStream`` when the stream
    /// ends first (the bytes read are dropped; use ``readExact(into:)`` to keep
    /// them), ``IOError/invalidArgument(_:)`` for a negative `count`, and any
    /// error of the reads.
    public mutating func readExact(count: Int) async throws(IOError) -> OwnedBuffer {
        guard count >= 0 else { throw .invalidArgument("readExact of \(count) bytes") }
        let r = await readExact(into: OwnedBuffer(capacity: count))
        let result = r.result
        let buffer = r.buffer
        guard try result.get() == count else { throw .unexpectedEndOfStream }
        return buffer
    }
}

