// fltcheck-expect: violated NoRecursiveCheckOplock
// OplockCheckedInCompletion breaks NoRecursiveCheckOplock (catalog O5): the WaitCompletionRoutine
// re-checks the oplock before resuming the read, which deadlocks when the break completes before
// the outer FltCheckOplock has returned.
import FltModel

let model = Model("OplockCheckedInCompletion") {
    Workload { Requests(.read, count: 2, synchronous: false) }
    Filter("LayeredFs", altitude: 140_000) {
        let breakDone = OplockWaitCompletion("ReadOplockComplete") {
            CheckOplock(waitCompletion: nil) {
                CompletePendedPreOperation(Op.current, .successNoCallback)
            } onComplete: {
                CompletePendedPreOperation(Op.current, .complete(.insufficientResources))
            }
        }
        PreOperation(.read) {
            CheckOplock(waitCompletion: breakDone) {
                Return(.successNoCallback)
            } onPending: {
                Return(.pending)
            } onComplete: {
                Return(.complete(.insufficientResources))
            }
        }
    }
}
