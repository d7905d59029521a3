import CLinux
import Compio
import Glibc

/// What a running scenario works with: the runtime, the world, its seed, and
/// helpers that turn ops into results the same way on every driver.
///
/// Used only on the runtime's thread (every task of a scenario runs there).
public final class ScenarioContext: @unchecked Sendable {
    /// The runtime the scenario runs on.
    public let runtime: Runtime
    /// The world it runs in.
    public let world: ScenarioWorld
    /// The run's seed (a fixed one on the kernel).
    public let seed: UInt64
    /// Counters a scenario's ``Scenario/afterRun`` checks.
    public var ledger: [String: Int] = [:]

    /// A context for one run.
    public init(runtime: Runtime, world: ScenarioWorld, seed: UInt64) {
        self.runtime = runtime
        self.world = world
        self.seed = seed
    }

    /// A generator for stream `stream` of this run's seed.
    public func random(_ stream: UInt64) -> ScenarioRandom { ScenarioRandom(seed: seed, stream: stream) }

    /// Fails the scenario with `message` unless `condition` holds.
    public func check(_ condition: Bool, _ message: @autoclosure () -> String) throws(ScenarioFailure) {
        if !condition { throw ScenarioFailure(message()) }
    }

    /// Whether `error` is one a fault can cause, when faults are on.
    public func tolerated(_ error: IOError) -> Bool {
        world.faults && !error.isCancelled
    }

    /// `ms` time units.
    public func units(_ count: Int) -> Duration { world.timeUnit * count }

    // MARK: Ops

    // The async helpers are `nonisolated(nonsending)`: they run on the
    // caller's executor, so a call costs no executor hop (two task switches,
    // each a status-record lock for the task's executor preference); plain
    // `async` functions hop to the generic executor and back on every call.

    /// Runs an op on `descriptor`, again while it fails with `EINTR` or `EAGAIN`
    /// (what the fault plan injects; a caller on the kernel would retry too).
    nonisolated(nonsending) public func run(_ descriptor: SharedDescriptor, _ makeOp: (Int32) -> Op) async -> Completion {
        while true {
            let completion = await descriptor.submit(on: runtime, makeOp)
            if case .failure(let e) = completion.result, e == .code(EINTR) || e == .code(EAGAIN), !Task.isCancelled { continue }
            return completion
        }
    }

    /// Runs an op that names no descriptor, with the same retries as ``run(_:_:)``.
    nonisolated(nonsending) public func run(_ makeOp: () throws(IOError) -> Op) async throws(IOError) -> Completion {
        while true {
            let completion = await runtime.submit(try makeOp())
            if case .failure(let e) = completion.result, e == .code(EINTR) || e == .code(EAGAIN), !Task.isCancelled { continue }
            return completion
        }
    }

    /// Wraps the descriptor a completion created.
    public func adopt(_ completion: Completion) -> Result<SharedDescriptor, IOError> {
        switch completion.result {
        case .failure(let e): return .failure(e)
        case .success:
            guard let owned = completion.descriptor else { return .failure(.invalidArgument("no descriptor")) }
            return .success(SharedDescriptor(owned, closer: world.closer))
        }
    }

    /// The path of `name` in the scenario's directory, unique to this seed.
    public func path(_ name: String) -> String { "\(world.directory)/\(name)-\(seed)" }

    /// Opens (creating and truncating) the file `name` for reading and writing.
    nonisolated(nonsending) public func createFile(_ name: String) async throws -> SharedDescriptor {
        let path = path(name)
        let completion = try await run { () throws(IOError) in
            .openAt(directory: AT_FDCWD, path: try OpPath(path), flags: O_CREAT | O_RDWR | O_TRUNC, mode: 0o644)
        }
        return try adopt(completion).get()
    }

    /// Removes the file `name`.
    nonisolated(nonsending) public func removeFile(_ name: String) async throws {
        let path = path(name)
        _ = try await run { () throws(IOError) in .unlinkAt(directory: AT_FDCWD, path: try OpPath(path), removeDirectory: false) }.result.get()
    }

