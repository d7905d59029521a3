import CLinux
import Glibc
import SystemPackage

/// The readiness driver: epoll for sockets, pipes and other pollable
/// descriptors, the thread pool for everything that blocks (regular files,
/// metadata, directories, open, close, …). The fallback where io_uring is
/// unusable, modelled on compio's polling driver.
///
/// A readiness op is tried at once; `EAGAIN` queues it in its descriptor's FIFO
/// for reads or writes (``EpollInterest``), and it is retried when epoll reports
/// the descriptor ready. To keep one busy descriptor from starving the others,
/// each descriptor gets at most ``budgetPerDescriptor`` attempts per loop turn
/// (the eager attempts in `push` and the retries in `poll` together; a turn
/// ends at each `poll`), and one poll hands out at most ``completionsPerPoll``
/// completions. What the bounds hold back stays queued: the registration is
/// level-triggered, so the next `epoll_wait` reports it again at once. A
/// receive started the ordinary way (``push(_:)``, not ``pushEagerly(_:_:)``)
/// waits for readiness before its first attempt, as io_uring's
/// `IORING_RECVSEND_POLL_FIRST` does: the runtime pushes that way the ops it
/// expects to wait, and the attempt would cost a syscall that says `EAGAIN`.
/// A descriptor stays in the epoll set from its first wait until the driver
/// closes it (``EpollInterest``).
///
/// Used from one thread, like every driver; only ``notifier`` crosses threads.
public final class EpollDriver {
    /// Most syscall attempts one descriptor gets per loop turn.
    public static let budgetPerDescriptor = 32
    /// Most completions one ``poll(timeout:_:)`` hands out; the rest wait for the next.
    public static let completionsPerPoll = 256
    /// How long ``shutdown()`` waits for ops already running on the pool.
    public static let shutdownGrace: Duration = .seconds(5)

    /// Events fetched per `epoll_wait`.
    private static let eventCapacity: Int32 = 256
    /// Most ops in flight at once, whatever the builder's capacity.
    static let tableCapacity = 1 << 20
    /// The `epoll_event` data marking the notifier's eventfd; descriptors use their number.
    private static let notifierToken = UInt64.max

    private let epollFD: Int32
    private let eventNotifier: EventNotifier
    // The mutable state below is touched by the driver's one thread only, and
    // never reentrantly, so dynamic exclusivity checks would only cost (see
    // IoUringDriver).
    // A `var` only so that shutdown can ask `isKnownUniquelyReferenced`.
    @exclusivity(unchecked) private var bridge: PoolBridge
    private let events: UnsafeMutablePointer<epoll_event>
    @exclusivity(unchecked) private var table: OpTable<EpollOpState>
    @exclusivity(unchecked) private var interests = EpollDescriptorTable()
    /// Emptied interests kept with their queues' capacity, so a descriptor that
    /// waits again (every echo round trip) allocates nothing.
    @exclusivity(unchecked) private var spareInterests: [EpollInterest] = []
    @exclusivity(unchecked) private var ready = EpollFifo<EpollFinished>()
    @exclusivity(unchecked) private var isShutDown = false

    /// Creates the epoll instance and registers the notifier's eventfd in it.
    public init(builder: DriverBuilder) throws(IOError) {
        let notifier = try EventNotifier()
        let fd = epoll_create1(Int32(EPOLL_CLOEXEC))
        if fd < 0 { throw .code(errno) }
        var event = epoll_event(events: EpollEvents.input, data: epoll_data_t(u64: Self.notifierToken))
        if epoll_ctl(fd, EPOLL_CTL_ADD, notifier.fd, &event) != 0 {
            let code = errno
            _ = Glibc.close(fd)
            throw .code(code)
        }
        epollFD = fd
        eventNotifier = notifier
        bridge = PoolBridge(pool: builder.makeThreadPool(), notifier: notifier)
        table = OpTable(capacity: Self.tableCapacity)
        events = .allocate(capacity: Int(Self.eventCapacity))
    }

    deinit {
        shutdown()
        events.deallocate()
    }

