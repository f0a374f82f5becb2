// fltcheck-expect: violated OplockCompleteMeansComplete
// OplockFailureIgnored breaks OplockCompleteMeansComplete (catalog O4): when FltCheckOplock fails
// (FLT_PREOP_COMPLETE with IoStatus set) the pre-read sends the read down anyway.
import FltModel

let model = Model("OplockFailureIgnored") {
    Workload { Requests(.read, count: 2, synchronous: false) }
    Filter("LayeredFs", altitude: 140_000) {
        let breakDone = OplockWaitCompletion("ReadOplockComplete") {
            CompletePendedPreOperation(Op.current, .successNoCallback)
        }
        PreOperation(.read) {
            CheckOplock(waitCompletion: breakDone) {
                Return(.successNoCallback)
            } onPending: {
                Return(.pending)
            } onComplete: {
                Return(.successNoCallback)
            }
        }
    }
}
