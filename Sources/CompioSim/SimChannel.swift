import Compio

/// A FIFO of ops that must take effect in submission order, the way the kernel
/// serves one socket's receive queue or one file's shared offset.
///
/// Only the head may run; an op behind it waits even when its own latency has
/// passed. Ops without a channel (positional file I/O, path ops) are free to
/// complete in any order.
final class SimChannel {
    /// Unchecked: one-threaded, and no access overlaps another (see SimDriver).
    @exclusivity(unchecked) var queue: [OpKey] = []
}
