// fltcheck-expect: violated MoreProcessingOnlyWhenPosted
// MoreProcessingOnlyWhenPosted (catalog Q1): FLT_POSTOP_MORE_PROCESSING_REQUIRED is returned only for
// an operation the post-op actually posted (a work item queued for it, or its handle kept).
//
// The mistake: PostRead decrypts successful reads in a deferred work item, which calls
// FltCompletePendedPostOperation when done. A failed read has nothing to decrypt, so no work item is
// queued for it, but `return FLT_POSTOP_MORE_PROCESSING_REQUIRED;` was moved out of the `if` during a
// cleanup and is now returned for failed reads (STATUS_END_OF_FILE) too: nobody will ever resume
// their completion.
import FltModel

let model = Model("MoreProcessingNotPosted") {
    Workload {
        Requests(.read, count: 1, fileSystem: .inline(.success, .endOfFile))
    }
    Filter("Decryptor", altitude: 141_100) {
        let decrypt = WorkItem("Decrypt") {
            CompletePendedPostOperation(Op.current)
        }
        PreOperation(.read) {
            If(Op.isFastIo) {
                Return(.disallowFastIo)
            }
            Return(.successWithCallback)
        }
        PostOperation(.read) {
            If(Op.status == NTStatus.success) {
                QueueDeferredIoWorkItem(decrypt) {
                } onFailure: {
                    SetStatus(NTStatus.insufficientResources)
                    Return(.finishedProcessing)
                }
            }
            // BUG: also reached for failed reads, for which nothing was queued.
            Return(.moreProcessingRequired)
        }
    }
}
