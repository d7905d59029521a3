import Testing
import CompioSim

@Test func traceFormatIsVersioned() {
    #expect(CompioSim.traceFormatVersion == 1)
}
