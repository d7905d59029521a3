import Compio

extension Scenario {
    /// Clones of one descriptor with reads and writes in flight; `close()` in
    /// the middle, then a new file opened (reusing the number, on Linux and in
    /// the simulator). Ops after the close are refused, and no op touches the
    /// new file: every read saw the old file's bytes, and the new file holds
    /// exactly what was written to it.
    public static let sharedClose = Scenario(
        name: "shared-close", summary: "close() with reads in flight, then a new file reuses the fd number"
    ) { context in
        let size = 1024
        let old = try await context.createFile("shared-old")
        let (written, error) = await context.writeAll(old, Array(repeating: 0x41, count: size), at: 0)
        try context.check(written == size || error.map(context.tolerated) == true, "filling the old file failed: \(String(describing: error))")
        guard written == size else {
            try await context.close(old)
            try await context.removeFile("shared-old")
            return
        }
        var users: [JoinHandle<Int, any Error>] = []
        for u in 0..<4 {
            let clone = old
            users.append(context.runtime.spawn {
                var random = context.random(UInt64(u))
                var ops = 0
                while true {
                    let offset = random.int(0...size - 1)
                    let count = random.int(1...min(64, size - offset))
                    if random.chance(0.7) {
                        switch await context.read(clone, count: count, at: offset) {
                        case .success(let data):
                            try context.check(data.allSatisfy { $0 == 0x41 }, "a read of the old descriptor saw bytes of another file")
                        case .failure(.closed): return ops
                        case .failure(let error): try context.check(context.tolerated(error), "read: \(error)")
                        }
                    } else {
                        switch await context.writeAll(clone, Array(repeating: 0x41, count: count), at: offset).error {
                        case nil: break
                        case .closed: return ops
                        case let error?: try context.check(context.tolerated(error), "write: \(error)")
                        }
                    }
                    ops += 1
                }
            })
        }
        var random = context.random(9)
        // Yields, not a sleep: the users never idle, so a sleep's deadline would
        // be reached only through their op latencies (hours of virtual time).
        for _ in 0..<random.int(0...40) { await Task.yield() }
        try await context.close(old)
        let new = try await context.createFile("shared-new")
        let fresh = Array(repeating: UInt8(0x42), count: size)
        let filled = await context.writeAll(new, fresh, at: 0)
        for user in users { _ = try await user.value }
        if filled.error == nil {
            let check = await context.read(new, count: size + 1, at: 0)
            if case .success(let data) = check {
                try context.check(data == fresh || (context.world.faults && fresh.starts(with: data)), "the new file was touched by an op of the closed descriptor")
            }
        }
        try await context.close(new)
        try await context.removeFile("shared-old")
        try await context.removeFile("shared-new")
    }
}