    /// Writes all of `bytes` at `offset`, going on after short writes.
    /// Returns how many were written before an error, if one came.
    nonisolated(nonsending) public func writeAll(_ file: SharedDescriptor, _ bytes: [UInt8], at offset: Int) async -> (written: Int, error: IOError?) {
        var done = 0
        while done < bytes.count {
            let chunk = IOBuffer(bytes: bytes[done...])
            let at = offset + done
            let completion = await run(file) { .writeAt(fd: $0, buffer: OpBuffer(chunk), offset: Int64(at)) }
            switch completion.result {
            case .success(let n) where n > 0: done += n
            case .success: return (done, .code(EIO))
            case .failure(let e): return (done, e)
            }
        }
        return (done, nil)
    }

    /// Reads up to `count` bytes at `offset`.
    nonisolated(nonsending) public func read(_ file: SharedDescriptor, count: Int, at offset: Int) async -> Result<[UInt8], IOError> {
        let buffer = IOBuffer(capacity: count)
        let completion = await run(file) { .readAt(fd: $0, buffer: OpBuffer(buffer), offset: Int64(offset)) }
        return completion.result.map { Array(UnsafeRawBufferPointer(start: buffer.base, count: $0)) }
    }

    /// A TCP socket.
    nonisolated(nonsending) public func tcpSocket() async throws(IOError) -> SharedDescriptor {
        let family = world.serverAddress.family
        return try adopt(try await run { .socket(domain: family, type: CLINUX_SOCK_STREAM, protocol: 0) }).get()
    }

    /// A listening socket at the world's server address, and the address it got.
    nonisolated(nonsending) public func listen(backlog: Int32 = 64) async throws(IOError) -> (SharedDescriptor, SocketAddress) {
        let socket = try await tcpSocket()
        let address = world.serverAddress.opBuffer()
        _ = try await run(socket) { .bind(fd: $0, address: address) }.result.get()
        _ = try await run(socket) { .listen(fd: $0, backlog: backlog) }.result.get()
        let local = SocketAddressBuffer()
        _ = try await run(socket) { .socketAddress(fd: $0, into: local, peer: false) }.result.get()
        return (socket, try SocketAddress(local))
    }

    /// A socket of client `client` connected to `address`.
    nonisolated(nonsending) public func connect(client: Int, to address: SocketAddress) async -> Result<SharedDescriptor, IOError> {
        do throws(IOError) {
            let socket = try await tcpSocket()
            if let local = world.clientAddress(client) {
                let buffer = local.opBuffer()
                _ = try await run(socket) { .bind(fd: $0, address: buffer) }.result.get()
            }
            let remote = address.opBuffer()
            _ = try await run(socket) { .connect(fd: $0, address: remote) }.result.get()
            return .success(socket)
        } catch {
            return .failure(error)
        }
    }

    /// Accepts one connection.
    nonisolated(nonsending) public func accept(_ listener: SharedDescriptor) async -> Result<SharedDescriptor, IOError> {
        adopt(await run(listener) { .accept(fd: $0, peer: nil) })
    }

    /// Sends all of `bytes`, going on after short sends. Returns how many
    /// were sent before an error, if one came.
    nonisolated(nonsending) public func sendAll(_ socket: SharedDescriptor, _ bytes: [UInt8]) async -> (sent: Int, error: IOError?) {
        var done = 0
        while done < bytes.count {
            let chunk = IOBuffer(bytes: bytes[done...])
            switch await run(socket, { .send(fd: $0, buffer: OpBuffer(chunk), flags: CLINUX_MSG_NOSIGNAL) }).result {
            case .success(let n): done += n
            case .failure(let e): return (done, e)
            }
        }
        return (done, nil)
    }

    /// Receives up to `count` bytes (an empty array: end of stream).
    nonisolated(nonsending) public func receive(_ socket: SharedDescriptor, upTo count: Int) async -> Result<[UInt8], IOError> {
        let buffer = IOBuffer(capacity: count)
        let completion = await run(socket) { .recv(fd: $0, buffer: OpBuffer(buffer), flags: 0) }
        return completion.result.map { Array(UnsafeRawBufferPointer(start: buffer.base, count: $0)) }
    }

    /// Closes `descriptor`; a failure fails the scenario unless faults are on.
    nonisolated(nonsending) public func close(_ descriptor: SharedDescriptor) async throws {
        do throws(IOError) {
            try await descriptor.close(on: runtime)
        } catch {
            if !tolerated(error) { throw ScenarioFailure("close of \(descriptor) failed: \(error)") }
        }
    }
}
