// fltcheck-expect: holds
// CancelSafe: the WDK cancelSafe sample (filesys/miniFilter/cancelSafe/cancelSafe.c) with its real
// worker protocol: one generic work item that drains the cancel-safe queue, started by CsqInsertIo
// through the WorkerThreadFlag handshake.
//
// Follows:
// - PreRead (l.1582-1770): paging I/O and a set TopLevelIrp pass with NO_CALLBACK (l.1627); fast
//   I/O gets DISALLOW_FASTIO (l.1683); otherwise FltCbdqInsertIo, and PENDING only on
//   STATUS_SUCCESS, else NO_CALLBACK (l.1728-1745, C3, R6).
// - CsqInsertIo (l.1303-1400), called by FltCbdqInsertIo under the queue lock: if the queue was
//   empty and InterlockedIncrement(WorkerThreadFlag) == 1, FltAllocateGenericWorkItem (NULL is
//   explored) and FltQueueGenericWorkItem PreReadWorkItemRoutine, freeing the work item if the queue
//   call fails (l.1367-1384); if either fails, decrement the flag, take the entry back out and fail
//   the insert.
// - PreReadWorkItemRoutine (l.1778-1945): loop { PreReadPendIo (a timed wait on TeardownEvent);
//   WorkerThreadFlag = 1; FltCbdqRemoveNextIo; if an entry: FltCompletePendedPreOperation with
//   NO_CALLBACK, or COMPLETE when FltLockUserBuffer fails; else if InterlockedDecrement(flag) == 0
//   exit } (the insert/exit race is the one its comment at l.1918 explains), then
//   FltFreeGenericWorkItem (l.1950).
// - CsqCompleteCanceledIo (l.1529-1570): STATUS_CANCELLED, FltCompletePendedPreOperation(COMPLETE)
//   (C5).
// - InstanceTeardownStart (l.1092-1160): FltCbdqDisable (l.1143), PreReadEmptyQueueAndComplete
//   (l.2021: remove-next loop, resume each), KeSetEvent(TeardownEvent) (l.1155). TeardownComplete
//   only traces.
//
// Abstracted: the queue lock is a FAST_MUTEX (CsqAcquire, l.1208-1246), declared on the queue so
// that fltcheck checks C8 (every FltCbdq* call at IRQL <= APC_LEVEL); the sections the sample runs
// under it (FltCbdqInsertIo with CsqInsertIo, FltCbdqRemoveNextIo with CsqRemoveIo) are `Atomic`,
// with the model's explicit steps between them. `queueLength` mirrors the sample's
// IsListEmpty(&QueueHead), kept by the Csq* callbacks under the queue lock; a disabled queue
// refuses the insert before CsqInsertIo runs, so `queueEnabled` mirrors FltCbdqDisable for that
// check. PreReadPendIo's timed wait is a `Step()` (it always ends, by timeout or TeardownEvent).
// The file name match (only reads under the mapping path are pended) is left out: every read is a
// candidate. Not modelled: the instance context's lifetime, whether an instance-targeted generic
// work item delays teardown complete (catalog §1.9; the sample completes everything in teardown
// start, so either answer works), unload.
//
// Exercises: R1, R2, R6, R8, C3-C8, T1, T2, W3 (the work item is freed exactly once), W5. Every
// property holds.
import FltModel

