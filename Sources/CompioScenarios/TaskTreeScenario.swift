import Compio
import Synchronization

/// The handles of a node's children, reachable from its cancellation handler.
private final class Children: Sendable {
    let handles = Mutex<[JoinHandle<Int, Never>]>([])
    func add(_ h: JoinHandle<Int, Never>) { handles.withLock { $0.append(h) } }
    func cancelAll() { for h in handles.withLock({ $0 }) { h.cancel() } }
    var all: [JoinHandle<Int, Never>] { handles.withLock { $0 } }
}

extension Scenario {
    /// Random trees of spawned tasks (and `async let` pairs at the leaves)
    /// that sleep, join their children, and cancel some subtrees at random
    /// moments; a cancelled node cancels its children. Every node finishes
    /// exactly once, and each node's count is itself plus its children's.
    public static let taskTrees = Scenario(
        name: "task-trees", summary: "spawn, join and cancel trees of tasks"
    ) { context in
        context.ledger = [:]
        let root = context.runtime.spawn { await node(context, id: 1, depth: 0) }
        let total = await root.value
        let created = context.ledger["created", default: 0]
        let finished = context.ledger["finished", default: 0]
        try context.check(finished == created, "\(created) nodes created, \(finished) finished")
        try context.check(total == finished, "the root counted \(total) nodes, \(finished) finished")
        try context.check(context.ledger["miscounted", default: 0] == 0, "a node's count was not 1 + its children's")
    }

    private static func node(_ context: ScenarioContext, id: UInt64, depth: Int) async -> Int {
        context.ledger["created", default: 0] += 1
        defer { context.ledger["finished", default: 0] += 1 }
        var random = context.random(id)
        try? await context.runtime.sleep(for: context.units(random.int(0...2)))
        if depth == 3 || random.chance(0.2) {
            async let a: Int = leaf(context)
            async let b: Int = leaf(context)
            return 1 + (await a) + (await b)
        }
        let children = Children()
        let fanout = random.int(1...3)
        return await withTaskCancellationHandler {
            for c in 0..<fanout {
                let childID = id &* 4 &+ UInt64(c)
                children.add(context.runtime.spawn { await node(context, id: childID, depth: depth + 1) })
            }
            if random.chance(0.3), let victim = children.all.randomElement(using: &random) {
                try? await context.runtime.sleep(for: context.units(random.int(0...2)))
                victim.cancel()
            }
            var sum = 0
            for child in children.all { sum += await child.value }
            if sum < fanout { context.ledger["miscounted", default: 0] += 1 }
            return 1 + sum
        } onCancel: {
            children.cancelAll()
        }
    }

    private static func leaf(_ context: ScenarioContext) async -> Int {
        context.ledger["created", default: 0] += 1
        defer { context.ledger["finished", default: 0] += 1 }
        try? await context.runtime.sleep(for: context.units(1))
        return 1
    }
}
