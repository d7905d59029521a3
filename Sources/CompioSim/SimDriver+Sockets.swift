import CLinux
import Compio
import Glibc

extension SimDriver {
    /// TCP's retransmission timeout: how often held-back segments and SYNs retry.
    static let retransmitNanoseconds: Int64 = 200_000_000

    func makeSocket(domain: Int32, type: Int32, protocol proto: Int32) -> SimOutcome {
        guard domain == AF_INET || domain == AF_INET6 || domain == AF_UNIX else { return .done(.failure(.code(EAFNOSUPPORT))) }
        let transport: SimSocket.Transport
        // Unix sockets take protocol 0 (or PF_UNIX) only; `SOCK_SEQPACKET` is not simulated.
        let unixProtocol = proto == 0 || proto == AF_UNIX
        switch type & ~(CLINUX_SOCK_NONBLOCK | CLINUX_SOCK_CLOEXEC) {
        case CLINUX_SOCK_STREAM:
            guard domain == AF_UNIX ? unixProtocol : proto == 0 || proto == CLINUX_IPPROTO_TCP else { return .done(.failure(.code(EPROTONOSUPPORT))) }
            transport = .stream
        case CLINUX_SOCK_DGRAM:
            guard domain == AF_UNIX ? unixProtocol : proto == 0 || proto == CLINUX_IPPROTO_UDP else { return .done(.failure(.code(EPROTONOSUPPORT))) }
            transport = .datagram
        default:
            return .done(.failure(.code(ESOCKTNOSUPPORT)))
        }
        let socket = SimSocket(domain: domain, transport: transport)
        let file = makeFile(.socket(socket), readable: true, writable: true)
        socket.file = file
        let fd = descriptors.install(file)
        record(.descriptor, name: "socket", value: Int64(fd), detail: "file#\(file.id) \(Self.familyName(domain)) \(transport)")
        return .done(.success(Int(fd)), newDescriptor: fd)
    }

    static func familyName(_ domain: Int32) -> String {
        domain == AF_UNIX ? "unix" : domain == AF_INET6 ? "ipv6" : "ipv4"
    }

    /// What an address is given for: Linux checks some cases differently.
    enum AddressUse { case bind, connect, send }

    /// Reads the address of a `bind`, `connect` or `sendto` on `socket`, with
    /// Linux's checks in Linux's order (verified by the kernel tests of
    /// `SocketFamilyChecks`):
    ///
    /// - `AF_INET` socket: shorter than `sockaddr_in` is `EINVAL`, then any other
    ///   family is `EAFNOSUPPORT` (`__inet_bind`, `tcp_v4_connect`,
    ///   `__ip4_datagram_connect` and `udp_sendmsg` in `net/ipv4`).
    /// - `AF_INET6` socket: shorter than `SIN6_LEN_RFC2133` (24 bytes) is
    ///   `EINVAL` first, so a `sockaddr_in` (16 bytes) gets `EINVAL`; a long
    ///   enough address of another family is `EAFNOSUPPORT` (`inet6_bind`,
    ///   `tcp_v6_connect` in `net/ipv6`). One exception: a UDP socket's
    ///   `connect` and `sendto` hand a `sockaddr_in` to IPv4 (dual stack,
    ///   `__ip6_datagram_connect`, `udpv6_sendmsg`). The simulated stacks are
    ///   separate, so they fail as Linux fails them for an `IPV6_V6ONLY`
    ///   socket: `EAFNOSUPPORT` for `connect`, `ENETUNREACH` for `sendto`.
    /// - `AF_UNIX` socket: another family, or a length outside
    ///   `2...sizeof(sockaddr_un)`, is `EINVAL` (`unix_validate_addr` in
    ///   `net/unix/af_unix.c`); only `bind` accepts the bare family (autobind).
    func address(_ buffer: SocketAddressBuffer, for socket: SimSocket, _ use: AddressUse) -> Result<SimAddress, IOError> {
        let length = Int(buffer.length.pointee)
        let family = length >= MemoryLayout<sa_family_t>.size ? buffer.family : AF_UNSPEC
        switch socket.domain {
        case AF_INET:
            guard length >= MemoryLayout<sockaddr_in>.size else { return .failure(.code(EINVAL)) }
            guard family == AF_INET else { return .failure(.code(EAFNOSUPPORT)) }
        case AF_INET6:
            if use != .bind && socket.transport == .datagram && family == AF_INET {
                return .failure(.code(use == .connect ? EAFNOSUPPORT : ENETUNREACH))
            }
            guard length >= SimAddress.ipv6MinimumLength else { return .failure(.code(EINVAL)) }
            guard family == AF_INET6 else { return .failure(.code(EAFNOSUPPORT)) }
        default:
            let minimum = use == .bind ? SimAddress.unixPathOffset : SimAddress.unixPathOffset + 1
            guard family == AF_UNIX, length >= minimum, length <= MemoryLayout<sockaddr_un>.size else { return .failure(.code(EINVAL)) }
        }
        guard let address = SimAddress(buffer) else { return .failure(.code(EINVAL)) }
        return .success(address)
    }

