#if IOUring
import CLiburing
import Glibc
import SystemPackage

/// The io_uring driver: ops go to the kernel as SQEs and come back as CQEs.
///
/// - Ops whose opcode the kernel lacks (``IoUringProbe``) and ``Op/asyncify(_:)``
///   run on the thread pool; their results come back through a ``PoolBridge``.
/// - Other threads wake a blocked ``poll(timeout:_:)`` through an eventfd whose
///   read is kept armed in the ring, behind a ``WakeFlag`` so a notify costs no
///   syscall while the driver runs.
/// - A full submission queue never loses or blocks an op: the driver flushes
///   and retries, and keeps what still does not fit in a FIFO backlog.
/// - ``shutdown()`` cancels and drains every op before it closes the ring, and
///   closes the ring before it frees anything the kernel might write into.
///
/// Use it from the thread that created it; only ``notifier`` is for other threads.
public final class IoUringDriver {
    /// Where an op went: the driver's per-op data in the ``OpTable``.
    ///
    /// Trivially copyable on purpose: the pool ticket and datagram header that
    /// a few ops also need live in side tables (``poolTickets``, ``headers``),
    /// so that the table's slots copy without reference counting on every op.
    enum Route {
        /// In the ring (its SQE is in ``unsubmitted`` until handed to the kernel).
        case ring
        /// Waiting for room in the submission queue.
        case backlog
        /// On the thread pool (its ticket is in ``poolTickets``).
        case pool
    }

    /// `user_data` of cancel SQEs; never a valid key (``OpKey/immediate`` is `.max`).
    static let cancelUserData = UInt64.max - 1
    /// `user_data` of the armed eventfd read.
    static let wakeUserData = UInt64.max - 2
    /// The low half of the `user_data` of an op an eager push submitted
    /// without a table slot (``pushEagerly(_:_:)``): a slot index no table
    /// has. The high half counts such pushes, so that a cancel issued for
    /// one of them can never reach a later one.
    static let eagerTag: UInt64 = 0xFFFF_FFF0
    /// Most ops in flight at once, whatever the submission queue's size.
    static let tableCapacity = 1 << 20
    private static let reapBatch = 256
    /// How long a poll waits at most while the driver itself has work pending.
    private static let retryInterval = Duration.milliseconds(1)
    /// Test hook: ops for which this returns true go to the pool as if the
    /// kernel lacked their opcode. Optional so the common case costs no call.
    var routesToPool: ((Op) -> Bool)?

    private let ring: UnsafeMutablePointer<io_uring>
    private let probe: IoUringProbe
    private let events: EventNotifier
    // A `var` only so that shutdown can wait for pool threads to let go of it.
    @exclusivity(unchecked) private var bridge: PoolBridge
    /// Where the armed eventfd read writes; freed only after the ring is closed.
    private let wakeBuffer: UnsafeMutablePointer<UInt64>
    private let reaped: UnsafeMutablePointer<curing_cqe>
    /// The setup flags the ring was created with.
    public let setupFlags: UInt32
    /// Whether `io_uring_enter` names the ring by a registered slot
    /// (`IORING_REGISTER_RING_FDS`); for tests.
    let ringFdRegistered: Bool
    /// Whether submitting from this thread runs the ops (not so with SQPOLL).
    private let submitsInline: Bool
    /// Whether a receive pushed the ordinary way (not eagerly) waits for data
    /// before it first tries to read (`IORING_RECVSEND_POLL_FIRST`). The
    /// runtime pushes eagerly the ops it expects to complete at once, so one
    /// pushed plainly is one it expects to wait: trying first would fail and
    /// cost a trip through the socket's receive path. The flag came with
    /// Linux 5.19, as did `IORING_OP_SOCKET`, whose support stands for it.
    private let receivesPollFirst: Bool

