import CLinux
import Compio
import Glibc

extension SimDriver {
    /// Runs `op` against the world: the simulated kernel's one exhaustive switch.
    func perform(_ op: Op, key: OpKey, pending: SimPendingOp, limit: Int?) -> SimOutcome {
        let file = pending.file
        let context = SimOpContext(key: key, pending: pending, limit: limit)
        switch op {
        case .nop:
            return .done(.success(0))
        case .read(_, let buffer):
            return read(into: CollectionOfOne(buffer), file: file!, offset: nil, context)
        case .readAt(_, let buffer, let offset):
            return read(into: CollectionOfOne(buffer), file: file!, offset: offset, context)
        case .readVectored(_, let vector):
            return read(into: vector.buffers, file: file!, offset: nil, context)
        case .readVectoredAt(_, let vector, let offset):
            return read(into: vector.buffers, file: file!, offset: offset, context)
        case .write(_, let buffer):
            return write(from: CollectionOfOne(buffer), file: file!, offset: nil, context)
        case .writeAt(_, let buffer, let offset):
            return write(from: CollectionOfOne(buffer), file: file!, offset: offset, context)
        case .writeVectored(_, let vector):
            return write(from: vector.buffers, file: file!, offset: nil, context)
        case .writeVectoredAt(_, let vector, let offset):
            return write(from: vector.buffers, file: file!, offset: offset, context)
        case .sync:
            return sync(file!, context)
        case .openAt(_, let path, let flags, let mode):
            return open(from: file, path.description, flags: flags, mode: mode)
        case .close:
            // Took effect at push; nothing is left to do.
            return .done(.success(0))
        case .metadata(_, let into):
            fillMetadata(into, of: file!)
            return .done(.success(0))
        case .metadataAt(_, let path, let follow, let into):
            return namespaceOp { () throws(IOError) in
                let inode = try fileSystem.lookup(from: try startDirectory(file), path.description, followLast: follow)
                fillMetadata(into, inode: inode)
            }
        case .unlinkAt(_, let path, let removeDirectory):
            return namespaceOp { () throws(IOError) in
                try fileSystem.unlink(from: try startDirectory(file), path.description, removeDirectory: removeDirectory, time: clock)
            }
        case .makeDirectoryAt(_, let path, let mode):
            return namespaceOp { () throws(IOError) in
                try fileSystem.makeDirectory(from: try startDirectory(file), path.description, permissions: mode, time: clock)
            }
        case .renameAt(_, let from, _, let to):
            return namespaceOp { () throws(IOError) in
                try fileSystem.rename(
                    from: try startDirectory(file), from.description, toStart: try startDirectory(pending.second), to.description, time: clock)
            }
        case .symlinkAt(let target, _, let link):
            return namespaceOp { () throws(IOError) in
                try fileSystem.symlink(target: target.description, from: try startDirectory(file), link.description, time: clock)
            }
        case .linkAt(_, let from, _, let to):
            return namespaceOp { () throws(IOError) in
                try fileSystem.link(
                    from: try startDirectory(file), from.description, toStart: try startDirectory(pending.second), to.description, time: clock)
            }
        case .truncate(_, let length):
            return truncate(file!, to: length, context)
        case .socket(let domain, let type, let proto):
            return makeSocket(domain: domain, type: type, protocol: proto)
        case .bind(_, let address):
            return withSocket(file!) { bind($0, to: address) }
        case .getSocketOption(_, let level, let name, let value):
            return withSocket(file!) { getOption($0, level: level, name: name, into: value) }
        case .setSocketOption(_, let level, let name, let value):
            return withSocket(file!) { socket in
                let bytes = value.count == 0 ? [] : Array(UnsafeRawBufferPointer(start: value.base, count: value.count))
                socket.options[SimSocketOptionName(level: level, name: name)] = bytes
                return .done(.success(0))
            }
        case .socketAddress(_, let into, let peer):
            return withSocket(file!) { socket in
                if peer {
                    guard socket.state == .connected || socket.transport == .datagram, let remote = socket.remote else {
                        return .done(.failure(.code(ENOTCONN)))
                    }
                    remote.write(to: into)
                } else {
                    // Unbound: the wildcard address of the family, or an unnamed Unix socket.
                    let unbound: SimAddress = socket.isUnix ? .unix(.unnamed) : socket.domain == AF_INET6 ? .ipv6(SimAddress.ipv6Any, port: 0) : .ipv4(SimAddress.any, port: 0)
                    (socket.local ?? unbound).write(to: into)
                }
                return .done(.success(0))
            }
        case .listen(_, let backlog):
            return withSocket(file!) { listen($0, backlog: backlog) }
        case .accept(_, let peer):
            return withSocket(file!) { accept($0, peer: peer, context) }
        case .connect(_, let address):
            return withSocket(file!) { connect($0, to: address, context) }
        case .send(_, let buffer, _):
            return withSocket(file!) { sendWithoutRights([buffer], on: $0, to: nil, context) }
        case .recv(_, let buffer, _):
            return withSocket(file!) { receiveDroppingRights(into: [buffer], on: $0, context).outcome }
        case .sendTo(_, let buffer, _, let address):
            return withSocket(file!) { sendWithoutRights([buffer], on: $0, to: address, context) }
        case .recvFrom(_, let buffer, _, let address):
            return withSocket(file!) { socket in
                let received = receiveDroppingRights(into: [buffer], on: socket, context)
                if let source = received.source {
                    source.write(to: address)
                } else if case .done(.success, _) = received.outcome {
                    address.length.pointee = 0
                }
                return received.outcome
            }
        case .sendMessage(_, let message, _):
            let destination = message.header.pointee.msg_name == nil ? nil : message.address
            return withSocket(file!) { socket in
                var rights: [SimOpenFile]
                switch passedDescriptors(in: message, on: socket) {
                case .success(let files): rights = files
                case .failure(let error): return .done(.failure(error))
                }
                let outcome = send(message.buffers.buffers, on: socket, to: destination, rights: &rights, context)
                for file in rights { dropReference(file) }
                return outcome
            }
        case .recvMessage(_, let message, _):
            return withSocket(file!) { socket in
                let received = receive(into: message.buffers.buffers, on: socket, context)
                guard case .done(.success, _) = received.outcome else { return received.outcome }
                if let source = received.source, let address = message.address {
                    source.write(to: address)
                    message.header.pointee.msg_namelen = address.length.pointee
                } else {
                    message.header.pointee.msg_namelen = 0
                }
                // Only SCM_RIGHTS is simulated (see SimDriver+ControlData.swift):
                // other control data, as IP sockets' would carry, is dropped with
                // msg_controllen 0.
                let flags = installPassedDescriptors(received.rights, into: message, key: key)
                message.header.pointee.msg_flags = (received.truncated ? CLINUX_MSG_TRUNC : 0) | flags
                return received.outcome
            }
        case .shutdown(_, let how):
            return withSocket(file!) { shutdown($0, how: how) }
        case .pollOnce(_, let events):
            let ready = readiness(of: file!) & (events | UInt32(POLLERR) | UInt32(POLLHUP))
            return ready == 0 ? .blocked : .done(.success(Int(ready)))
        case .asyncify(let work):
            return .done(work.body())
        }
    }

