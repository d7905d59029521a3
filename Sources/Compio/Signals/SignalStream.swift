import CLinux
import Glibc
import Synchronization

/// The deliveries of one signal, read on the runtime that awaits them; made
/// by ``Signal/stream(_:)``.
///
/// A process-wide `sigaction` handler writes a byte into this stream's
/// non-blocking pipe; ``next()`` reads the pipe with a `.read` op through the
/// current runtime, so the signal is seen in ordinary task context on the
/// runtime's thread, under both drivers. Deliveries that arrive while nobody
/// reads are kept (up to the pipe's size) and returned by later reads.
/// Releasing the stream unsubscribes it, restores the signal's previous
/// action when it was the last stream for that signal, and closes the pipe.
///
/// Because a handler is installed, the signal need not be blocked in any
/// thread. It must be unblocked in at least one thread for a process-directed
/// signal (`kill`) to be handled, and in the target thread for a
/// thread-directed one (`raise`, `pthread_kill`). Threads inherit their
/// creator's mask, and libdispatch's worker threads block every signal, so a
/// thread started from one has them all blocked too.
public final class SignalStream: AsyncSequence, Sendable {
    /// The signal number of each delivery.
    public typealias Element = Int32

    /// The signal this stream watches.
    public let signal: Int32
    private let readEnd: OwnedDescriptor
    private let writeEnd: Int32
    private let slot: Int
    /// Deliveries read from the pipe but not yet returned.
    private let pending = Mutex(0)

    init(signal: Int32) throws(IOError) {
        var fds: [Int32] = [-1, -1]
        if pipe2(&fds, O_NONBLOCK | O_CLOEXEC) != 0 { throw .code(errno) }
        do {
            slot = try SignalRegistry.subscribe(signal, writeFD: fds[1])
        } catch {
            _ = close(fds[0])
            _ = close(fds[1])
            throw error
        }
        self.signal = signal
        readEnd = OwnedDescriptor(fds[0], closer: KernelDescriptorCloser.shared)
        writeEnd = fds[1]
    }

    deinit {
        SignalRegistry.unsubscribe(signal, slot: slot)
        _ = close(writeEnd)
    }

    /// Waits for the next delivery on the current runtime and returns the
    /// signal number. Throws ``IOError/noRuntime`` outside a runtime, and
    /// `ECANCELED` when the calling task is cancelled.
    public func next() async throws(IOError) -> Int32 {
        if pending.withLock({ count in
            guard count > 0 else { return false }
            count -= 1
            return true
        }) {
            return signal
        }
        guard let runtime = Runtime.current else { throw .noRuntime }
        let buffer = IOBuffer(capacity: 64)
        let completion = await runtime.submit(
            .read(fd: readEnd.raw, buffer: OpBuffer(base: buffer.base, count: buffer.capacity, owner: buffer)))
        let count = try completion.result.get()
        // The write end stays open while the stream lives, so a read never sees EOF.
        precondition(count > 0, "SignalStream: the pipe reported end of file while its write end is open")
        pending.withLock { $0 += count - 1 }
        return signal
    }

    /// An iterator over deliveries; ends only when its task is cancelled (by throwing).
    public struct AsyncIterator: AsyncIteratorProtocol {
        let stream: SignalStream

        /// The next delivery; see ``SignalStream/next()``.
        public mutating func next() async throws(IOError) -> Int32? {
            try await stream.next()
        }
    }

    /// An iterator over this stream's deliveries.
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(stream: self) }
}
