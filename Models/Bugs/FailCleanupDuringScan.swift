// fltcheck-expect: violated CleanupCloseNeverFail
// CleanupCloseNeverFail (catalog P5): IRP_MJ_CLEANUP and IRP_MJ_CLOSE can only be completed with
// success.
//
// The mistake: the filter scans a file while it is written (PreWrite sets `scanInProgress`,
// PostWrite clears it). PreCleanup refuses to let the handle go while a scan is in progress and
// completes the cleanup with STATUS_ACCESS_DENIED. The last handle is closed whatever the filter
// says: cleanup cannot fail, and the file object is left in an inconsistent state. (Waiting for the
// scan, or finishing it in the post-cleanup, would be correct.)
import FltModel

let model = Model("FailCleanupDuringScan") {
    Workload {
        Requests(.write, count: 1)
        Requests(.cleanup, count: 1)
    }
    Filter("ScanOnWrite", altitude: 322_000) {
        let scanInProgress = BoolVariable("scanInProgress")
        PreOperation(.write) {
            scanInProgress.set(true)
            Return(.successWithCallback)
        }
        PostOperation(.write) {
            scanInProgress.set(false)
            Return(.finishedProcessing)
        }
        PreOperation(.cleanup) {
            If(scanInProgress) {
                // BUG: cleanup cannot be failed.
                Return(.complete(.accessDenied))
            }
            Return(.successNoCallback)
        }
    }
}
