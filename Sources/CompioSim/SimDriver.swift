import Compio
import Glibc

/// The deterministic simulated kernel: a ``Driver`` over an in-memory world
/// (files, pipes, a network of hosts) on virtual time, with every choice drawn
/// from one seed.
///
/// Rules it follows (each one a place where runtimes break on the real kernel):
///
/// - **Submission.** A pushed op is either submitted at once or staged until
///   the next poll (the seed picks), so a cancel can land before submission.
///   `close` takes effect at push: the number is free the moment it is issued.
/// - **Descriptors.** An op resolves its descriptor numbers to open files when
///   it is pushed and holds them until it completes; closing the number later
///   does not affect it. An op on a number that is not open completes with
///   `EBADF` and is recorded as a violation. New descriptors take the lowest
///   free number.
/// - **Time and order.** Each op gets a seeded latency. Ops on one byte stream
///   (a socket's or pipe's receive side, its send side, a file's shared
///   offset) take effect in submission order; other ops in latency order.
///   Ready completions come out in a seeded order and seeded batch sizes, except
///   that completions of one stream keep their order.
/// - **Cancellation.** The op's own completion always arrives exactly once:
///   `ECANCELED` (no effect), its normal result (the cancel came too late; a new
///   descriptor is then owned by the completion and closed if dropped), or a
///   short transfer (partial progress). Which one is drawn from the seed among
///   those possible at that moment.
/// - **Polling.** `poll` never sleeps: it jumps the virtual clock to the next
///   scheduled event or to its deadline. With no timeout and nothing scheduled
///   nothing could ever happen (the simulation is one thread), so it returns 0
///   at once instead of hanging, and records an idle wake in the trace.
/// - **Blocking work** (``Op/asyncify(_:)``) runs its closure on the polling
///   thread at its simulated completion time.
///
/// One thread only: create, push, poll and cancel on the same thread. Only
/// ``notifier`` may be used from others.
public final class SimDriver: Driver {
    /// The seed every decision of this run comes from.
    public let seed: UInt64
    /// The faults this run injects.
    public let faults: FaultPlan
    /// Most completions one poll hands out.
    @exclusivity(unchecked) public var maxBatch = 8
    /// How often ``pushEagerly(_:_:)`` submits at once (drawn from the
    /// ``SimDecision/eager`` stream); otherwise it is a plain ``push(_:)``.
    @exclusivity(unchecked) public var eagerSubmissionChance = 0.75
    /// How often an op that an eager push submits, and that the kernel could
    /// finish during submission, does: it then runs at the current instant.
    @exclusivity(unchecked) public var inlineCompletionChance = 0.5
    /// How long a connect keeps retrying an unreachable or overloaded peer before `ETIMEDOUT`.
    public var connectTimeout: Duration = .seconds(5)

    /// Most blocking ops (``Op/asyncify(_:)``) in flight at once, like a kernel
    /// driver's bounded thread pool: more fail at push with ``IOError/poolBusy``.
    /// `nil`: unbounded.
    @exclusivity(unchecked) public var poolLimit: Int?
    /// Whether a `close` pushed while ops holding that descriptor are in flight
    /// is a violation. Off by default (Linux allows it, and the driver tests
    /// exercise it); on for runs through the runtime, whose shared descriptors
    /// must wait for their ops.
    @exclusivity(unchecked) public var closeRequiresQuiescence = false
    /// Called by a `poll(timeout: nil)` that finds nothing scheduled: in a
    /// one-threaded simulation nothing can ever happen then.
    public var onIdle: (() -> Void)?

    // The driver's state is marked `@exclusivity(unchecked)`: the driver is
    // used from one thread only (see above) and none of its methods holds an
    // access across a call that could reenter it, so the dynamic exclusivity
    // checks of class properties (a few dozen per op, about 10 % of a
    // simulated op's instructions) buy nothing here.

    /// The trace of everything that happened so far.
    @exclusivity(unchecked) public internal(set) var trace: SimTrace
    /// Counters for this run.
    @exclusivity(unchecked) public internal(set) var stats = SimStats()
    /// Violations found so far (see ``check(final:)`` for the end-of-run ones).
    public internal(set) var violations: [SimViolation] = []

