// fltcheck-expect: violated ResumeOnlyWhatYouPended
// ResumeOnlyWhatYouPended (catalog R3, reached through R6 HandoffImpliesPending): call
// FltCompletePendedPreOperation only on an operation this filter's pre-op pended.
//
// The mistake: PreWrite used to scan the write inline and return FLT_PREOP_SUCCESS_NO_CALLBACK. When
// the scan was moved to a deferred work item (which resumes the write when the scan is done), the
// old `return FLT_PREOP_SUCCESS_NO_CALLBACK;` stayed. Once the work item is queued the pre-op has
// handed the write off and must return FLT_PREOP_PENDING (R6). Instead FltMgr passes the write on
// at once, and the worker later "resumes" an operation that was never pended: either while the
// pre-op is still running (R8 allows that only when the pre-op then returns PENDING) or after the
// write has gone down the stack, when the filter no longer owns it.
import FltModel

let model = Model("ResumeWithoutPending") {
    Workload {
        Requests(.write, count: 1)
    }
    Filter("AsyncScanner", altitude: 325_000) {
        let scanWrite = WorkItem("ScanWrite") {
            CompletePendedPreOperation(Op.current, .successNoCallback)
        }
        PreOperation(.write) {
            If(Op.isPaging || Op.isTopLevelIrp || Op.isFastIo) {
                Return(.successNoCallback)
            }
            QueueDeferredIoWorkItem(scanWrite) {
                // BUG: left over from the synchronous version; must be Return(.pending).
                Return(.successNoCallback)
            } onFailure: {
                Return(.successNoCallback)
            }
        }
    }
}
