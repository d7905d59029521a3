import Compio

extension Scenario {
    /// The body leaves receives, accepts, file reads, sleeps and blocking jobs
    /// in flight and returns: the end of `blockOn` must cancel and drain them
    /// all. Each op's task counts its result; after the drain every op must
    /// have returned exactly once.
    public static let shutdown = Scenario(
        name: "shutdown", summary: "blockOn ends with receives, accepts, reads and sleeps in flight",
        afterRun: { context in
            let started = context.ledger["started", default: 0]
            let returned = context.ledger["returned", default: 0]
            try context.check(started > 0, "no op was started")
            try context.check(returned == started, "\(started) ops started, \(returned) returned after the drain")
            try context.check(context.ledger["unexpected", default: 0] == 0, "an op returned an unexpected error")
        }
    ) { context in
        let (listener, address) = try await context.listen()
        let client = await context.connect(client: 0, to: address)
        let file = try await context.createFile("shutdown")
        _ = await context.writeAll(file, Array(repeating: 7, count: 512), at: 0)
        try await context.removeFile("shutdown")
        var random = context.random(0)
        for w in 0..<8 {
            let kind = w % 4
            context.runtime.spawn {
                while !Task.isCancelled {
                    context.ledger["started", default: 0] += 1
                    let result: Result<Void, IOError>
                    switch kind {
                    case 0: result = await context.accept(listener).map { _ in () }
                    case 1:
                        // Without a connection (refused under faults) there is nothing to wait on.
                        guard case .success(let socket) = client else {
                            context.ledger["returned", default: 0] += 1
                            return
                        }
                        let received = await context.receive(socket, upTo: 64)
                        // End of stream (an accept took the peer and dropped it): nothing more will come.
                        if case .success(let data) = received, data.isEmpty {
                            context.ledger["returned", default: 0] += 1
                            return
                        }
                        result = received.map { _ in () }
                    case 2: result = await context.read(file, count: 64, at: 0).map { _ in () }
                    default:
                        do {
                            try await context.runtime.sleep(for: context.units(1000))
                            result = .success(())
                        } catch {
                            result = .failure(.errno(.canceled))
                        }
                    }
                    context.ledger["returned", default: 0] += 1
                    if case .failure(let error) = result, !error.isCancelled, !context.tolerated(error) {
                        context.ledger["unexpected", default: 0] += 1
                    }
                }
            }
        }
        // Yields, not a sleep: the readers never idle (see shared-close).
        // At least one yield: the spawned tasks start their first ops before
        // the body returns (with none, they would be cancelled before starting).
        for _ in 0..<random.int(1...40) { await Task.yield() }
    }
}