    // The driver's mutable state is touched by its one thread only, and never
    // reentrantly (completions are handed out after each table update), so the
    // dynamic exclusivity checks would only cost: they were 14 % of an awaited
    // NOP's instructions (callgrind, BENCHMARKS.md).
    @exclusivity(unchecked) private var table = OpTable<Route>(capacity: IoUringDriver.tableCapacity)
    /// Pool ops' tickets, by key index.
    @exclusivity(unchecked) private var poolTickets: [UInt32: PoolTicket] = [:]
    /// `sendTo`/`recvFrom` headers, by key index: the kernel reads and writes
    /// them until the op completes.
    @exclusivity(unchecked) private var headers: [UInt32: DatagramHeader] = [:]
    /// Ring ops whose SQE was filled but not yet handed to the kernel, with the
    /// SQE, so a cancel can still turn it into a NOP.
    @exclusivity(unchecked) private var unsubmitted = SlotArray<(key: OpKey, sqe: UnsafeMutablePointer<io_uring_sqe>)>()
    /// Ops waiting for an SQE, oldest first.
    @exclusivity(unchecked) private var backlog: [OpKey] = []
    /// Backlog ops cancelled before submission; completed by the next poll.
    @exclusivity(unchecked) private var cancelledEarly: [OpKey] = []
    /// Cancel requests that found no SQE; retried by the next poll.
    @exclusivity(unchecked) private var pendingCancels: [UInt64] = []
    /// Ring ops (real or rewritten as NOPs) whose CQE has not arrived.
    @exclusivity(unchecked) private var ringInFlight = 0
    @exclusivity(unchecked) private var wakeArmed = false
    /// Eager pushes without a slot so far; the high half of their `user_data`.
    @exclusivity(unchecked) private var eagerCount: UInt64 = 0
    /// The op in the ring under an eager `user_data` that was left pending,
    /// and the slot it was given then. While there is one, eager pushes go
    /// through the table (so one lookup finds it).
    @exclusivity(unchecked) private var eager: (userData: UInt64, key: OpKey)?
    @exclusivity(unchecked) private var shuttingDown = false
    @exclusivity(unchecked) private var closed = false

    /// Creates a ring on the calling thread, which must be the thread that drives it.
    public init(builder: DriverBuilder) throws(IOError) {
        if let failure = builder.simulatedRingFailure { throw .errno(failure) }
        let ring = UnsafeMutablePointer<io_uring>.allocate(capacity: 1)
        ring.initialize(to: io_uring())
        do {
            setupFlags = try Self.createRing(ring, builder: builder)
        } catch {
            ring.deallocate()
            throw error
        }
        self.ring = ring
        submitsInline = setupFlags & CURING_SETUP_SQPOLL == 0
        // Every `io_uring_enter` then names the ring by its slot in this
        // thread's io_uring context instead of by descriptor, and skips the
        // descriptor lookup and its reference count: 1-task awaited NOPs went
        // from 0.78-0.83x to 0.84-0.86x C batch 1. Linux 5.18; without it the
        // driver enters by descriptor, as liburing does when this fails. The
        // slot belongs to this thread, which is the one that drives the ring.
        ringFdRegistered = io_uring_register_ring_fd(ring) == 1
        probe = IoUringProbe(ring: ring)
        receivesPollFirst = probe.supports(Int32(IORING_OP_SOCKET.rawValue))
        do {
            events = try EventNotifier()
        } catch {
            io_uring_queue_exit(ring)
            ring.deallocate()
            throw error
        }
        // The eventfd is read through the ring only; a blocking fd lets the kernel
        // park the read on the fd's wait queue instead of failing it with EAGAIN.
        _ = fcntl(events.fd, F_SETFL, fcntl(events.fd, F_GETFL) & ~O_NONBLOCK)
        bridge = PoolBridge(pool: builder.makeThreadPool(), notifier: events)
        wakeBuffer = .allocate(capacity: 1)
        wakeBuffer.initialize(to: 0)
        reaped = .allocate(capacity: Self.reapBatch)
        armWake()
    }

    deinit { shutdown() }

