import Synchronization

/// Closes descriptors on behalf of whatever created them: the kernel, or the
/// simulator's world.
public protocol DescriptorCloser: AnyObject, Sendable {
    /// Closes `fd`, ignoring errors (there is nobody left to report them to).
    func closeDescriptor(_ fd: Int32)
}

/// A descriptor created by an op and not yet claimed.
///
/// Ops that create descriptors (`openAt`, `accept`, `socket`) put one of these in
/// their ``Completion``. Whoever wants the descriptor calls ``take()``; if nobody
/// does (the op was cancelled, or its task stopped caring), `deinit` closes it.
public final class OwnedDescriptor: Sendable, CustomStringConvertible {
    /// The descriptor number.
    public let raw: Int32
    private let closer: any DescriptorCloser
    private let claimed = Atomic<Bool>(false)

    /// Takes ownership of `raw`, to be closed through `closer` unless taken.
    public init(_ raw: Int32, closer: any DescriptorCloser) {
        precondition(raw >= 0, "OwnedDescriptor: invalid descriptor \(raw)")
        self.raw = raw
        self.closer = closer
    }

    /// Claims the descriptor: the caller now owns it and must close it.
    ///
    /// - Precondition: not taken before. Taking twice means two owners of one
    ///   number, which ends in a double close of a reused number.
    public func take() -> Int32 {
        let (exchanged, _) = claimed.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing)
        precondition(exchanged, "OwnedDescriptor: descriptor \(raw) taken twice")
        return raw
    }

    /// Whether the descriptor was taken.
    public var isTaken: Bool { claimed.load(ordering: .acquiring) }

    deinit {
        if !claimed.load(ordering: .acquiring) { closer.closeDescriptor(raw) }
    }

    /// `fd N`.
    public var description: String { "fd \(raw)" }
}
