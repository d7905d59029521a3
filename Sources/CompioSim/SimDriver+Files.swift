import Compio
import CLinux
import Glibc

extension SimDriver {
    /// Where virtual time 0 sits on the Unix epoch, for file timestamps.
    static let epochOffset: Int64 = 1_700_000_000 * 1_000_000_000

    // `read` and `write` take any collection of buffers, so the one-buffer
    // ops pass `CollectionOfOne` instead of allocating an array per op.

    func read(into buffers: some Collection<OpBuffer>, file: SimOpenFile, offset: Int64?, _ context: SimOpContext) -> SimOutcome {
        guard file.readable else { return .done(.failure(.code(EBADF))) }
        let capacity = buffers.reduce(0) { $0 + $1.count }
        if let offset {
            if file.isStream { return .done(.failure(.code(ESPIPE))) }
            if offset < 0 { return .done(.failure(.code(EINVAL))) }
        }
        switch file.kind {
        case .console:
            return .done(.success(0))
        case .directory:
            return .done(.failure(.code(EISDIR)))
        case .regular(let inode):
            if let error = transientFault(context, wouldBlock: false) { return .done(.failure(error)) }
            if fault(faults.ioError, "EIO", key: context.key, op: context.name) { return .done(.failure(.code(EIO))) }
            let start = Int(offset ?? file.offset)
            let available = max(0, inode.data.count - start)
            let n = min(amount(capacity, shortProbability: faults.shortRead, context), available)
            if n > 0 { inode.data.withUnsafeBytes { Self.scatter(UnsafeRawBufferPointer(rebasing: $0[start..<start + n]), into: buffers) } }
            if offset == nil { file.offset += Int64(n) }
            inode.accessed = clock
            return .done(.success(n))
        case .pipeReader(let pipe):
            if capacity == 0 { return .done(.success(0)) }
            if pipe.buffer.isEmpty { return pipe.writerOpen ? .blocked : .done(.success(0)) }
            if let error = transientFault(context, wouldBlock: true) { return .done(.failure(error)) }
            let n = min(amount(capacity, shortProbability: faults.shortRead, context), pipe.buffer.count)
            pipe.buffer.withUnsafeBytes { Self.scatter(UnsafeRawBufferPointer(rebasing: $0[0..<n]), into: buffers) }
            pipe.buffer.removeFirst(n)
            wake(pipe.writeEnd)
            return .done(.success(n))
        case .pipeWriter:
            return .done(.failure(.code(EBADF)))
        case .socket(let socket):
            return receiveDroppingRights(into: Array(buffers), on: socket, context).outcome
        }
    }

    func write(from buffers: some Collection<OpBuffer>, file: SimOpenFile, offset: Int64?, _ context: SimOpContext) -> SimOutcome {
        guard file.writable else { return .done(.failure(.code(EBADF))) }
        let total = buffers.reduce(0) { $0 + $1.count }
        if let offset {
            if file.isStream { return .done(.failure(.code(ESPIPE))) }
            if offset < 0 { return .done(.failure(.code(EINVAL))) }
        }
        switch file.kind {
        case .console:
            return .done(.success(total))
        case .directory, .pipeReader:
            return .done(.failure(.code(EBADF)))
        case .regular(let inode):
            if let error = transientFault(context, wouldBlock: false) { return .done(.failure(error)) }
            if fault(faults.ioError, "EIO", key: context.key, op: context.name) { return .done(.failure(.code(EIO))) }
            if total > 0 && fault(faults.noSpace, "ENOSPC", key: context.key, op: context.name) { return .done(.failure(.code(ENOSPC))) }
            let n = amount(total, shortProbability: faults.shortWrite, context)
            // O_APPEND wins even over an explicit offset, as Linux's pwrite does.
            let start = file.appends ? inode.data.count : Int(offset ?? file.offset)
            if inode.data.count < start + n { inode.data.append(contentsOf: repeatElement(0, count: start + n - inode.data.count)) }
            inode.data.withUnsafeMutableBytes { Self.gather(buffers, into: UnsafeMutableRawBufferPointer(rebasing: $0[start..<start + n])) }
            if offset == nil { file.offset = Int64(start + n) }
            if n > 0 {
                inode.modified = clock
                inode.changed = clock
            }
            return .done(.success(n))
        case .pipeWriter(let pipe):
            if !pipe.readerOpen { return .done(.failure(.code(EPIPE))) }
            if total == 0 { return .done(.success(0)) }
            let space = SimPipe.capacity - pipe.buffer.count
            if space == 0 { return .blocked }
            if let error = transientFault(context, wouldBlock: true) { return .done(.failure(error)) }
            let n = min(amount(total, shortProbability: faults.shortWrite, context), space)
            pipe.buffer.append(contentsOf: Self.gather(buffers, count: n))
            wake(pipe.readEnd)
            return .done(.success(n))
        case .socket(let socket):
            return sendWithoutRights(Array(buffers), on: socket, to: nil, context)
        }
    }