    /// Tries the flags the builder asks for, then fewer, while the kernel says EINVAL.
    private static func createRing(_ ring: UnsafeMutablePointer<io_uring>, builder: DriverBuilder) throws(IOError) -> UInt32 {
        let entries = UInt32(min(max(builder.capacity, 1), 32768))
        let options = builder.ioUring
        var attempts: [UInt32] = []
        if options.singleIssuerDeferTaskrun { attempts.append(CURING_SETUP_SINGLE_ISSUER | CURING_SETUP_DEFER_TASKRUN) }
        if options.coopTaskrun || options.singleIssuerDeferTaskrun { attempts.append(CURING_SETUP_COOP_TASKRUN) }
        attempts.append(0)
        let base = options.sqpollIdle == nil ? 0 : CURING_SETUP_SQPOLL
        var lastError: Int32 = EINVAL
        for flags in attempts {
            for extra in [CURING_SETUP_SUBMIT_ALL | CURING_SETUP_CQSIZE, 0] {
                var params = io_uring_params()
                params.flags = base | flags | extra
                params.cq_entries = min(max(entries * 2, 4096), 65536)
                if let idle = options.sqpollIdle {
                    params.sq_thread_idle = UInt32(clamping: max(idle.nanosecondsClamped / 1_000_000, 1))
                }
                let rc = io_uring_queue_init_params(entries, ring, &params)
                if rc == 0 { return params.flags }
                lastError = -rc
                if lastError != EINVAL { throw .code(lastError) }
            }
        }
        throw .code(lastError)
    }

    /// The longest the backlog has been; tests use it to see the backlog was exercised.
    @exclusivity(unchecked) private(set) var backlogPeak = 0

    /// Ops in the ring or its backlog (not on the pool); for tests and assertions.
    var ringOpCount: Int { ringInFlight + backlog.count }

    /// Whether the running kernel has the opcode for `op` (else it runs on the pool).
    public func runsNatively(_ op: Op) -> Bool { probe.supports(op) }

    // MARK: - Submission

    /// An SQE, flushing the queue once if it is full. `nil` when even that found no room.
    private func nextSQE() -> UnsafeMutablePointer<io_uring_sqe>? {
        if let sqe = io_uring_get_sqe(ring) { return sqe }
        _ = io_uring_submit(ring)
        markSubmitted()
        return io_uring_get_sqe(ring)
    }

    /// After the SQ was flushed to the kernel: its SQEs can no longer be rewritten.
    private func markSubmitted() {
        guard !unsubmitted.isEmpty else { return }
        for i in unsubmitted.indices {
            // False when a cancel came first; its SQE was rewritten as a NOP.
            _ = table.submit(unsubmitted[i].key)
        }
        unsubmitted.removeAll()
    }

    /// Puts the op of `key` into `sqe`. `routed` says the table already
    /// records the op as in the ring, so only a datagram header needs storing.
    private func place(_ key: OpKey, _ op: Op, into sqe: UnsafeMutablePointer<io_uring_sqe>, routed: Bool) {
        let header = Self.prepare(op, into: sqe)
        if receivesPollFirst, op.isSocketReceive { sqe.pointee.ioprio |= UInt16(IORING_RECVSEND_POLL_FIRST) }
        io_uring_sqe_set_data64(sqe, key.raw)
        if !routed { table.setExtra(key, .ring) }
        if let header { headers[key.index] = header }
        unsubmitted.append((key, sqe))
        ringInFlight += 1
    }

    /// Moves backlog ops into the ring while it has room.
    private func drainBacklog() {
        guard !backlog.isEmpty else { return }
        var moved = 0
        while moved < backlog.count, let sqe = nextSQE() {
            let key = backlog[moved]
            guard let op = table.op(key) else { preconditionFailure("IoUringDriver: backlog key \(key) vanished") }
            place(key, op, into: sqe, routed: false)
            moved += 1
        }
        backlog.removeFirst(moved)
    }

    private func pushCancel(_ userData: UInt64) {
        guard let sqe = nextSQE() else {
            pendingCancels.append(userData)
            return
        }
        io_uring_prep_cancel64(sqe, userData, 0)
        io_uring_sqe_set_data64(sqe, Self.cancelUserData)
    }

    private func retryCancels() {
        guard !pendingCancels.isEmpty else { return }
        let waiting = pendingCancels
        pendingCancels.removeAll()
        for userData in waiting { pushCancel(userData) }
    }

