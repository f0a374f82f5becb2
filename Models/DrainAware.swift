// fltcheck-expect: holds
// DrainAware: the post-read decryption of Models/Bugs/PostReadIgnoresDraining.swift done right, in
// the form S4 documents (posting with FltQueueDeferredIoWorkItem), with the DRAINING test the docs
// ask of every post-op (D:post, I:drain) and that the WDK minispy sample makes first
// (SpyPostOperationCallback frees its record and returns, minispy/filter/minispy.c l.962). PostRead
// tests FLTFL_POST_OPERATION_DRAINING first: a drained read only has its per-operation state freed
// and gets FLT_POSTOP_FINISHED_PROCESSING. Otherwise it posts the read to a deferred work item and
// returns FLT_POSTOP_MORE_PROCESSING_REQUIRED, or finishes inline when FltQueueDeferredIoWorkItem
// fails (W1/W2: paging I/O, TopLevelIrp, or the instance is being torn down). The work item
// completes the read with FltCompletePendedPostOperation, which keeps teardown waiting until it has
// run (T4); InstanceTeardownComplete then only checks that nothing is still posted (T6: it resumes
// nothing). Reads race an instance teardown, and the file system completes them inline or later.
// Every property holds.
import FltModel

let model = Model("DrainAware") {
    Workload {
        Requests(.read, count: 1, synchronous: false, fileSystem: .asynchronous(.success, .endOfFile))
        Requests(.read, count: 1, synchronous: false, fileSystem: .either(.success))
        Requests(.read, count: 1, paging: true)
        InstanceTeardown("Decryptor")
    }
    Filter("Decryptor", altitude: 141_000) {
        // Reads posted to the work item and not yet completed (a counter in the instance context).
        let posted = IntVariable("posted", 0...3)
        let decrypt = WorkItem("DecryptRead") {
            Atomic {
                Assert(posted > 0, "a posted read was counted")
                posted.set(posted - 1)
            }
            CompletePendedPostOperation(Op.current)
        }
        PreOperation(.read) {
            If(Op.isFastIo) {
                Return(.disallowFastIo)
            }
            Return(.successWithCallback)
        }
        PostOperation(.read) {
            If(Op.isDraining) {
                // Only cleanup: free the completion context and let FltMgr finish the drain.
                Return(.finishedProcessing)
            }
            If(Op.status != NTStatus.success) {
                Return(.finishedProcessing)
            }
            Atomic {
                posted.set(posted + 1)
            }
            QueueDeferredIoWorkItem(decrypt) {
                Return(.moreProcessingRequired)
            } onFailure: {
                Atomic {
                    posted.set(posted - 1)
                }
                Return(.finishedProcessing)
            }
        }
        InstanceTeardownComplete {
            Assert(posted == 0, "no read is still posted when teardown completes (T4)")
        }
    }
}