    /// The FIFO an op waits in: shared-offset I/O on a regular file, or one side of a stream.
    func channel(for side: SimOpShape.Side, file: SimOpenFile?) -> SimChannel? {
        guard let file else { return nil }
        switch side {
        case .none: return nil
        case .poll: return file.pollChannel
        case .read, .write:
            switch file.kind {
            case .regular: return file.positionChannel
            case .pipeReader, .pipeWriter, .socket: return side == .read ? file.readChannel : file.writeChannel
            case .console, .directory: return nil
            }
        }
    }

    /// One network hop between hosts.
    func hop() -> Int64 { streams[.latency].int64(in: 20_000...500_000) }

    /// Draws whether a fault with probability `p` fires; draws nothing when `p` is 0,
    /// so a plan without faults consumes no randomness.
    /// Inlined, and `op` built only when the fault fires: without faults the
    /// check is one comparison per op, not a call that copies two strings.
    @inline(__always)
    func fault(_ p: Double, _ name: @autoclosure () -> String, key: OpKey?, op: @autoclosure () -> String) -> Bool {
        guard p > 0, streams[.faults].chance(p) else { return false }
        stats.faults += 1
        record(.fault, key: key, name: name(), detail: op())
        return true
    }

    /// `EINTR` or `EAGAIN` from the plan: the op fails without effect.
    func transientFault(_ context: SimOpContext, wouldBlock: Bool) -> IOError? {
        if fault(faults.interrupted, "EINTR", key: context.key, op: context.name) { return .code(EINTR) }
        if wouldBlock && fault(faults.wouldBlock, "EAGAIN", key: context.key, op: context.name) { return .code(EAGAIN) }
        return nil
    }

