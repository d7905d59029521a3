import Glibc
import Synchronization

/// A fixed set of worker threads, each running its own ``Runtime``, that
/// runs closures for callers anywhere and hands their results back.
///
/// Each worker builds its runtime on its own thread (io_uring wants that) from
/// the one builder, with every driver sharing a single ``ThreadPool`` for
/// blocking work. ``dispatch(_:)`` picks workers round robin and runs the
/// closure there with ``Runtime/run(_:)``. ``shutdown()`` ends every worker's
/// `blockOn` and joins the threads; dispatches after it fail with
/// ``IOError/shutdown``.
public final class Dispatcher: Sendable {
    private let runtimes: [Runtime]
    private let threads: [WorkerThread]
    /// One per worker: set to end that worker's `blockOn`.
    private let stops: [Event]
    private let next = Atomic<Int>(0)
    private let stopped = Atomic<Bool>(false)
    /// The pool every worker's driver uses.
    public let threadPool: ThreadPool

    /// Starts `workers` threads, each with a runtime built from `builder` (its
    /// thread pool replaced by one shared pool). Fails with the first error a
    /// worker met building its runtime; the workers already started are then
    /// stopped and joined.
    public init(workers: Int, builder: RuntimeBuilder = RuntimeBuilder()) throws(IOError) {
        guard workers > 0 else { throw .invalidArgument("a dispatcher needs at least one worker, got \(workers)") }
        var builder = builder
        let pool = builder.driver.threadPool ?? builder.driver.makeThreadPool()
        builder.driver.threadPool = pool
        threadPool = pool
        let stops = (0..<workers).map { _ in Event() }
        var runtimes: [Runtime] = []
        var threads: [WorkerThread] = []
        var failure: IOError?
        for stop in stops {
            let started = WorkerStart()
            do throws(IOError) {
                let frozen = builder
                threads.append(try WorkerThread {
                    let runtime: Runtime
                    do throws(IOError) {
                        runtime = try frozen.build()
                    } catch {
                        started.finish(.failure(error))
                        return
                    }
                    started.finish(.success(runtime))
                    runtime.blockOn { await stop.wait() }
                    runtime.shutdown()
                })
                runtimes.append(try started.wait().get())
            } catch {
                failure = error
                break
            }
        }
        self.runtimes = runtimes
        self.threads = threads
        self.stops = stops
        if let failure {
            shutdown()
            throw failure
        }
    }

    /// How many workers run.
    public var workerCount: Int { runtimes.count }

    /// Runs `body` on the next worker's runtime and returns its value (or
    /// rethrows its error). Callable from any thread or task.
    public func dispatch<T: Sendable>(_ body: sending @escaping () async throws -> T) async throws -> T {
        guard !stopped.load(ordering: .acquiring) else { throw IOError.shutdown }
        let index = next.wrappingAdd(1, ordering: .relaxed).oldValue % runtimes.count
        return try await runtimes[index].run(body)
    }

    /// Stops every worker (cancelling what it still runs) and joins the
    /// threads. Idempotent; blocks the calling thread until the workers are
    /// gone, so do not call it from a worker.
    public func shutdown() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        for stop in stops { stop.notify() }
        for thread in threads { thread.join() }
    }

    /// Same as ``shutdown()``: stops the workers and waits for their threads.
    public func join() { shutdown() }

    deinit { shutdown() }
}

/// The handshake by which a worker reports its runtime (or why it has none).
private final class WorkerStart: @unchecked Sendable {
    private let ready = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)
    // Written once by the worker before it posts, read after the wait.
    private var outcome: Result<Runtime, IOError>?

    init() { sem_init(ready, 0, 0) }

    deinit {
        sem_destroy(ready)
        ready.deallocate()
    }

    func finish(_ result: Result<Runtime, IOError>) {
        outcome = result
        sem_post(ready)
    }

    func wait() -> Result<Runtime, IOError> {
        while sem_wait(ready) != 0 {}
        return outcome!
    }
}
