import CLinux
import Glibc
import SystemPackage
import Synchronization
import Testing
@testable import Compio

/// `BlockingOps.execute` against the real kernel, with no driver in between.
/// Serialized because the tests count the process's open descriptors.
@Suite(.serialized) struct BlockingOpsTests {
    // MARK: Files

    @Test func fileWriteThenReadBack() throws {
        try withoutLeaks {
            let dir = try Scratch()
            let fd = try take(run(.openAt(directory: dir.fd, path: OpPath("data"), flags: O_CREAT | O_RDWR | O_EXCL, mode: 0o644)))
            defer { close(fd) }
            #expect(fcntl(fd, F_GETFD) & FD_CLOEXEC != 0, "openAt adds O_CLOEXEC")

            #expect(try put("hello world") { .write(fd: fd, buffer: $0) } == 11)
            #expect(try put("WORLD") { .writeAt(fd: fd, buffer: $0, offset: 6) } == 5)
            #expect(try fetch { .readAt(fd: fd, buffer: $0, offset: 0) } == "hello WORLD")

            // The write left the position at the end; a plain read sees end of file.
            #expect(try fetch { .read(fd: fd, buffer: $0) } == "")
            #expect(lseek(fd, 0, SEEK_SET) == 0)
            #expect(try fetch { .read(fd: fd, buffer: $0) } == "hello WORLD")

            #expect(try run(.sync(fd: fd, dataOnly: false)).0.get() == 0)
            #expect(try run(.sync(fd: fd, dataOnly: true)).0.get() == 0)
        }
    }

    @Test func fileVectoredAtOffsets() throws {
        try withoutLeaks {
            let dir = try Scratch()
            let fd = try take(run(.openAt(directory: dir.fd, path: OpPath("v"), flags: O_CREAT | O_RDWR, mode: 0o600)))
            defer { close(fd) }
            let a = IOBuffer(bytes: Array("abc".utf8)), b = IOBuffer(bytes: Array("defgh".utf8))
            let out = OpBufferVector([OpBuffer(a, count: 3), OpBuffer(b, count: 5)])
            #expect(try run(.writeVectoredAt(fd: fd, buffers: out, offset: 10)).0.get() == 8)

            let x = IOBuffer(capacity: 2), y = IOBuffer(capacity: 10)
            let into = OpBufferVector([OpBuffer(x), OpBuffer(y)])
            #expect(try run(.readVectoredAt(fd: fd, buffers: into, offset: 11)).0.get() == 7)
            x.initialized = 2
            y.initialized = 5
            #expect(x.bytes == Array("bc".utf8))
            #expect(y.bytes == Array("defgh".utf8))

            #expect(try fetch { .readAt(fd: fd, buffer: $0, offset: 0) } == String(repeating: "\0", count: 10) + "abcdefgh", "the hole before offset 10 reads as zeros")
        }
    }

    @Test func negativeOffsetsGetTheKernelsEINVAL() throws {
        try withoutLeaks {
            let dir = try Scratch()
            let fd = try take(run(.openAt(directory: dir.fd, path: OpPath("n"), flags: O_CREAT | O_RDWR, mode: 0o600)))
            defer { close(fd) }
            let buffer = IOBuffer(capacity: 8)
            let vector = OpBufferVector([OpBuffer(buffer)])
            #expect(run(.readAt(fd: fd, buffer: OpBuffer(buffer), offset: -1)).0.error == .errno(.invalidArgument))
            #expect(run(.writeAt(fd: fd, buffer: OpBuffer(buffer), offset: -5)).0.error == .errno(.invalidArgument))
            #expect(run(.readVectoredAt(fd: fd, buffers: vector, offset: -1)).0.error == .errno(.invalidArgument))
            #expect(run(.writeVectoredAt(fd: fd, buffers: vector, offset: -1)).0.error == .errno(.invalidArgument))
            #expect(run(.truncate(fd: fd, length: -1)).0.error == .errno(.invalidArgument))
        }
    }

