import Compio
import CompioSim
import Glibc
import Testing

/// Driver-level test helper: pushes ops at a ``SimDriver`` and polls, keeping
/// each completion under the ticket its push returned. It also checks that
/// every key comes out of poll exactly once.
final class SimHarness {
    let driver: SimDriver
    private var results: [Completion?] = []
    private var keys: [OpKey?] = []
    private var tickets: [OpKey: Int] = [:]

    init(_ driver: SimDriver) { self.driver = driver }

    convenience init(seed: UInt64, faults: FaultPlan = .none) {
        self.init(SimDriver(seed: seed, faults: faults))
    }

    /// Pushes `op`; the ticket names its completion.
    @discardableResult
    func start(_ op: Op) -> Int {
        let ticket = results.count
        results.append(nil)
        return track(driver.push(op), ticket: ticket)
    }

    /// Pushes `op` eagerly: other ops' completions found on the way are
    /// taken as a poll's would be.
    @discardableResult
    func startEagerly(_ op: Op) -> Int {
        let ticket = results.count
        results.append(nil)
        let result = driver.pushEagerly(op) { c in receive(c) }
        return track(result, ticket: ticket)
    }

    private func track(_ result: PushResult, ticket: Int) -> Int {
        switch result {
        case .ready(let c):
            results[ticket] = c
            keys.append(nil)
        case .pending(let key):
            tickets[key] = ticket
            keys.append(key)
        }
        return ticket
    }

    func cancel(_ ticket: Int) {
        if let key = keys[ticket] { driver.cancel(key) }
    }

    func isDone(_ ticket: Int) -> Bool { results[ticket] != nil }

    /// Outstanding tickets.
    var pending: Int { tickets.count }

    @discardableResult
    func poll(timeout: Duration? = .seconds(3600)) throws -> Int {
        try driver.poll(timeout: timeout) { c in receive(c) }
    }

    private func receive(_ c: Completion) {
        guard let ticket = tickets.removeValue(forKey: c.key) else {
            Issue.record("completion for key \(c.key) that is not pending (twice, or never pushed)")
            return
        }
        results[ticket] = c
    }

    /// Polls until `ticket` completed.
    func wait(_ ticket: Int, maxPolls: Int = 100_000) throws -> Completion {
        var polls = 0
        while results[ticket] == nil {
            polls += 1
            if polls > maxPolls { throw HarnessError.stalled(ticket) }
            try poll()
        }
        return results[ticket]!
    }

    /// Polls until every pushed op completed.
    func drain(maxPolls: Int = 100_000) throws {
        var polls = 0
        while !tickets.isEmpty {
            polls += 1
            if polls > maxPolls { throw HarnessError.stalled(-1) }
            try poll()
        }
    }

    func run(_ op: Op) throws -> Completion { try wait(start(op)) }

    /// Takes a completion out (dropping it releases what it owns).
    func take(_ ticket: Int) -> Completion? {
        defer { results[ticket] = nil }
        return results[ticket]
    }

    /// Runs `op` and returns its new descriptor, claimed.
    func open(_ op: Op) throws -> Int32 {
        let c = try run(op)
        guard let fd = c.descriptor?.take() else { throw HarnessError.failed(op.name, c.error) }
        return fd
    }

    /// Closes `fd` and waits for the close.
    func close(_ fd: Int32) throws {
        _ = try run(.close(fd: fd))
    }

    enum HarnessError: Error {
        case stalled(Int)
        case failed(String, IOError?)
    }
}

/// The test name as `swift test --filter` takes it.
func filterName(_ function: String) -> String {
    String(function.prefix { $0 != "(" })
}

/// Fails the test with the driver's report (violations, seed, replay command) if it has any.
func expectClean(_ driver: SimDriver, test: String = #function, sourceLocation: SourceLocation = #_sourceLocation) {
    if let report = driver.failureReport(test: filterName(test)) {
        Issue.record(Comment(rawValue: report), sourceLocation: sourceLocation)
    }
}

/// A buffer holding `text`.
func buffer(_ text: String) -> IOBuffer { IOBuffer(bytes: Array(text.utf8)) }

/// `O_*` flags for a read-write file, created if missing.
let createReadWrite: Int32 = O_RDWR | O_CREAT
