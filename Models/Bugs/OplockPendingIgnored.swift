// fltcheck-expect: violated OplockPendingIsHandoff
// OplockPendingIgnored breaks OplockPendingIsHandoff (catalog O1): the pre-read treats every
// FltCheckOplock result other than COMPLETE as "go on", so when the oplock package took the read for
// a break it is also sent down the stack: the break's completion then resumes a read already in flight.
import FltModel

let model = Model("OplockPendingIgnored") {
    Workload { Requests(.read, count: 2, synchronous: false) }
    Filter("LayeredFs", altitude: 140_000) {
        let breakDone = OplockWaitCompletion("ReadOplockComplete") {
            CompletePendedPreOperation(Op.current, .successNoCallback)
        }
        PreOperation(.read) {
            CheckOplock(waitCompletion: breakDone) {
                Return(.successNoCallback)
            } onPending: {
                Return(.successNoCallback)
            } onComplete: {
                Return(.complete(.insufficientResources))
            }
        }
    }
}