    func sync(_ file: SimOpenFile, _ context: SimOpContext) -> SimOutcome {
        switch file.kind {
        case .console, .directory:
            return .done(.success(0))
        case .pipeReader, .pipeWriter, .socket:
            return .done(.failure(.code(EINVAL)))
        case .regular(let inode):
            if fault(faults.ioError, "EIO", key: context.key, op: context.name) { return .done(.failure(.code(EIO))) }
            inode.durable = inode.data
            return .done(.success(0))
        }
    }

    func truncate(_ file: SimOpenFile, to length: Int64, _ context: SimOpContext) -> SimOutcome {
        guard case .regular(let inode) = file.kind, file.writable, length >= 0 else { return .done(.failure(.code(EINVAL))) }
        if fault(faults.ioError, "EIO", key: context.key, op: context.name) { return .done(.failure(.code(EIO))) }
        let n = Int(length)
        if n < inode.data.count {
            inode.data.removeLast(inode.data.count - n)
        } else {
            inode.data.append(contentsOf: repeatElement(0, count: n - inode.data.count))
        }
        inode.modified = clock
        inode.changed = clock
        return .done(.success(0))
    }

    func open(from directory: SimOpenFile?, _ path: String, flags: Int32, mode: UInt32) -> SimOutcome {
        let inode: SimInode
        do {
            inode = try fileSystem.open(from: try startDirectory(directory), path, flags: flags, permissions: mode, time: clock)
        } catch {
            return .done(.failure(error))
        }
        let access = flags & O_ACCMODE
        let kind: SimOpenFile.Kind = inode.isDirectory ? .directory(inode) : .regular(inode)
        let file = makeFile(kind, readable: access != O_WRONLY, writable: access != O_RDONLY, appends: flags & O_APPEND != 0)
        let fd = descriptors.install(file)
        record(.descriptor, name: "open", value: Int64(fd), detail: "file#\(file.id) \(path)")
        return .done(.success(Int(fd)), newDescriptor: fd)
    }

    func fillMetadata(_ buffer: MetadataBuffer, of file: SimOpenFile) {
        switch file.kind {
        case .regular(let inode), .directory(let inode):
            fillMetadata(buffer, inode: inode)
        case .console:
            fillMetadata(buffer, mode: UInt32(Glibc.S_IFCHR) | 0o620, size: 0, links: 1, inode: 0, times: (0, 0, 0))
        case .pipeReader, .pipeWriter:
            fillMetadata(buffer, mode: UInt32(Glibc.S_IFIFO) | 0o600, size: 0, links: 1, inode: 0, times: (0, 0, 0))
        case .socket:
            fillMetadata(buffer, mode: UInt32(Glibc.S_IFSOCK) | 0o777, size: 0, links: 1, inode: 0, times: (0, 0, 0))
        }
    }

    func fillMetadata(_ buffer: MetadataBuffer, inode: SimInode) {
        fillMetadata(
            buffer, mode: inode.mode, size: inode.size, links: inode.links, inode: inode.number,
            times: (inode.accessed, inode.modified, inode.changed))
    }

    private func fillMetadata(
        _ buffer: MetadataBuffer, mode: UInt32, size: Int64, links: UInt32, inode: UInt64, times: (Int64, Int64, Int64)
    ) {
        func stamp(_ t: Int64) -> statx_timestamp {
            let ns = Self.epochOffset + t
            var s = statx_timestamp()
            s.tv_sec = ns / 1_000_000_000
            s.tv_nsec = UInt32(ns % 1_000_000_000)
            return s
        }
        var s = statx()
        s.stx_mask = 0x7FF
        s.stx_blksize = 4096
        s.stx_nlink = links
        s.stx_mode = UInt16(truncatingIfNeeded: mode)
        s.stx_ino = inode
        s.stx_size = UInt64(size)
        s.stx_blocks = UInt64((size + 511) / 512)
        s.stx_atime = stamp(times.0)
        s.stx_mtime = stamp(times.1)
        s.stx_ctime = stamp(times.2)
        s.stx_btime = stamp(times.2)
        buffer.raw.pointee = s
    }

    /// Copies `bytes` into `buffers` in order.
    static func scatter(_ bytes: UnsafeRawBufferPointer, into buffers: some Collection<OpBuffer>) {
        var done = 0
        for buffer in buffers where done < bytes.count {
            guard let base = buffer.base else { continue }
            let n = min(buffer.count, bytes.count - done)
            base.copyMemory(from: bytes.baseAddress! + done, byteCount: n)
            done += n
        }
    }

    /// Fills `target` with the first bytes of `buffers`, in order.
    static func gather(_ buffers: some Collection<OpBuffer>, into target: UnsafeMutableRawBufferPointer) {
        var done = 0
        for buffer in buffers where done < target.count {
            guard let base = buffer.base else { continue }
            let n = min(buffer.count, target.count - done)
            (target.baseAddress! + done).copyMemory(from: base, byteCount: n)
            done += n
        }
    }

    /// The first `count` bytes of `buffers`, in order.
    static func gather(_ buffers: some Collection<OpBuffer>, count: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        for buffer in buffers where out.count < count {
            guard let base = buffer.base else { continue }
            let n = min(buffer.count, count - out.count)
            out.append(contentsOf: UnsafeRawBufferPointer(start: base, count: n))
        }
        return out
    }
}