    @Test func badDescriptorIsEBADF() throws {
        let buffer = IOBuffer(capacity: 4)
        let vector = OpBufferVector([OpBuffer(buffer)])
        let ops: [Op] = [
            .read(fd: -1, buffer: OpBuffer(buffer)),
            .write(fd: -1, buffer: OpBuffer(buffer)),
            .readAt(fd: -1, buffer: OpBuffer(buffer), offset: 0),
            .writeAt(fd: -1, buffer: OpBuffer(buffer), offset: 0),
            .readVectored(fd: -1, buffers: vector),
            .writeVectored(fd: -1, buffers: vector),
            .sync(fd: -1, dataOnly: false),
            .sync(fd: -1, dataOnly: true),
            .close(fd: -1),
            .metadata(fd: -1, into: MetadataBuffer()),
            .truncate(fd: -1, length: 0),
            .listen(fd: -1, backlog: 1),
            .accept(fd: -1, peer: nil),
            .send(fd: -1, buffer: OpBuffer(buffer), flags: 0),
            .recv(fd: -1, buffer: OpBuffer(buffer), flags: 0),
            .shutdown(fd: -1, how: CLINUX_SHUT_RDWR),
            .pollOnce(fd: -1, events: UInt32(POLLIN)),  // poll(2) itself would ignore it and wait forever
            .pollOnce(fd: 1_000_000, events: UInt32(POLLIN)),  // poll(2) says POLLNVAL
            .connect(fd: -1, address: SocketAddressBuffer()),
            .readVectoredAt(fd: -1, buffers: vector, offset: 0),
            .writeVectoredAt(fd: -1, buffers: vector, offset: 0),
            .sendTo(fd: -1, buffer: OpBuffer(buffer), flags: 0, address: SocketAddressBuffer()),
            .recvFrom(fd: -1, buffer: OpBuffer(buffer), flags: 0, address: SocketAddressBuffer()),
            .sendMessage(fd: -1, message: MessageBuffer(buffers: vector), flags: 0),
            .recvMessage(fd: -1, message: MessageBuffer(buffers: vector), flags: 0),
            .metadataAt(directory: -1, path: try OpPath("relative"), followSymlinks: true, into: MetadataBuffer()),
            .bind(fd: -1, address: SocketAddressBuffer()),
            .openAt(directory: -1, path: try OpPath("relative"), flags: O_RDONLY, mode: 0),
        ]
        for op in ops {
            let (result, descriptor) = run(op)
            #expect(result.error == .errno(.badFileDescriptor), "\(op.name)")
            #expect(descriptor == nil, "\(op.name)")
        }
        #expect(BlockingOps.pendingSocketError(-1) == EBADF)
    }

    @Test func openingAMissingFileIsENOENT() throws {
        try withoutLeaks {
            let dir = try Scratch()
            let (result, descriptor) = run(.openAt(directory: dir.fd, path: try OpPath("missing"), flags: O_RDONLY, mode: 0))
            #expect(result.error == .errno(.noSuchFileOrDirectory))
            #expect(descriptor == nil)
        }
    }

    @Test func pathWithNulIsRefusedAtCreation() throws {
        #expect(throws: IOError.pathContainsNul) { try OpPath("a\0b") }
        #expect(throws: IOError.pathContainsNul) { try OpPath("trailing\0") }
        #expect(throws: IOError.pathContainsNul) { try OpPath("\0") }
        #expect(try OpPath("fine").length == 4)
    }

    @Test func oversizedBuffersAreRefusedBeforeAnySyscall() {
        // Never touched: the refusal comes before the syscall (fd -1 would say EBADF).
        let fake = UnsafeMutableRawPointer(bitPattern: 0x1000)!
        let huge = Int(Int32.max) + 1
        let big = OpBuffer(base: fake, count: huge, owner: nil)
        let half = OpBuffer(base: fake, count: huge / 2 + 1, owner: nil)
        let vector = OpBufferVector([half, half])
        let peer = SocketAddressBuffer()
        let ops: [Op] = [
            .read(fd: -1, buffer: big), .write(fd: -1, buffer: big),
            .readAt(fd: -1, buffer: big, offset: 0), .writeAt(fd: -1, buffer: big, offset: 0),
            .send(fd: -1, buffer: big, flags: 0), .recv(fd: -1, buffer: big, flags: 0),
            .sendTo(fd: -1, buffer: big, flags: 0, address: peer),
            .recvFrom(fd: -1, buffer: big, flags: 0, address: peer),
            .readVectored(fd: -1, buffers: vector), .writeVectored(fd: -1, buffers: vector),
            .readVectoredAt(fd: -1, buffers: vector, offset: 0), .writeVectoredAt(fd: -1, buffers: vector, offset: 0),
            .sendMessage(fd: -1, message: MessageBuffer(buffers: vector), flags: 0),
            .recvMessage(fd: -1, message: MessageBuffer(buffers: vector), flags: 0),
        ]
        for op in ops {
            let expected = op.name.contains("Vectored") || op.name.contains("Message") ? vector.totalCount : huge
            #expect(run(op).0.error == .bufferTooLarge(expected), "\(op.name)")
        }
        // Exactly Int32.max bytes is allowed through to the kernel, which then judges the fd.
        let limit = OpBuffer(base: fake, count: Int(Int32.max), owner: nil)
        #expect(run(.read(fd: -1, buffer: limit)).0.error == .errno(.badFileDescriptor))
    }

    @Test func truncateChangesTheSize() throws {
        try withoutLeaks {
            let dir = try Scratch()
            let fd = try take(run(.openAt(directory: dir.fd, path: OpPath("t"), flags: O_CREAT | O_RDWR, mode: 0o600)))
            defer { close(fd) }
            let meta = MetadataBuffer()
            #expect(try run(.truncate(fd: fd, length: 12345)).0.get() == 0)
            #expect(try run(.metadata(fd: fd, into: meta)).0.get() == 0)
            #expect(meta.metadata.size == 12345)
            #expect(try run(.truncate(fd: fd, length: 7)).0.get() == 0)
            #expect(try run(.metadata(fd: fd, into: meta)).0.get() == 0)
            #expect(meta.metadata.size == 7)
            #expect(meta.metadata.isFile)
        }
    }