    private func occupy(_ socket: SimSocket, _ local: SimAddress) {
        socket.local = local
        switch socket.transport {
        case .stream:
            network.bindStream(local)
            socket.holdsPort = true
        case .datagram: network.datagramSockets[local] = socket
        }
    }

    /// Binds an unbound socket to an ephemeral port of the default host, as the
    /// kernel does on connect or send.
    /// Unix sockets stay unnamed: Linux autobinds them only with `SO_PASSCRED`.
    private func autobind(_ socket: SimSocket) -> IOError? {
        if socket.local != nil || socket.isUnix { return nil }
        let host = network.defaultAddress(family: socket.domain)
        guard let port = network.ephemeralPort(on: host, transport: socket.transport) else { return .code(EADDRINUSE) }
        occupy(socket, host.with(port: port))
        return nil
    }

    func bind(_ socket: SimSocket, to buffer: SocketAddressBuffer) -> SimOutcome {
        let requested: SimAddress
        switch address(buffer, for: socket, .bind) {
        case .success(let a): requested = a
        case .failure(let e): return .done(.failure(e))
        }
        guard socket.local == nil else { return .done(.failure(.code(EINVAL))) }
        if case .unix(let name) = requested { return bindUnix(socket, to: name) }
        let host = network.resolve(requested, from: network.defaultHost)
        guard network.hasHost(host) else { return .done(.failure(.code(EADDRNOTAVAIL))) }
        var local = host
        if host.port == 0 {
            guard let p = network.ephemeralPort(on: host, transport: socket.transport) else { return .done(.failure(.code(EADDRINUSE))) }
            local = host.with(port: p)
        }
        if network.isBound(local, transport: socket.transport) { return .done(.failure(.code(EADDRINUSE))) }
        occupy(socket, local)
        record(.network, name: "bind", detail: "\(local)")
        return .done(.success(0))
    }

    func listen(_ socket: SimSocket, backlog: Int32) -> SimOutcome {
        guard socket.transport == .stream else { return .done(.failure(.code(EOPNOTSUPP))) }
        guard socket.state == .idle || socket.state == .listening else { return .done(.failure(.code(EINVAL))) }
        // `unix_listen`: no listening on an unbound Unix socket.
        if socket.isUnix && socket.local == nil { return .done(.failure(.code(EINVAL))) }
        if let error = autobind(socket) { return .done(.failure(error)) }
        socket.state = .listening
        socket.backlog = Int(max(1, min(backlog, 4096)))
        if !socket.isUnix { network.listeners[socket.local!] = socket }
        record(.network, name: "listen", value: Int64(socket.backlog), detail: "\(socket.local!)")
        return .done(.success(0))
    }

    func accept(_ listener: SimSocket, peer: SocketAddressBuffer?, _ context: SimOpContext) -> SimOutcome {
        guard listener.transport == .stream else { return .done(.failure(.code(EOPNOTSUPP))) }
        guard listener.state == .listening else { return .done(.failure(.code(EINVAL))) }
        if listener.acceptQueue.isEmpty { return .blocked }
        if let error = transientFault(context, wouldBlock: true) { return .done(.failure(error)) }
        let connection = listener.acceptQueue.removeFirst()
        wakeConnectWaiters(listener)
        let file = makeFile(.socket(connection), readable: true, writable: true)
        connection.file = file
        let fd = descriptors.install(file)
        if let peer, let remote = connection.remote { remote.write(to: peer) }
        record(.descriptor, name: "accept", value: Int64(fd), detail: "file#\(file.id) from \(connection.remote.map { "\($0)" } ?? "?")")
        return .done(.success(Int(fd)), newDescriptor: fd)
    }

