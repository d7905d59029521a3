import Glibc
import Synchronization

/// The process-wide side of signal delivery: one `sigaction` handler per
/// watched signal, writing a byte into the pipe of every ``SignalStream``
/// subscribed to it.
///
/// The handler may run on any thread, so it touches only what is
/// async-signal-safe: an atomic counter, plain aligned loads from a table
/// allocated before the first handler is installed, and `write(2)` on
/// non-blocking pipes (a full pipe drops the byte, which only coalesces
/// deliveries, as the kernel does for pending signals anyway). A stream that
/// leaves clears its slot, then waits until no handler is running before it
/// closes its pipe, so a handler never writes to a closed (or reused) fd.
enum SignalRegistry {
    /// Signal numbers go up to `NSIG - 1` (64 on Linux).
    static let signalLimit: Int32 = 65
    /// Streams per signal at once.
    static let slotsPerSignal = 16

    private struct Watch {
        var subscribers = 0
        var previous = sigaction()
    }

    private static let watches = Mutex<[Int32: Watch]>([:])

    /// Subscribes `writeFD` to `signo`, installing the handler for the first
    /// subscriber. Returns the slot index to pass to ``unsubscribe(_:slot:)``.
    static func subscribe(_ signo: Int32, writeFD: Int32) throws(IOError) -> Int {
        let table = signalSlots
        let result: Result<Int, IOError> = watches.withLock { watches in
            let base = Int(signo) * slotsPerSignal
            guard let slot = (0..<slotsPerSignal).first(where: { table[base + $0] < 0 }) else {
                return .failure(.unsupported("more than \(slotsPerSignal) signal streams for signal \(signo)"))
            }
            var watch = watches[signo] ?? Watch()
            if watch.subscribers == 0 {
                var action = sigaction()
                action.__sigaction_handler.sa_handler = signalHandler
                action.sa_flags = SA_RESTART
                sigemptyset(&action.sa_mask)
                if sigaction(signo, &action, &watch.previous) != 0 { return .failure(.code(errno)) }
            }
            table[base + slot] = writeFD
            watch.subscribers += 1
            watches[signo] = watch
            return .success(slot)
        }
        return try result.get()
    }

    /// Removes a subscription; restores the previous action after the last one.
    /// When it returns, no handler will write to the slot's fd any more.
    static func unsubscribe(_ signo: Int32, slot: Int) {
        watches.withLock { watches in
            signalSlots[Int(signo) * slotsPerSignal + slot] = -1
            guard var watch = watches[signo] else {
                preconditionFailure("SignalRegistry: unsubscribe from signal \(signo) without a watch")
            }
            watch.subscribers -= 1
            if watch.subscribers == 0 {
                _ = sigaction(signo, &watch.previous, nil)
                watches[signo] = nil
            } else {
                watches[signo] = watch
            }
        }
        while handlersRunning.load(ordering: .sequentiallyConsistent) > 0 { sched_yield() }
    }
}

/// Handlers in progress; ``SignalRegistry/unsubscribe(_:slot:)`` waits for zero.
private let handlersRunning = Atomic<Int>(0)

/// The write ends, `slotsPerSignal` per signal number; -1 is a free slot.
/// Allocated once and never freed: the handler may read it at any time.
nonisolated(unsafe) private let signalSlots: UnsafeMutablePointer<Int32> = {
    let count = Int(SignalRegistry.signalLimit) * SignalRegistry.slotsPerSignal
    let table = UnsafeMutablePointer<Int32>.allocate(capacity: count)
    table.initialize(repeating: -1, count: count)
    return table
}()

/// Runs in signal context: async-signal-safe calls only.
private func signalHandler(_ signo: Int32) {
    let savedErrno = errno
    handlersRunning.add(1, ordering: .sequentiallyConsistent)
    let base = Int(signo) * SignalRegistry.slotsPerSignal
    var byte = UInt8(truncatingIfNeeded: signo)
    for slot in 0..<SignalRegistry.slotsPerSignal {
        let fd = signalSlots[base + slot]
        if fd >= 0 { _ = write(fd, &byte, 1) }
    }
    handlersRunning.subtract(1, ordering: .sequentiallyConsistent)
    errno = savedErrno
}