    @Test func closeClosesOnceThenEBADF() throws {
        try withoutLeaks { () throws in
            var fds: [Int32] = [0, 0]
            #expect(pipe(&fds) == 0)
            #expect(try run(.close(fd: fds[0])).0.get() == 0)
            #expect(!OpenDescriptors.isOpen(fds[0]))
            #expect(run(.close(fd: fds[0])).0.error == .errno(.badFileDescriptor))
            #expect(try run(.close(fd: fds[1])).0.get() == 0)
        }
    }

    // MARK: Metadata and the namespace

    @Test func metadataOfFilesDirectoriesAndSymlinks() throws {
        try withoutLeaks {
            let dir = try Scratch()
            let fd = try take(run(.openAt(directory: dir.fd, path: OpPath("f"), flags: O_CREAT | O_WRONLY, mode: 0o640)))
            #expect(try put(String(repeating: "7", count: 1000)) { .write(fd: fd, buffer: $0) } == 1000)
            let meta = MetadataBuffer()
            #expect(try run(.metadata(fd: fd, into: meta)).0.get() == 0)
            close(fd)
            #expect(meta.metadata.size == 1000)
            #expect(meta.metadata.isFile && !meta.metadata.isDirectory && !meta.metadata.isSymlink)
            #expect(meta.metadata.permissions == 0o640 & ~currentUmask())
            #expect(meta.metadata.linkCount == 1)

            #expect(try run(.metadataAt(directory: dir.fd, path: OpPath("."), followSymlinks: true, into: meta)).0.get() == 0)
            #expect(meta.metadata.isDirectory)
            #expect(try run(.metadata(fd: dir.fd, into: meta)).0.get() == 0, "statx with AT_EMPTY_PATH works on a directory fd")
            #expect(meta.metadata.isDirectory)

            #expect(try run(.symlinkAt(target: OpPath("f"), directory: dir.fd, link: OpPath("l"))).0.get() == 0)
            #expect(try run(.metadataAt(directory: dir.fd, path: OpPath("l"), followSymlinks: false, into: meta)).0.get() == 0)
            #expect(meta.metadata.isSymlink)
            #expect(meta.metadata.size == 1, "a symlink's size is its target's length")
            #expect(try run(.metadataAt(directory: dir.fd, path: OpPath("l"), followSymlinks: true, into: meta)).0.get() == 0)
            #expect(meta.metadata.isFile && meta.metadata.size == 1000)

            #expect(try run(.symlinkAt(target: OpPath("nowhere"), directory: dir.fd, link: OpPath("dangling"))).0.get() == 0)
            #expect(try run(.metadataAt(directory: dir.fd, path: OpPath("dangling"), followSymlinks: true, into: meta)).0.error == .errno(.noSuchFileOrDirectory))
            #expect(try run(.metadataAt(directory: dir.fd, path: OpPath("dangling"), followSymlinks: false, into: meta)).0.get() == 0)
            #expect(meta.metadata.isSymlink)
        }
    }

    @Test func renameLinkSymlinkUnlinkMakeAndRemoveDirectories() throws {
        try withoutLeaks {
            let dir = try Scratch()
            let meta = MetadataBuffer()
            #expect(try run(.makeDirectoryAt(directory: dir.fd, path: OpPath("sub"), mode: 0o755)).0.get() == 0)
            #expect(try run(.makeDirectoryAt(directory: dir.fd, path: OpPath("sub"), mode: 0o755)).0.error == .errno(.fileExists))
            #expect(try run(.metadataAt(directory: dir.fd, path: OpPath("sub"), followSymlinks: true, into: meta)).0.get() == 0)
            #expect(meta.metadata.isDirectory)

            let fd = try take(run(.openAt(directory: dir.fd, path: OpPath("sub/a"), flags: O_CREAT | O_WRONLY, mode: 0o600)))
            close(fd)
            #expect(try run(.renameAt(fromDirectory: dir.fd, from: OpPath("sub/a"), toDirectory: dir.fd, to: OpPath("b"))).0.get() == 0)
            #expect(try run(.metadataAt(directory: dir.fd, path: OpPath("sub/a"), followSymlinks: true, into: meta)).0.error == .errno(.noSuchFileOrDirectory))
            #expect(try run(.renameAt(fromDirectory: dir.fd, from: OpPath("sub/a"), toDirectory: dir.fd, to: OpPath("c"))).0.error == .errno(.noSuchFileOrDirectory))

            #expect(try run(.linkAt(fromDirectory: dir.fd, from: OpPath("b"), toDirectory: dir.fd, to: OpPath("sub/hard"))).0.get() == 0)
            #expect(try run(.metadataAt(directory: dir.fd, path: OpPath("b"), followSymlinks: true, into: meta)).0.get() == 0)
            #expect(meta.metadata.linkCount == 2)
            let inode = meta.metadata.inode
            #expect(try run(.metadataAt(directory: dir.fd, path: OpPath("sub/hard"), followSymlinks: true, into: meta)).0.get() == 0)
            #expect(meta.metadata.inode == inode)
            #expect(try run(.linkAt(fromDirectory: dir.fd, from: OpPath("b"), toDirectory: dir.fd, to: OpPath("sub/hard"))).0.error == .errno(.fileExists))

            #expect(try run(.symlinkAt(target: OpPath("../b"), directory: dir.fd, link: OpPath("sub/soft"))).0.get() == 0)
            #expect(try run(.symlinkAt(target: OpPath("b"), directory: dir.fd, link: OpPath("sub/soft"))).0.error == .errno(.fileExists))
            #expect(try run(.metadataAt(directory: dir.fd, path: OpPath("sub/soft"), followSymlinks: true, into: meta)).0.get() == 0)
            #expect(meta.metadata.inode == inode)

            #expect(try run(.unlinkAt(directory: dir.fd, path: OpPath("sub"), removeDirectory: false)).0.error == .errno(.isDirectory))
            #expect(try run(.unlinkAt(directory: dir.fd, path: OpPath("sub"), removeDirectory: true)).0.error == .errno(.directoryNotEmpty))
            #expect(try run(.unlinkAt(directory: dir.fd, path: OpPath("b"), removeDirectory: true)).0.error == .errno(.notDirectory))
            for name in ["sub/hard", "sub/soft", "b"] {
                #expect(try run(.unlinkAt(directory: dir.fd, path: OpPath(name), removeDirectory: false)).0.get() == 0, "\(name)")
            }
            #expect(try run(.unlinkAt(directory: dir.fd, path: OpPath("b"), removeDirectory: false)).0.error == .errno(.noSuchFileOrDirectory))
            #expect(try run(.unlinkAt(directory: dir.fd, path: OpPath("sub"), removeDirectory: true)).0.get() == 0)
            #expect(try run(.metadataAt(directory: dir.fd, path: OpPath("sub"), followSymlinks: true, into: meta)).0.error == .errno(.noSuchFileOrDirectory))
        }
    }

