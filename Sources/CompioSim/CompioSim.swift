import Compio

/// CompioSim: the deterministic simulation driver. Its driver, world and
/// checkers land with the simulation issue; this namespace anchors the module.
public enum CompioSim {
    /// The version of the simulation trace format.
    public static let traceFormatVersion = 1
}