    /// Ops waiting for readiness on `fd` in `direction` (tests use it to see
    /// that an op really waited and that queues drain).
    public func waitingCount(_ fd: Int32, _ direction: EpollDirection) -> Int {
        interests[fd]?.count(direction) ?? 0
    }

    /// Descriptors epoll will report for a waiting op now, not counting the
    /// notifier.
    public var armedCount: Int { interests.count { $0.armed != 0 } }

    /// Descriptors in the epoll set now, armed or not, not counting the notifier.
    public var registeredCount: Int { interests.count { $0.isRegistered } }

    /// How many descriptor numbers the per-descriptor table has room for (tests).
    var descriptorTableSize: Int { interests.size }

    /// `epoll_ctl` calls by kind, counted for tests: how many syscalls a wait costs.
    struct ControlCounts: Equatable {
        var add = 0
        var modify = 0
        var delete = 0
    }

    /// The `epoll_ctl` calls issued so far.
    private(set) var controlCounts = ControlCounts()

    // MARK: push

    private func pushPool(_ op: Op) -> PushResult {
        let key = insert(op)
        guard let ticket = bridge.submit(key: key, op: op, execute: Self.runBlocking) else {
            let op = table.complete(key)!.op
            return .ready(Completion(key: .immediate, op: op, result: .failure(.poolBusy)))
        }
        table.setExtra(key, .pool(ticket))
        return .pending(key)
    }

    /// What pool threads run: the blocking syscall, with new sockets non-blocking
    /// like every socket this driver makes.
    private static let runBlocking: @Sendable (Op) -> (Result<Int, IOError>, OwnedDescriptor?) = { op in
        BlockingOps.execute(op, socketFlags: CLINUX_SOCK_NONBLOCK)
    }

    private func pushReadiness(_ op: Op, fd: Int32, _ direction: EpollDirection, guarded: Bool, tryFirst: Bool = true) -> PushResult {
        if tryFirst, interests[fd]?.hasWaiting(direction) != true, spend(fd) {
            let (result, descriptor) = attempt(op, fd: fd, guarded: guarded)
            if !result.wouldBlock {
                return .ready(Completion(key: .immediate, op: op, result: result, descriptor: descriptor))
            }
        }
        let key = insert(op, .waiting(fd: fd, direction, guarded: guarded))
        withInterest(fd) { $0.enqueue(key, direction) }
        syncInterest(fd)
        return .pending(key)
    }

    private func pushConnect(_ op: Op, fd: Int32) -> PushResult {
        if interests[fd]?.hasWaiting(.write) != true, spend(fd) {
            let (result, _) = attempt(op, fd: fd, guarded: false)
            if case .failure(.errno(.nowInProgress)) = result {
                let key = insert(op, .connecting(fd: fd))
                withInterest(fd) { $0.enqueue(key, .write) }
                syncInterest(fd)
                return .pending(key)
            }
            if !result.wouldBlock {
                return .ready(Completion(key: .immediate, op: op, result: result))
            }
        }
        // `EAGAIN` (a Unix socket's full backlog): retry the connect itself when writable.
        return pushReadiness(op, fd: fd, .write, guarded: false)
    }

    private func pushPoll(_ op: Op, fd: Int32, events: UInt32) -> PushResult {
        let key = insert(op, .polling(fd: fd, events: events))
        withInterest(fd) { $0.addPoller(key, events: events) }
        syncInterest(fd)
        return .pending(key)
    }

    private func insert(_ op: Op, _ state: EpollOpState? = nil) -> OpKey {
        let key = table.insert(op, extra: state)
        let submitted = table.submit(key)
        assert(submitted, "EpollDriver: fresh op \(key) refused submission")
        return key
    }

    /// The attempt made on the driver thread, which must not block.
    private func attempt(_ op: Op, fd: Int32, guarded: Bool) -> (Result<Int, IOError>, OwnedDescriptor?) {
        if guarded && EpollRoute.guardedAttemptWouldBlock(fd) { return (.failure(.errno(.resourceTemporarilyUnavailable)), nil) }
        return BlockingOps.execute(EpollRoute.nonBlockingAttempt(op), socketFlags: CLINUX_SOCK_NONBLOCK)
    }