    // MARK: Pipes and polling

    @Test func pipeReadWriteVectoredAndPoll() throws {
        try withoutLeaks {
            let (r, w) = try makePipe()
            defer { close(r); close(w) }
            let a = IOBuffer(bytes: Array("ping".utf8)), b = IOBuffer(bytes: Array("-pong".utf8))
            #expect(try run(.writeVectored(fd: w, buffers: OpBufferVector([OpBuffer(a, count: 4), OpBuffer(b, count: 5)]))).0.get() == 9)

            let ready = try run(.pollOnce(fd: r, events: UInt32(POLLIN))).0.get()
            #expect(ready & Int(POLLIN) != 0)

            let x = IOBuffer(capacity: 3), y = IOBuffer(capacity: 3)
            #expect(try run(.readVectored(fd: r, buffers: OpBufferVector([OpBuffer(x), OpBuffer(y)]))).0.get() == 6)
            x.initialized = 3
            y.initialized = 3
            #expect(x.bytes + y.bytes == Array("ping-p".utf8))
            #expect(try fetch { .read(fd: r, buffer: $0) } == "ong")

            #expect(try run(.pollOnce(fd: w, events: UInt32(POLLOUT))).0.get() & Int(POLLOUT) != 0)
        }
    }

    @Test func pollOnceWaitsForTheEvent() throws {
        try withoutLeaks {
            let (r, w) = try makePipe()
            defer { close(r) }
            let writer = try TestThread {
                usleep(50_000)
                var byte: UInt8 = 1
                _ = Glibc.write(w, &byte, 1)
                close(w)
            }
            let start = MonotonicClock.now()
            let ready = try run(.pollOnce(fd: r, events: UInt32(POLLIN))).0.get()
            let waited = MonotonicClock.now().nanoseconds - start.nanoseconds
            writer.join()
            #expect(ready & Int(POLLIN) != 0)
            #expect(waited >= 30_000_000, "poll returned after \(waited) ns, before the write")
        }
    }

    @Test func interruptedCallsAreRetried() throws {
        try withoutLeaks {
            // A handler without SA_RESTART makes the kernel fail a blocked read with EINTR.
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { _ in interruptions.add(1, ordering: .relaxed) }
            sigemptyset(&action.sa_mask)
            var previous = sigaction()
            #expect(sigaction(SIGUSR1, &action, &previous) == 0)
            defer { sigaction(SIGUSR1, &previous, nil) }
            // Every wait below ends with a write, so a lost signal fails the test instead of hanging it.
            var byte: UInt8 = 9

            // Control: the bare syscall does fail with EINTR here.
            let (controlRead, controlWrite) = try makePipe()
            defer { close(controlRead); close(controlWrite) }
            let bare = Mutex<(Int, Int32)>((0, 0))
            let control = try TestThread {
                acceptSignal(SIGUSR1)
                var byte: UInt8 = 0
                let n = Glibc.read(controlRead, &byte, 1)
                let code = errno
                bare.withLock { $0 = (n, code) }
            }
            usleep(20_000)
            pthread_kill(control.thread, SIGUSR1)
            usleep(20_000)
            #expect(Glibc.write(controlWrite, &byte, 1) == 1)
            control.join()
            #expect(bare.withLock { $0 } == (-1, EINTR))

            let (r, w) = try makePipe()
            defer { close(r); close(w) }

            let before = interruptions.load(ordering: .relaxed)
            let outcome = Mutex<Result<Int, IOError>?>(nil)
            let reader = try TestThread {
                acceptSignal(SIGUSR1)
                let buffer = IOBuffer(capacity: 4)
                let result = BlockingOps.execute(.read(fd: r, buffer: OpBuffer(buffer))).0
                outcome.withLock { $0 = result }
            }
            for _ in 0..<3 {
                usleep(10_000)
                pthread_kill(reader.thread, SIGUSR1)
            }
            usleep(10_000)
            #expect(Glibc.write(w, &byte, 1) == 1)
            reader.join()
            #expect(interruptions.load(ordering: .relaxed) - before == 3)
            #expect(outcome.withLock { $0 } == .success(1), "EINTR is retried until the data comes")
        }
    }

