import CLinux
import Compio
import Glibc

/// Unix-domain sockets (`unix(7)`): names in the simulated file system or the
/// abstract namespace, streams over the same flows as TCP (on one host, so
/// never partitioned), and datagrams delivered at once and in order, as the
/// kernel queues them straight onto the receiver.
///
/// Not simulated: `SOCK_SEQPACKET`, `socketpair`, credentials (`SO_PASSCRED`;
/// `SCM_CREDENTIALS` is accepted and dropped), file permissions on socket
/// paths, socket buffer limits (stream sends and datagram sends never block,
/// as for IP sockets here), and a connected datagram socket's filtering of
/// datagrams from other senders.
extension SimDriver {
    /// Linux's `/proc/sys/net/core/wmem_default`: the largest Unix datagram.
    static let unixDatagramLimit = 212_992

    func bindUnix(_ socket: SimSocket, to requested: SimUnixName) -> SimOutcome {
        var name = requested
        if name == .unnamed {
            // `bind` with only the family: autobind to a fresh abstract name.
            guard let fresh = network.autobindName() else { return .done(.failure(.code(EADDRINUSE))) }
            name = fresh
        }
        let key: SimUnixKey
        switch name {
        case .unnamed:
            preconditionFailure("SimDriver: autobind left the socket unnamed")
        case .abstract(let bytes):
            if network.unixBindings[.abstract(bytes)] != nil { return .done(.failure(.code(EADDRINUSE))) }
            key = .abstract(bytes)
        case .path(let path):
            do {
                key = .inode(try fileSystem.makeSocket(from: fileSystem.root, path, permissions: 0o777, time: clock).number)
            } catch {
                return .done(.failure(error))
            }
        }
        socket.local = .unix(name)
        socket.unixKey = key
        network.unixBindings[key] = socket
        record(.network, name: "bind", detail: "unix \(name)")
        return .done(.success(0))
    }

    /// The socket bound to `name`, with `unix_find_other`'s errors: a missing
    /// path is `ENOENT`, a path that is no socket or whose socket is gone is
    /// `ECONNREFUSED`, a socket of the other type is `EPROTOTYPE`.
    private func findUnix(_ name: SimUnixName, transport: SimSocket.Transport) -> Result<SimSocket, IOError> {
        let key: SimUnixKey
        switch name {
        case .unnamed:
            return .failure(.code(EINVAL))
        case .abstract(let bytes):
            key = .abstract(bytes)
        case .path(let path):
            let inode: SimInode
            do {
                inode = try fileSystem.lookup(from: fileSystem.root, path, followLast: true)
            } catch {
                return .failure(error)
            }
            guard case .socket = inode.kind else { return .failure(.code(ECONNREFUSED)) }
            key = .inode(inode.number)
        }
        guard let socket = network.unixBindings[key], !socket.released else { return .failure(.code(ECONNREFUSED)) }
        guard socket.transport == transport else { return .failure(.code(EPROTOTYPE)) }
        return .success(socket)
    }

    /// A Unix connect: a datagram socket just remembers its peer; a stream
    /// connects at once when the listener has room in its backlog, and waits
    /// for room otherwise (as a blocking `connect` does on Linux).
    func connectUnix(_ socket: SimSocket, to name: SimUnixName, _ context: SimOpContext) -> SimOutcome {
        let target: SimSocket
        switch findUnix(name, transport: socket.transport) {
        case .success(let s): target = s
        case .failure(let e): return .done(.failure(e))
        }
        if socket.transport == .datagram {
            socket.peer = target
            socket.remote = target.local
            return .done(.success(0))
        }
        switch socket.state {
        case .connected: return .done(.failure(.code(EISCONN)))
        case .listening, .connecting: return .done(.failure(.code(EINVAL)))
        case .idle: break
        }
        guard target.state == .listening else { return .done(.failure(.code(ECONNREFUSED))) }
        if target.acceptQueue.count >= target.backlog {
            if let file = socket.file, !target.connectWaiters.contains(where: { $0 === file }) { target.connectWaiters.append(file) }
            return .blocked
        }
        if context.pending.probing { return .blocked }
        if let error = transientFault(context, wouldBlock: false) { return .done(.failure(error)) }
        let server = SimSocket(domain: AF_UNIX, transport: .stream)
        server.state = .connected
        server.local = target.local
        server.remote = socket.local ?? .unix(.unnamed)
        server.peer = socket
        socket.peer = server
        socket.state = .connected
        socket.remote = target.local
        let host = network.defaultHost
        server.outbound = SimFlow(from: host, to: host, receiver: socket)
        socket.outbound = SimFlow(from: host, to: host, receiver: server)
        target.acceptQueue.append(server)
        record(.network, key: context.key, name: "unix connect", value: Int64(target.acceptQueue.count), detail: "\(name)")
        wake(target.file)
        return .done(.success(0))
    }

    /// Runs the connects waiting for room in `listener`'s backlog again.
    func wakeConnectWaiters(_ listener: SimSocket) {
        let waiters = listener.connectWaiters
        listener.connectWaiters.removeAll()
        for file in waiters { wake(file) }
    }

    func sendUnixDatagram(
        _ buffers: [OpBuffer], total: Int, on socket: SimSocket, to destination: SimAddress?,
        rights: inout [SimOpenFile], _ context: SimOpContext
    ) -> SimOutcome {
        let target: SimSocket
        if case .unix(let name)? = destination {
            switch findUnix(name, transport: .datagram) {
            case .success(let s): target = s
            case .failure(let e): return .done(.failure(e))
            }
        } else {
            // Connected: a peer that went away refuses (`unix_dgram_sendmsg`).
            guard let peer = socket.peer else { return .done(.failure(.code(ENOTCONN))) }
            guard !peer.released else { return .done(.failure(.code(ECONNREFUSED))) }
            target = peer
        }
        if total > Self.unixDatagramLimit { return .done(.failure(.code(EMSGSIZE))) }
        if let error = transientFault(context, wouldBlock: true) { return .done(.failure(error)) }
        let from: SimAddress? = socket.local.flatMap { $0 == .unix(.unnamed) ? nil : $0 }
        target.datagrams.append(SimDatagram(from: from, data: Self.gather(buffers, count: total), rights: rights))
        rights = []
        record(.network, key: context.key, name: "datagram arrives", value: Int64(total), detail: "unix \(target.local.map { "\($0)" } ?? "?")")
        wake(target.file)
        return .done(.success(total))
    }
}