    /// Takes one attempt from `fd`'s budget for this turn; false when it is spent.
    private func spend(_ fd: Int32) -> Bool {
        interests.spend(fd, limit: Self.budgetPerDescriptor)
    }

    /// Records `key`'s result for the next poll to hand out.
    private func finish(_ key: OpKey, _ result: Result<Int, IOError>, _ descriptor: OwnedDescriptor? = nil) {
        table.setExtra(key, .finishing)
        ready.append(EpollFinished(key: key, result: result, descriptor: descriptor))
    }

    // MARK: readiness

    /// Arms `fd`'s epoll registration for exactly its waiting ops.
    private func syncInterest(_ fd: Int32) {
        guard let interest = interests.take(fd) else { return }
        store(interest, for: fd)
    }

    /// Syncs an interest taken out of ``interests`` with epoll and puts it
    /// back, or among the spares once `fd` is neither waited on nor registered.
    private func store(_ interest: EpollInterest, for fd: Int32) {
        var interest = interest
        if let control = interest.sync() {
            let failure = apply(control, fd)
            if let failure {
                interest.registrationFailed()
                if case .modify = control { _ = apply(.delete, fd) }
                reroute(interest.removeAll(), fd: fd, after: failure)
                return
            }
        }
        assert(interest.armed == interest.wanted, "EpollDriver: fd \(fd) armed for \(interest.armed), not \(interest.wanted)")
        if interest.isEmpty && !interest.isRegistered {
            spareInterests.append(interest)
        } else {
            interests.put(interest, for: fd)
        }
    }

    /// Changes `fd`'s interest in place, made from a spare one if it has none.
    private func withInterest(_ fd: Int32, _ body: (inout EpollInterest) -> Void) {
        if interests[fd] == nil { interests.put(spareInterests.popLast() ?? EpollInterest(), for: fd) }
        interests.modify(fd, body)
    }

    /// Issues `control` for `fd`, one-shot; the errno on failure. A failed
    /// delete is ignored: the descriptor was closed, which already removed it
    /// from epoll. A `MOD` that finds nothing (`ENOENT`: the descriptor was
    /// closed without the driver, and its number now names another file)
    /// becomes an `ADD`, and an `ADD` of what is there already a `MOD`.
    private func apply(_ control: EpollControl, _ fd: Int32) -> Int32? {
        switch control {
        case .add(let mask):
            guard let failure = epollControl(EPOLL_CTL_ADD, fd, mask) else { return nil }
            return failure == EEXIST ? epollControl(EPOLL_CTL_MOD, fd, mask) : failure
        case .modify(let mask):
            guard let failure = epollControl(EPOLL_CTL_MOD, fd, mask) else { return nil }
            return failure == ENOENT ? epollControl(EPOLL_CTL_ADD, fd, mask) : failure
        case .delete:
            _ = epollControl(EPOLL_CTL_DEL, fd, 0)
            return nil
        }
    }

    /// One `epoll_ctl`, counted; the errno on failure.
    private func epollControl(_ operation: Int32, _ fd: Int32, _ mask: UInt32) -> Int32? {
        switch operation {
        case EPOLL_CTL_ADD: controlCounts.add += 1
        case EPOLL_CTL_MOD: controlCounts.modify += 1
        default: controlCounts.delete += 1
        }
        var event = epoll_event(
            events: mask | EPOLLONESHOT.rawValue, data: epoll_data_t(u64: UInt64(UInt32(bitPattern: fd))))
        return epoll_ctl(epollFD, operation, fd, &event) == 0 ? nil : errno
    }