    /// How many of `wanted` bytes an op moves: fewer under a short-I/O fault or a
    /// cancel's partial-progress limit.
    func amount(_ wanted: Int, shortProbability: Double, _ context: SimOpContext) -> Int {
        var n = wanted
        if n >= 2 && fault(shortProbability, "short transfer", key: context.key, op: context.name) {
            n = streams[.faults].int(in: 1...n - 1)
        }
        if let limit = context.limit { n = min(n, limit) }
        return n
    }

    /// Runs the channels of `file` again soon: its state changed.
    func wake(_ file: SimOpenFile?) {
        guard let file else { return }
        schedule(after: 0, .wake(file))
    }

    /// The last reference to `file` went away: close what it holds.
    func release(_ file: SimOpenFile) {
        record(.descriptor, name: "release", value: Int64(file.id))
        switch file.kind {
        case .console, .regular, .directory:
            break
        case .pipeReader(let pipe):
            pipe.readerOpen = false
            wake(pipe.writeEnd)
        case .pipeWriter(let pipe):
            pipe.writerOpen = false
            wake(pipe.readEnd)
        case .socket(let socket):
            releaseSocket(socket)
        }
    }

    func namespaceOp(_ body: () throws(IOError) -> Void) -> SimOutcome {
        do {
            try body()
            return .done(.success(0))
        } catch {
            return .done(.failure(error))
        }
    }

    func startDirectory(_ file: SimOpenFile?) throws(IOError) -> SimInode {
        guard let file else { return fileSystem.root }
        guard case .directory(let inode) = file.kind else { throw .code(ENOTDIR) }
        return inode
    }

    /// A send that passes no descriptors.
    func sendWithoutRights(_ buffers: [OpBuffer], on socket: SimSocket, to destination: SocketAddressBuffer?, _ context: SimOpContext) -> SimOutcome {
        var none: [SimOpenFile] = []
        return send(buffers, on: socket, to: destination, rights: &none, context)
    }

    /// A receive without a control buffer: descriptors passed with the bytes
    /// are closed, as Linux closes them (the caller could not see `MSG_CTRUNC`).
    func receiveDroppingRights(into buffers: [OpBuffer], on socket: SimSocket, _ context: SimOpContext) -> Received {
        let received = receive(into: buffers, on: socket, context)
        for file in received.rights { dropReference(file) }
        return received
    }

    func withSocket(_ file: SimOpenFile, _ body: (SimSocket) -> SimOutcome) -> SimOutcome {
        guard let socket = file.socket else { return .done(.failure(.code(ENOTSOCK))) }
        return body(socket)
    }
}

/// The op being performed, passed to the helpers that may inject faults.
struct SimOpContext {
    let key: OpKey
    let pending: SimPendingOp
    let limit: Int?

    /// The op's name, for fault events.
    var name: String { pending.name }
}