    func connect(_ socket: SimSocket, to buffer: SocketAddressBuffer, _ context: SimOpContext) -> SimOutcome {
        let destination: SimAddress
        switch address(buffer, for: socket, .connect) {
        case .success(let a): destination = a
        case .failure(let e): return .done(.failure(e))
        }
        if case .unix(let name) = destination { return connectUnix(socket, to: name, context) }
        if socket.transport == .datagram {
            if let error = autobind(socket) { return .done(.failure(error)) }
            socket.remote = destination
            return .done(.success(0))
        }
        if let result = socket.connectResult {
            socket.connectResult = nil
            socket.connectStarted = false
            return .done(result)
        }
        if socket.connectStarted { return .blocked }
        switch socket.state {
        case .connected: return .done(.failure(.code(EISCONN)))
        case .listening: return .done(.failure(.code(EINVAL)))
        case .connecting: return .blocked
        case .idle: break
        }
        if context.pending.probing { return .blocked }
        if let error = transientFault(context, wouldBlock: false) { return .done(.failure(error)) }
        if let error = autobind(socket) { return .done(.failure(error)) }
        socket.connectStarted = true
        socket.state = .connecting
        let from = network.host(of: socket.local!)!
        let target = network.resolve(destination, from: from)
        record(.network, key: context.key, name: "connect", detail: "\(socket.local!) -> \(target)")
        if fault(faults.connectionRefused, "ECONNREFUSED", key: context.key, op: context.name) {
            let delay = hop()
            schedule(after: delay) { [unowned self] in self.finishConnect(socket, .failure(.code(ECONNREFUSED))) }
            return .blocked
        }
        if let to = network.host(of: target) { maybePartition(from, to, context) }
        sendSyn(socket, from: from, to: target, startedAt: clock)
        return .blocked
    }

    private func maybePartition(_ a: UInt32, _ b: UInt32, _ context: SimOpContext) {
        guard a != b, fault(faults.partition, "partition", key: context.key, op: context.name) else { return }
        let until = clock + streams[.faults].int64(in: faults.partitionNanoseconds)
        network.partition(a, b, until: until)
        record(.network, name: "partition", value: until, detail: "\(a)<->\(b)")
    }

    private func sendSyn(_ socket: SimSocket, from: UInt32, to target: SimAddress, startedAt: Int64) {
        let delay = hop()
        schedule(after: delay) { [unowned self] in self.synArrives(socket, from: from, to: target, startedAt: startedAt) }
    }

    private func synArrives(_ socket: SimSocket, from: UInt32, to target: SimAddress, startedAt: Int64) {
        guard !socket.released, socket.state == .connecting, socket.connectResult == nil else { return }
        let listener = network.listeners[target]
        let to = network.host(of: target) ?? from
        let unreachable = !network.hasHost(target) || network.isPartitioned(from, to, at: clock)
        if unreachable || (listener.map { $0.acceptQueue.count >= $0.backlog } ?? false) {
            record(.network, name: "syn dropped", detail: "\(socket.local!) -> \(target)")
            let deadline = startedAt + connectTimeout.nanosecondsClamped
            if clock + Self.retransmitNanoseconds < deadline {
                schedule(after: Self.retransmitNanoseconds) { [unowned self] in
                    self.sendSyn(socket, from: from, to: target, startedAt: startedAt)
                }
            } else {
                schedule(after: deadline - clock) { [unowned self] in self.finishConnect(socket, .failure(.code(ETIMEDOUT))) }
            }
            return
        }
        guard let listener, !listener.released else {
            record(.network, name: "syn refused", detail: "\(target)")
            let delay = hop()
            schedule(after: delay) { [unowned self] in self.finishConnect(socket, .failure(.code(ECONNREFUSED))) }
            return
        }
        let server = SimSocket(domain: socket.domain, transport: .stream)
        server.state = .connected
        server.local = target
        server.remote = socket.local
        server.peer = socket
        socket.peer = server
        let synAck = hop()
        server.outbound = SimFlow(from: to, to: from, receiver: socket)
        server.outbound!.lastReadyAt = clock + synAck
        socket.outbound = SimFlow(from: from, to: to, receiver: server)
        listener.acceptQueue.append(server)
        record(.network, name: "syn accepted", value: Int64(listener.acceptQueue.count), detail: "\(socket.local!) -> \(target)")
        wake(listener.file)
        schedule(after: synAck) { [unowned self] in
            socket.remote = target
            self.finishConnect(socket, .success(0))
        }
    }

