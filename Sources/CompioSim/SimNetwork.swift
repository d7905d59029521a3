import Glibc

/// The simulated network: hosts by IPv4 address (each also reachable at its
/// IPv6 address, see ``SimAddress``), bound ports, listeners, Unix-domain names
/// and partitions. Looked up by key only; nothing here is iterated in hash order.
final class SimNetwork {
    private(set) var hosts: [UInt32]
    let defaultHost: UInt32
    /// Listening IP sockets by local address (IPv4 and IPv6 ports are separate).
    var listeners: [SimAddress: SimSocket] = [:]
    var datagramSockets: [SimAddress: SimSocket] = [:]
    /// Unix sockets by the name they are bound to.
    var unixBindings: [SimUnixKey: SimSocket] = [:]
    private var boundStreams: [SimAddress: Int] = [:]
    private var nextPort: [SimAddress: UInt16] = [:]
    private var nextAutobind = 0
    /// Partitions between two hosts, symmetric, until a virtual time.
    private(set) var partitions: [(a: UInt32, b: UInt32, until: Int64)] = []

    init(defaultHost: UInt32) {
        self.defaultHost = defaultHost
        hosts = [defaultHost]
    }

    func addHost(_ ip: UInt32) {
        if !hosts.contains(ip) { hosts.append(ip) }
    }

    /// The host an IP address belongs to, if it names one in the simulated
    /// network's address plan (it may still not exist: see ``hasHost(_:)``).
    func host(of address: SimAddress) -> UInt32? {
        switch address {
        case .ipv4(let ip, _): ip
        case .ipv6(let ip, _): ip >> 32 == SimAddress.ipv6HostPrefix >> 32 ? UInt32(truncatingIfNeeded: ip) : nil
        case .unix: nil
        }
    }

    func hasHost(_ address: SimAddress) -> Bool { host(of: address).map { hosts.contains($0) } ?? false }

    /// The default host's address in `family`, port 0: where unbound sockets live.
    func defaultAddress(family: Int32) -> SimAddress {
        family == AF_INET6 ? .ipv6(SimAddress.ipv6(ofHost: defaultHost), port: 0) : .ipv4(defaultHost, port: 0)
    }

    /// The host an address names: the wildcard and loopback addresses of
    /// either family mean `from`.
    func resolve(_ address: SimAddress, from: UInt32) -> SimAddress {
        switch address {
        case .ipv4(let ip, let port) where ip == SimAddress.any || ip == SimAddress.loopback:
            .ipv4(from, port: port)
        case .ipv6(let ip, let port) where ip == SimAddress.ipv6Any || ip == SimAddress.ipv6Loopback:
            .ipv6(SimAddress.ipv6(ofHost: from), port: port)
        default:
            address
        }
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

    /// The next free ephemeral port of `host` (an address with port 0),
    /// sequential from 40000 per host and family, so deterministic.
    func ephemeralPort(on host: SimAddress, transport: SimSocket.Transport) -> UInt16? {
        var port = nextPort[host, default: 40_000]
        for _ in 0..<20_000 {
            let candidate = host.with(port: port)
            port = port >= 60_999 ? 40_000 : port + 1
            if !isBound(candidate, transport: transport) && listeners[candidate] == nil {
                nextPort[host] = port
                return candidate.port
            }
        }
        return nil
    }

    /// The next autobind name: five hex digits in the abstract namespace, as
    /// Linux's `unix_autobind` picks them (here sequentially, so deterministic).
    func autobindName() -> SimUnixName? {
        while nextAutobind < 0x10_0000 {
            let digits = String(nextAutobind, radix: 16)
            let name = Array((String(repeating: "0", count: 5 - digits.count) + digits).utf8)
            nextAutobind += 1
            if unixBindings[.abstract(name)] == nil { return .abstract(name) }
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

/// What a bound Unix socket is found by: the inode its path names (a path
/// unlinked and bound again names a new one), or its abstract name.
enum SimUnixKey: Hashable {
    case inode(UInt64)
    case abstract([UInt8])
}