    @Test func nopAndAsyncify() {
        #expect(run(.nop).0 == .success(0))
        #expect(run(.asyncify(BlockingWork { .success(42) })).0 == .success(42))
        #expect(run(.asyncify(BlockingWork { .failure(.unsupported("x")) })).0.error == .unsupported("x"))
    }

    // MARK: Sockets

    @Test func tcpLoopbackConnectAcceptSendRecvShutdown() throws {
        try withoutLeaks {
            let listener = try take(run(.socket(domain: AF_INET, type: CLINUX_SOCK_STREAM, protocol: 0)))
            defer { close(listener) }
            #expect(fcntl(listener, F_GETFD) & FD_CLOEXEC != 0, "socket adds CLINUX_SOCK_CLOEXEC")
            #expect(fcntl(listener, F_GETFL) & O_NONBLOCK == 0)
            #expect(try run(.bind(fd: listener, address: loopback(port: 0))).0.get() == 0)
            #expect(try run(.listen(fd: listener, backlog: 8)).0.get() == 0)
            let address = try localAddress(listener)

            let client = try take(run(.socket(domain: AF_INET, type: CLINUX_SOCK_STREAM, protocol: 0)))
            defer { close(client) }
            #expect(try run(.connect(fd: client, address: address)).0.get() == 0)

            let peer = SocketAddressBuffer()
            peer.length.pointee = 1  // stale from an earlier use: accept must reset it
            let (accepted, owned) = run(.accept(fd: listener, peer: peer))
            let server = try #require(owned).take()
            defer { close(server) }
            #expect(try accepted.get() == Int(server))
            #expect(fcntl(server, F_GETFD) & FD_CLOEXEC != 0, "accept adds CLINUX_SOCK_CLOEXEC")
            #expect(peer.family == AF_INET)
            #expect(Int(peer.length.pointee) == MemoryLayout<sockaddr_in>.size)
            #expect(port(of: peer) == port(of: try localAddress(client)))

            #expect(try put("over tcp") { .send(fd: client, buffer: $0, flags: 0) } == 8)
            #expect(try fetch { .recv(fd: server, buffer: $0, flags: 0) } == "over tcp")

            #expect(try run(.shutdown(fd: client, how: CLINUX_SHUT_WR)).0.get() == 0)
            #expect(try fetch { .recv(fd: server, buffer: $0, flags: 0) } == "", "end of stream after CLINUX_SHUT_WR")
            #expect(run(.shutdown(fd: client, how: 99)).0.error == .errno(.invalidArgument))
            let second = try take(run(.socket(domain: AF_INET, type: CLINUX_SOCK_STREAM, protocol: 0)))
            defer { close(second) }
            #expect(run(.bind(fd: second, address: address)).0.error == .errno(.addressInUse))
            #expect(run(.connect(fd: client, address: address)).0.error == .errno(.socketIsConnected))
        }
    }

    @Test func acceptedDescriptorIsOwnedAndClosedWhenDropped() throws {
        try withoutLeaks {
            let (listener, address) = try tcpListener()
            defer { close(listener) }
            let client = try take(run(.socket(domain: AF_INET, type: CLINUX_SOCK_STREAM, protocol: 0)))
            defer { close(client) }
            #expect(try run(.connect(fd: client, address: address)).0.get() == 0)

            let result: Result<Int, IOError>
            var owned: OwnedDescriptor?
            (result, owned) = run(.accept(fd: listener, peer: nil))
            let fd = Int32(try result.get())
            #expect(owned?.raw == fd)
            #expect(OpenDescriptors.isOpen(fd))
            owned = nil  // nobody took it: dropping it must close it
            #expect(owned == nil && !OpenDescriptors.isOpen(fd))
        }
    }

    @Test func connectToAClosedPortIsRefused() throws {
        try withoutLeaks {
            // A port that was just free: bind, read the port, close.
            let (probe, address) = try tcpListener()
            close(probe)
            let client = try take(run(.socket(domain: AF_INET, type: CLINUX_SOCK_STREAM, protocol: 0)))
            defer { close(client) }
            #expect(run(.connect(fd: client, address: address)).0.error == .errno(.connectionRefused))
        }
    }