    let simNotifier = SimNotifier()
    let closer = SimDescriptorCloser()
    @exclusivity(unchecked) var streams: SimStreams
    @exclusivity(unchecked) var clock: Int64 = 0
    @exclusivity(unchecked) var table: OpTable<SimPendingOp>
    /// The ops in flight (pushed, not finished) by key index, looked up
    /// without the generic table. `OpTable` is not specialized
    /// across modules, so each of its lookups instantiates generic metadata and
    /// copies a slot (about 1,000 instructions); the hot paths use this index and
    /// call the table only for the lifecycle's transitions.
    @exclusivity(unchecked) var inFlightOps: [SimPendingOp?] = []
    /// Blocking ops (``Op/asyncify(_:)``) in flight, for ``poolLimit``.
    @exclusivity(unchecked) var blockingInFlight = 0
    @exclusivity(unchecked) var staged: [OpKey] = []
    @exclusivity(unchecked) var ready: [SimReady] = []
    /// Empty arrays kept for their capacity, swapped with `staged` and `ready`
    /// when those are taken whole.
    @exclusivity(unchecked) var spareKeys: [OpKey] = []
    /// Op names, digested once per kind.
    @exclusivity(unchecked) var opNames = SimOpNames()
    @exclusivity(unchecked) var spareReady: [SimReady] = []
    @exclusivity(unchecked) var agenda = SimEventQueue()
    @exclusivity(unchecked) var descriptors = SimDescriptorTable()
    let fileSystem = SimFileSystem()
    let network: SimNetwork
    @exclusivity(unchecked) var nextFileID = 0
    @exclusivity(unchecked) var nextSequence: UInt64 = 0
    @exclusivity(unchecked) var ownersOutstanding = 0
    @exclusivity(unchecked) var isShutDown = false

    /// A simulated kernel for `seed`, with `faults` (none by default) and room
    /// for `capacity` ops in flight. Descriptors 0, 1 and 2 are open (console);
    /// the network has one host, `10.0.0.1` (`fd00::10.0.0.1` in IPv6), where
    /// unbound sockets live; Unix sockets live in the simulated file system.
    public init(seed: UInt64, faults: FaultPlan = .none, capacity: Int = 1024, keepsTraceEvents: Bool = true) {
        self.seed = seed
        self.faults = faults
        streams = SimStreams(seed: seed)
        trace = SimTrace(keepsEvents: keepsTraceEvents)
        table = OpTable(capacity: capacity)
        network = SimNetwork(defaultHost: 0x0A00_0001)
        closer.driver = self
        for _ in 0..<3 {
            _ = descriptors.install(makeFile(.console, readable: true, writable: true))
        }
        record(.clock, name: "start", value: Int64(bitPattern: seed), detail: faults.description)
    }

    deinit { shutdown() }

    // MARK: Driver

    /// ``DriverKind/simulated``.
    public var kind: DriverKind { .simulated }
    /// An atomic flag; see ``SimNotifier``.
    public var notifier: any DriverNotifier { simNotifier }
    /// Virtual time.
    public var now: Instant { Instant(nanoseconds: clock) }
    /// Ops pushed whose completion has not been handed out yet.
    public var inFlight: Int { table.count }
    /// The `capacity` the simulator was made with.
    public var maxInFlight: Int { table.capacity }

    /// Closes in the simulated world: the descriptor a shared descriptor drops last.
    public var descriptorCloser: any DescriptorCloser { closer }

    /// Nothing to prepare in the simulated kernel.
    public func attach(_ fd: Int32) throws(IOError) {}

    /// Starts `op`: resolves its descriptors, then submits it now or at the next poll.
    public func push(_ op: Op) -> PushResult { start(op, staging: false) }

