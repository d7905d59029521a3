import CLinux
import Compio
import Glibc

extension SimDriver {
    /// TCP's retransmission timeout: how often held-back segments and SYNs retry.
    static let retransmitNanoseconds: Int64 = 200_000_000

    func makeSocket(domain: Int32, type: Int32, protocol proto: Int32) -> SimOutcome {
        guard domain == AF_INET else { return .done(.failure(.code(EAFNOSUPPORT))) }
        let transport: SimSocket.Transport
        switch type & ~(0o4000 | 0o2_000_000) {  // CLINUX_SOCK_NONBLOCK | CLINUX_SOCK_CLOEXEC
        case 1:
            guard proto == 0 || proto == CLINUX_IPPROTO_TCP else { return .done(.failure(.code(EPROTONOSUPPORT))) }
            transport = .stream
        case 2:
            guard proto == 0 || proto == CLINUX_IPPROTO_UDP else { return .done(.failure(.code(EPROTONOSUPPORT))) }
            transport = .datagram
        default:
            return .done(.failure(.code(ESOCKTNOSUPPORT)))
        }
        let socket = SimSocket(transport: transport)
        let file = makeFile(.socket(socket), readable: true, writable: true)
        socket.file = file
        let fd = descriptors.install(file)
        record(.descriptor, name: "socket", value: Int64(fd), detail: "file#\(file.id) \(transport)")
        return .done(.success(Int(fd)), newDescriptor: fd)
    }

