import BenchSupport
import Glibc

// swift-peers: the Swift options a user has today (Foundation, SwiftNIO), one
// measurement per run, printed as `RESULT key=value ...`.
let arguments = CommandLine.arguments.dropFirst()
let options = Options(arguments.dropFirst())
switch arguments.first ?? "" {
case "filehandle": try FileHandlePeer.run(options)
case "niofs": try await NIOFileSystemPeer.run(options)
case "nio-handler": try NIOEchoServers.handler(port: options.int("port", 7000))
case "nio-async": try await NIOEchoServers.async(port: options.int("port", 7000))
default:
    print("usage: swift-peers filehandle|niofs --file PATH --block B --mode rand|seq [--tasks N] [--seconds S]")
    print("       swift-peers nio-handler|nio-async --port P")
    exit(2)
}