    /// Keeps a read of the eventfd in the ring, so a notify completes it and wakes the wait.
    private func armWake() {
        guard !wakeArmed, !shuttingDown, let sqe = nextSQE() else { return }
        io_uring_prep_read(sqe, events.fd, wakeBuffer, 8, 0)
        io_uring_sqe_set_data64(sqe, Self.wakeUserData)
        wakeArmed = true
    }

    private func pushToPool(_ op: Op) -> PushResult {
        let key = table.insert(op, extra: .backlog)
        guard let ticket = bridge.submit(key: key, op: op, execute: { BlockingOps.execute($0) }) else {
            _ = table.complete(key)
            return .ready(Completion(key: .immediate, op: op, result: .failure(.poolBusy)))
        }
        let submitted = table.submit(key)
        assert(submitted, "IoUringDriver: fresh pool op \(key) not submittable")
        table.setExtra(key, .pool)
        poolTickets[key.index] = ticket
        return .pending(key)
    }

    // MARK: - Waiting and reaping

    /// Submits, waits if nothing is ready (and no notification is pending), reaps.
    private func enter(timeout: Duration?, mayBlock: Bool) throws(IOError) {
        var rc: Int32
        if !mayBlock || timeout.map({ $0 <= .zero }) == true || events.flag.prepareToBlock() {
            rc = io_uring_submit_and_get_events(ring)
        } else if let timeout {
            let ns = timeout.nanosecondsClamped
            var ts = __kernel_timespec(tv_sec: ns / 1_000_000_000, tv_nsec: ns % 1_000_000_000)
            var cqe: UnsafeMutablePointer<io_uring_cqe>?
            rc = io_uring_submit_and_wait_timeout(ring, &cqe, 1, &ts, nil)
        } else {
            rc = io_uring_submit_and_wait(ring, 1)
        }
        events.flag.markAwake()
        markSubmitted()
        if rc < 0, !Self.isTransient(enterError: -rc) { throw .code(-rc) }
    }

    /// Errors of `io_uring_enter` that only mean "not now": a wait that timed
    /// out or was interrupted, or a queue the kernel had no room to take.
    private static func isTransient(enterError code: Int32) -> Bool {
        switch code {
        case ETIME, EINTR, EAGAIN, EBUSY: true
        default: false
        }
    }

    /// Hands every ready completion to `body`.
    private func deliver(_ body: (consuming Completion) -> Void) -> Int {
        var delivered = 0
        if !cancelledEarly.isEmpty {
            let early = cancelledEarly
            cancelledEarly.removeAll()
            for key in early {
                body(finish(key, result: .failure(.errno(.canceled)), descriptor: nil))
                delivered += 1
            }
        }
        delivered += reapRing(body)
        bridge.drain { finished in
            body(finish(finished.key, result: finished.result, descriptor: finished.descriptor))
            delivered += 1
        }
        return delivered
    }

    /// Hands the completion of every CQE in the ring to `body`.
    private func reapRing(_ body: (consuming Completion) -> Void) -> Int {
        var delivered = 0
        while true {
            let count = Int(curing_reap(ring, reaped, UInt32(Self.reapBatch)))
            for i in 0..<count {
                let cqe = reaped[i]
                if let completion = complete(cqe) {
                    body(completion)
                    delivered += 1
                }
            }
            if count < Self.reapBatch { return delivered }
        }
    }

    /// The completion a CQE stands for, or `nil` for the driver's own SQEs.
    private func complete(_ cqe: curing_cqe) -> Completion? {
        let key: OpKey
        switch cqe.user_data {
        case Self.cancelUserData, OpKey.immediate.raw:
            // Cancel results and liburing's internal timeouts.
            return nil
        case Self.wakeUserData:
            wakeArmed = false
            armWake()
            return nil
        case let userData where userData & 0xFFFF_FFFF == Self.eagerTag:
            guard let pending = eager, pending.userData == userData else {
                preconditionFailure("IoUringDriver: CQE for eager user_data \(userData) that is not pending")
            }
            eager = nil
            key = pending.key
        default:
            key = OpKey(raw: cqe.user_data)
        }
        // Exactly once: a second CQE for the key finds its slot freed.
        guard case let (op, _, lifecycle)? = table.complete(key) else {
            preconditionFailure("IoUringDriver: CQE for unknown or already completed key \(key)")
        }
        ringInFlight -= 1
        assert(ringInFlight >= 0, "IoUringDriver: negative ring op count")
        // Kept alive until here: the kernel wrote the peer's address into it.
        let header = headers.isEmpty ? nil : headers.removeValue(forKey: key.index)
        // An op cancelled before submission ran as a NOP: the op itself never ran.
        let ranAsNop = lifecycle.state == .cancelRequested(submitted: false)
        return Self.completion(key: key, op: op, res: ranAsNop ? -ECANCELED : cqe.res, header: header)
    }

