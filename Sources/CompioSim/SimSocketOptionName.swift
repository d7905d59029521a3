import Compio
import Glibc

/// A socket option's level and name, as `setsockopt` names it.
struct SimSocketOptionName: Hashable {
    let level: Int32
    let name: Int32
}

extension SimDriver {
    /// `getsockopt`: `SO_ERROR` reports (and clears) the pending error, as on
    /// Linux; any other option reads back what was set, or zeros.
    func getOption(_ socket: SimSocket, level: Int32, name: Int32, into value: OpBuffer) -> SimOutcome {
        var bytes: [UInt8]
        if level == SOL_SOCKET && name == SO_ERROR {
            var code: Int32 = 0
            if case .errno(let e)? = socket.pendingError { code = e.rawValue }
            socket.pendingError = nil
            bytes = withUnsafeBytes(of: code) { Array($0) }
        } else {
            bytes = socket.options[SimSocketOptionName(level: level, name: name)] ?? [UInt8](repeating: 0, count: min(value.count, 4))
        }
        let n = min(bytes.count, value.count)
        if n > 0 { UnsafeMutableRawBufferPointer(start: value.base, count: n).copyBytes(from: bytes.prefix(n)) }
        return .done(.success(n))
    }
}
