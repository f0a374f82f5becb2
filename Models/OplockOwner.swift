// fltcheck-expect: holds
// OplockOwner: a layered-file-system style filter that owns oplocks on its own streams and checks
// them in the pre-read (D:oplock; the FAT/NTFS `*OplockComplete` pattern the catalog cites for O2):
// FltCheckOplock may let the read go on, fail it with IoStatus set (returned as COMPLETE, O4), or
// take it for a break (the pre-op returns PENDING and does not touch it, O1); the WaitCompletion
// routine then resumes it exactly once (O2), never calling FltCheckOplock again (O5). Holds.
import FltModel

let model = Model("OplockOwner") {
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
                Return(.complete(.insufficientResources))
            }
        }
    }
}
