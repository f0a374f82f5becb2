// fltcheck-expect: violated DrainingCleanupOnly
// PostReadIgnoresDraining breaks DrainingCleanupOnly (catalog Q3): a post-operation callback called
// with FLTFL_POST_OPERATION_DRAINING may only clean up and return FLT_POSTOP_FINISHED_PROCESSING.
//
// The mistake: a decryption filter in the style of the WDK swapBuffers sample
// (filesys/miniFilter/swapBuffers/swapBuffers.c) does its post-read work at PASSIVE_LEVEL. Its
// PreRead returns FLT_PREOP_SUCCESS_WITH_CALLBACK; its PostRead parks every successful read in the
// instance context (`ctx->PostedRead = Data`), queues the filter's decryption worker with
// FltQueueGenericWorkItem on the filter object, and returns FLT_POSTOP_MORE_PROCESSING_REQUIRED;
// the worker takes the read out of the context, "decrypts" it, and calls
// FltCompletePendedPostOperation. (swapBuffers gets to a safe IRQL with
// FltDoCompletionProcessingWhenSafe, l.1131.) The filter never tests the DRAINING flag: like
// SwapPostReadBuffers it only asserts that the flag is clear (l.1045), which a free build compiles
// away. When the instance is detached while a read is down in the (asynchronous) file system,
// FltMgr drains that read: it calls PostRead on the teardown thread with DRAINING and a copy of the
// callback data. Unlike FltQueueDeferredIoWorkItem, which fails once the instance is being torn
// down (S4, W1), FltQueueGenericWorkItem on the filter object still succeeds, so the drained
// PostRead hands the copy to the worker and returns FLT_POSTOP_MORE_PROCESSING_REQUIRED (D:post,
// I:drain); the worker would later "complete" a callback data FltMgr no longer pends. The fix is
// to test FLTFL_POST_OPERATION_DRAINING first, as Models/DrainAware.swift does.
// The callbacks and the worker run whole (`.explicitSteps`) to show the drain bug alone: with every
// statement interleaved, the worker can also take the drained read before PostRead has returned and
// resume it, and fltcheck then reports a second completion (NoDoubleCompletion) as well.
import FltModel

let model = Model("PostReadIgnoresDraining", interleaving: .explicitSteps) {
    Workload {
        Requests(.read, count: 1, synchronous: false, fileSystem: .asynchronous(.success))
        InstanceTeardown("Decryptor")
    }
    Filter("Decryptor", altitude: 141_000) {
        // The instance context's slot for a read awaiting decryption (one read, so one slot), and
        // the worker's local.
        let postedRead = OperationVariable("postedRead")
        let taken = OperationVariable("taken")
        let decrypt = WorkItem("DecryptWorker", kind: .generic) {
            Atomic {
                taken.set(postedRead)
                postedRead.set(Op.none)
            }
            If(taken != Op.none) {
                CompletePendedPostOperation(taken)
                taken.set(Op.none)
            }
        }
        PreOperation(.read) {
            If(Op.isFastIo) {
                Return(.disallowFastIo)
            }
            Return(.successWithCallback)
        }
        PostOperation(.read) {
            // BUG: no `if (FlagOn(Flags, FLTFL_POST_OPERATION_DRAINING))` test before posting.
            If(Op.status != NTStatus.success) {
                Return(.finishedProcessing)
            }
            postedRead.set(Op.current)
            QueueGenericWorkItem(decrypt) {
                Return(.moreProcessingRequired)
            } onFailure: {
                // The filter is being unloaded: finish without decrypting.
                postedRead.set(Op.none)
                Return(.finishedProcessing)
            }
        }
    }
}
