// fltcheck-expect: violated CancelFileOpenOnlyPostCreate
// CancelOpenOfFailedCreate breaks CancelFileOpenOnlyPostCreate (catalog Q10): a post-create that
// denies the open without looking at how the file system completed it, so it calls FltCancelFileOpen
// for a create that failed (STATUS_OBJECT_NAME_NOT_FOUND): no file was opened, and there is nothing
// to close (D:cfo; the scanner sample skips failed and STATUS_REPARSE creates first).
// Models/CancelInfectedOpen.swift checks the status first.
import FltModel

let model = Model("CancelOpenOfFailedCreate") {
    Workload { Requests(.create, fileSystem: .inline(.success, .objectNameNotFound)) }
    Filter("Policy", altitude: 265_000) {
        PreOperation(.create) { Return(.successWithCallback) }
        PostOperation(.create) {
            Either {
                Return(.finishedProcessing)
            } or: {
                // The policy says no: undo the open and fail the create.
                CancelFileOpen()
                SetStatus(NTStatus.accessDenied, information: 0)
                Return(.finishedProcessing)
            }
        }
    }
}