    /// The completion of `op`, whose CQE carried `res`. Built once, with the op
    /// moved in: copying a `Completion` costs a switch over every op kind.
    private static func completion(key: OpKey, op: consuming Op, res: Int32, header: DatagramHeader?) -> Completion {
        let descriptor = res < 0 ? nil : finishSuccess(op, result: res, header: header)
        let result: Result<Int, IOError> = res < 0 ? .failure(.code(-res)) : .success(Int(res))
        return Completion(key: key, op: op, result: result, descriptor: descriptor)
    }

    private func finish(_ key: OpKey, result: Result<Int, IOError>, descriptor: OwnedDescriptor?) -> Completion {
        guard let done = table.complete(key) else { preconditionFailure("IoUringDriver: \(key) completed twice") }
        if !poolTickets.isEmpty { poolTickets.removeValue(forKey: key.index) }
        return Completion(key: key, op: done.op, result: result, descriptor: descriptor)
    }

    private var hasReadyWork: Bool {
        !cancelledEarly.isEmpty || bridge.hasFinished || io_uring_cq_ready(ring) > 0
    }

    /// One poll round shared by ``poll(timeout:_:)`` and ``shutdown()``.
    private func pollRound(timeout: Duration?, _ body: (consuming Completion) -> Void) throws(IOError) -> Int {
        armWake()
        drainBacklog()
        retryCancels()
        // Without an armed wake read a notify could not end the wait; with ops
        // still waiting for room, the wait must end soon to push them.
        var wait = timeout
        if !wakeArmed || !backlog.isEmpty || !pendingCancels.isEmpty {
            wait = min(timeout ?? Self.retryInterval, Self.retryInterval)
        }
        try enter(timeout: wait, mayBlock: !hasReadyWork)
        return deliver(body)
    }
}

/// Ops the kernel never returned at shutdown, kept alive for good.
private final class AbandonedOps {
    let table: OpTable<IoUringDriver.Route>
    let headers: [UInt32: DatagramHeader]
    init(table: consuming OpTable<IoUringDriver.Route>, headers: [UInt32: DatagramHeader]) {
        self.table = table
        self.headers = headers
    }
}

extension IoUringDriver: Driver {
    /// ``DriverKind/ioUring``.
    public var kind: DriverKind { .ioUring }
    /// Every eager push enters the ring with what waits in the submission
    /// queue, except a read the page cache serves (no ring at all).
    public func batchesEagerPush(of op: Op) -> Bool { !PageCacheRead.serves(op) }
    /// The eventfd notifier; usable from any thread.
    public var notifier: any DriverNotifier { events }
    /// `CLOCK_MONOTONIC`.
    public var now: Instant { MonotonicClock.now() }
    /// Ops pushed and not yet completed.
    public var inFlight: Int { table.count }
    /// ``tableCapacity``: the kernel holds any number of ops; the submission
    /// queue's size only bounds how many go in per `io_uring_enter`.
    public var maxInFlight: Int { Self.tableCapacity }

    /// Nothing to do: io_uring takes plain descriptors.
    public func attach(_ fd: Int32) throws(IOError) {}