    private func finishConnect(_ socket: SimSocket, _ result: Result<Int, IOError>) {
        guard socket.connectStarted, socket.connectResult == nil else { return }
        socket.state = (try? result.get()) != nil ? .connected : .idle
        socket.connectResult = result
        record(.network, name: "connect result", value: Self.code(result), detail: "\(socket.local.map { "\($0)" } ?? "?")")
        wake(socket.file)
    }

    /// Sends `buffers`. `rights` are descriptors passed with `SCM_RIGHTS` (their
    /// references already taken); the send takes them over by emptying the
    /// array, and the caller drops whatever it leaves.
    func send(
        _ buffers: [OpBuffer], on socket: SimSocket, to destinationBuffer: SocketAddressBuffer?,
        rights: inout [SimOpenFile], _ context: SimOpContext
    ) -> SimOutcome {
        let total = buffers.reduce(0) { $0 + $1.count }
        switch socket.transport {
        case .datagram:
            var destination: SimAddress?
            if let destinationBuffer {
                switch address(destinationBuffer, for: socket, .send) {
                case .success(let a): destination = a
                case .failure(let e): return .done(.failure(e))
                }
            }
            if socket.isUnix { return sendUnixDatagram(buffers, total: total, on: socket, to: destination, rights: &rights, context) }
            guard var destination = destination ?? socket.remote else { return .done(.failure(.code(EDESTADDRREQ))) }
            if total > 65_507 { return .done(.failure(.code(EMSGSIZE))) }
            if let error = transientFault(context, wouldBlock: true) { return .done(.failure(error)) }
            if let error = autobind(socket) { return .done(.failure(error)) }
            let source = socket.local!
            let from = network.host(of: source)!
            destination = network.resolve(destination, from: from)
            if let to = network.host(of: destination) { maybePartition(from, to, context) }
            let payload = Self.gather(buffers, count: total)
            let delay = hop()
            let arrival = destination
            schedule(after: delay) { [unowned self] in self.datagramArrives(payload, from: source, to: arrival) }
            return .done(.success(total))
        case .stream:
            if let error = socket.pendingError {
                consumeError(socket)
                return .done(.failure(error))
            }
            if socket.writeShut { return .done(.failure(.code(EPIPE))) }
            guard socket.state == .connected, let flow = socket.outbound else { return .done(.failure(.code(ENOTCONN))) }
            // A Unix peer that closed or shut its reading side makes writes fail
            // at once (`unix_stream_sendmsg`); TCP learns it from a reset later.
            if socket.isUnix, let peer = socket.peer, peer.released || peer.readShut { return .done(.failure(.code(EPIPE))) }
            if total == 0 { return .done(.success(0)) }
            if let error = transientFault(context, wouldBlock: true) { return .done(.failure(error)) }
            if !socket.isUnix && fault(faults.connectionReset, "ECONNRESET", key: context.key, op: context.name) {
                resetLocally(socket)
                return .done(.failure(.code(ECONNRESET)))
            }
            maybePartition(flow.from, flow.to, context)
            let n = amount(total, shortProbability: faults.shortWrite, context)
            enqueue(.data(Self.gather(buffers, count: n), rights: rights), on: flow)
            rights = []
            return .done(.success(n))
        }
    }

    /// What a receive produced: the outcome, a datagram's source and whether it
    /// was truncated, and the descriptors passed with the bytes (references the
    /// caller must install or drop).
    struct Received {
        var outcome: SimOutcome
        var source: SimAddress? = nil
        var truncated = false
        var rights: [SimOpenFile] = []
    }

