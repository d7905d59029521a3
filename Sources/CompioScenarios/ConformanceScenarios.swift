extension Scenario {
    /// Checks that the simulated kernel behaves as Linux does for one area
    /// (IPv6, Unix sockets, passed descriptors): the same code and exact
    /// assertions run on the kernel drivers (CompioTests' `NetConformanceTests`)
    /// and under CompioSim (SimulationTests), without faults. Not in ``all``:
    /// their assertions are exact, so a fault plan would break them.
    public static let conformance: [Scenario] = [.ipv6Sockets, .unixSockets, .passedDescriptors]
}
