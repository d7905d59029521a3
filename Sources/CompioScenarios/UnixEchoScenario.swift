import Compio

extension Scenario {
    /// Echo over Unix stream sockets through the public API (``UnixListener``,
    /// ``UnixStream``): a server on a path and 3 clients. With faults on
    /// (interrupted and short transfers, latency spikes), a client may stop
    /// early, but what it got back must be exactly what it sent, in order.
    public static let unixEcho = Scenario(
        name: "unix-echo", summary: "Unix stream echo server and 3 clients on a path; short transfers under faults"
    ) { context in
        let listener = try await UnixListener.bind(path: context.path("echo.sock"))
        let server = context.runtime.spawn { await unixEchoServer(context, listener) }
        let rounds = try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<3 {
                group.addTask { try await unixEchoClient(context, i, context.path("echo.sock")) }
            }
            return try await group.reduce(0, +)
        }
        try context.check(context.world.faults || rounds == 6, "only \(rounds) of 6 Unix echo rounds completed without faults")
        server.cancel()
        await server.value
        try await context.close(listener.socket.descriptor)
        try await context.removeFile("echo.sock")
    }

    private static func unixEchoServer(_ context: ScenarioContext, _ listener: UnixListener) async {
        await withTaskGroup(of: Void.self) { group in
            while !Task.isCancelled {
                do throws(IOError) {
                    let (stream, _) = try await listener.accept()
                    group.addTask { await unixEchoConnection(context, stream) }
                } catch {
                    if error.isCancelled || !context.tolerated(error) { break }
                }
            }
            group.cancelAll()
        }
    }

    /// Writes back what it reads until end of stream or an error.
    private static func unixEchoConnection(_ context: ScenarioContext, _ stream: UnixStream) async {
        while true {
            let got = await stream.read(OwnedBuffer(capacity: 256))
            guard case .success(let n) = got.result, n > 0 else { break }
            let data = got.buffer.bytes
            if case .failure = await stream.writeAll(OwnedBuffer(data)).result { break }
        }
        try? await stream.close()
    }

    /// Sends two messages and checks each echo; returns the rounds completed.
    private static func unixEchoClient(_ context: ScenarioContext, _ i: Int, _ path: String) async throws -> Int {
        var random = context.random(UInt64(200 + i))
        let stream: UnixStream
        do throws(IOError) {
            stream = try await UnixStream.connect(path: path)
        } catch {
            try context.check(context.tolerated(error), "Unix client \(i): connect failed: \(error)")
            return 0
        }
        var rounds = 0
        for _ in 0..<2 {
            let message = random.bytes(random.int(1...200))
            if case .failure(let error) = await stream.writeAll(OwnedBuffer(message)).result {
                try context.check(context.tolerated(error), "Unix client \(i): write failed: \(error)")
                break
            }
            let echoed = await stream.readExact(into: OwnedBuffer(capacity: message.count))
            switch echoed.result {
            case .failure(let error):
                try context.check(context.tolerated(error), "Unix client \(i): read failed: \(error)")
            case .success(let n) where n < message.count:
                try context.check(context.world.faults, "Unix client \(i): server closed after \(n) of \(message.count) bytes")
            case .success:
                break
            }
            if (try? echoed.result.get()) != message.count { break }
            try context.check(echoed.buffer.bytes == message, "Unix client \(i): echo differs from what was sent")
            rounds += 1
        }
        try await context.close(stream.socket.descriptor)
        return rounds
    }
}