    /// Receives into `buffers`.
    func receive(into buffers: [OpBuffer], on socket: SimSocket, _ context: SimOpContext) -> Received {
        let capacity = buffers.reduce(0) { $0 + $1.count }
        switch socket.transport {
        case .datagram:
            guard let first = socket.datagrams.first else { return Received(outcome: .blocked) }
            if let error = transientFault(context, wouldBlock: true) { return Received(outcome: .done(.failure(error))) }
            socket.datagrams.removeFirst()
            let n = min(capacity, first.data.count)
            first.data.withUnsafeBytes { Self.scatter(UnsafeRawBufferPointer(rebasing: $0[0..<n]), into: buffers) }
            return Received(outcome: .done(.success(n)), source: first.from, truncated: first.data.count > capacity, rights: first.rights)
        case .stream:
            if socket.readShut || capacity == 0 { return Received(outcome: .done(.success(0))) }
            if !socket.received.isEmpty {
                if let error = transientFault(context, wouldBlock: true) { return Received(outcome: .done(.failure(error))) }
                if !socket.isUnix && fault(faults.connectionReset, "ECONNRESET", key: context.key, op: context.name) {
                    resetLocally(socket)
                    return Received(outcome: .done(.failure(.code(ECONNRESET))))
                }
                var n = min(amount(capacity, shortProbability: faults.shortRead, context), socket.received.count)
                // As `unix_stream_read_generic`: one read never crosses into the
                // bytes of a send that passed descriptors, and ends with them.
                var rights: [SimOpenFile] = []
                if let mark = socket.receivedRights.first {
                    if mark.at == 0 {
                        n = min(n, mark.count)
                        rights = mark.files
                        socket.receivedRights.removeFirst()
                    } else {
                        n = min(n, mark.at)
                    }
                }
                socket.received.withUnsafeBytes { Self.scatter(UnsafeRawBufferPointer(rebasing: $0[0..<n]), into: buffers) }
                socket.received.removeFirst(n)
                for i in socket.receivedRights.indices { socket.receivedRights[i].at -= n }
                return Received(outcome: .done(.success(n)), rights: rights)
            }
            if let error = socket.pendingError {
                consumeError(socket)
                return Received(outcome: .done(.failure(error)))
            }
            if socket.receivedEnd { return Received(outcome: .done(.success(0))) }
            if socket.state == .connected || socket.state == .connecting { return Received(outcome: .blocked) }
            return Received(outcome: .done(.failure(.code(ENOTCONN))))
        }
    }

    func shutdown(_ socket: SimSocket, how: Int32) -> SimOutcome {
        guard socket.transport == .stream, socket.state == .connected else { return .done(.failure(.code(ENOTCONN))) }
        guard how >= 0 && how <= 2 else { return .done(.failure(.code(EINVAL))) }
        if how != 1 { socket.readShut = true }
        if how != 0 && !socket.writeShut {
            socket.writeShut = true
            if let flow = socket.outbound { enqueue(.end, on: flow) }
        }
        wake(socket.file)
        return .done(.success(0))
    }

    /// The `poll(2)` events `file` is ready for now.
    func readiness(of file: SimOpenFile) -> UInt32 {
        let input = UInt32(POLLIN), output = UInt32(POLLOUT), error = UInt32(POLLERR), hangup = UInt32(POLLHUP)
        switch file.kind {
        case .console, .regular, .directory:
            return input | output
        case .pipeReader(let pipe):
            return (!pipe.buffer.isEmpty || !pipe.writerOpen ? input : 0) | (pipe.writerOpen ? 0 : hangup)
        case .pipeWriter(let pipe):
            return !pipe.readerOpen ? error : (pipe.buffer.count < SimPipe.capacity ? output : 0)
        case .socket(let s):
            switch (s.transport, s.state) {
            case (.datagram, _):
                return (s.datagrams.isEmpty ? 0 : input) | output
            case (.stream, .listening):
                return s.acceptQueue.isEmpty ? 0 : input
            case (.stream, .connecting):
                return s.connectResult == nil ? 0 : output
            case (.stream, .idle):
                return output | hangup
            case (.stream, .connected):
                var mask: UInt32 = s.writeShut ? 0 : output
                if !s.received.isEmpty || s.receivedEnd || s.readShut { mask |= input }
                if s.pendingError != nil { mask |= error | input }
                return mask
            }
        }
    }

    /// Queues a segment on a stream flow; it arrives after a hop, never before
    /// the segments queued ahead of it.
    func enqueue(_ segment: SimFlow.Segment, on flow: SimFlow) {
        let at = max(flow.lastReadyAt, clock + hop())
        flow.lastReadyAt = at
        flow.segments.append((segment, at))
        schedulePump(flow, at: at)
    }

    private func schedulePump(_ flow: SimFlow, at time: Int64) {
        guard !flow.pumpScheduled else { return }
        flow.pumpScheduled = true
        schedule(after: time - clock) { [unowned self] in self.pump(flow) }
    }

    /// Delivers the flow's due segments in order; a partition holds them all back
    /// until a retransmission finds the path open.
    private func pump(_ flow: SimFlow) {
        flow.pumpScheduled = false
        while let first = flow.segments.first, first.readyAt <= clock {
            if network.isPartitioned(flow.from, flow.to, at: clock) {
                record(.network, name: "segments held", value: Int64(flow.segments.count))
                schedulePump(flow, at: clock + Self.retransmitNanoseconds)
                return
            }
            flow.segments.removeFirst()
            arrive(first.segment, at: flow.receiver)
        }
        if let next = flow.segments.first { schedulePump(flow, at: next.readyAt) }
    }

