// fltcheck-expect: violated HandleDeferredQueueFailure
// HandleDeferredQueueFailure (catalog W2): when FltQueueDeferredIoWorkItem fails, the callback must
// not return FLT_PREOP_PENDING (or FLT_POSTOP_MORE_PROCESSING_REQUIRED) for that operation.
//
// The mistake: PreRead queues a deferred work item that scans and resumes the read, logs the
// status of FltQueueDeferredIoWorkItem and returns FLT_PREOP_PENDING either way. The queueing fails
// (W1: STATUS_FLT_NOT_SAFE_TO_POST_OPERATION) for paging I/O and when TopLevelIrp is set, e.g. the
// Cache Manager's read-ahead and the memory manager's page-in; those reads are pended with nothing
// to resume them and the system hangs.
import FltModel

let model = Model("IgnoreQueueFailure") {
    Workload {
        Requests(.read, count: 1)
        Requests(.read, count: 1, paging: true)
    }
    Filter("ReadScanner", altitude: 323_000) {
        let scanRead = WorkItem("ScanRead") {
            CompletePendedPreOperation(Op.current, .successNoCallback)
        }
        PreOperation(.read) {
            If(Op.isFastIo) {
                Return(.disallowFastIo)
            }
            QueueDeferredIoWorkItem(scanRead) {
            } onFailure: {
                // BUG: the failure is only logged.
            }
            Return(.pending)
        }
    }
}
