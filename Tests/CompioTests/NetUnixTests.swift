import Compio
import Glibc
import Testing

/// Unix-domain stream sockets on the real kernel, on every driver.
@Suite(.serialized) struct NetUnixTests {
    @Test(arguments: TestDrivers.choices)
    func echoOverAPath(_ choice: DriverBuilder.Choice) async throws {
        let directory = try Fixture.temporaryDirectory()
        defer { Fixture.remove(directory) }
        let path = directory + "/echo.sock"
        let clients = 10
        let (served, peerAddresses) = try await NetTest.run(choice) { runtime in
            let listener = try await UnixListener.bind(path: path)
            let bound = try await listener.localAddress
            #expect(bound == (try SocketAddress.unix(path: path)))
            let server = runtime.spawn { try await NetTest.serveEcho(listener, count: clients) }
            let peers = try await withThrowingTaskGroup(of: SocketAddress.self) { group in
                for client in 0..<clients {
                    group.addTask {
                        let stream = try await UnixStream.connect(path: path)
                        let peer = try await stream.peerAddress
                        try await NetTest.converse(stream, client: client, rounds: 4)
                        return peer
                    }
                }
                return try await group.reduce(into: Set<SocketAddress>()) { $0.insert($1) }
            }
            let served = try await server.value
            try await listener.close()
            return (served, peers)
        }
        #expect(served == clients)
        #expect(peerAddresses == [try SocketAddress.unix(path: path)])
        // The socket file stays: removing it is the caller's business.
        #expect(access(path, F_OK) == 0)
    }

    /// Once `close()` returns, nothing listens on the path: a connect is
    /// refused at once. A bind through io_uring broke this (see
    /// `IoUringProbe.opcode(for:)`): the kernel's worker let go of the socket
    /// after the close, and about one connect in twenty still went through.
    @Test(arguments: TestDrivers.choices)
    func aClosedUnixListenerRefusesConnectionsAtOnce(_ choice: DriverBuilder.Choice) async throws {
        let directory = try Fixture.temporaryDirectory()
        defer { Fixture.remove(directory) }
        let path = directory + "/closing.sock"
        let accepted = try await NetTest.run(choice) { _ in
            var accepted = 0
            for _ in 0..<200 {
                unlink(path)
                let listener = try await UnixListener.bind(path: path)
                let client = try await UnixStream.connect(path: path)
                let (server, _) = try await listener.accept()
                try await server.close()
                try await client.close()
                try await listener.close()
                do throws(IOError) {
                    let late = try await UnixStream.connect(path: path)
                    try await late.close()
                    accepted += 1
                } catch {
                    #expect(error == .errno(.connectionRefused))
                }
            }
            return accepted
        }
        #expect(accepted == 0, "connects accepted by a closed listener")
    }

    @Test(arguments: TestDrivers.choices)
    func badPathsGiveTypedErrors(_ choice: DriverBuilder.Choice) async throws {
        let directory = try Fixture.temporaryDirectory()
        defer { Fixture.remove(directory) }
        let path = directory + "/taken.sock"
        let errors = try await NetTest.run(choice) { _ in
            let listener = try await UnixListener.bind(path: path)
            var errors: [IOError?] = []
            errors.append(await NetTest.error { () async throws(IOError) in _ = try await UnixListener.bind(path: path) })
            errors.append(await NetTest.error { () async throws(IOError) in _ = try await UnixStream.connect(path: directory + "/missing.sock") })
            errors.append(await NetTest.error { () async throws(IOError) in _ = try await UnixStream.connect(path: "a\0b") })
            let long = directory + "/" + String(repeating: "x", count: 200)
            errors.append(await NetTest.error { () async throws(IOError) in _ = try await UnixListener.bind(path: long) })
            try await listener.close()
            return errors
        }
        #expect(errors[0] == .errno(.addressInUse))
        #expect(errors[1] == .errno(.noSuchFileOrDirectory))
        #expect(errors[2] == .pathContainsNul)
        if case .invalidArgument = errors[3] {} else { Issue.record("long path: \(String(describing: errors[3]))") }
    }
}