    /// ``push(_:)``'s work; `staging` always stages the op (an eager push
    /// submits it with everything staged before it), instead of drawing.
    func start(_ op: Op, staging: Bool) -> PushResult {
        stats.pushed += 1
        if isShutDown {
            record(.push, name: op.name, value: -1, detail: "after shutdown")
            return .ready(Completion(key: .immediate, op: op, result: .failure(.shutdown)))
        }
        if table.isFull {
            record(.push, name: op.name, value: -Int64(EBUSY), detail: "table full")
            return .ready(Completion(key: .immediate, op: op, result: .failure(.code(EBUSY))))
        }
        let blocking = if case .asyncify = op { true } else { false }
        if blocking, let poolLimit, blockingInFlight >= poolLimit {
            record(.push, name: op.name, value: -1, detail: "pool busy")
            return .ready(Completion(key: .immediate, op: op, result: .failure(.poolBusy)))
        }
        let shape = SimOpShape(op)
        var files: (SimOpenFile?, SimOpenFile?) = (nil, nil)
        for n in 0..<2 {
            guard let descriptor = n == 0 ? shape.descriptors.first : shape.descriptors.second, descriptor.isUsed else { continue }
            guard let file = descriptors[descriptor.fd] else {
                violate(.opOnClosedDescriptor, "\(op.name) on fd \(descriptor.fd), which is not open (EBADF)")
                record(.push, name: op.name, value: -Int64(EBADF), detail: "fd \(descriptor.fd) not open")
                return .ready(Completion(key: .immediate, op: op, result: .failure(.code(EBADF))))
            }
            if n == 0 { files.0 = file } else { files.1 = file }
        }
        let pending = SimPendingOp(traceName: opNames.name(of: op), shape: shape, sequence: nextSequence, pushedAt: clock, file: files.0, second: files.1)
        files.0?.references += 1
        files.1?.references += 1
        nextSequence += 1
        pending.channel = channel(for: shape.side, file: files.0)
        ownersOutstanding += pending.ownerCount
        // The op's bookkeeping lives in `inFlightOps`; the table keeps the key,
        // the op and its lifecycle until the completion is handed out.
        let key = table.insert(op)
        pending.key = key
        let index = Int(key.index)
        if index >= inFlightOps.count { inFlightOps.append(contentsOf: repeatElement(nil, count: index + 1 - inFlightOps.count)) }
        inFlightOps[index] = pending
        if blocking { blockingInFlight += 1 }
        record(.push, key: key, name: pending.traceName, value: Int64(pending.sequence), detail: .files(files.0, files.1))
        if case .close(let fd) = op {
            if closeRequiresQuiescence { checkQuiescentClose(fd, closing: key) }
            closeDescriptor(fd)
            finish(key, .success(0))
            return .pending(key)
        }
        if !staging && streams[.ordering].chance(0.5) {
            submit(key)
        } else {
            staged.append(key)
        }
        return .pending(key)
    }

    /// Asks for `key`'s cancellation; the seed picks the outcome (see the type's documentation).
    public func cancel(_ key: OpKey) {
        guard !isShutDown else { return }
        // A finished op whose completion is not handed out yet is still in the
        // table, but is as completed as it gets for a cancel.
        guard pending(key) != nil, let action = table.requestCancel(key) else {
            stats.cancelIgnored += 1
            record(.cancel, key: key, name: "cancel", detail: "already completed")
            return
        }
        switch action {
        case .none:
            record(.cancel, key: key, name: "cancel", detail: "repeated")
        case .completeUnsubmitted:
            staged.removeAll { $0 == key }
            stats.cancelBeforeSubmission += 1
            record(.cancel, key: key, name: pending(key)?.name ?? "?", detail: "before submission")
            finish(key, .failure(.code(ECANCELED)))
        case .issueCancel:
            cancelSubmitted(key)
        }
    }

    /// Submits staged ops, runs the world up to the next completion or the
    /// deadline (jumping virtual time, never sleeping), and hands out a batch.
    @discardableResult
    public func poll(timeout: Duration?, _ body: (consuming Completion) -> Void) throws(IOError) -> Int {
        submitStaged()
        let deadline = timeout.map { now.advanced(by: max($0, .zero)).nanoseconds }
        while true {
            runDueEvents()
            if !ready.isEmpty { return deliver(body) }
            if simNotifier.consume() {
                record(.wake, name: "notified")
                return 0
            }
            guard let next = agenda.nextTime else {
                if let deadline {
                    advance(to: deadline)
                } else {
                    record(.wake, name: "idle", detail: "nothing scheduled")
                    onIdle?()
                }
                return 0
            }
            if let deadline, next > deadline {
                advance(to: deadline)
                return 0
            }
            advance(to: next)
        }
    }

    /// Cancels every op in flight with `ECANCELED`, drops every completion (which
    /// closes descriptors they created), and refuses later pushes. Idempotent.
    public func shutdown() {
        guard !isShutDown else { return }
        staged.removeAll()
        for key in liveKeys {
            finish(key, .failure(.code(ECANCELED)))
        }
        let dropped = ready
        ready.removeAll()
        for item in dropped {
            _ = handOut(item)
            record(.deliver, key: item.key, name: item.name, value: Self.code(item.result), detail: .text("dropped by shutdown"))
        }
        isShutDown = true
        agenda.removeAll()
    }