    @Test func nonBlockingSocketsReturnEAGAINAndEINPROGRESS() throws {
        try withoutLeaks {
            let nonBlocking = CLINUX_SOCK_NONBLOCK
            let (listener, address) = try tcpListener(socketFlags: nonBlocking)
            defer { close(listener) }
            #expect(fcntl(listener, F_GETFL) & O_NONBLOCK != 0, "socketFlags reach socket()")
            #expect(run(.accept(fd: listener, peer: nil), socketFlags: nonBlocking).0.error == .errno(.resourceTemporarilyUnavailable))

            let client = try take(run(.socket(domain: AF_INET, type: CLINUX_SOCK_STREAM, protocol: 0), socketFlags: nonBlocking))
            defer { close(client) }
            let connected = run(.connect(fd: client, address: address)).0
            if case .failure(let error) = connected {
                #expect(error == .errno(.nowInProgress), "a non-blocking connect may only be in progress")
                let events = try run(.pollOnce(fd: client, events: UInt32(POLLOUT))).0.get()
                #expect(events & Int(POLLOUT) != 0)
            }
            #expect(BlockingOps.pendingSocketError(client) == 0)

            #expect(try run(.pollOnce(fd: listener, events: UInt32(POLLIN))).0.get() & Int(POLLIN) != 0)
            let server = try take(run(.accept(fd: listener, peer: nil), socketFlags: nonBlocking))
            defer { close(server) }
            #expect(fcntl(server, F_GETFL) & O_NONBLOCK != 0, "socketFlags reach accept4()")
            let buffer = IOBuffer(capacity: 8)
            #expect(run(.recv(fd: server, buffer: OpBuffer(buffer), flags: 0)).0.error == .errno(.resourceTemporarilyUnavailable))
            #expect(run(.read(fd: server, buffer: OpBuffer(buffer))).0.error == .errno(.resourceTemporarilyUnavailable))
        }
    }

    @Test func nonBlockingConnectFailureIsReportedBySocketError() throws {
        try withoutLeaks {
            let (probe, address) = try tcpListener()
            close(probe)
            let client = try take(run(.socket(domain: AF_INET, type: CLINUX_SOCK_STREAM, protocol: 0), socketFlags: CLINUX_SOCK_NONBLOCK))
            defer { close(client) }
            let connected = run(.connect(fd: client, address: address)).0
            if connected.error == .errno(.nowInProgress) {
                _ = try run(.pollOnce(fd: client, events: UInt32(POLLOUT))).0.get()
                #expect(BlockingOps.pendingSocketError(client) == ECONNREFUSED)
                #expect(BlockingOps.pendingSocketError(client) == 0, "reading SO_ERROR clears it")
            } else {
                #expect(connected.error == .errno(.connectionRefused))
            }
        }
    }

    @Test func pendingSocketErrorOfANonSocketIsENOTSOCK() throws {
        try withoutLeaks {
            let (r, w) = try makePipe()
            defer { close(r); close(w) }
            #expect(BlockingOps.pendingSocketError(r) == ENOTSOCK)
        }
    }

    @Test func sendToAClosedPeerIsEPIPENotSIGPIPE() throws {
        try withoutLeaks {
            let (a, b) = try makeSocketPair(CLINUX_SOCK_STREAM)
            defer { close(a) }
            close(b)
            let data = IOBuffer(bytes: [1, 2, 3])
            #expect(run(.send(fd: a, buffer: OpBuffer(data, count: 3), flags: 0)).0.error == .errno(.brokenPipe))
            let message = MessageBuffer(buffers: OpBufferVector([OpBuffer(data, count: 3)]))
            #expect(run(.sendMessage(fd: a, message: message, flags: 0)).0.error == .errno(.brokenPipe))
        }
    }

    @Test func udpSendToRecvFromReportsTheSender() throws {
        try withoutLeaks {
            let receiver = try udpSocket(), sender = try udpSocket()
            defer { close(receiver); close(sender) }

            let destination = try localAddress(receiver)
            #expect(try put("datagram") { .sendTo(fd: sender, buffer: $0, flags: 0, address: destination) } == 8)

            let from = SocketAddressBuffer()
            from.length.pointee = 0  // recvFrom must reset it, or the kernel writes no address
            #expect(try fetch { .recvFrom(fd: receiver, buffer: $0, flags: 0, address: from) } == "datagram")
            #expect(from.family == AF_INET)
            #expect(Int(from.length.pointee) == MemoryLayout<sockaddr_in>.size)
            #expect(port(of: from) == port(of: try localAddress(sender)))
            #expect(ipv4(of: from) == 0x7f00_0001)

            let empty = IOBuffer(capacity: 8)
            #expect(run(.recvFrom(fd: receiver, buffer: OpBuffer(empty), flags: CLINUX_MSG_DONTWAIT, address: from)).0.error == .errno(.resourceTemporarilyUnavailable))
            #expect(run(.listen(fd: receiver, backlog: 1)).0.error == .errno(.notSupported), "a datagram socket cannot listen")
        }
    }

