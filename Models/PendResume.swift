// fltcheck-expect: holds
// PendResume: pend-and-resume with deferred work items, in the style of the WDK cancelSafe sample
// (filesys/miniFilter/cancelSafe/cancelSafe.c: PreRead skips paging I/O and TopLevelIrp, refuses fast
// I/O with DISALLOW_FASTIO, hands the read to a worker and returns PENDING; the worker resumes it
// with FltCompletePendedPreOperation). Abstracted: the cancel-safe queue and its generic worker
// become one deferred work item per read (FltQueueDeferredIoWorkItem), and there is no cancellation
// or teardown yet. A second filter below pends writes in its post-op and finishes them from a work
// item (S4's pattern). Every property holds.
import FltModel

let model = Model("PendResume") {
    Workload {
        Requests(.read, count: 2, synchronous: false, fileSystem: .either(.success, .endOfFile))
        Requests(.read, count: 1, paging: true)
        Requests(.read, count: 1, kind: .fastIo)
        Requests(.write, count: 1, fileSystem: .asynchronous(.success))
    }
    Filter("CancelSafe", altitude: 370_020) {
        let pendedReads = IntVariable("pendedReads", 0...3)
        let deQueue = WorkItem("DeQueue") {
            Atomic {
                Assert(pendedReads > 0, "a resumed read was counted when it was pended")
                pendedReads.set(pendedReads - 1)
            }
            Either {
                CompletePendedPreOperation(Op.current, .successNoCallback)
            } or: {
                // cancelSafe completes with an error when FltLockUserBuffer fails.
                CompletePendedPreOperation(Op.current, .complete(.insufficientResources))
            }
        }
        PreOperation(.read) {
            If(Op.isFastIo) {
                Return(.disallowFastIo)
            }
            If(Op.isPaging || Op.isTopLevelIrp) {
                Return(.successNoCallback)
            }
            Atomic {
                pendedReads.set(pendedReads + 1)
            }
            QueueDeferredIoWorkItem(deQueue) {
                Return(.pending)
            } onFailure: {
                Atomic {
                    pendedReads.set(pendedReads - 1)
                }
                Return(.successNoCallback)
            }
        }
    }
    Filter("PostPender", altitude: 360_000) {
        let finish = WorkItem("FinishWrite") {
            CompletePendedPostOperation(Op.current)
        }
        PreOperation(.write) {
            Return(.successWithCallback)
        }
        PostOperation(.write) {
            QueueDeferredIoWorkItem(finish) {
                Return(.moreProcessingRequired)
            } onFailure: {
                Return(.finishedProcessing)
            }
        }
    }
}