    /// Starts `op`: into the ring, the backlog if the ring is full, or the pool
    /// if the kernel lacks its opcode.
    public func push(_ op: Op) -> PushResult {
        if closed || shuttingDown { return .ready(Completion(key: .immediate, op: op, result: .failure(.shutdown))) }
        if let error = Self.validate(op) { return .ready(Completion(key: .immediate, op: op, result: .failure(error))) }
        if table.isFull { return .ready(Completion(key: .immediate, op: op, result: .failure(.errno(.resourceBusy)))) }
        if op.completesInline { return .ready(Completion(key: .immediate, op: op, result: BlockingOps.execute(op).0)) }
        guard probe.supports(op), routesToPool?(op) != true else { return pushToPool(op) }
        if backlog.isEmpty, let sqe = nextSQE() {
            let key = table.insert(op, extra: .ring)
            place(key, op, into: sqe, routed: true)
            return .pending(key)
        }
        let key = table.insert(op, extra: .backlog)
        backlog.append(key)
        backlogPeak = max(backlogPeak, backlog.count)
        return .pending(key)
    }

    /// Starts `op` and submits it at once (with whatever else is queued): an
    /// op the kernel finishes during submission (a NOP, a send with room)
    /// then comes back `.ready`, with no poll and no second trip into the
    /// kernel. A positioned read of cached data skips the ring
    /// (``PageCacheRead``). Not with SQPOLL, where submission is the kernel
    /// thread's and never inline.
    ///
    /// Unless ops wait in the backlog, the op goes into the ring under an
    /// eager `user_data` (``eagerTag``) without a table slot; it gets one only if it
    /// does not complete during the submission. An inline NOP then costs no
    /// table insert, no table removal and no copy of the op (a sixth of its
    /// instructions, BENCHMARKS.md).
    public func pushEagerly(_ op: Op, _ others: (consuming Completion) -> Void) -> PushResult {
        // A read the page cache can serve needs no ring at all.
        if !closed, !shuttingDown, let cached = PageCacheRead.attempt(op) { return .ready(cached) }
        guard submitsInline else { return push(op) }
        guard eager == nil, backlog.isEmpty, !closed, !shuttingDown, !table.isFull,
            Self.takesEagerPath(op), probe.supports(op), routesToPool == nil, let sqe = io_uring_get_sqe(ring)
        else { return pushEagerlyThroughTable(op, others) }
        let header = Self.prepare(op, into: sqe)
        assert(header == nil, "IoUringDriver: an op with a datagram header took the eager path")
        eagerCount &+= 1
        let userData = eagerCount << 32 | Self.eagerTag
        io_uring_sqe_set_data64(sqe, userData)
        ringInFlight += 1
        let rc = io_uring_submit_and_get_events(ring)
        // Other tasks' ops queued before this one went in with it.
        if !unsubmitted.isEmpty { markSubmitted() }
        if rc < 0, !Self.isTransient(enterError: -rc) {
            // The next poll meets the same error and reports it.
            return .pending(adoptEager(op, userData: userData))
        }
        if curing_take_only(ring, userData, reaped) == 1 {
            ringInFlight -= 1
            return .ready(Self.completion(key: .immediate, op: op, res: reaped[0].res, header: nil))
        }
        // Other CQEs came too, or ours has not: from here the op is an
        // ordinary table op whose CQE carries `userData`.
        let key = adoptEager(op, userData: userData)
        return takeOwnCompletion(key, others) ?? .pending(key)
    }

    /// Ops the eager path may submit without a table slot: no validation
    /// error, no datagram header to keep, not one the driver answers itself.
    private static func takesEagerPath(_ op: Op) -> Bool {
        switch op {
        case .sendTo, .recvFrom, .getSocketOption, .setSocketOption, .socketAddress: false
        default: validate(op) == nil
        }
    }

    /// Gives the op submitted under `userData` a table slot.
    private func adoptEager(_ op: Op, userData: UInt64) -> OpKey {
        precondition(eager == nil, "IoUringDriver: two pending ops under eager user_data")
        let key = table.insert(op, extra: .ring)
        let submitted = table.submit(key)
        assert(submitted, "IoUringDriver: fresh eager op \(key) not submittable")
        eager = (userData, key)
        return key
    }

    /// ``pushEagerly(_:_:)`` for an op that needs a table slot from the start.
    private func pushEagerlyThroughTable(_ op: Op, _ others: (consuming Completion) -> Void) -> PushResult {
        let result = push(op)
        guard case .pending(let key) = result, unsubmitted.last?.key == key else { return result }
        do {
            try enter(timeout: .zero, mayBlock: false)
        } catch {
            return result
        }
        // The common case, one CQE and it is ours, without the general reap.
        if curing_take_only(ring, key.raw, reaped) == 1, let own = complete(reaped[0]) { return .ready(own) }
        return takeOwnCompletion(key, others) ?? result
    }

