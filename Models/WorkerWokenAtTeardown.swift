// fltcheck-expect: holds
// WorkerWokenAtTeardown: Models/Bugs/WorkerMissesTeardownWakeup.swift fixed. InstanceTeardownStart
// sets the instance context's Stopping flag and then signals the WorkAvailable event the long-lived
// worker sleeps on, so a worker asleep when the detach starts wakes, finds Stopping set, and
// returns (W5); a worker still draining the queue stops at its next loop test. The teardown start
// also disables the cancel-safe queue and completes what is left in it with STATUS_CANCELLED (T1,
// T2, as cancelSafe.c does at l.1143-1155), so the worker and the drain each complete only what
// they took out with FltCbdqRemoveNextIo (C7). Reads race the teardown at every step. Every
// property holds. (Such a worker still occupies a system worker thread for as long as the
// instance lives; cancelSafe's worker returns whenever the queue is empty instead.)
import FltModel

let model = Model("WorkerWokenAtTeardown") {
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
            // KeSetEvent(&ctx->WorkAvailable): a sleeping worker wakes, sees Stopping, and returns.
            workAvailable.set(true)
            pendingIo.disable()
            pendingIo.removeNext(into: drained)
            While(drained != Op.none) {
                CompletePendedPreOperation(drained, .complete(.cancelled))
                pendingIo.removeNext(into: drained)
            }
        }
    }
}