    @Test func udpMessagesCarryTheirAddress() throws {
        try withoutLeaks {
            let receiver = try udpSocket()
            let sender = try take(run(.socket(domain: AF_INET, type: CLINUX_SOCK_DGRAM, protocol: 0)))
            defer { close(receiver); close(sender) }

            let a = IOBuffer(bytes: Array("two ".utf8)), b = IOBuffer(bytes: Array("parts".utf8))
            let outgoing = MessageBuffer(buffers: OpBufferVector([OpBuffer(a, count: 4), OpBuffer(b, count: 5)]), address: try localAddress(receiver))
            #expect(try run(.sendMessage(fd: sender, message: outgoing, flags: 0)).0.get() == 9)

            let got = IOBuffer(capacity: 64)
            let source = SocketAddressBuffer()
            source.length.pointee = 2
            let incoming = MessageBuffer(buffers: OpBufferVector([OpBuffer(got)]), address: source)
            got.initialized = try run(.recvMessage(fd: receiver, message: incoming, flags: 0)).0.get()
            #expect(got.bytes == Array("two parts".utf8))
            #expect(Int(source.length.pointee) == MemoryLayout<sockaddr_in>.size)
            #expect(port(of: source) == port(of: try localAddress(sender)))
        }
    }

    @Test func messagesPassDescriptorsWithSCMRights() throws {
        try withoutLeaks {
            let (left, right) = try makeSocketPair(CLINUX_SOCK_STREAM)
            defer { close(left); close(right) }
            let (pipeRead, pipeWrite) = try makePipe()
            defer { close(pipeRead) }

            // Send the pipe's write end, then close our copy: only the passed one is left.
            let space = clinux_cmsg_space(MemoryLayout<Int32>.size)
            let outControl = IOBuffer(capacity: space)
            memset(outControl.base, 0, space)
            let payload = IOBuffer(bytes: Array("fd!".utf8))
            let outgoing = MessageBuffer(buffers: OpBufferVector([OpBuffer(payload, count: 3)]), control: OpBuffer(outControl, count: space))
            let header = try #require(clinux_cmsg_firsthdr(outgoing.header))
            header.pointee.cmsg_level = SOL_SOCKET
            header.pointee.cmsg_type = CLINUX_SCM_RIGHTS
            header.pointee.cmsg_len = clinux_cmsg_len(MemoryLayout<Int32>.size)
            UnsafeMutableRawPointer(clinux_cmsg_data(header)).storeBytes(of: pipeWrite, as: Int32.self)
            #expect(try run(.sendMessage(fd: left, message: outgoing, flags: 0)).0.get() == 3)
            close(pipeWrite)

            let inControl = IOBuffer(capacity: space)
            let got = IOBuffer(capacity: 16)
            let incoming = MessageBuffer(buffers: OpBufferVector([OpBuffer(got)]), control: OpBuffer(inControl, count: space))
            got.initialized = try run(.recvMessage(fd: right, message: incoming, flags: Int32(MSG_CMSG_CLOEXEC))).0.get()
            #expect(got.bytes == Array("fd!".utf8))
            #expect(incoming.receivedControlLength >= Int(clinux_cmsg_len(MemoryLayout<Int32>.size)))
            #expect(incoming.receivedFlags & CLINUX_MSG_CTRUNC == 0)
            let received = try #require(clinux_cmsg_firsthdr(incoming.header))
            #expect(received.pointee.cmsg_level == SOL_SOCKET && received.pointee.cmsg_type == CLINUX_SCM_RIGHTS)
            #expect(received.pointee.cmsg_len == clinux_cmsg_len(MemoryLayout<Int32>.size), "exactly one descriptor")
            let passed = UnsafeRawPointer(clinux_cmsg_data(received)).loadUnaligned(as: Int32.self)
            #expect(OpenDescriptors.isOpen(passed))

            // The passed descriptor is the pipe's write end: what goes in comes out of our read end.
            #expect(try put("through") { .write(fd: passed, buffer: $0) } == 7)
            #expect(try run(.close(fd: passed)).0.get() == 0)
            #expect(try fetch { .read(fd: pipeRead, buffer: $0) } == "through")
            #expect(try fetch { .read(fd: pipeRead, buffer: $0) } == "", "every write end is closed")
        }
    }
}

// MARK: - Helpers

/// Signals the test's handler caught; a C signal handler cannot capture.
private let interruptions = Atomic<Int>(0)

/// Unblocks `signal` on the calling thread: threads started from the test
/// runner's worker threads inherit a mask that blocks it.
private func acceptSignal(_ signal: Int32) {
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, signal)
    pthread_sigmask(SIG_UNBLOCK, &set, nil)
}

private func run(_ op: Op, socketFlags: Int32 = 0) -> (Result<Int, IOError>, OwnedDescriptor?) {
    BlockingOps.execute(op, socketFlags: socketFlags)
}

/// Runs the op `make` builds around a buffer holding `text`; returns its count.
private func put(_ text: String, _ make: (OpBuffer) -> Op) throws -> Int {
    let buffer = IOBuffer(bytes: Array(text.utf8))
    return try run(make(OpBuffer(buffer, count: buffer.initialized))).0.get()
}

