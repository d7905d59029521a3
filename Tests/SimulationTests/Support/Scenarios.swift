import Compio
import CompioSim
import Glibc

/// Driver-level scenarios shared by the determinism and throughput tests.
enum Scenarios {
    /// About 100 mixed ops (file writes and reads at random offsets, fsync,
    /// metadata, pipe traffic, TCP sends and receives between two hosts, blocking
    /// work, nops) with cancels sprinkled in; the op mix comes from its own
    /// stream of `seed`. Closes everything and returns the driver for checks.
    /// With `eagerly`, about half the ops are pushed with `pushEagerly`.
    static func mixed(seed: UInt64, faults: FaultPlan = .none, ops: Int = 100, keepsTraceEvents: Bool = true, eagerly: Bool = false) throws -> SimDriver {
        let driver = SimDriver(seed: seed, faults: faults, keepsTraceEvents: keepsTraceEvents)
        driver.addHost("10.0.0.2")
        let h = SimHarness(driver)
        var pick = SimRandom(seed: seed ^ 0x5CE7_A210)
        _ = try h.run(.makeDirectoryAt(directory: -100, path: try OpPath("/d"), mode: 0o755))
        let file = try h.open(.openAt(directory: -100, path: try OpPath("/d/f"), flags: createReadWrite, mode: 0o644))
        let pipe = driver.makePipe()
        let listener = try h.open(.socket(domain: AF_INET, type: 1, protocol: 0))
        _ = try h.run(.bind(fd: listener, address: SimAddress("10.0.0.1:80")!.buffer()))
        _ = try h.run(.listen(fd: listener, backlog: 8))
        let client = try h.open(.socket(domain: AF_INET, type: 1, protocol: 0))
        _ = try h.run(.bind(fd: client, address: SimAddress("10.0.0.2:0")!.buffer()))
        let accepting = h.start(.accept(fd: listener, peer: nil))
        let connecting = h.start(.connect(fd: client, address: SimAddress("10.0.0.1:80")!.buffer()))
        let connected = try h.wait(connecting).result
        // A connect that failed (a fault) leaves the accept waiting: cancel it.
        if (try? connected.get()) == nil { h.cancel(accepting) }
        let server = try h.wait(accepting).descriptor?.take() ?? -1
        var open = [file, pipe.read, pipe.write, listener, client]
        if server >= 0 { open.append(server) }
        let streamUp = (try? connected.get()) != nil && server >= 0

        var started: [Int] = []
        for _ in 0..<ops {
            let op: Op
            switch pick.int(in: 0...9) {
            case 0, 1:
                let data = IOBuffer(bytes: (0..<pick.int(in: 1...64)).map { _ in UInt8.random(in: 0...255, using: &pick) })
                op = .writeAt(fd: file, buffer: OpBuffer(data), offset: Int64(pick.int(in: 0...4096)))
            case 2:
                op = .readAt(fd: file, buffer: OpBuffer(IOBuffer(capacity: 64)), offset: Int64(pick.int(in: 0...4096)))
            case 3:
                op = pick.chance(0.5) ? .sync(fd: file, dataOnly: false) : .metadata(fd: file, into: MetadataBuffer())
            case 4:
                op = .write(fd: pipe.write, buffer: OpBuffer(buffer("pipe bytes")))
            case 5:
                op = .read(fd: pipe.read, buffer: OpBuffer(IOBuffer(capacity: 16)))
            case 6 where streamUp:
                op = .send(fd: client, buffer: OpBuffer(buffer("stream bytes")), flags: 0)
            case 7 where streamUp:
                op = .recv(fd: server, buffer: OpBuffer(IOBuffer(capacity: 32)), flags: 0)
            case 8:
                op = .asyncify(BlockingWork { .success(7) })
            default:
                op = .nop
            }
            let ticket = eagerly && pick.chance(0.5) ? h.startEagerly(op) : h.start(op)
            started.append(ticket)
            if pick.chance(0.15) { h.cancel(ticket) }
            if pick.chance(0.3) { try h.poll(timeout: pick.chance(0.5) ? .zero : .microseconds(pick.int(in: 1...500))) }
        }
        // Reads that wait for data nobody will send are cancelled, as a runtime does at shutdown.
        for ticket in started where !h.isDone(ticket) { h.cancel(ticket) }
        try h.drain()
        for fd in open { try h.close(fd) }
        try h.drain()
        return driver
    }
}
