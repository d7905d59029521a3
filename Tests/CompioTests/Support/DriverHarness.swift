import Compio

/// Driver-level test helpers: push an op and poll until it completes, no runtime.
extension Driver {
    /// Pushes `op` and polls until its completion arrives. Completions of other
    /// keys seen on the way are handed to `others`.
    func run(_ op: Op, others: (Completion) -> Void = { _ in }) throws -> Completion {
        switch push(op) {
        case .ready(let c):
            return c
        case .pending(let key):
            return try wait(for: key, others: others)
        }
    }

    /// Polls until the completion of `key` arrives; fails after `limit` polls
    /// without it (each waits at most a second), so a lost completion cannot hang the suite.
    func wait(for key: OpKey, limit: Int = 30, others: (Completion) -> Void = { _ in }) throws -> Completion {
        var found: Completion?
        var polls = 0
        while found == nil {
            polls += 1
            if polls > limit { throw HarnessError.noCompletion(key) }
            try poll(timeout: .seconds(1)) { c in
                if c.key == key { found = c } else { others(c) }
            }
        }
        return found!
    }

    /// Polls until `count` completions arrived, returning them in arrival order.
    func collect(_ count: Int, limit: Int = 60) throws -> [Completion] {
        var all: [Completion] = []
        var polls = 0
        while all.count < count {
            polls += 1
            if polls > limit { throw HarnessError.missing(expected: count, got: all.count) }
            try poll(timeout: .seconds(1)) { all.append($0) }
        }
        return all
    }
}

enum HarnessError: Error {
    case noCompletion(OpKey)
    case missing(expected: Int, got: Int)
}
