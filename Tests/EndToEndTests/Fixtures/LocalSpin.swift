// LocalSpin: a pre-read that spins forever on a thread-local flag nobody can change: with the
// partial-order reduction the spin is still one step per turn, a cycle, so the search ends and
// finds the read that is never completed (PendedOperationsResumed, a fair cycle;
// PartialOrderReductionTests).
import FltModel

let model = Model("LocalSpin") {
    Workload { Requests(.read, count: 1, synchronous: false) }
    Filter("Spinner", altitude: 370_000) {
        let waiting = BoolVariable("waiting", initial: true, threadLocal: true)
        PreOperation(.read) {
            While(waiting) {
                waiting.set(true)
            }
            Return(.successNoCallback)
        }
    }
}
