import Glibc

/// A bounded pool of threads for work that blocks: regular-file I/O under epoll,
/// ops io_uring lacks, and `spawnBlocking` closures.
///
/// Threads are created on demand up to `limit` and exit after `idleTimeout`
/// without work. A job is only ever handed to a thread that is free to run it:
/// when every thread is busy and the limit is reached, ``trySubmit(_:)`` returns
/// false at once, so the caller (a driver thread) never blocks or spins.
///
/// One pool can serve several drivers (the dispatcher's workers share one).
public final class ThreadPool: @unchecked Sendable {
    /// Most threads the pool runs at once.
    public let limit: Int
    /// How long an idle thread waits for work before it exits.
    public let idleTimeout: Duration

    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    // Guarded by `mutex`.
    private var queue: [Job] = []
    private var queueHead = 0
    private var threads = 0
    private var idle = 0
    /// Threads whose job released its slot (``trySubmit(releasing:)``) and
    /// that are on their way back for more: they count as free.
    private var finishing = 0

    /// A pool of at most `limit` threads (at least 1).
    public init(limit: Int = 256, idleTimeout: Duration = .seconds(60)) {
        precondition(limit > 0, "ThreadPool: limit must be at least 1, got \(limit)")
        precondition(idleTimeout > .zero, "ThreadPool: idle timeout must be positive")
        self.limit = limit
        self.idleTimeout = idleTimeout
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        condition = .allocate(capacity: 1)
        var attr = pthread_condattr_t()
        pthread_condattr_init(&attr)
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attr)
        pthread_condattr_destroy(&attr)
    }

    deinit {
        // Every worker holds the pool strongly, so none is left when this runs.
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Threads alive now, busy or idle.
    public var threadCount: Int { locked { threads } }
    /// Threads waiting for work now.
    public var idleCount: Int { locked { idle } }

    /// Runs `job` on a free thread, starting one if the limit allows.
    ///
    /// - Returns: false, without running `job`, when every thread is busy and the
    ///   pool is at its limit.
    public func trySubmit(_ job: @escaping @Sendable () -> Void) -> Bool {
        trySubmit(releasing: { _ in job() })
    }

    /// A job that may release its thread's slot before it returns.
    typealias Job = @Sendable (_ releaseSlot: () -> Void) -> Void

    /// Like ``trySubmit(_:)``, for a job that hands its result to someone who
    /// may submit again at once (``PoolBridge``): the job calls `releaseSlot`
    /// just before it publishes its result, and from then on its thread counts
    /// as free. Without that, a caller that saw the result could find the
    /// pool still full for the moment the thread takes to come back.
    func trySubmit(releasing job: @escaping Job) -> Bool {
        pthread_mutex_lock(mutex)
        let waiting = queue.count - queueHead
        if idle + finishing > waiting {
            queue.append(job)
            pthread_cond_signal(condition)
            pthread_mutex_unlock(mutex)
            return true
        }
        guard threads < limit else {
            pthread_mutex_unlock(mutex)
            return false
        }
        threads += 1
        pthread_mutex_unlock(mutex)
        if spawnThread(first: job) { return true }
        locked { threads -= 1 }
        return false
    }

    private static let taken: Job = { _ in }

    private func locked<R>(_ body: () -> R) -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }

    private final class Start {
        let pool: ThreadPool
        var job: Job?
        init(pool: ThreadPool, job: @escaping Job) {
            self.pool = pool
            self.job = job
        }
    }

    private func spawnThread(first job: @escaping Job) -> Bool {
        let start = Unmanaged.passRetained(Start(pool: self, job: job))
        var attr = pthread_attr_t()
        pthread_attr_init(&attr)
        pthread_attr_setdetachstate(&attr, Int32(PTHREAD_CREATE_DETACHED))
        defer { pthread_attr_destroy(&attr) }
        var thread = pthread_t()
        let rc = pthread_create(&thread, &attr, { context in
            let start = Unmanaged<Start>.fromOpaque(context!).takeRetainedValue()
            start.pool.work(start)
            return nil
        }, start.toOpaque())
        if rc != 0 {
            start.release()
            return false
        }
        return true
    }

    private func work(_ start: Start) {
        var job = start.job.take()
        while job != nil {
            // The job, and all it captured (an op's buffers, a bridge and its
            // driver's notifier), is released before the thread waits for the
            // next one: an idle thread must not keep them alive for `idleTimeout`.
            var released = false
            job.take()! {
                guard !released else { return }
                released = true
                locked { finishing += 1 }
            }
            job = nextJob(released: released)
        }
    }

    /// Waits for a job; `nil` when the thread has been idle for `idleTimeout`
    /// (the thread has then been removed from the counts).
    private func nextJob(released: Bool) -> Job? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        if released { finishing -= 1 }
        idle += 1
        var deadline = timespec()
        clock_gettime(CLOCK_MONOTONIC, &deadline)
        let timeout = idleTimeout.nanosecondsClamped
        let total = Int64(deadline.tv_nsec) + timeout % 1_000_000_000
        deadline.tv_sec += Int(timeout / 1_000_000_000 + total / 1_000_000_000)
        deadline.tv_nsec = Int(total % 1_000_000_000)
        while queueHead == queue.count {
            if pthread_cond_timedwait(condition, mutex, &deadline) == ETIMEDOUT, queueHead == queue.count {
                idle -= 1
                threads -= 1
                return nil
            }
        }
        idle -= 1
        let job = queue[queueHead]
        queue[queueHead] = ThreadPool.taken  // the queue must not keep a taken job's captures alive
        queueHead += 1
        if queueHead == queue.count {
            queue.removeAll(keepingCapacity: true)
            queueHead = 0
        }
        assert(idle >= 0 && finishing >= 0 && threads <= limit, "ThreadPool: idle \(idle), finishing \(finishing), threads \(threads), limit \(limit)")
        return job
    }
}