let model = Model("CancelSafe", interleaving: .explicitSteps) {
    Workload {
        Requests(.read, count: 2, synchronous: false, cancellable: true)
        Requests(.read, kind: .fastIo)
        InstanceTeardown("CancelSafe")
    }
    Filter("CancelSafe", altitude: 370_020) {
        let queueLength = IntVariable("queueLength", 0...2)
        let queueEnabled = BoolVariable("queueEnabled", initial: true)
        let workerThreadFlag = IntVariable("WorkerThreadFlag", 0...3)
        let workerQueued = BoolVariable("workItemQueued")
        let workerDone = BoolVariable("workerDone")
        let data = OperationVariable("Data")
        let drained = OperationVariable("drained")

        let pendingIo = CancelSafeQueue("Cbdq", lock: .fastMutex) {
            // FltMgr has called CsqRemoveIo (RemoveEntryList) under the queue lock.
            queueLength.set(queueLength - 1)
            // CsqCompleteCanceledIo.
            CompletePendedPreOperation(Op.current, .complete(.cancelled))
        }

        let worker = WorkItem("PreReadWorkItemRoutine", kind: .generic, explicitAllocation: true) {
            workerDone.set(false)
            While(!workerDone) {
                // PreReadPendIo: a timed wait on TeardownEvent.
                Step()
                workerThreadFlag.set(1)
                Atomic {
                    pendingIo.removeNext(into: data)
                    If(data != Op.none) { queueLength.set(queueLength - 1) }
                }
                If(data != Op.none) {
                    Step()
                    Either {
                        CompletePendedPreOperation(data, .successNoCallback)
                    } or: {
                        // FltLockUserBuffer failed.
                        CompletePendedPreOperation(data, .complete(.insufficientResources))
                    }
                    data.set(Op.none)
                } else: {
                    workerThreadFlag.set(workerThreadFlag - 1)
                    If(workerThreadFlag == 0) { workerDone.set(true) }
                }
            }
            // FltFreeGenericWorkItem(WorkItem) (l.1950).
            FreeWorkItem()
        }

        PreOperation(.read) {
            If(Op.isPaging || Op.isTopLevelIrp) {
                Return(.successNoCallback)
            }
            If(!Op.isIrp) {
                Return(.disallowFastIo)
            }
            // FltCbdqInsertIo: the queue lock is held across CsqInsertIo.
            Atomic {
                If(!queueEnabled) {
                    pendingIo.insert {
                        Return(.pending)
                    } onFailure: {
                        // STATUS_FLT_CBDQ_DISABLED.
                        Return(.successNoCallback)
                    }
                }
                // CsqInsertIo.
                workerQueued.set(true)
                If(queueLength == 0) {
                    workerThreadFlag.set(workerThreadFlag + 1)
                    If(workerThreadFlag == 1) {
                        // FltAllocateGenericWorkItem (l.1367), FltQueueGenericWorkItem (l.1371).
                        AllocateWorkItem(worker) {
                            QueueGenericWorkItem(worker) {
                                Step()
                            } onFailure: {
                                // FltFreeGenericWorkItem (l.1383).
                                FreeWorkItem(worker)
                                workerQueued.set(false)
                            }
                        } onFailure: {
                            // NULL: STATUS_INSUFFICIENT_RESOURCES.
                            workerQueued.set(false)
                        }
                        If(!workerQueued) {
                            workerThreadFlag.set(workerThreadFlag - 1)
                            // The entry is taken back out and the insert fails.
                            Return(.successNoCallback)
                        }
                    }
                }
                queueLength.set(queueLength + 1)
                pendingIo.insert {
                    Step()
                } onFailure: {
                    Assert(false, "the queue is enabled: FltCbdqInsertIo cannot fail here")
                    Return(.successNoCallback)
                }
            }
            // The worker or the cancel path may resume the read before this returns (R8).
            Step()
            Return(.pending)
        }

        InstanceTeardownStart {
            Atomic {
                pendingIo.disable()
                queueEnabled.set(false)
            }
            Step()
            // PreReadEmptyQueueAndComplete.
            Atomic {
                pendingIo.removeNext(into: drained)
                If(drained != Op.none) { queueLength.set(queueLength - 1) }
            }
            While(drained != Op.none) {
                CompletePendedPreOperation(drained, .successNoCallback)
                Step()
                Atomic {
                    pendingIo.removeNext(into: drained)
                    If(drained != Op.none) { queueLength.set(queueLength - 1) }
                }
            }
            // KeSetEvent(TeardownEvent): the worker's timed wait ends (a Step() in the model).
        }
    }
}
