import Compio

extension Scenario {
    /// TCP echo between a server and several clients. With faults on (resets,
    /// refusals, partitions), a client may stop early, but what it got back
    /// must still be exactly what it sent, in order.
    public static let echo = Scenario(
        name: "echo", summary: "TCP echo server and 3 clients; resets and partitions under faults"
    ) { context in
        let (listener, address) = try await context.listen()
        let server = context.runtime.spawn { await echoServer(context, listener) }
        var clients: [JoinHandle<Int, any Error>] = []
        for i in 0..<3 {
            clients.append(context.runtime.spawn { try await echoClient(context, i, address) })
        }
        var rounds = 0
        for client in clients { rounds += try await client.value }
        try context.check(context.world.faults || rounds == 9, "only \(rounds) of 9 echo rounds completed without faults")
        server.cancel()
        await server.value
        try await context.close(listener)
    }

    private static func echoServer(_ context: ScenarioContext, _ listener: SharedDescriptor) async {
        await withTaskGroup(of: Void.self) { group in
            while !Task.isCancelled {
                switch await context.accept(listener) {
                case .success(let connection):
                    group.addTask { await echo(context, connection) }
                case .failure(let error):
                    if !context.tolerated(error) { break }
                }
            }
            group.cancelAll()
        }
    }

    private static func echo(_ context: ScenarioContext, _ connection: SharedDescriptor) async {
        while case .success(let data) = await context.receive(connection, upTo: 256), !data.isEmpty {
            if await context.sendAll(connection, data).error != nil { break }
        }
        try? await connection.close(on: context.runtime)
    }

    /// Sends three messages and checks each echo; returns the rounds completed.
    private static func echoClient(_ context: ScenarioContext, _ i: Int, _ address: SocketAddress) async throws -> Int {
        var random = context.random(UInt64(100 + i))
        let socket: SharedDescriptor
        switch await context.connect(client: i, to: address) {
        case .success(let s): socket = s
        case .failure(let error):
            try context.check(context.tolerated(error), "client \(i): connect failed: \(error)")
            return 0
        }
        var rounds = 0
        exchange: for _ in 0..<3 {
            let message = random.bytes(random.int(1...200))
            if let error = await context.sendAll(socket, message).error {
                try context.check(context.tolerated(error), "client \(i): send failed: \(error)")
                break
            }
            var echoed: [UInt8] = []
            while echoed.count < message.count {
                switch await context.receive(socket, upTo: message.count - echoed.count) {
                case .success(let data):
                    if data.isEmpty {
                        try context.check(context.world.faults, "client \(i): server closed after \(echoed.count) of \(message.count) bytes")
                        break exchange
                    }
                    echoed += data
                case .failure(let error):
                    try context.check(context.tolerated(error), "client \(i): receive failed: \(error)")
                    break exchange
                }
            }
            try context.check(echoed == message, "client \(i): echo differs from what was sent")
            rounds += 1
        }
        try await context.close(socket)
        return rounds
    }
}