    // MARK: World access for tests and scenarios

    /// Adds a host with address `ip`: `"10.0.0.2"`, or its IPv6 address
    /// `"fd00::10.0.0.2"` (every host has both; see ``SimAddress``).
    public func addHost(_ ip: String) {
        network.addHost(host(ip, "addHost"))
    }

    /// Cuts the network between hosts `a` and `b` (either address of each) for
    /// `duration`: stream data is held back (and retransmitted after), connects
    /// retry until ``connectTimeout``, datagrams are lost.
    public func partition(_ a: String, _ b: String, for duration: Duration) {
        let (x, y) = (host(a, "partition"), host(b, "partition"))
        let until = now.advanced(by: duration).nanoseconds
        network.partition(x, y, until: until)
        record(.network, name: "partition", value: until, detail: "\(x)<->\(y)")
    }

    /// Ends any partition between `a` and `b` now.
    public func heal(_ a: String, _ b: String) {
        let (x, y) = (host(a, "heal"), host(b, "heal"))
        network.heal(x, y)
        record(.network, name: "heal", detail: "\(x)<->\(y)")
    }

    private func host(_ text: String, _ caller: String) -> UInt32 {
        guard let address = SimAddress(text), let host = network.host(of: address) else {
            preconditionFailure("SimDriver.\(caller): \(text) is not an IPv4 address or an IPv6 address in fd00::/96")
        }
        return host
    }

    /// Records a violation found outside the driver (by the runtime's checks
    /// or a scenario), so it fails the run like the driver's own.
    public func reportViolation(_ rule: SimViolation.Rule, _ message: String) {
        violate(rule, message)
    }

    /// Opens a pipe, like `pipe2(2)`: returns the read end and the write end.
    public func makePipe() -> (read: Int32, write: Int32) {
        let pipe = SimPipe()
        let reader = makeFile(.pipeReader(pipe), readable: true, writable: false)
        let writer = makeFile(.pipeWriter(pipe), readable: false, writable: true)
        pipe.readEnd = reader
        pipe.writeEnd = writer
        let r = descriptors.install(reader)
        let w = descriptors.install(writer)
        record(.descriptor, name: "pipe", value: Int64(r), detail: "write end \(w)")
        return (r, w)
    }

    /// The crash hook: every file loses the data written since its last fsync.
    public func loseUnsyncedData() {
        fileSystem.loseUnsyncedData()
        record(.fault, name: "lose unsynced data")
    }

    /// The current contents of the file at absolute `path`, or `nil` if there is none.
    public func contentsOfFile(atPath path: String) -> [UInt8]? {
        guard let inode = try? fileSystem.lookup(from: fileSystem.root, path, followLast: true), inode.isFile else { return nil }
        return inode.data
    }

    /// The open descriptor numbers, ascending (0, 1 and 2 are the console).
    public var openDescriptors: [Int32] { descriptors.openDescriptors }

    // MARK: Internals shared by the extensions

    func makeFile(_ kind: SimOpenFile.Kind, readable: Bool, writable: Bool, appends: Bool = false) -> SimOpenFile {
        nextFileID += 1
        return SimOpenFile(id: nextFileID, kind: kind, readable: readable, writable: writable, appends: appends)
    }

    func record(_ kind: SimTraceEvent.Kind, key: OpKey? = nil, name: String, value: Int64 = 0, detail: String) {
        trace.record(time: clock, kind: kind, key: key?.raw ?? 0, name: SimTraceName(name), value: value, payload: .text(detail))
    }

    /// Records an event whose detail is built only if the trace is printed.
    func record(_ kind: SimTraceEvent.Kind, key: OpKey? = nil, name: String, value: Int64 = 0, detail: SimTraceDetail = .none) {
        trace.record(time: clock, kind: kind, key: key?.raw ?? 0, name: SimTraceName(name), value: value, payload: detail)
    }

