/// A buffered reader over any ``AsyncRead``: reads the inner stream in chunks
/// of its buffer's capacity and serves smaller reads, lines and delimited
/// records from memory.
///
/// A read at least as large as the buffer, made while the buffer is empty,
/// goes straight to the inner stream, saving a copy.
///
/// `BufReader` is a value: a copy has its own position and, the first time it
/// refills, its own memory (copy on write). Reading from two copies reads the
/// same inner stream twice as far; keep one.
public struct BufReader<Inner: AsyncRead>: AsyncRead {
    /// The stream being read. Reading it directly skips the buffered bytes.
    public private(set) var inner: Inner
    private var storage: IOBuffer
    /// Unread bytes are `storage.base[start..<end]`.
    private var start = 0
    private var end = 0

    /// Wraps `inner` with a buffer of `capacity` bytes.
    ///
    /// - Precondition: `capacity > 0`.
    public init(_ inner: Inner, capacity: Int = 8192) {
        precondition(capacity > 0, "BufReader: capacity \(capacity) must be positive")
        self.inner = inner
        self.storage = IOBuffer(capacity: capacity)
    }

    /// Size of the buffer.
    public var capacity: Int { storage.capacity }

    /// Bytes read from the inner stream and not yet handed out.
    public var bufferedCount: Int { end - start }

    /// Calls `body` with the buffered bytes, without consuming them.
    public func withBufferedBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(start: storage.base + start, count: end - start))
    }

    /// Marks the first `count` buffered bytes as read.
    ///
    /// - Precondition: `0 <= count <= bufferedCount`.
    public mutating func consume(_ count: Int) {
        precondition(count >= 0 && count <= end - start, "BufReader: consuming \(count) of \(end - start) buffered bytes")
        start += count
    }

    /// Reads from the inner stream when nothing is buffered, and returns the
    /// number of buffered bytes: 0 only at end of stream.
    public mutating func fillBuffer() async throws(IOError) -> Int {
        if start < end { return end - start }
        if !isKnownUniquelyReferenced(&storage) {
            // A copy shares the memory; nothing is buffered, so nothing to carry over.
            storage = IOBuffer(capacity: storage.capacity)
        }
        let r = await inner.read(storage)
        storage = r.buffer
        let n = try r.result.get()
        precondition(n <= storage.capacity, "AsyncRead returned \(n) bytes into \(storage.capacity)")
        start = 0
        end = n
        return n
    }

    /// Reads into `buffer` from its start: buffered bytes first; an empty
    /// buffer is refilled once. Returns 0 only at end of stream (or for a
    /// zero-capacity `buffer`).
    public mutating func read<B: IoBufMut & ~Copyable>(_ buffer: consuming B) async -> BufResult<Int, B> {
        let wanted = buffer.ioCapacity
        if wanted == 0 { return BufResult(.success(0), buffer) }
        if start == end && wanted >= storage.capacity {
            return await inner.read(buffer)
        }
        let available: Int
        do { available = try await fillBuffer() } catch { return BufResult(.failure(error), buffer) }
        let n = min(available, wanted)
        if n > 0 {
            buffer.ioMutableBase!.copyMemory(from: storage.base + start, byteCount: n)
        }
        buffer.setInitialized(n)
        start += n
        return BufResult(.success(n), buffer)
    }

    /// Appends bytes to `output` up to and including the next `delimiter`, or
    /// up to the end of the stream. Returns how many bytes it appended: 0 only
    /// at end of stream.
    ///
    /// Throws ``IOError/invalidArgument(_:)`` when more than `limit` bytes come
    /// before the delimiter (a peer sending an endless line); the bytes up to
    /// the limit are then in `output` and the rest of the record is unread.
    /// A failed read throws its error, with the bytes before it in `output`.
    public mutating func read(until delimiter: UInt8, into output: inout [UInt8], limit: Int = .max) async throws(IOError) -> Int {
        guard limit >= 0 else { throw .invalidArgument("negative limit \(limit)") }
        var appended = 0
        while true {
            let available = try await fillBuffer()
            if available == 0 { return appended }
            let chunk = UnsafeRawBufferPointer(start: storage.base + start, count: available)
            let found = chunk.firstIndex(of: delimiter)
            let take = found.map { $0 + 1 } ?? available
            let room = limit - appended
            if take > room {
                output.append(contentsOf: chunk.prefix(room))
                start += room
                throw .invalidArgument("more than \(limit) bytes before the delimiter")
            }
            output.append(contentsOf: chunk.prefix(take))
            start += take
            appended += take
            if found != nil { return appended }
        }
    }

    /// The next line, without its `\n` or `\r\n`, decoded as UTF-8 (invalid
    /// bytes become U+FFFD); `nil` at end of stream. A last line without a
    /// newline is returned as it is.
    ///
    /// `limit` bounds the line's bytes, terminator included; see
    /// ``read(until:into:limit:)`` for what happens past it.
    public mutating func readLine(limit: Int = .max) async throws(IOError) -> String? {
        var line: [UInt8] = []
        guard try await read(until: UInt8(ascii: "\n"), into: &line, limit: limit) > 0 else { return nil }
        if line.last == UInt8(ascii: "\n") {
            line.removeLast()
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
        }
        return String(decoding: line, as: UTF8.self)
    }

    /// Gives the inner stream back; buffered bytes are dropped.
    public consuming func intoInner() -> Inner { inner }
}

extension BufReader: Sendable where Inner: Sendable {}
