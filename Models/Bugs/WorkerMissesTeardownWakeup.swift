// fltcheck-expect: violated WorkItemsTerminate
// WorkerMissesTeardownWakeup breaks WorkItemsTerminate (catalog W5): once the filter's instance
// teardown (or its unload) has started, every work item routine of the filter returns; none stays
// blocked forever (FltUnregisterFilter waits for them, I:unreg).
//
// The mistake: the WDK cancelSafe sample (Models/CancelSafe.swift) reworked around one long-lived
// worker. cancelSafe's worker (PreReadWorkItemRoutine, cancelSafe.c l.1778-1946) returns as soon
// as the cancel-safe queue is empty, and its only wait, on TeardownEvent, has a timeout
// (PreReadPendIo, l.1984). This filter's first read queues one worker (a deferred I/O work item
// here; cancelSafe queues a generic one, l.1371) that loops until the instance context's Stopping
// flag is set, sleeping between batches on the WorkAvailable event that PreRead sets after each
// insert:
//
//     while (!ctx->Stopping) {
//         KeWaitForSingleObject(&ctx->WorkAvailable, Executive, KernelMode, FALSE, NULL);
//         while ((data = FltCbdqRemoveNextIo(&ctx->Cbdq, NULL)) != NULL) FltCompletePendedPreOperation(data, ...);
//     }
//
// InstanceTeardownStart sets ctx->Stopping, disables the queue and completes what is left in it
// (T1), but does not signal WorkAvailable. A worker already asleep when the detach starts is never
// woken: no new read reaches the instance after teardown start (T5), so nothing sets the event,
// and the work item never returns; a later FltUnregisterFilter would wait for it forever. The fix
// is a KeSetEvent(&ctx->WorkAvailable) after setting Stopping (or waiting on WorkAvailable and
// TeardownEvent together with KeWaitForMultipleObjects).
import FltModel

let model = Model("WorkerMissesTeardownWakeup") {
    Workload {
        Requests(.read, count: 2, synchronous: false)
        InstanceTeardown("CancelSafe")
    }
    Filter("CancelSafe", altitude: 370_020) {
        let pendingIo = CancelSafeQueue("PendingIo") {
            CompletePendedPreOperation(Op.current, .complete(.cancelled))
        }
        // The instance context: the Stopping flag, the WorkAvailable synchronization event (as a
        // flag: set by PreRead, reset by the worker when it wakes) and whether the worker is queued.
        let stopping = BoolVariable("stopping")
        let workAvailable = BoolVariable("workAvailable")
        let workerQueued = BoolVariable("workerQueued")
        let next = OperationVariable("next")
        let drained = OperationVariable("drained")
        let worker = WorkItem("ReadWorker") {
            While(!stopping) {
                // BUG (with teardown start below): only WorkAvailable ends this wait.
                WaitUntil(workAvailable)
                workAvailable.set(false)
                pendingIo.removeNext(into: next)
                While(next != Op.none) {
                    CompletePendedPreOperation(next, .successNoCallback)
                    pendingIo.removeNext(into: next)
                }
            }
        }
        PreOperation(.read) {
            If(Op.isFastIo) {
                Return(.disallowFastIo)
            }
            pendingIo.insert {
                workAvailable.set(true)
                Atomic {
                    If(!workerQueued) {
                        workerQueued.set(true)
                        QueueDeferredIoWorkItem(worker) {
                        } onFailure: {
                            // The instance is being torn down: its teardown start drains the queue.
                            workerQueued.set(false)
                        }
                    }
                }
                Return(.pending)
            } onFailure: {
                Return(.successNoCallback)
            }
        }
        InstanceTeardownStart {
            stopping.set(true)
            // BUG: no KeSetEvent(&ctx->WorkAvailable) to wake a sleeping worker.
            pendingIo.disable()
            pendingIo.removeNext(into: drained)
            While(drained != Op.none) {
                CompletePendedPreOperation(drained, .complete(.cancelled))
                pendingIo.removeNext(into: drained)
            }
        }
    }
}