    /// Records an event under a name whose digest is already taken: an op's
    /// (at push), or one of the frequent fixed names below.
    func record(_ kind: SimTraceEvent.Kind, key: OpKey? = nil, name: SimTraceName, value: Int64 = 0, detail: SimTraceDetail = .none) {
        trace.record(time: clock, kind: kind, key: key?.raw ?? 0, name: name, value: value, payload: detail)
    }

    /// The poll event's name.
    var batchName: SimTraceName { Self.names.batch }
    /// The clock event's name.
    var advanceName: SimTraceName { Self.names.advance }
    private static let names = (batch: SimTraceName("batch"), advance: SimTraceName("advance"))

    /// The op in flight under `key` (pushed, not completed), if any.
    func pending(_ key: OpKey) -> SimPendingOp? {
        let i = Int(key.index)
        guard i < inFlightOps.count, let pending = inFlightOps[i], pending.key == key else { return nil }
        return pending
    }

    func violate(_ rule: SimViolation.Rule, _ message: String) {
        violations.append(SimViolation(rule: rule, time: clock, message: message))
        record(.violation, name: rule.rawValue, detail: message)
    }

    func advance(to time: Int64) {
        guard time > clock else { return }
        clock = time
        record(.clock, name: advanceName, value: time)
    }

    func schedule(after delay: Int64, _ action: @escaping () -> Void) {
        agenda.schedule(at: clock &+ max(0, delay), .call(action))
    }

    func schedule(after delay: Int64, _ action: SimEventQueue.Action) {
        agenda.schedule(at: clock &+ max(0, delay), action)
    }

    func runDueEvents() {
        while let action = agenda.popDue(at: clock) {
            stats.events += 1
            switch action {
            case .becomeDue(let key): becomeDue(key)
            case .run(let channel): run(channel)
            case .wake(let file):
                run(file.readChannel)
                run(file.writeChannel)
                run(file.pollChannel)
            case .call(let body): body()
            }
        }
    }

    /// `-errno` for failures, the value for successes: the trace's result field.
    static func code(_ result: Result<Int, IOError>) -> Int64 {
        switch result {
        case .success(let n): Int64(n)
        case .failure(.errno(let e)): -Int64(e.rawValue)
        case .failure: -1_000
        }
    }
}

/// The simulator's bookkeeping for one op in flight.
///
/// Its variables are `@exclusivity(unchecked)`, as the driver's are.
final class SimPendingOp {
    /// The op's key (set right after the table issued it).
    @exclusivity(unchecked) var key = OpKey.immediate
    /// The op's name for the trace, taken once. (The op itself is in the
    /// driver's table: a second copy here cost a copy and a release per op.)
    let traceName: SimTraceName
    /// The op's name.
    var name: String { traceName.text }
    /// Computed once at push: the op's descriptors, side, speed and buffers.
    let shape: SimOpShape
    /// Buffer owners the op holds (``SimOpShape/ownerCount``).
    let ownerCount: Int
    let sequence: UInt64
    let pushedAt: Int64
    /// The open file the op resolved at push for its first descriptor, and for
    /// its second (`renameat`, `linkat`); `nil` where there is none or a path
    /// made the descriptor irrelevant.
    let file: SimOpenFile?
    let second: SimOpenFile?
    @exclusivity(unchecked) var channel: SimChannel?
    @exclusivity(unchecked) var isDue = false
    /// Set while a cancel tries to finish the op early: no new work may start.
    @exclusivity(unchecked) var probing = false

    init(traceName: SimTraceName, shape: SimOpShape, sequence: UInt64, pushedAt: Int64, file: SimOpenFile?, second: SimOpenFile?) {
        self.traceName = traceName
        self.shape = shape
        ownerCount = shape.ownerCount
        self.sequence = sequence
        self.pushedAt = pushedAt
        self.file = file
        self.second = second
    }

    /// Whether the op holds a reference to `file`.
    func holds(_ other: SimOpenFile) -> Bool { file === other || second === other }
}

/// A completion waiting to be handed out, with the stream it must stay ordered
/// on. The op stays in the table under `key` until then, as a CQE's user data
/// does on the kernel: a runtime maps keys to waiters and must not see the
/// index reused while the completion is on its way.
struct SimReady {
    let key: OpKey
    let name: SimTraceName
    let result: Result<Int, IOError>
    let descriptor: OwnedDescriptor?
    let channel: SimChannel?
    /// Buffer owners the completion hands back.
    let ownerCount: Int
}
