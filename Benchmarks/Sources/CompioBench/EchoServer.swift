import BenchSupport
import Compio
import Glibc

/// The Compio echo server: one runtime thread, one task per connection, each
/// receiving into its own buffer and sending back what came in. It serves
/// `--conns` connections, and when all of them have closed prints the
/// allocations per round trip counted after the last accept, then exits.
/// `--inline N` sets ``RuntimeBuilder/inlineCompletionLimit`` (0: every op
/// suspends its task). `--api op` (the default) echoes with raw `recv`/`send`
/// ops through `Runtime.submit`; `--api stream` with what an application
/// would write: `TcpListener`, `TcpStream.read` into an `OwnedBuffer` and
/// `writeAll`, each op going through the stream's shared descriptor.
enum EchoServer {
    static func run(_ options: Options) throws {
        var builder = RuntimeBuilder(choice: options.driver)
        builder.inlineCompletionLimit = options.int("inline", builder.inlineCompletionLimit)
        let runtime = try builder.build()
        let port = UInt16(options.int("port", 7000))
        let expected = options.int("conns", 1)
        let stats = EchoStats()
        if options.string("api", "op") == "stream" {
            try runtime.blockOn { () async throws -> Void in
                try await serveStreams(runtime, port: port, expected: expected, stats: stats)
            }
            stats.report()
            return
        }
        try runtime.blockOn { () async throws -> Void in
            let listener = try await BenchIO.listen(runtime, port: port)
            print("READY port=\(port)")
            flushOutput()
            var handles: [JoinHandle<Void, Never>] = []
            for accepted in 1...expected {
                let fd = try await BenchIO.accept(runtime, listener: listener)
                try await BenchIO.setOption(runtime, fd: fd, level: Int32(IPPROTO_TCP), name: TCP_NODELAY)
                if accepted == expected { stats.startCounting() }
                handles.append(runtime.spawn { await serve(runtime, fd: fd, stats: stats) })
            }
            for handle in handles { await handle.value }
            await BenchIO.close(runtime, fd: listener)
        }
        stats.report()
    }

    static func serve(_ runtime: Runtime, fd: Int32, stats: EchoStats) async {
        let capacity = 65536
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 64)
        defer { buffer.deallocate() }
        connection: while true {
            let received = await BenchIO.recv(runtime, fd: fd, buffer, count: capacity)
            if received <= 0 { break }
            var sent = 0
            while sent < received {
                let n = await BenchIO.send(runtime, fd: fd, buffer + sent, count: received - sent)
                if n <= 0 { break connection }
                sent += n
            }
            stats.roundTrips &+= 1
        }
        await BenchIO.close(runtime, fd: fd)
    }
}

extension EchoServer {
    /// The `--api stream` server: the user-facing types.
    static func serveStreams(_ runtime: Runtime, port: UInt16, expected: Int, stats: EchoStats) async throws(IOError) {
        let listener = try await TcpListener.bind(.loopback(port: port))
        print("READY port=\(port)")
        flushOutput()
        var handles: [JoinHandle<Void, Never>] = []
        for accepted in 1...expected {
            let (stream, _) = try await listener.accept()
            try await stream.setNoDelay(true)
            if accepted == expected { stats.startCounting() }
            handles.append(runtime.spawn { await echo(stream, stats: stats) })
        }
        for handle in handles { await handle.value }
        try? await listener.close()
    }

    static func echo(_ stream: TcpStream, stats: EchoStats) async {
        var buffer = OwnedBuffer(capacity: 65536)
        while true {
            let read = await stream.read(buffer)
            buffer = read.buffer
            guard case .success(let n) = read.result, n > 0 else { break }
            let written = await stream.writeAll(buffer)
            buffer = written.buffer
            if case .failure = written.result { break }
            stats.roundTrips &+= 1
        }
        try? await stream.close()
    }
}

/// Round trips and allocations of the echo server (runtime thread only).
final class EchoStats: @unchecked Sendable {
    var roundTrips = 0
    private var startTrips = 0
    private var startMallocs: UInt64?

    func startCounting() {
        startTrips = roundTrips
        startMallocs = MallocCounter.count
    }

    func report() {
        let trips = roundTrips - startTrips
        print("RESULT value=\(trips) unit=round-trips allocs_per_op=\(MallocCounter.perOp(since: startMallocs, ops: trips))")
    }
}
