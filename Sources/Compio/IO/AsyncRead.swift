/// A source of bytes read in the owned-buffer style: the buffer goes in, and
/// comes back with the result, on success and on error.
///
/// A read fills the buffer from its start and sets its data length to the bytes
/// read (`ioInitialized`); 0 means end of stream. To read into part of a buffer,
/// pass a ``BufferSlice``.
///
/// Built on it: ``readExact(into:)`` (fill a buffer or stop at end of
/// stream), ``BufReader`` (lines and small reads from memory) and
/// ``copy(from:to:bufferSize:)``.
public protocol AsyncRead {
    /// Reads at most `buffer.ioCapacity` bytes.
    mutating func read<B: IoBufMut & ~Copyable>(_ buffer: consuming B) async -> BufResult<Int, B>
}

/// A sink of bytes written in the owned-buffer style.
///
/// A write sends the buffer's data (`ioInitialized` bytes from its start) and
/// may send fewer; ``AsyncWrite/writeAll(_:)`` loops until all is sent.
/// ``BufWriter`` gathers small writes into fewer, larger ones.
public protocol AsyncWrite {
    /// Writes some of the buffer's data; returns how many bytes were written.
    mutating func write<B: IoBuf & ~Copyable>(_ buffer: consuming B) async -> BufResult<Int, B>
    /// Pushes out anything buffered on the way to the sink.
    mutating func flush() async throws(IOError)
    /// Flushes, then shuts down the writing side (a socket's `SHUT_WR`).
    mutating func shutdown() async throws(IOError)
}

/// Positioned reads, which do not move any shared position: safe to use from
/// many tasks at once.
public protocol AsyncReadAt {
    /// Reads at most `buffer.ioCapacity` bytes at `offset` into the buffer's start.
    func read<B: IoBufMut & ~Copyable>(_ buffer: consuming B, at offset: UInt64) async -> BufResult<Int, B>
}

/// Positioned writes.
public protocol AsyncWriteAt {
    /// Writes some of the buffer's data at `offset`; returns how many bytes were written.
    func write<B: IoBuf & ~Copyable>(_ buffer: consuming B, at offset: UInt64) async -> BufResult<Int, B>
}
