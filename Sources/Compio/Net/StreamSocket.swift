import CLinux
import Glibc

/// A connected stream socket (``TcpStream``, ``UnixStream``): reads, writes,
/// exact reads, whole writes, shutdown and the peer's address, all in the
/// owned-buffer style.
///
/// The methods do not mutate the value (the state lives in the shared
/// descriptor), so clones may read in one task and write in another. Two
/// tasks reading the same connection at once interleave unpredictably.
public protocol StreamSocket: SocketHandle, AsyncRead, AsyncWrite {}

extension StreamSocket {
    /// Receives at most `buffer.ioCapacity` bytes into the buffer's start;
    /// 0 means the peer shut its writing side (end of stream).
    // Inlinable, like File's, so the caller's buffer type is specialized.
    @inlinable
    nonisolated(nonsending) public func read<B: IoBufMut & ~Copyable>(_ buffer: consuming B) async -> BufResult<Int, B> {
        await socket.descriptor.submitRead(buffer) { .recv(fd: $0, buffer: $1, flags: 0) }
    }

    /// Sends some of the buffer's data and returns how many bytes went out.
    /// A peer that is gone gives `EPIPE`, never `SIGPIPE`.
    @inlinable
    nonisolated(nonsending) public func write<B: IoBuf & ~Copyable>(_ buffer: consuming B) async -> BufResult<Int, B> {
        await socket.descriptor.submitWrite(buffer) { .send(fd: $0, buffer: $1, flags: CLINUX_MSG_NOSIGNAL) }
    }

    /// Does nothing: a socket buffers nothing on this side of the kernel.
    public func flush() async throws(IOError) {}

    /// Shuts down the writing side (`SHUT_WR`): the peer reads end of stream.
    public func shutdown() async throws(IOError) {
        try await shutdown(.write)
    }

    /// `shutdown(2)` of one or both directions, for every clone.
    public func shutdown(_ how: ShutdownDirection) async throws(IOError) {
        try await socket.shutdown(how)
    }

    /// The address of the other end (`getpeername`).
    public var peerAddress: SocketAddress {
        get async throws(IOError) { try await socket.address(peer: true) }
    }

    /// Reads until the buffer is full (`ioCapacity` bytes) or the stream ends.
    ///
    /// The result is the number of bytes read, which is less than
    /// `ioCapacity` only when the peer ended the stream first: compare the two
    /// to tell a complete read from an early end of stream. On an error, the
    /// buffer holds (as its data) what was read before it.
    public func readExact<B: IoBufMut & ~Copyable>(into buffer: consuming B) async -> BufResult<Int, B> {
        guard let runtime = Runtime.current else { return BufResult(.failure(.noRuntime), buffer) }
        let base = buffer.ioMutableBase
        let outcome = await transferAll(on: runtime, total: buffer.ioCapacity) { fd, done, left in
            .recv(fd: fd, buffer: OpBuffer(base: base.map { $0 + done }, count: left, owner: nil), flags: 0)
        }
        buffer.setInitialized(outcome.done)
        return BufResult(outcome.error.map { .failure($0) } ?? .success(outcome.done), buffer)
    }

    /// Sends all of the buffer's data, looping over short writes. The result is
    /// the byte count (all of it), or the error that stopped the loop.
    public func writeAll<B: IoBuf & ~Copyable>(_ buffer: consuming B) async -> BufResult<Int, B> {
        guard let runtime = Runtime.current else { return BufResult(.failure(.noRuntime), buffer) }
        let base = UnsafeMutableRawPointer(mutating: buffer.ioBase)
        let outcome = await transferAll(on: runtime, total: buffer.ioInitialized) { fd, done, left in
            .send(fd: fd, buffer: OpBuffer(base: base.map { $0 + done }, count: left, owner: nil), flags: CLINUX_MSG_NOSIGNAL)
        }
        // A stream send of zero bytes with data left cannot make progress.
        let error = outcome.error ?? (outcome.done < buffer.ioInitialized ? .errno(.brokenPipe) : nil)
        return BufResult(error.map { .failure($0) } ?? .success(outcome.done), buffer)
    }

    /// Runs the op `makeOp` builds for the `left` bytes after the first `done`
    /// until `total` bytes moved, an op moved none, or an op failed.
    ///
    /// The caller keeps the buffer alive in its frame while this runs.
    private func transferAll(
        on runtime: Runtime, total: Int, _ makeOp: (_ fd: Int32, _ done: Int, _ left: Int) -> Op
    ) async -> (done: Int, error: IOError?) {
        var done = 0
        while done < total {
            let completion = await socket.descriptor.submit(on: runtime) { makeOp($0, done, total - done) }
            switch completion.result {
            case .success(0): return (done, nil)
            case .success(let n): done += n
            case .failure(let error): return (done, error)
            }
        }
        return (done, nil)
    }
}