    private func arrive(_ segment: SimFlow.Segment, at socket: SimSocket) {
        switch segment {
        case .data(let bytes, let rights):
            if socket.released {
                // Data for a closed socket: TCP answers with a reset. Descriptors
                // passed with it are closed, as when a queue is purged.
                record(.network, name: "data to closed socket", value: Int64(bytes.count))
                for file in rights { dropReference(file) }
                if !socket.isUnix, let back = socket.outbound, !(socket.peer?.released ?? true) { enqueue(.reset, on: back) }
                return
            }
            if !rights.isEmpty { socket.receivedRights.append((socket.received.count, bytes.count, rights)) }
            socket.received.append(contentsOf: bytes)
            record(.network, name: "data arrives", value: Int64(bytes.count), detail: "\(socket.local.map { "\($0)" } ?? "?")")
        case .end:
            socket.receivedEnd = true
            record(.network, name: "fin arrives", detail: "\(socket.local.map { "\($0)" } ?? "?")")
        case .reset:
            socket.pendingError = .code(ECONNRESET)
            discardReceived(socket)
            record(.network, name: "reset arrives", detail: "\(socket.local.map { "\($0)" } ?? "?")")
        }
        wake(socket.file)
    }

    private func datagramArrives(_ payload: [UInt8], from source: SimAddress, to destination: SimAddress) {
        if let a = network.host(of: source), let b = network.host(of: destination), network.isPartitioned(a, b, at: clock) {
            record(.network, name: "datagram lost", value: Int64(payload.count), detail: "\(source) -> \(destination) partitioned")
            return
        }
        guard let socket = network.datagramSockets[destination], !socket.released else {
            record(.network, name: "datagram lost", value: Int64(payload.count), detail: "\(source) -> \(destination) no socket")
            return
        }
        socket.datagrams.append(SimDatagram(from: source, data: payload, rights: []))
        record(.network, name: "datagram arrives", value: Int64(payload.count), detail: "\(source) -> \(destination)")
        wake(socket.file)
    }

    /// After a reset has been reported once, the connection reads as ended and refuses writes.
    private func consumeError(_ socket: SimSocket) {
        socket.pendingError = nil
        socket.receivedEnd = true
        socket.writeShut = true
    }

    /// A fault-made reset: the local side fails now, and a reset travels to the peer.
    private func resetLocally(_ socket: SimSocket) {
        discardReceived(socket)
        consumeError(socket)
        if let flow = socket.outbound { enqueue(.reset, on: flow) }
        wake(socket.file)
    }

    /// Drops unread stream bytes and closes the descriptors passed with them.
    func discardReceived(_ socket: SimSocket) {
        socket.received.removeAll()
        let marks = socket.receivedRights
        socket.receivedRights.removeAll()
        for mark in marks {
            for file in mark.files { dropReference(file) }
        }
    }

    func releaseSocket(_ socket: SimSocket) {
        socket.released = true
        switch socket.state {
        case .listening:
            if !socket.isUnix { network.listeners[socket.local!] = nil }
            for connection in socket.acceptQueue {
                connection.released = true
                discardReceived(connection)
                if let flow = connection.outbound { enqueue(.reset, on: flow) }
            }
            socket.acceptQueue.removeAll()
            wakeConnectWaiters(socket)
        case .connected:
            if let flow = socket.outbound {
                // Closing with unread data resets the connection, as Linux does
                // for TCP and Unix streams alike.
                if !socket.received.isEmpty {
                    enqueue(.reset, on: flow)
                } else if !socket.writeShut {
                    enqueue(.end, on: flow)
                }
            }
            if socket.isUnix, let peer = socket.peer { wake(peer.file) }
        case .idle, .connecting:
            break
        }
        discardReceived(socket)
        let queued = socket.datagrams
        socket.datagrams.removeAll()
        for datagram in queued {
            for file in datagram.rights { dropReference(file) }
        }
        if let key = socket.unixKey, network.unixBindings[key] === socket { network.unixBindings[key] = nil }
        if let local = socket.local, !socket.isUnix {
            switch socket.transport {
            case .stream: if socket.holdsPort { network.unbindStream(local) }
            case .datagram: network.datagramSockets[local] = nil
            }
        }
    }
}
