// fltcheck-expect: violated DrainingCleanupOnly
// PostReadIgnoresDraining breaks DrainingCleanupOnly (catalog Q3): a post-operation callback called
// with FLTFL_POST_OPERATION_DRAINING may only clean up and return FLT_POSTOP_FINISHED_PROCESSING.
//
// The mistake: a decryption filter in the style of the WDK swapBuffers sample
// (filesys/miniFilter/swapBuffers/swapBuffers.c) does its post-read work at PASSIVE_LEVEL. Its
// PostRead posts every read to a deferred work item with FltQueueDeferredIoWorkItem and returns
// FLT_POSTOP_MORE_PROCESSING_REQUIRED; the work item "decrypts" the buffer and calls
// FltCompletePendedPostOperation. It handles a queueing failure correctly (W2: it finishes the
// read inline instead), but it never looks at the DRAINING flag: swapBuffers only ASSERTs it away
// (SwapPostReadBuffers), and this filter, unlike swapBuffers, does not SYNCHRONIZE its reads. When
// the instance is detached while a read is down in the (asynchronous) file system, FltMgr drains
// that read: it calls PostRead on the teardown thread with DRAINING and a copy of the callback data,
// and the filter tries to post that copy to a work item, which is normal completion processing
// (D:post, I:drain). The fix is Models/DrainAware.swift.
import FltModel

let model = Model("PostReadIgnoresDraining") {
    Workload {
        Requests(.read, count: 1, synchronous: false, fileSystem: .asynchronous(.success))
        InstanceTeardown("Decryptor")
    }
    Filter("Decryptor", altitude: 141_000) {
        let decrypted = BoolVariable("decrypted")
        let decrypt = WorkItem("DecryptRead") {
            decrypted.set(true)
            CompletePendedPostOperation(Op.current)
        }
        PreOperation(.read) {
            If(Op.isFastIo) {
                Return(.disallowFastIo)
            }
            Return(.successWithCallback)
        }
        PostOperation(.read) {
            // BUG: no `if (FlagOn(Flags, FLTFL_POST_OPERATION_DRAINING))` check before posting.
            If(Op.status != NTStatus.success) {
                Return(.finishedProcessing)
            }
            QueueDeferredIoWorkItem(decrypt) {
                Return(.moreProcessingRequired)
            } onFailure: {
                // W2 done right: not safe to post, so finish without decrypting.
                Return(.finishedProcessing)
            }
        }
    }
}
