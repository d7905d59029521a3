import Compio
import Testing

/// UDP sockets on the real kernel, on every driver.
@Suite(.serialized) struct NetUdpTests {
    @Test(arguments: TestDrivers.choices)
    func roundTripsReportTheSendersAddress(_ choice: DriverBuilder.Choice) async throws {
        let rounds = 50
        let completed = try await NetTest.run(choice) { _ in
            let a = try await UdpSocket.bind(.loopback(port: 0))
            let b = try await UdpSocket.bind(.loopback(port: 0))
            let addressA = try await a.localAddress
            let addressB = try await b.localAddress
            var completed = 0
            for round in 0..<rounds {
                let message = NetTest.message(client: 3, round: round)
                #expect(try await a.send(OwnedBuffer(message), to: addressB).get() == message.count)
                let received = await b.receiveFrom(OwnedBuffer(capacity: 65536))
                let (count, sender) = try received.result.get()
                #expect(count == message.count && received.buffer.bytes == message)
                #expect(sender == addressA)
                // Echo back to whoever sent it.
                #expect(try await b.send(received.buffer, to: sender).get() == message.count)
                let echoed = await a.receiveFrom(OwnedBuffer(capacity: 65536))
                #expect(try echoed.result.get().sender == addressB)
                #expect(echoed.buffer.bytes == message)
                completed += 1
            }
            try await a.close()
            try await b.close()
            return completed
        }
        #expect(completed == rounds)
    }

    @Test(arguments: TestDrivers.choices)
    func connectedSocketsSendAndReceive(_ choice: DriverBuilder.Choice) async throws {
        let (forth, back) = try await NetTest.run(choice) { _ in
            let a = try await UdpSocket.bind(.loopback(port: 0))
            let b = try await UdpSocket.bind(.loopback(port: 0))
            try await a.connect(to: b.localAddress)
            try await b.connect(to: a.localAddress)
            _ = try await a.send(OwnedBuffer(string: "ping")).get()
            let forth = await b.receive(OwnedBuffer(capacity: 16))
            _ = try await b.send(OwnedBuffer(string: "pong")).get()
            let back = await a.receive(OwnedBuffer(capacity: 16))
            try await a.close()
            try await b.close()
            return (forth.buffer.string, back.buffer.string)
        }
        #expect(forth == "ping")
        #expect(back == "pong")
    }

    @Test(arguments: TestDrivers.choices)
    func aDatagramLargerThanTheBufferIsCut(_ choice: DriverBuilder.Choice) async throws {
        let (count, bytes) = try await NetTest.run(choice) { _ in
            let a = try await UdpSocket.bind(.loopback(port: 0))
            let b = try await UdpSocket.bind(.loopback(port: 0))
            _ = try await a.send(OwnedBuffer(Array(0..<100)), to: b.localAddress).get()
            let received = await b.receive(OwnedBuffer(capacity: 10))
            let count = try received.result.get()
            let bytes = received.buffer.bytes
            try await a.close()
            try await b.close()
            return (count, bytes)
        }
        #expect(count == 10)
        #expect(bytes == Array(0..<10))
    }

    @Test(arguments: TestDrivers.choices)
    func opsAfterCloseFailWithClosed(_ choice: DriverBuilder.Choice) async throws {
        let results = try await NetTest.run(choice) { _ in
            let a = try await UdpSocket.bind(.loopback(port: 0))
            let target = try await a.localAddress
            try await a.close()
            return [
                await a.send(OwnedBuffer([1]), to: target).result,
                await a.send(OwnedBuffer([1])).result,
                await a.receive(OwnedBuffer(capacity: 4)).result,
                await a.receiveFrom(OwnedBuffer(capacity: 4)).result.map(\.count),
            ]
        }
        #expect(results == Array(repeating: .failure(.closed), count: 4))
    }
}