    /// Ops whose descriptor epoll refused to watch. `EPERM` means the file does
    /// not support polling, so it never blocks in the sense epoll knows: a
    /// `pollOnce` is ready at once, anything else runs on the pool. Other errors
    /// (`EBADF`, `ENOMEM`, `ENOSPC`) fail the ops.
    private func reroute(_ keys: [OpKey], fd: Int32, after failure: Int32) {
        for key in keys {
            guard failure == EPERM else {
                finish(key, .failure(.code(failure)))
                continue
            }
            if case .polling(_, let events)? = table.extra(key) {
                let alwaysReady = EpollEvents.input | EpollEvents.output | UInt32(POLLRDNORM | POLLWRNORM)
                finish(key, .success(Int(events & alwaysReady)))
                continue
            }
            guard let ticket = bridge.submit(key: key, op: table.op(key)!, execute: Self.runBlocking) else {
                finish(key, .failure(.poolBusy))
                continue
            }
            table.setExtra(key, .pool(ticket))
        }
    }

    /// Retries what `mask` makes worth retrying on `fd`.
    private func descriptorReady(_ fd: Int32, _ mask: UInt32) {
        // An event for a descriptor closed through the driver earlier in this
        // batch needs nothing. One that nobody waits on any more (its last op
        // was cancelled) only disarmed it.
        guard var interest = interests.take(fd) else { return }
        interest.fired()
        for (key, got) in interest.takeReadyPollers(mask) {
            finish(key, .success(Int(got)))
        }
        if mask & EpollEvents.wakesReaders != 0 { retry(&interest, fd, .read) }
        if mask & EpollEvents.wakesWriters != 0 { retry(&interest, fd, .write) }
        store(interest, for: fd)
    }

    /// Retries `fd`'s queue for `direction` from its head, in order, until an op
    /// would block again or the descriptor's budget for this turn is spent.
    private func retry(_ interest: inout EpollInterest, _ fd: Int32, _ direction: EpollDirection) {
        while let key = interest.first(direction), spend(fd) {
            guard let state = table.extra(key), let op = table.op(key) else {
                preconditionFailure("EpollDriver: queued key \(key) is not in the table")
            }
            let outcome: (Result<Int, IOError>, OwnedDescriptor?)
            switch state {
            case .connecting:
                let pending = BlockingOps.pendingSocketError(fd)
                outcome = (pending == 0 ? .success(0) : .failure(.code(pending)), nil)
            case .waiting(_, _, let guarded):
                outcome = attempt(op, fd: fd, guarded: guarded)
                if case .connect = op, case .failure(.errno(.nowInProgress)) = outcome.0 {
                    table.setExtra(key, .connecting(fd: fd))
                    return
                }
            case .polling, .pool, .finishing:
                preconditionFailure("EpollDriver: key \(key) in a \(direction) queue is \(state)")
            }
            if outcome.0.wouldBlock { return }
            interest.removeFirst(key, direction)
            finish(key, outcome.0, outcome.1)
        }
    }

    /// Completes every op waiting on `fd` with `error` and drops its registration
    /// (a `close` of the descriptor is on its way; afterwards its number may name
    /// another file).
    private func abandonWaiting(_ fd: Int32, _ error: IOError) {
        guard var interest = interests.take(fd) else { return }
        if interest.isRegistered { _ = apply(.delete, fd) }
        interest.deregistered()
        for key in interest.removeAll() { finish(key, .failure(error)) }
        spareInterests.append(interest)
    }

    // MARK: poll

    /// Milliseconds for `epoll_wait` until `deadline` (`nil`: forever, `-1`),
    /// rounded up: a 1 µs timeout must wait, not spin at 0.
    private func milliseconds(until deadline: Instant?) -> Int32 {
        guard let deadline else { return -1 }
        let ns = MonotonicClock.now().duration(to: deadline).nanosecondsClamped
        if ns <= 0 { return 0 }
        return Int32(clamping: ns / 1_000_000 + (ns % 1_000_000 == 0 ? 0 : 1))
    }

