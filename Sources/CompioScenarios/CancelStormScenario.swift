import Compio

extension Scenario {
    /// Many pending receives and accepts, cancelled at random moments while
    /// data and connections trickle in. Every op returns exactly once (its
    /// task's loop sees one result per op), received bytes are whole pieces of
    /// the sent stream, and accepted descriptors are closed.
    public static let cancelStorm = Scenario(
        name: "cancel-storm", summary: "12 receives and accepts cancelled at random moments"
    ) { context in
        var random = context.random(0)
        let (listener, address) = try await context.listen()
        guard case .success(let client) = await context.connect(client: 0, to: address) else {
            try context.check(context.world.faults, "connect failed without faults")
            try await context.close(listener)
            return
        }
        guard case .success(let server) = await context.accept(listener) else {
            try context.check(context.world.faults, "accept failed without faults")
            try await context.close(client)
            try await context.close(listener)
            return
        }
        var workers: [JoinHandle<Int, any Error>] = []
        for w in 0..<12 {
            let accepts = w % 3 == 0
            workers.append(context.runtime.spawn {
                var received = 0
                while !Task.isCancelled {
                    if accepts {
                        switch await context.accept(listener) {
                        case .success(let connection): try await context.close(connection)
                        case .failure(let error): try context.check(error.isCancelled || context.tolerated(error), "accept: \(error)")
                        }
                    } else {
                        switch await context.receive(server, upTo: 64) {
                        case .success(let data):
                            try context.check(isStreamPiece(data), "worker \(w) received bytes that are not a piece of the sent stream")
                            received += data.count
                            if data.isEmpty { return received }
                        case .failure(let error):
                            try context.check(error.isCancelled || context.tolerated(error), "recv: \(error)")
                        }
                    }
                }
                return received
            })
        }
        let sender = context.runtime.spawn { () async throws -> Int in
            var sent = 0
            var random = context.random(1)
            for _ in 0..<8 {
                try await context.runtime.sleep(for: context.units(random.int(0...3)))
                let count = random.int(1...100)
                let (done, error) = await context.sendAll(client, (sent..<sent + count).map { UInt8($0 % 251) })
                sent += done
                if error != nil { break }
            }
            return sent
        }
        let connector = context.runtime.spawn { () async throws in
            var random = context.random(2)
            for i in 0..<4 {
                try await context.runtime.sleep(for: context.units(random.int(0...4)))
                if case .success(let socket) = await context.connect(client: 1 + i % 2, to: address) {
                    try await context.close(socket)
                }
            }
        }
        for worker in workers {
            try await context.runtime.sleep(for: context.units(random.int(0...2)))
            worker.cancel()
        }
        var received = 0
        for worker in workers { received += try await worker.value }
        let sent = try await sender.value
        try await connector.value
        try context.check(received <= sent, "received \(received) bytes, only \(sent) were sent")
        try await context.close(server)
        try await context.close(client)
        try await context.close(listener)
    }

    /// Whether `data` is consecutive bytes of the pattern `i % 251`.
    static func isStreamPiece(_ data: [UInt8]) -> Bool {
        zip(data, data.dropFirst()).allSatisfy { UInt16($1) == (UInt16($0) + 1) % 251 }
    }
}