    private func address(_ buffer: SocketAddressBuffer) -> Result<SimAddress, IOError> {
        guard buffer.family == AF_INET else { return .failure(.code(EAFNOSUPPORT)) }
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
    private func autobind(_ socket: SimSocket) -> IOError? {
        if socket.local != nil { return nil }
        guard let port = network.ephemeralPort(on: network.defaultHost, transport: socket.transport) else { return .code(EADDRINUSE) }
        occupy(socket, SimAddress(ip: network.defaultHost, port: port))
        return nil
    }

    func bind(_ socket: SimSocket, to buffer: SocketAddressBuffer) -> SimOutcome {
        let requested: SimAddress
        switch address(buffer) {
        case .success(let a): requested = a
        case .failure(let e): return .done(.failure(e))
        }
        guard socket.local == nil else { return .done(.failure(.code(EINVAL))) }
        let host = network.resolve(requested.ip, from: network.defaultHost)
        guard network.hasHost(host) else { return .done(.failure(.code(EADDRNOTAVAIL))) }
        var port = requested.port
        if port == 0 {
            guard let p = network.ephemeralPort(on: host, transport: socket.transport) else { return .done(.failure(.code(EADDRINUSE))) }
            port = p
        }
        let local = SimAddress(ip: host, port: port)
        if network.isBound(local, transport: socket.transport) { return .done(.failure(.code(EADDRINUSE))) }
        occupy(socket, local)
        record(.network, name: "bind", detail: "\(local)")
        return .done(.success(0))
    }

    func listen(_ socket: SimSocket, backlog: Int32) -> SimOutcome {
        guard socket.transport == .stream else { return .done(.failure(.code(EOPNOTSUPP))) }
        guard socket.state == .idle || socket.state == .listening else { return .done(.failure(.code(EINVAL))) }
        if let error = autobind(socket) { return .done(.failure(error)) }
        socket.state = .listening
        socket.backlog = Int(max(1, min(backlog, 4096)))
        network.listeners[socket.local!] = socket
        record(.network, name: "listen", value: Int64(socket.backlog), detail: "\(socket.local!)")
        return .done(.success(0))
    }

    func accept(_ listener: SimSocket, peer: SocketAddressBuffer?, _ context: SimOpContext) -> SimOutcome {
        guard listener.transport == .stream else { return .done(.failure(.code(EOPNOTSUPP))) }
        guard listener.state == .listening else { return .done(.failure(.code(EINVAL))) }
        if listener.acceptQueue.isEmpty { return .blocked }
        if let error = transientFault(context, wouldBlock: true) { return .done(.failure(error)) }
        let connection = listener.acceptQueue.removeFirst()
        let file = makeFile(.socket(connection), readable: true, writable: true)
        connection.file = file
        let fd = descriptors.install(file)
        if let peer, let remote = connection.remote { remote.write(to: peer) }
        record(.descriptor, name: "accept", value: Int64(fd), detail: "file#\(file.id) from \(connection.remote.map { "\($0)" } ?? "?")")
        return .done(.success(Int(fd)), newDescriptor: fd)
    }

    func connect(_ socket: SimSocket, to buffer: SocketAddressBuffer, _ context: SimOpContext) -> SimOutcome {
        let destination: SimAddress
        switch address(buffer) {
        case .success(let a): destination = a
        case .failure(let e): return .done(.failure(e))
        }
        if socket.transport == .datagram {
            if let error = autobind(socket) { return .done(.failure(error)) }
            socket.remote = destination.with(port: destination.port)
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
        let from = socket.local!.ip
        let target = SimAddress(ip: network.resolve(destination.ip, from: from), port: destination.port)
        record(.network, key: context.key, name: "connect", detail: "\(socket.local!) -> \(target)")
        if fault(faults.connectionRefused, "ECONNREFUSED", key: context.key, op: context.op) {
            let delay = hop()
            schedule(after: delay) { [unowned self] in self.finishConnect(socket, .failure(.code(ECONNREFUSED))) }
            return .blocked
        }
        maybePartition(from, target.ip, context)
        sendSyn(socket, from: from, to: target, startedAt: clock)
        return .blocked
    }

    private func maybePartition(_ a: UInt32, _ b: UInt32, _ context: SimOpContext) {
        guard a != b, fault(faults.partition, "partition", key: context.key, op: context.op) else { return }
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
        let unreachable = !network.hasHost(target.ip) || network.isPartitioned(from, target.ip, at: clock)
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
        let server = SimSocket(transport: .stream)
        server.state = .connected
        server.local = target
        server.remote = socket.local
        server.peer = socket
        socket.peer = server
        let synAck = hop()
        server.outbound = SimFlow(from: target.ip, to: from, receiver: socket)
        server.outbound!.lastReadyAt = clock + synAck
        socket.outbound = SimFlow(from: from, to: target.ip, receiver: server)
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

    func send(_ buffers: [OpBuffer], on socket: SimSocket, to destinationBuffer: SocketAddressBuffer?, _ context: SimOpContext) -> SimOutcome {
        let total = buffers.reduce(0) { $0 + $1.count }
        switch socket.transport {
        case .datagram:
            var destination: SimAddress
            if let destinationBuffer {
                switch address(destinationBuffer) {
                case .success(let a): destination = a
                case .failure(let e): return .done(.failure(e))
                }
            } else {
                guard let remote = socket.remote else { return .done(.failure(.code(EDESTADDRREQ))) }
                destination = remote
            }
            if total > 65_507 { return .done(.failure(.code(EMSGSIZE))) }
            if let error = transientFault(context, wouldBlock: true) { return .done(.failure(error)) }
            if let error = autobind(socket) { return .done(.failure(error)) }
            let source = socket.local!
            destination.ip = network.resolve(destination.ip, from: source.ip)
            maybePartition(source.ip, destination.ip, context)
            let payload = Self.gather(buffers, count: total)
            let delay = hop()
            schedule(after: delay) { [unowned self] in self.datagramArrives(payload, from: source, to: destination) }
            return .done(.success(total))
        case .stream:
            if let error = socket.pendingError {
                consumeError(socket)
                return .done(.failure(error))
            }
            if socket.writeShut { return .done(.failure(.code(EPIPE))) }
            guard socket.state == .connected, let flow = socket.outbound else { return .done(.failure(.code(ENOTCONN))) }
            if total == 0 { return .done(.success(0)) }
            if let error = transientFault(context, wouldBlock: true) { return .done(.failure(error)) }
            if fault(faults.connectionReset, "ECONNRESET", key: context.key, op: context.op) {
                resetLocally(socket)
                return .done(.failure(.code(ECONNRESET)))
            }
            maybePartition(flow.from, flow.to, context)
            let n = amount(total, shortProbability: faults.shortWrite, context)
            enqueue(.data(Self.gather(buffers, count: n)), on: flow)
            return .done(.success(n))
        }
    }

    /// Receives into `buffers`; also returns a datagram's source and whether it was truncated.
    func receive(into buffers: [OpBuffer], on socket: SimSocket, _ context: SimOpContext) -> (outcome: SimOutcome, source: SimAddress?, truncated: Bool) {
        let capacity = buffers.reduce(0) { $0 + $1.count }
        switch socket.transport {
        case .datagram:
            guard let first = socket.datagrams.first else { return (.blocked, nil, false) }
            if let error = transientFault(context, wouldBlock: true) { return (.done(.failure(error)), nil, false) }
            socket.datagrams.removeFirst()
            let n = min(capacity, first.data.count)
            first.data.withUnsafeBytes { Self.scatter(UnsafeRawBufferPointer(rebasing: $0[0..<n]), into: buffers) }
            return (.done(.success(n)), first.from, first.data.count > capacity)
        case .stream:
            if socket.readShut || capacity == 0 { return (.done(.success(0)), nil, false) }
            if !socket.received.isEmpty {
                if let error = transientFault(context, wouldBlock: true) { return (.done(.failure(error)), nil, false) }
                if fault(faults.connectionReset, "ECONNRESET", key: context.key, op: context.op) {
                    resetLocally(socket)
                    return (.done(.failure(.code(ECONNRESET))), nil, false)
                }
                let n = min(amount(capacity, shortProbability: faults.shortRead, context), socket.received.count)
                socket.received.withUnsafeBytes { Self.scatter(UnsafeRawBufferPointer(rebasing: $0[0..<n]), into: buffers) }
                socket.received.removeFirst(n)
                return (.done(.success(n)), nil, false)
            }
            if let error = socket.pendingError {
                consumeError(socket)
                return (.done(.failure(error)), nil, false)
            }
            if socket.receivedEnd { return (.done(.success(0)), nil, false) }
            if socket.state == .connected || socket.state == .connecting { return (.blocked, nil, false) }
            return (.done(.failure(.code(ENOTCONN))), nil, false)
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
        case .data(let bytes):
            if socket.released {
                // Data for a closed socket: the kernel answers with a reset.
                record(.network, name: "data to closed socket", value: Int64(bytes.count))
                if let back = socket.outbound, !(socket.peer?.released ?? true) { enqueue(.reset, on: back) }
                return
            }
            socket.received.append(contentsOf: bytes)
            record(.network, name: "data arrives", value: Int64(bytes.count), detail: "\(socket.local.map { "\($0)" } ?? "?")")
        case .end:
            socket.receivedEnd = true
            record(.network, name: "fin arrives", detail: "\(socket.local.map { "\($0)" } ?? "?")")
        case .reset:
            socket.pendingError = .code(ECONNRESET)
            socket.received.removeAll()
            record(.network, name: "reset arrives", detail: "\(socket.local.map { "\($0)" } ?? "?")")
        }
        wake(socket.file)
    }

    private func datagramArrives(_ payload: [UInt8], from source: SimAddress, to destination: SimAddress) {
        if network.isPartitioned(source.ip, destination.ip, at: clock) {
            record(.network, name: "datagram lost", value: Int64(payload.count), detail: "\(source) -> \(destination) partitioned")
            return
        }
        guard let socket = network.datagramSockets[destination], !socket.released else {
            record(.network, name: "datagram lost", value: Int64(payload.count), detail: "\(source) -> \(destination) no socket")
            return
        }
        socket.datagrams.append((source, payload))
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
        socket.received.removeAll()
        consumeError(socket)
        if let flow = socket.outbound { enqueue(.reset, on: flow) }
        wake(socket.file)
    }

    func releaseSocket(_ socket: SimSocket) {
        socket.released = true
        switch socket.state {
        case .listening:
            network.listeners[socket.local!] = nil
            for connection in socket.acceptQueue {
                connection.released = true
                if let flow = connection.outbound { enqueue(.reset, on: flow) }
            }
            socket.acceptQueue.removeAll()
        case .connected:
            if let flow = socket.outbound {
                // Closing with unread data resets the connection, as Linux does.
                if !socket.received.isEmpty {
                    enqueue(.reset, on: flow)
                } else if !socket.writeShut {
                    enqueue(.end, on: flow)
                }
            }
        case .idle, .connecting:
            break
        }
        if let local = socket.local {
            switch socket.transport {
            case .stream: if socket.holdsPort { network.unbindStream(local) }
            case .datagram: network.datagramSockets[local] = nil
            }
        }
    }
}
