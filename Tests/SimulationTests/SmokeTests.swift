import Testing
import Compio
import CompioSim

@Test func smoke() throws {
    let d = SimDriver(seed: 1)
    guard case .pending = d.push(.nop) else { Issue.record("nop ready"); return }
    var n = 0
    try d.poll(timeout: nil) { _ in n += 1 }
    #expect(n == 1)
}
