// fltcheck-expect: violated OplockWaitCompletionResumes
// OplockBreakForgotten breaks OplockWaitCompletionResumes (catalog O2): the WaitCompletionRoutine
// only resumes the read when the break succeeded and forgets it otherwise; the read stays pended.
import FltModel

let model = Model("OplockBreakForgotten") {
    Workload { Requests(.read, count: 2, synchronous: false) }
    Filter("LayeredFs", altitude: 140_000) {
        let breakDone = OplockWaitCompletion("ReadOplockComplete") {
            Either {
                CompletePendedPreOperation(Op.current, .successNoCallback)
            } or: {
                // The break failed: nothing resumes the read.
                Step()
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
