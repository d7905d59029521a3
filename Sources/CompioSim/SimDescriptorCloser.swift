import Compio

/// Closes simulated descriptors that ops created and nobody claimed (an
/// `accept` or `openAt` that completed after its cancel, a dropped completion).
///
/// `@unchecked Sendable`: the simulated world is single-threaded, and
/// ``OwnedDescriptor`` is dropped on the driver's thread in a simulated run.
final class SimDescriptorCloser: DescriptorCloser, @unchecked Sendable {
    weak var driver: SimDriver?

    init() {}

    func closeDescriptor(_ fd: Int32) { driver?.closeUnclaimed(fd) }
}