/// Runs the op `make` builds around an empty buffer; returns what it read.
private func fetch(capacity: Int = 64, _ make: (OpBuffer) -> Op) throws -> String {
    let buffer = IOBuffer(capacity: capacity)
    buffer.initialized = try run(make(OpBuffer(buffer))).0.get()
    return String(decoding: buffer.bytes, as: UTF8.self)
}

/// Claims the descriptor a successful op created, checking it matches the result.
private func take(_ outcome: (Result<Int, IOError>, OwnedDescriptor?)) throws -> Int32 {
    let value = try outcome.0.get()
    let fd = try #require(outcome.1).take()
    #expect(Int(fd) == value)
    return fd
}

/// Runs `body` and checks it left exactly as many descriptors open as it found.
private func withoutLeaks(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let before = OpenDescriptors.count()
    try body()
    #expect(OpenDescriptors.count() == before, "descriptors leaked", sourceLocation: sourceLocation)
}


private func currentUmask() -> UInt32 {
    let mask = umask(0o022)
    umask(mask)
    return UInt32(mask)
}

private func makePipe() throws -> (Int32, Int32) {
    var fds: [Int32] = [0, 0]
    guard pipe2(&fds, O_CLOEXEC) == 0 else { throw IOError.code(errno) }
    return (fds[0], fds[1])
}

private func makeSocketPair(_ type: Int32) throws -> (Int32, Int32) {
    var fds: [Int32] = [0, 0]
    guard socketpair(AF_UNIX, type | CLINUX_SOCK_CLOEXEC, 0, &fds) == 0 else { throw IOError.code(errno) }
    return (fds[0], fds[1])
}

/// A listening TCP socket on 127.0.0.1 and its address.
private func tcpListener(socketFlags: Int32 = 0) throws -> (Int32, SocketAddressBuffer) {
    let fd = try take(run(.socket(domain: AF_INET, type: CLINUX_SOCK_STREAM, protocol: 0), socketFlags: socketFlags))
    return try closingOnError(fd) {
        _ = try run(.bind(fd: fd, address: loopback(port: 0))).0.get()
        _ = try run(.listen(fd: fd, backlog: 8)).0.get()
        return (fd, try localAddress(fd))
    }
}

/// `body`'s result, or `fd` closed and the error rethrown, so a failed setup leaks nothing.
private func closingOnError<R>(_ fd: Int32, _ body: () throws -> R) throws -> R {
    do { return try body() } catch {
        close(fd)
        throw error
    }
}

/// A UDP socket bound to an ephemeral port on 127.0.0.1.
private func udpSocket() throws -> Int32 {
    let fd = try take(run(.socket(domain: AF_INET, type: CLINUX_SOCK_DGRAM, protocol: 0)))
    return try closingOnError(fd) {
        _ = try run(.bind(fd: fd, address: loopback(port: 0))).0.get()
        return fd
    }
}

private func loopback(port: UInt16) -> SocketAddressBuffer {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
    return withUnsafeBytes(of: &address) { SocketAddressBuffer(copying: $0.baseAddress!, length: $0.count) }
}

private func localAddress(_ fd: Int32) throws -> SocketAddressBuffer {
    let address = SocketAddressBuffer()
    guard getsockname(fd, address.sockaddrPointer, address.length) == 0 else { throw IOError.code(errno) }
    return address
}

private func port(of address: SocketAddressBuffer) -> UInt16 {
    UInt16(bigEndian: UnsafeRawPointer(address.storage).load(as: sockaddr_in.self).sin_port)
}

private func ipv4(of address: SocketAddressBuffer) -> UInt32 {
    UInt32(bigEndian: UnsafeRawPointer(address.storage).load(as: sockaddr_in.self).sin_addr.s_addr)
}

/// A fresh directory under the temp directory, open for the `*At` ops and
/// removed with everything in it when dropped.
private final class Scratch {
    let path: String
    let fd: Int32

    init() throws {
        var template = Array("/tmp/compio-blocking-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw IOError.code(errno) }
        path = String(cString: made)
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw IOError.code(errno) }
    }

    deinit {
        Scratch.removeContents(of: fd)
        close(fd)
        rmdir(path)
    }

    private static func removeContents(of directory: Int32) {
        let copy = dup(directory)
        guard copy >= 0, let stream = fdopendir(copy) else { return }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        for name in names where unlinkat(directory, name, 0) != 0 && errno == EISDIR {
            let child = openat(directory, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if child >= 0 {
                removeContents(of: child)
                close(child)
            }
            unlinkat(directory, name, AT_REMOVEDIR)
        }
    }
}

/// A plain thread for a test's second party, joined before the test ends.
final class TestThread: @unchecked Sendable {
    private(set) var thread = pthread_t()
    private let body: @Sendable () -> Void

    init(_ body: @escaping @Sendable () -> Void) throws {
        self.body = body
        let context = Unmanaged.passRetained(self)
        let rc = pthread_create(&thread, nil, { raw in
            let me = Unmanaged<TestThread>.fromOpaque(raw!).takeRetainedValue()
            me.body()
            return nil
        }, context.toOpaque())
        if rc != 0 {
            context.release()
            throw IOError.code(rc)
        }
    }

    func join() { pthread_join(thread, nil) }
}