    /// Waits until something is ready to hand out, a notification arrives, or
    /// `deadline` passes. Readiness that only led to `EAGAIN` again, and
    /// signals (`EINTR`), wait on for the rest of the time rather than return
    /// early with nothing.
    private func wait(until deadline: Instant?, zero: Bool) throws(IOError) {
        while true {
            var timeout = zero ? 0 : milliseconds(until: deadline)
            if !ready.isEmpty || bridge.hasFinished { timeout = 0 }
            var woken = eventNotifier.flag.prepareToBlock()
            if woken { timeout = 0 }
            let n = epoll_wait(epollFD, events, Self.eventCapacity, timeout)
            let code = errno
            eventNotifier.flag.markAwake()
            if n < 0 && code != EINTR { throw .code(code) }
            for i in 0..<Int(max(n, 0)) {
                let event = events[i]
                if event.data.u64 == Self.notifierToken {
                    eventNotifier.drain()
                    woken = true
                } else {
                    descriptorReady(Int32(truncatingIfNeeded: event.data.u64), event.events)
                }
            }
            if woken || timeout == 0 || !ready.isEmpty || bridge.hasFinished { return }
        }
    }

    private func drainPool() {
        bridge.drain { finished in finish(finished.key, finished.result, finished.descriptor) }
    }
}

extension EpollDriver: Driver {
    /// ``DriverKind/epoll``.
    public var kind: DriverKind { .epoll }
    /// The eventfd notifier, with wake elision.
    public var notifier: any DriverNotifier { eventNotifier }
    /// `CLOCK_MONOTONIC`.
    public var now: Instant { MonotonicClock.now() }
    /// Ops pushed whose completions have not been handed out.
    public var inFlight: Int { table.count }
    /// ``tableCapacity``: waiting ops cost an entry in a descriptor's queue,
    /// whatever the builder's capacity.
    public var maxInFlight: Int { table.capacity }

    /// Nothing to do: epoll registers a descriptor when an op first waits on it.
    public func attach(_ fd: Int32) throws(IOError) {}

    /// Starts `op`: readiness ops other than receives are tried at once and
    /// complete ready when they need not wait; a receive waits for readiness
    /// first (the runtime pushes this way the ops it expects to wait); blocking
    /// ops go to the pool.
    public func push(_ op: Op) -> PushResult {
        start(op, eagerly: false)
    }

    /// ``push(_:)``, and with `eagerly` a receive tries at once too.
    private func start(_ op: Op, eagerly: Bool) -> PushResult {
        if isShutDown { return .ready(Completion(key: .immediate, op: op, result: .failure(.shutdown))) }
        if table.isFull { return .ready(Completion(key: .immediate, op: op, result: .failure(.code(EBUSY)))) }
        if op.completesInline { return .ready(Completion(key: .immediate, op: op, result: BlockingOps.execute(op).0)) }
        let route = EpollRoute.of(op)
        switch route {
        case .immediate:
            let key = insert(op)
            finish(key, .success(0))
            return .pending(key)
        case .pool:
            if case .close(let fd) = op { abandonWaiting(fd, .closed) }
            return pushPool(op)
        case .readiness(let fd, _, _), .connect(let fd), .poll(let fd, _):
            if let refused = admit(fd) { return .ready(Completion(key: .immediate, op: op, result: .failure(refused))) }
            return startReadiness(op, route, eagerly: eagerly)
        case .failed(let error):
            return .ready(Completion(key: .immediate, op: op, result: .failure(error)))
        }
    }

    /// Makes room in ``interests`` for `fd` the first time an op names a
    /// number beyond it, once `fcntl` says the number is open: what the kernel
    /// says for a bad one (`EBADF`), without growing the table for it.
    private func admit(_ fd: Int32) -> IOError? {
        if interests.covers(fd) { return nil }
        if fd < 0 || fcntl(fd, F_GETFD) < 0 { return .code(fd < 0 ? EBADF : errno) }
        interests.grow(toCover: fd)
        return nil
    }

