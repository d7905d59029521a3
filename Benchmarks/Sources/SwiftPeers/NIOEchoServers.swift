import BenchSupport
import NIOCore
import NIOPosix
import Glibc

/// SwiftNIO echo servers on one event-loop thread, bound to 127.0.0.1.
enum NIOEchoServers {
    /// The `ChannelInboundHandler` server: write on read, flush on read complete.
    static func handler(port: Int) throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let channel = try ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(EchoHandler())
                }
            }
            .bind(host: "127.0.0.1", port: port).wait()
        ready(port)
        try channel.closeFuture.wait()
    }

    /// The `NIOAsyncChannel` server: one child task per connection on Swift's
    /// global executor, `for try await` over inbound, awaiting each write.
    static func async(port: Int) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .bind(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        ready(port)
        try await withThrowingDiscardingTaskGroup { tasks in
            try await server.executeThenClose { inbound in
                for try await connection in inbound {
                    tasks.addTask {
                        try? await connection.executeThenClose { input, output in
                            for try await buffer in input { try await output.write(buffer) }
                        }
                    }
                }
            }
        }
    }

    private static func ready(_ port: Int) {
        print("READY port=\(port)")
        flushOutput()
    }
}

/// Echoes every read back, flushing once per batch of reads.
final class EchoHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.write(data, promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }
}
