// Fixture: a branch Z3 cannot decide quickly (factoring a 62-bit semiprime), to test that a solver
// timeout makes the verdict inconclusive.
import FltModel

let model = Model("FactoringBranch") {
    Workload { Requests(.read) }
    Filter("F", altitude: 100) {
        let p = BitVector("p", .uint64, initial: .symbolic(where: { $0 > 1 && $0 < 0x1_0000_0000 }))
        let q = BitVector("q", .uint64, initial: .symbolic(where: { $0 > 1 && $0 < 0x1_0000_0000 }))
        PreOperation(.read) {
            If(p * q == 4_611_686_014_132_420_609) {
                Assert(false, "factored")
            }
            Return(.successNoCallback)
        }
    }
}
