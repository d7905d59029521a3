import Compio

/// One end of a real kernel pipe as an ``AsyncRead`` and ``AsyncWrite``,
/// through the runtime (`.read`/`.write` ops on a ``SharedDescriptor``), for the
/// I/O trait tests while the fs and net types are written elsewhere. Using an
/// end the wrong way round fails like the kernel says (`EBADF`).
struct PipeEnd: AsyncRead, AsyncReadVectored, AsyncWrite, AsyncWriteVectored, Sendable {
    let descriptor: SharedDescriptor

    /// A new pipe. Create it on the runtime that uses it; dropping an end
    /// closes it, and ``shutdown()`` closes it at once (EOF for the reader).
    static func pipe() throws -> (reader: PipeEnd, writer: PipeEnd) {
        let fds = try Fixture.pipe()
        return (PipeEnd(fds.read), PipeEnd(fds.write))
    }

    private init(_ fd: Int32) { descriptor = SharedDescriptor(fd, closer: KernelDescriptorCloser.shared) }

    mutating func read<B: IoBufMut & ~Copyable>(_ buffer: consuming B) async -> BufResult<Int, B> {
        await descriptor.submitRead(buffer) { .read(fd: $0, buffer: $1) }
    }

    mutating func readVectored(_ buffers: IOBufferVector) async -> BufResult<Int, IOBufferVector> {
        await descriptor.submitReadVectored(buffers) { .readVectored(fd: $0, buffers: $1) }
    }

    mutating func write<B: IoBuf & ~Copyable>(_ buffer: consuming B) async -> BufResult<Int, B> {
        await descriptor.submitWrite(buffer) { .write(fd: $0, buffer: $1) }
    }

    mutating func writeVectored(_ buffers: IOBufferVector) async -> BufResult<Int, IOBufferVector> {
        await descriptor.submitWriteVectored(buffers) { .writeVectored(fd: $0, buffers: $1) }
    }

    /// A pipe buffers nothing on the way.
    mutating func flush() async throws(IOError) {}

    /// Closes this end; closing the write end is how a pipe says end of stream.
    mutating func shutdown() async throws(IOError) { try await descriptor.close() }
}
