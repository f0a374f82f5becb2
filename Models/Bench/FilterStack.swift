// fltcheck-expect: holds
// FilterStack: the benchmark scenario of ../shared/bench/spin/filterstack.pml (Spin's baseline),
// in fltcheck's model language, for `bench/run.sh`. Parameters:
//   --param N=1..6        the number of read requests (default 2)
//   --param VARIANT=correct | doubleCompletion | teardownNeverCompletes
//
// Two filters by altitude over the file system. Upper: the pre-read inserts the read into a
// cancel-safe queue and returns PENDING (a work item per read, FltQueueDeferredIoWorkItem, takes it
// out with FltCbdqRemoveIo and completes it with FltCompletePendedPreOperation, SUCCESS_NO_CALLBACK
// or COMPLETE, unless teardown has told the workers to stop); the queue's cancel callback completes
// a cancelled read with STATUS_CANCELLED (C5); InstanceTeardownStart stops the workers, disables
// the queue and completes every read left in it (T1, T2). Lower: the
// pre-read returns WITH_CALLBACK; the post-read either finishes or queues a deferred work item that
// calls FltCompletePendedPostOperation and returns MORE_PROCESSING_REQUIRED, finishing inline when
// queueing fails (the instance is being torn down, W1); a drained post-op (FLTFL_POST_OPERATION_
// DRAINING, Q3) finishes at once.
//
// Variants, as in the Promela model:
// - correct: every property holds.
// - doubleCompletion: the upper work item checks that its read is still queued (FltCbdqRemoveIo),
//   then completes it in a later step whatever the check said: a cancel or the teardown drain that
//   took the read first has completed it already (NoDoubleCompletion, catalog R2/C7); when the
//   teardown drain took it, the second completion also comes after teardown complete
//   (NoResumeAfterTeardownComplete, T6).
// - teardownNeverCompletes: InstanceTeardownStart stops the workers but neither disables nor drains
//   the queue: a read still queued then is resumed by nobody, so teardown never completes
//   (TeardownCompletes, T1/T4; PendedOperationsResumed).
//
// Differences from the Promela model, which make fltcheck's state space larger, not smaller: each
// filter's instance is torn down by its own teardown (Spin tears both down at once); a read may be
// cancelled at any step while in flight (Spin: only while in the upper pre-op or queue); one work
// item thread per read (Spin: one upper worker loop); FltMgr's full per-filter callback state (IRQL,
// status, flags). As in Spin, each callback body is one atomic step (`interleaving: .explicitSteps`).
// The drain loop of InstanceTeardownStart is unrolled N times (the queue never holds more than N
// reads), so the model has no loops.
import FltModel

let requestCount = Parameter("N", default: 2, in: 1...6)
let variant = Parameter("VARIANT", default: "correct", choices: ["correct", "doubleCompletion", "teardownNeverCompletes"])

let model = Model("FilterStack", interleaving: .explicitSteps) {
    Workload {
        Requests(.read, count: requestCount, synchronous: false, cancellable: true)
        InstanceTeardown("Upper")
        InstanceTeardown("Lower")
    }
    Filter("Upper", altitude: 380_000) {
        let queue = CancelSafeQueue("UpperQueue") {
            CompletePendedPreOperation(Op.current, .complete(.cancelled))
        }
        let taken = OperationVariable("taken", threadLocal: true)
        let drained = OperationVariable("drained", threadLocal: true)
        // Set by InstanceTeardownStart (Spin's stopW): a work item that starts after it leaves the
        // queue to the teardown drain.
        let stopping = BoolVariable("stopping")
        let serve = WorkItem("UpperWorker") {
            If(!stopping) {
                queue.remove(Op.current, into: taken)
                Step()
                if variant == "doubleCompletion" {
                    // BUG: completes its read whether or not FltCbdqRemoveIo gave it back.
                    Either {
                        CompletePendedPreOperation(Op.current, .successNoCallback)
                    } or: {
                        CompletePendedPreOperation(Op.current, .complete(.success))
                    }
                } else {
                    If(taken != Op.none) {
                        Either {
                            CompletePendedPreOperation(taken, .successNoCallback)
                        } or: {
                            CompletePendedPreOperation(taken, .complete(.success))
                        }
                    }
                }
            }
        }
        PreOperation(.read) {
            queue.insert {
                QueueDeferredIoWorkItem(serve) {
                    Return(.pending)
                } onFailure: {
                    // The instance is being torn down: its teardown start drains the queue.
                    Return(.pending)
                }
            } onFailure: {
                // STATUS_FLT_CBDQ_DISABLED: teardown has started.
                Return(.complete(.cancelled))
            }
        }
        InstanceTeardownStart {
            stopping.set(true)
            if variant != "teardownNeverCompletes" {
                queue.disable()
                for _ in 0..<requestCount {
                    queue.removeNext(into: drained)
                    If(drained != Op.none) {
                        CompletePendedPreOperation(drained, .complete(.cancelled))
                    }
                    Step()
                }
            }
            // teardownNeverCompletes: BUG, neither FltCbdqDisable nor a drain of the queue.
        }
    }
    Filter("Lower", altitude: 370_000) {
        let finish = WorkItem("LowerFinish") {
            CompletePendedPostOperation(Op.current)
        }
        PreOperation(.read) {
            Return(.successWithCallback)
        }
        PostOperation(.read) {
            If(Op.isDraining) {
                Return(.finishedProcessing)
            }
            Either {
                Return(.finishedProcessing)
            } or: {
                QueueDeferredIoWorkItem(finish) {
                    Return(.moreProcessingRequired)
                } onFailure: {
                    Return(.finishedProcessing)
                }
            }
        }
    }
}
