import Testing
import Compio

@Suite struct SocketAddressTests {
    @Test(arguments: ["127.0.0.1:8080", "[::1]:443", "[fe80::1%2]:22", "0.0.0.0:0", "[2001:db8::ff00:42:8329]:65535"])
    func parseAndPrintRoundTrip(text: String) throws {
        let address = try SocketAddress(parsing: text)
        #expect(address.description == text)
        let again = try SocketAddress(parsing: address.description)
        #expect(again == address)
    }

    @Test(arguments: ["localhost:80", "1.2.3.4", "1.2.3.4:99999", "[::1]80", "[::1%eth0]:1"])
    func badTextIsATypedError(text: String) {
        #expect(throws: IOError.self) { try SocketAddress(parsing: text) }
    }

    @Test func survivesTheKernelBufferRoundTrip() throws {
        for address in [SocketAddress.loopback(port: 9), try SocketAddress(parsing: "[::1]:7"), try .unix(path: "/tmp/x.sock")] {
            let back = try SocketAddress(address.opBuffer())
            #expect(back == address)
            #expect(back.family == address.family)
        }
    }

    @Test func unixPathsAreChecked() {
        #expect(throws: IOError.pathContainsNul) { try SocketAddress.unix(path: "a\0b") }
        #expect(throws: IOError.self) { try SocketAddress.unix(path: String(repeating: "x", count: 200)) }
    }

    @Test func equalityAndHashingFollowTheFields() throws {
        let a = SocketAddress.loopback(port: 1)
        let b = try SocketAddress(host: "127.0.0.1", port: 1)
        #expect(a == b)
        #expect(Set([a, b, .loopback(port: 2)]).count == 2)
        let unix = try SocketAddress.unix(path: "/p")
        #expect(a.port == 1 && unix.port == nil)
    }
}
