/// A buffered writer over any ``AsyncWrite``: small writes are gathered in
/// memory and reach the inner sink in writes of up to the buffer's capacity.
///
/// A write that does not fit next to what is buffered first sends the buffer
/// out; a write at least as large as the buffer then goes straight to the
/// inner sink. Call ``flush()`` (or ``shutdown()``, which flushes first) to
/// send what is left: a `BufWriter` dropped with buffered bytes loses them,
/// since nothing can be awaited when a value goes away.
///
/// `BufWriter` is a value: a copy gets its own memory before it changes the
/// buffer (copy on write), and both copies write to the same inner sink.
public struct BufWriter<Inner: AsyncWrite>: AsyncWrite {
    /// The sink being written. Writing it directly jumps ahead of the buffered bytes.
    public private(set) var inner: Inner
    /// Buffered bytes are `storage`'s data (`initialized`).
    private var storage: IOBuffer

    /// Wraps `inner` with a buffer of `capacity` bytes.
    ///
    /// - Precondition: `capacity > 0`.
    public init(_ inner: Inner, capacity: Int = 8192) {
        precondition(capacity > 0, "BufWriter: capacity \(capacity) must be positive")
        self.inner = inner
        self.storage = IOBuffer(capacity: capacity)
    }

    /// Size of the buffer.
    public var capacity: Int { storage.capacity }

    /// Bytes written to the buffer and not yet to the inner sink.
    public var bufferedCount: Int { storage.initialized }

    /// Takes all of `buffer`'s data into the buffer, or, when it is at least
    /// as large as the buffer, makes one write of it to the inner sink (after
    /// sending what was buffered). Fails only when sending the buffer fails,
    /// or with the direct write's error.
    public mutating func write<B: IoBuf & ~Copyable>(_ buffer: consuming B) async -> BufResult<Int, B> {
        let count = buffer.ioInitialized
        if storage.initialized + count > storage.capacity {
            do { try await sendBuffered() } catch { return BufResult(.failure(error), buffer) }
        }
        if count >= storage.capacity {
            return await inner.write(buffer)
        }
        makeStorageUnique()
        if count > 0 {
            (storage.base + storage.initialized).copyMemory(from: buffer.ioBase!, byteCount: count)
        }
        storage.initialized += count
        return BufResult(.success(count), buffer)
    }

    /// Sends the buffered bytes, then flushes the inner sink.
    ///
    /// On failure the bytes not yet sent stay buffered, so a retry neither
    /// loses nor repeats any.
    public mutating func flush() async throws(IOError) {
        try await sendBuffered()
        try await inner.flush()
    }

    /// Flushes, then shuts the inner sink down. If the flush fails, the sink
    /// is not shut down.
    public mutating func shutdown() async throws(IOError) {
        try await flush()
        try await inner.shutdown()
    }

    /// Gives the inner sink back; buffered bytes are dropped (flush first).
    public consuming func intoInner() -> Inner { inner }

    /// Writes the buffered bytes to the inner sink; keeps the unsent ones on failure.
    private mutating func sendBuffered() async throws(IOError) {
        guard storage.initialized > 0 else { return }
        makeStorageUnique()
        var written = 0
        let r = await inner.writeAll(storage, written: &written)
        storage = r.buffer
        if case .failure(let error) = r.result {
            let left = storage.initialized - written
            storage.base.copyMemory(from: storage.base + written, byteCount: left)
            storage.initialized = left
            throw error
        }
        storage.initialized = 0
    }

    /// Gives this value memory of its own before it changes the buffer.
    private mutating func makeStorageUnique() {
        if isKnownUniquelyReferenced(&storage) { return }
        storage = IOBuffer(copying: storage)
    }
}

extension BufWriter: Sendable where Inner: Sendable {}

private extension IOBuffer {
    /// A buffer of the same capacity holding a copy of `other`'s data.
    convenience init(copying other: IOBuffer) {
        self.init(capacity: other.capacity)
        base.copyMemory(from: other.base, byteCount: other.initialized)
        initialized = other.initialized
    }
}