    /// Starts a readiness op, a connect or a `pollOnce` (`route`) on a
    /// descriptor the table covers.
    private func startReadiness(_ op: Op, _ route: EpollRoute, eagerly: Bool) -> PushResult {
        switch route {
        case .readiness(let fd, let direction, let guarded):
            return pushReadiness(op, fd: fd, direction, guarded: guarded, tryFirst: eagerly || !op.isSocketReceive)
        case .connect(let fd):
            return pushConnect(op, fd: fd)
        case .poll(let fd, let events):
            return pushPoll(op, fd: fd, events: events)
        case .immediate, .pool, .failed:
            preconditionFailure("EpollDriver: \(op.name) is not a readiness op")
        }
    }

    /// ``push(_:)``, except that a NOP is ready at once instead of waiting for
    /// the next poll, and a positioned read of data the page cache holds is
    /// done here instead of on the pool (``PageCacheRead``), and a receive is
    /// tried at once like every other stream and socket op: each comes back
    /// `.ready` when the kernel did not say `EAGAIN`. Nothing else finishes
    /// without a poll, so `others` is never called.
    public func pushEagerly(_ op: Op, _ others: (consuming Completion) -> Void) -> PushResult {
        if !isShutDown {
            if case .nop = op { return .ready(Completion(key: .immediate, op: op, result: .success(0))) }
            if let cached = PageCacheRead.attempt(op) { return .ready(cached) }
        }
        return start(op, eagerly: true)
    }

    /// A waiting op leaves its queue and completes with `ECANCELED` from the
    /// next poll; a pool op that has not started never runs; one that has
    /// started completes with its real result.
    public func cancel(_ key: OpKey) {
        guard table.requestCancel(key) == .issueCancel, let state = table.extra(key) else { return }
        switch state {
        case .waiting(let fd, _, _), .connecting(let fd), .polling(let fd, _):
            let removed = interests[fd] != nil && interests.modify(fd) { $0.remove(key) }
            precondition(removed, "EpollDriver: waiting op \(key) missing from fd \(fd)'s queues")
            syncInterest(fd)
            finish(key, .failure(.errno(.canceled)))
        case .pool(let ticket):
            ticket.cancel()
        case .finishing:
            break
        }
    }

    /// Waits for readiness, pool results or a notification, retries what became
    /// ready, and hands out at most ``EpollDriver/completionsPerPoll`` completions.
    @discardableResult
    public func poll(timeout: Duration?, _ body: (consuming Completion) -> Void) throws(IOError) -> Int {
        if isShutDown { return 0 }
        interests.startTurn()
        let zero = timeout.map { $0 <= .zero } ?? false
        try wait(until: timeout.map { MonotonicClock.now().advanced(by: $0) }, zero: zero)
        drainPool()
        var delivered = 0
        while delivered < Self.completionsPerPoll, let item = ready.popFirst() {
            guard let (op, _, _) = table.complete(item.key) else {
                preconditionFailure("EpollDriver: finished key \(item.key) is not in the table")
            }
            delivered += 1
            body(Completion(key: item.key, op: op, result: item.result, descriptor: item.descriptor))
        }
        return delivered
    }

    /// Cancels what waits, waits up to ``EpollDriver/shutdownGrace`` for pool ops
    /// to come back, drops every completion (closing descriptors ops created) and
    /// closes the epoll instance. A pool op still running after the grace period
    /// keeps its op, and so its buffers, alive until it returns.
    public func shutdown() {
        if isShutDown { return }
        isShutDown = true
        for fd in interests.descriptors { abandonWaiting(fd, .errno(.canceled)) }
        for key in table.keys {
            if case .pool(let ticket)? = table.extra(key) { ticket.cancel() }
        }
        let deadline = MonotonicClock.now().advanced(by: Self.shutdownGrace)
        while bridge.pending > 0 && MonotonicClock.now() < deadline {
            _ = eventNotifier.flag.prepareToBlock()
            _ = epoll_wait(epollFD, events, Self.eventCapacity, 10)
            eventNotifier.flag.markAwake()
            eventNotifier.drain()
            drainPool()
        }
        drainPool()
        PoolBridge.awaitRelease(&bridge, until: deadline)
        while let item = ready.popFirst() { _ = table.complete(item.key) }
        _ = Glibc.close(epollFD)
    }
}
