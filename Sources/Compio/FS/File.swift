import Glibc
import SystemPackage

/// An open file, read and written with positioned ops in the owned-buffer
/// style.
///
/// `File` is a struct holding a ``SharedDescriptor``: copying it clones the
/// file, and every clone shares the one descriptor. Ops on any clone may run
/// at the same time (positioned reads and writes share no position).
/// ``close()`` on any clone refuses new ops on all of them at once
/// (``IOError/closed``), waits until every op in flight completed, then closes
/// the descriptor exactly once; dropping the last clone without `close()`
/// closes it too.
///
/// Every call runs as ops on the current ``Runtime`` (``IOError/noRuntime``
/// outside one); nothing here calls the OS directly. Offsets are `UInt64`;
/// an offset beyond `Int64.max` (which `pread(2)` cannot take) is refused
/// with ``IOError/invalidArgument(_:)`` before any op.
public struct File: Sendable, AsyncReadAt, AsyncWriteAt {
    /// The descriptor every clone shares.
    public let descriptor: SharedDescriptor

    /// Wraps a descriptor that is already open.
    public init(descriptor: SharedDescriptor) {
        self.descriptor = descriptor
    }

    // MARK: Opening

    /// Opens the file at `path`; read-only unless `options` say otherwise.
    /// A relative path is relative to the current working directory.
    public static func open(_ path: FilePath, options: OpenOptions = .readOnly) async throws(IOError) -> File {
        try await open(OpPath(path), options: options)
    }

    /// Opens the file at `path` (see ``open(_:options:)-(FilePath,_)``). A
    /// path containing a NUL byte is refused with ``IOError/pathContainsNul``.
    public static func open(_ path: String, options: OpenOptions = .readOnly) async throws(IOError) -> File {
        try await open(OpPath(path), options: options)
    }

    /// Opens `path` write-only, creating it if it does not exist and
    /// truncating it to zero bytes if it does.
    public static func create(_ path: FilePath) async throws(IOError) -> File {
        try await open(path, options: .createOrTruncate)
    }

    /// ``create(_:)-(FilePath)`` for a string path; a NUL byte in it is
    /// refused with ``IOError/pathContainsNul``.
    public static func create(_ path: String) async throws(IOError) -> File {
        try await open(path, options: .createOrTruncate)
    }

    static func open(_ path: OpPath, options: OpenOptions) async throws(IOError) -> File {
        guard let runtime = Runtime.current else { throw .noRuntime }
        let completion = await runtime.submit(
            .openAt(directory: AT_FDCWD, path: path, flags: options.rawFlags, mode: options.rawMode))
        if case .failure(let error) = completion.result { throw error }
        guard let owned = completion.descriptor else {
            preconditionFailure("File.open: the driver reported success for openAt without a descriptor")
        }
        return File(descriptor: SharedDescriptor(owned, closer: runtime.descriptorCloser))
    }

    // MARK: Positioned I/O

    /// Reads at most `buffer.ioCapacity` bytes at `offset` into the buffer's
    /// start; the result is the number of bytes read, 0 at end of file.
    // Inlinable, as are the buffer paths below it, so that a caller's buffer
    // type is specialized in the caller's module instead of looked up at run
    // time on every read (generic metadata cost about 600 instructions per op).
    @inlinable
    nonisolated(nonsending) public func read<B: IoBufMut & ~Copyable>(_ buffer: consuming B, at offset: UInt64) async -> BufResult<Int, B> {
        guard let position = Int64(exactly: offset) else { return BufResult(.failure(Self.beyondRange(offset, 0)), buffer) }
        return await descriptor.submitRead(buffer) { .readAt(fd: $0, buffer: $1, offset: position) }
    }

    /// Writes some of the buffer's data at `offset`; the result is the number
    /// of bytes written, which may be fewer than the data (see ``writeAll(_:at:)``).
    @inlinable
    nonisolated(nonsending) public func write<B: IoBuf & ~Copyable>(_ buffer: consuming B, at offset: UInt64) async -> BufResult<Int, B> {
        guard let position = Int64(exactly: offset) else { return BufResult(.failure(Self.beyondRange(offset, 0)), buffer) }
        return await descriptor.submitWrite(buffer) { .writeAt(fd: $0, buffer: $1, offset: position) }
    }

    // MARK: Whole-file operations

    /// Flushes the file's data and metadata to the device (`fsync(2)`).
    public func sync() async throws(IOError) {
        _ = try await descriptor.submit { .sync(fd: $0, dataOnly: false) }.get()
    }

    /// Flushes the file's data, and only the metadata needed to read it back,
    /// to the device (`fdatasync(2)`).
    public func syncData() async throws(IOError) {
        _ = try await descriptor.submit { .sync(fd: $0, dataOnly: true) }.get()
    }

    /// The file's metadata (`statx(2)` of the open descriptor).
    public func metadata() async throws(IOError) -> FileMetadata {
        let into = MetadataBuffer()
        _ = try await descriptor.submit { .metadata(fd: $0, into: into) }.get()
        return into.metadata
    }

    /// Truncates or extends the file to `length` bytes (`ftruncate(2)`); an
    /// extension reads back as zeros.
    public func setLength(_ length: UInt64) async throws(IOError) {
        let size = try Self.position(length, plus: 0).get()
        _ = try await descriptor.submit { .truncate(fd: $0, length: size) }.get()
    }

    /// Closes the file for every clone: new ops are refused with
    /// ``IOError/closed`` from now on, the ops in flight finish, then the
    /// descriptor is closed once. Every caller gets that close's result.
    public func close() async throws(IOError) {
        try await descriptor.close()
    }

    // MARK: Offsets

    /// `offset + delta` as the signed offset an op takes, refused when it is
    /// beyond `Int64.max`.
    static func position(_ offset: UInt64, plus delta: Int) -> Result<Int64, IOError> {
        precondition(delta >= 0, "File: negative offset delta \(delta)")
        let (sum, overflow) = offset.addingReportingOverflow(UInt64(delta))
        guard !overflow, let position = Int64(exactly: sum) else { return .failure(beyondRange(offset, delta)) }
        return .success(position)
    }

    @usableFromInline
    static func beyondRange(_ offset: UInt64, _ delta: Int) -> IOError {
        .invalidArgument("offset \(offset) + \(delta) is beyond Int64.max")
    }
}
