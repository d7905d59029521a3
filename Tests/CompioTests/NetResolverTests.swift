import Compio
import Testing

/// Name resolution through the thread pool, offline (loopback names only).
@Suite(.serialized) struct NetResolverTests {
    @Test(arguments: TestDrivers.choices)
    func localhostResolvesToALoopbackAddress(_ choice: DriverBuilder.Choice) async throws {
        let addresses = try await NetTest.run(choice) { _ in
            try await SocketAddress.resolve(host: "localhost", port: 8080)
        }
        let loopbacks: Set<SocketAddress> = [.loopback(port: 8080), try SocketAddress(host: "::1", port: 8080)]
        #expect(!addresses.isEmpty)
        #expect(addresses.allSatisfy { loopbacks.contains($0) }, "\(addresses)")
        #expect(Set(addresses).count == addresses.count, "duplicates in \(addresses)")
    }

    @Test(arguments: TestDrivers.choices)
    func numericHostsParseWithoutALookup(_ choice: DriverBuilder.Choice) async throws {
        let (v4, v6) = try await NetTest.run(choice) { _ in
            (try await SocketAddress.resolve(host: "10.1.2.3", port: 1), try await SocketAddress.resolve(host: "fe80::1%2", port: 2))
        }
        #expect(v4 == [.ipv4(10, 1, 2, 3, port: 1)])
        #expect(v6.map(\.description) == ["[fe80::1%2]:2"])
    }

    @Test(arguments: TestDrivers.choices)
    func unknownNamesAndBadInputThrowTypedErrors(_ choice: DriverBuilder.Choice) async throws {
        let (unknown, nul) = try await NetTest.run(choice) { _ in
            (await NetTest.error { () async throws(IOError) in _ = try await SocketAddress.resolve(host: "no-such-host.invalid", port: 1) },
             await NetTest.error { () async throws(IOError) in _ = try await SocketAddress.resolve(host: "local\0host", port: 1) })
        }
        #expect(unknown != nil)
        #expect(nul == .pathContainsNul)
    }

    @Test func resolvingWithoutARuntimeFails() async {
        let error = await NetTest.error { () async throws(IOError) in _ = try await SocketAddress.resolve(host: "localhost", port: 1) }
        #expect(error == .noRuntime)
    }
}
