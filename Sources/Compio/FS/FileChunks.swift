/// A file's bytes as an `AsyncSequence` of chunks, read front to back with
/// positioned reads.
///
/// Each element is a `[UInt8]` of at most `size` bytes: a copy out of one
/// buffer the iterator reuses for every read (an ``OwnedBuffer`` cannot be an
/// element: sequence elements must be copyable). A chunk holds whatever one
/// read returned, so it may be shorter than `size` before the end (for
/// example while another task is appending). The sequence ends at the first
/// read that returns 0 bytes, and throws ``IOError`` when a read fails; a
/// `size` below 1 throws ``IOError/invalidArgument(_:)`` from the first `next()`.
///
/// ```swift
/// for try await chunk in file.chunks(size: 64 * 1024) { hasher.update(chunk) }
/// ```
public struct FileChunks: AsyncSequence, Sendable {
    /// One chunk of the file.
    public typealias Element = [UInt8]
    /// Reads fail with ``IOError``.
    public typealias Failure = IOError

    /// The file read.
    public let file: File
    /// Most bytes per chunk.
    public let size: Int
    /// Where the first chunk starts.
    public let start: UInt64

    /// The chunks of `file` from `start`, at most `size` bytes each.
    public init(file: File, size: Int, start: UInt64 = 0) {
        self.file = file
        self.size = size
        self.start = start
    }

    /// A new iterator from ``start``.
    public func makeAsyncIterator() -> Iterator {
        Iterator(file: file, size: size, offset: start)
    }

    /// Reads the next chunk on each call.
    public struct Iterator: AsyncIteratorProtocol, Sendable {
        let file: File
        let size: Int
        var offset: UInt64
        var buffer: IOBuffer?
        var finished = false

        init(file: File, size: Int, offset: UInt64) {
            self.file = file
            self.size = size
            self.offset = offset
        }

        /// The next chunk, or `nil` after the end of the file.
        public mutating func next() async throws(IOError) -> [UInt8]? {
            if finished { return nil }
            guard size > 0 else {
                finished = true
                throw .invalidArgument("chunk size \(size) must be at least 1")
            }
            let buffer = self.buffer ?? IOBuffer(capacity: size)
            self.buffer = buffer
            let result = await file.read(buffer, at: offset).result
            switch result {
            case .failure(let error):
                finished = true
                throw error
            case .success(0):
                finished = true
                return nil
            case .success(let n):
                offset += UInt64(n)
                return buffer.bytes
            }
        }

        /// ``next()``; the isolation does not matter, the read runs on the runtime.
        public mutating func next(isolation actor: isolated (any Actor)?) async throws(IOError) -> [UInt8]? {
            try await next()
        }
    }
}

extension File {
    /// The file's bytes from `offset` as an `AsyncSequence` of chunks of at
    /// most `size` bytes (64 KiB by default); see ``FileChunks``.
    public func chunks(size: Int = 64 * 1024, from offset: UInt64 = 0) -> FileChunks {
        FileChunks(file: self, size: size, start: offset)
    }
}
