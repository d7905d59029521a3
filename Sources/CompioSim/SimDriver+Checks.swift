import Compio

extension SimDriver {
    /// Keys of ops in flight: pushed and not finished (a finished op's
    /// completion may still wait in `ready`).
    var liveKeys: [OpKey] { inFlightOps.compactMap { $0?.key } }

    /// The ``closeRequiresQuiescence`` check: no op other than the close itself
    /// may hold the open file behind `fd`.
    func checkQuiescentClose(_ fd: Int32, closing: OpKey) {
        guard let file = descriptors[fd] else { return }
        let holders = inFlightOps.filter { pending in
            guard let pending else { return false }
            return pending.key != closing && pending.holds(file)
        }
        guard !holders.isEmpty else { return }
        let names = holders.compactMap { $0?.name }.joined(separator: ", ")
        violate(.closeWithOpsInFlight, "close of fd \(fd) (file#\(file.id)) while \(holders.count) op(s) on it are in flight: \(names)")
    }
}
