import Glibc

/// A joinable pthread that runs one closure: the dispatcher's workers, and
/// tests that need a thread no runtime owns.
final class WorkerThread: Sendable {
    private final class Start {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }

    // Written once in init, read only by join.
    nonisolated(unsafe) private var thread = pthread_t()

    /// Starts `body` on a new thread; fails with the errno of `pthread_create`.
    init(_ body: @escaping @Sendable () -> Void) throws(IOError) {
        let start = Unmanaged.passRetained(Start(body))
        let rc = pthread_create(&thread, nil, { context in
            let start = Unmanaged<Start>.fromOpaque(context!).takeRetainedValue()
            start.body()
            return nil
        }, start.toOpaque())
        if rc != 0 {
            start.release()
            throw IOError.code(rc)
        }
    }

    /// Waits for the thread to end. Call exactly once.
    func join() {
        let rc = pthread_join(thread, nil)
        precondition(rc == 0, "WorkerThread: pthread_join failed with \(rc)")
    }
}