    /// Reaps the ring: `key`'s completion, if it came, is returned; the others
    /// go to `others`.
    private func takeOwnCompletion(_ key: OpKey, _ others: (consuming Completion) -> Void) -> PushResult? {
        var own: Completion?
        _ = reapRing { completion in
            if completion.key == key { own = completion } else { others(completion) }
        }
        return own.map { .ready($0) }
    }

    /// Asks for `key`'s cancellation. An op not yet handed to the kernel never
    /// runs; its `ECANCELED` completion comes from the next poll.
    public func cancel(_ key: OpKey) {
        guard let action = table.requestCancel(key), let route = table.extra(key) else { return }
        switch (action, route) {
        case (.none, _):
            break
        case (.completeUnsubmitted, .ring):
            guard let i = unsubmitted.indices.first(where: { unsubmitted[$0].key == key }) else {
                preconditionFailure("IoUringDriver: unsubmitted \(key) has no SQE")
            }
            let entry = unsubmitted[i]
            io_uring_prep_nop(entry.sqe)
            io_uring_sqe_set_data64(entry.sqe, key.raw)
        case (.completeUnsubmitted, .backlog):
            guard let index = backlog.firstIndex(of: key) else { preconditionFailure("IoUringDriver: \(key) not in backlog") }
            backlog.remove(at: index)
            cancelledEarly.append(key)
        case (.issueCancel, .ring):
            pushCancel(eager.flatMap { $0.key == key ? $0.userData : nil } ?? key.raw)
        case (.issueCancel, .pool):
            guard let ticket = poolTickets[key.index] else { preconditionFailure("IoUringDriver: pool op \(key) has no ticket") }
            ticket.cancel()
        case (.completeUnsubmitted, _), (.issueCancel, .backlog):
            preconditionFailure("IoUringDriver: cancel \(action) for \(key) in route \(route)")
        }
    }

    /// Submits, waits up to `timeout` unless something is ready, and hands out completions.
    @discardableResult
    public func poll(timeout: Duration?, _ body: (consuming Completion) -> Void) throws(IOError) -> Int {
        if closed { throw .shutdown }
        return try pollRound(timeout: timeout, body)
    }

    /// Cancels every op, waits (up to 10 s) for all of them to come back, drops
    /// their completions, and only then closes the ring and frees its buffers.
    public func shutdown() {
        guard !closed, !shuttingDown else { return }
        shuttingDown = true
        for key in table.keys { cancel(key) }
        // Completes the armed read, so its buffer is free before the ring closes.
        if wakeArmed { events.signal() }
        let deadline = now.advanced(by: .seconds(10))
        while table.count > 0 || wakeArmed || ringInFlight > 0 || bridge.pending > 0, now < deadline {
            do {
                _ = try pollRound(timeout: .milliseconds(10)) { _ in }
            } catch {
                break
            }
        }
        let abandoned = ringInFlight > 0 || wakeArmed
        if abandoned {
            // The kernel may still write into these ops' memory: keep it forever
            // rather than free it under the kernel.
            var kept = OpTable<Route>(capacity: 1)
            swap(&kept, &table)
            _ = Unmanaged.passRetained(AbandonedOps(table: kept, headers: headers))
            let message = "IoUringDriver: \(ringInFlight) ops still in the kernel at shutdown; their memory is leaked on purpose\n"
            _ = message.withCString { Glibc.write(2, $0, strlen($0)) }
        }
        // Pool ops that outlived the wait keep their memory alive in the pool's
        // closures; their late results are dropped with the bridge.
        PoolBridge.awaitRelease(&bridge, until: deadline)
        table = OpTable(capacity: 1)
        headers = [:]
        poolTickets = [:]
        // Close the ring first, then free what the kernel wrote into.
        io_uring_queue_exit(ring)
        ring.deallocate()
        reaped.deallocate()
        if !abandoned { wakeBuffer.deallocate() }
        closed = true
        shuttingDown = false
    }
}
#endif
