/// A listening stream socket (``TcpListener``, ``UnixListener``).
public protocol ListenerSocket: SocketHandle {
    /// The connection type ``accept()`` returns.
    associatedtype Stream: StreamSocket

    /// Waits for the next connection; returns it with the peer's address.
    func accept() async throws(IOError) -> (Stream, SocketAddress)
}

extension ListenerSocket {
    /// The accepted connections, as an `AsyncSequence`.
    ///
    /// The sequence ends when the iterating task is cancelled (an accept
    /// cancelled half-way closes any connection it got). Other errors end it by
    /// being thrown, except `ECONNABORTED` (a client that gave up before it
    /// was accepted), which is skipped.
    public var incoming: IncomingConnections<Self> { IncomingConnections(listener: self) }
}

/// The connections a listener accepts, one per iteration; see ``ListenerSocket/incoming``.
public struct IncomingConnections<Listener: ListenerSocket>: AsyncSequence, Sendable {
    /// Each element is an accepted connection.
    public typealias Element = Listener.Stream
    /// Iteration throws only ``IOError``.
    public typealias Failure = IOError

    /// The listener accepting.
    public let listener: Listener

    /// Iterates over new connections.
    public func makeAsyncIterator() -> Iterator { Iterator(listener: listener) }

    /// Accepts one connection per ``next()``.
    public struct Iterator: AsyncIteratorProtocol, Sendable {
        /// Each element is an accepted connection.
        public typealias Element = Listener.Stream
        /// Iteration throws only ``IOError``.
        public typealias Failure = IOError

        let listener: Listener
        private var finished = false

        init(listener: Listener) { self.listener = listener }

        /// The next connection, or `nil` once the task is cancelled.
        public mutating func next() async throws(IOError) -> Listener.Stream? {
            while !finished {
                do {
                    return try await listener.accept().0
                } catch .errno(.canceled) {
                    finished = true
                } catch .errno(.connectionAbort) {
                    continue
                } catch {
                    finished = true
                    throw error
                }
            }
            return nil
        }

        /// ``next()``, as `for await` calls it.
        public mutating func next(isolation actor: isolated (any Actor)?) async throws(IOError) -> Listener.Stream? {
            try await next()
        }
    }
}
