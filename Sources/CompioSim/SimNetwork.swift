/// The simulated network: hosts by IPv4 address, bound ports, listeners and
/// partitions. Looked up by key only; nothing here is iterated in hash order.
final class SimNetwork {
    private(set) var hosts: [UInt32]
    let defaultHost: UInt32
    var listeners: [SimAddress: SimSocket] = [:]
    var datagramSockets: [SimAddress: SimSocket] = [:]
    private var boundStreams: [SimAddress: Int] = [:]
    private var nextPort: [UInt32: UInt16] = [:]
    /// Partitions between two hosts, symmetric, until a virtual time.
    private(set) var partitions: [(a: UInt32, b: UInt32, until: Int64)] = []

    init(defaultHost: UInt32) {
        self.defaultHost = defaultHost
        hosts = [defaultHost]
    }

    func addHost(_ ip: UInt32) {
        if !hosts.contains(ip) { hosts.append(ip) }
    }

    func hasHost(_ ip: UInt32) -> Bool { hosts.contains(ip) }

    /// The host an address names: `0.0.0.0` and `127.0.0.1` mean `from`.
    func resolve(_ ip: UInt32, from: UInt32) -> UInt32 {
        ip == SimAddress.any || ip == SimAddress.loopback ? from : ip
    }

    func isBound(_ address: SimAddress, transport: SimSocket.Transport) -> Bool {
        switch transport {
        case .stream: boundStreams[address, default: 0] > 0
        case .datagram: datagramSockets[address] != nil
        }
    }

    func bindStream(_ address: SimAddress) { boundStreams[address, default: 0] += 1 }

    func unbindStream(_ address: SimAddress) {
        let n = boundStreams[address, default: 0] - 1
        boundStreams[address] = n > 0 ? n : nil
    }

    /// The next free ephemeral port of `host` (sequential from 40000, so deterministic).
    func ephemeralPort(on host: UInt32, transport: SimSocket.Transport) -> UInt16? {
        var port = nextPort[host, default: 40_000]
        for _ in 0..<20_000 {
            let candidate = SimAddress(ip: host, port: port)
            port = port >= 60_999 ? 40_000 : port + 1
            if !isBound(candidate, transport: transport) && listeners[candidate] == nil {
                nextPort[host] = port
                return candidate.port
            }
        }
        return nil
    }

    func partition(_ a: UInt32, _ b: UInt32, until: Int64) {
        partitions.append((a, b, until))
    }

    func heal(_ a: UInt32, _ b: UInt32) {
        partitions.removeAll { ($0.a == a && $0.b == b) || ($0.a == b && $0.b == a) }
    }

    func isPartitioned(_ a: UInt32, _ b: UInt32, at time: Int64) -> Bool {
        if a == b { return false }
        return partitions.contains { (($0.a == a && $0.b == b) || ($0.a == b && $0.b == a)) && time < $0.until }
    }
}
