// fltcheck-expect: violated PendedOperationsResumed
// PendedOperationsResumed (catalog R1, Q2): every operation pended in a post-op must eventually get
// FltCompletePendedPostOperation (and every one pended in a pre-op FltCompletePendedPreOperation).
//
// The mistake: PostWrite posts every write to a deferred work item that updates the filter's
// cache of file sizes at PASSIVE_LEVEL, and returns FLT_POSTOP_MORE_PROCESSING_REQUIRED. The work
// item calls FltCompletePendedPostOperation at the end of its "update" branch only: for a failed
// write there is nothing to update and the routine returns early, leaving the write's completion
// stuck forever (the writing thread hangs in its wait).
import FltModel

let model = Model("ForgottenPostResume") {
    Workload {
        Requests(.write, count: 1, fileSystem: .inline(.success, .accessDenied))
    }
    Filter("SizeCache", altitude: 324_000) {
        let cachedSizeValid = BoolVariable("cachedSizeValid", initial: true)
        let updateSize = WorkItem("UpdateSize") {
            If(Op.status == NTStatus.success) {
                cachedSizeValid.set(false)
                CompletePendedPostOperation(Op.current)
            }
            // BUG: a failed write falls through without FltCompletePendedPostOperation.
        }
        PreOperation(.write) {
            Return(.successWithCallback)
        }
        PostOperation(.write) {
            QueueDeferredIoWorkItem(updateSize) {
                Return(.moreProcessingRequired)
            } onFailure: {
                cachedSizeValid.set(false)
                Return(.finishedProcessing)
            }
        }
    }
}
