import Compio

extension SimDriver {
    /// Keys of ops in flight, without the placeholders of completions not yet delivered.
    var liveKeys: [OpKey] { table.keys.filter { table.extra($0) != nil } }

    /// Blocking ops pushed and not completed: the simulated pool's busy threads.
    var blockingInFlight: Int {
        table.keys.count { key in
            if case .asyncify = table.op(key) { true } else { false }
        }
    }

    /// The ``closeRequiresQuiescence`` check: no op other than the close itself
    /// may hold the open file behind `fd`.
    func checkQuiescentClose(_ fd: Int32, closing: OpKey) {
        guard let file = descriptors[fd] else { return }
        let holders = table.keys.filter { key in
            key != closing && (table.extra(key)?.files.contains { $0 === file } ?? false)
        }
        guard !holders.isEmpty else { return }
        let names = holders.compactMap { table.op($0)?.name }.joined(separator: ", ")
        violate(.closeWithOpsInFlight, "close of fd \(fd) (file#\(file.id)) while \(holders.count) op(s) on it are in flight: \(names)")
    }
}
