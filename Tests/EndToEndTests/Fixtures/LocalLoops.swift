// LocalLoops: loops over thread-local variables only, for the partial-order reduction
// (PartialOrderReductionTests): a statement that touches only its thread's locals joins the step
// before it, but a step that jumps back ends, so a loop over locals still takes a step per turn
// and the one that never ends is a cycle of states, not a step that never ends.
import FltModel

let model = Model("LocalLoops") {
    Workload { Requests(.read, count: 2, synchronous: false) }
    Filter("Counter", altitude: 370_000) {
        let turns = IntVariable("turns", 0...3, threadLocal: true)
        let seen = IntVariable("seen", 0...2)
        PreOperation(.read) {
            While(turns < 3) {
                turns.set(turns + 1)
            }
            Assert(turns == 3, "the loop ran three times")
            seen.set(seen + 1)
            Return(.successNoCallback)
        }
        PostOperation(.read) {
            Return(.finishedProcessing)
        }
    }
}
