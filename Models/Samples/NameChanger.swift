// fltcheck-expect: violated PendedOperationsResumed TeardownCompletes
// NameChanger: the directory change-notify protocol of the WDK NameChanger sample
// (filesys/miniFilter/NameChanger), the sample's only pend/cancel logic.
//
// Follows:
// - ncdirnotify.c NcPreNotifyDirectory (l.1067-2070): a notify on a directory unrelated to the
//   mapping passes with NO_CALLBACK (l.1222-1247); one whose names must be translated goes down
//   with WITH_CALLBACK ("Munge" mode, l.1632); one whose results must be filtered keeps the user's
//   request ("Filter" mode, l.1465-1568): under the stream-handle-context lock it records
//   NotCtx->UserRequest (l.1463), attaches NcNotifyCancelCallback with NcSetCancelCompletion
//   (nchelper.c l.270: under the cancel spin lock, STATUS_CANCELLED if FltIsIoCanceled, C12; the
//   pre-op then completes the request itself, l.1521-1528), sends the shadow request with
//   FltPerformAsynchronousIo (l.1543) and returns PENDING "in all cases" (l.1558-1568: the shadow's
//   completion may already have completed the user's request, R6-R8).
// - NcPostNotifyDirectoryReal (l.2179-2770), the shadow request's completion: under the context
//   lock, FltClearCancelCompletion on the user's request; unless that returned STATUS_CANCELLED,
//   NotCtx->UserRequest = NULL and FltCompletePendedPreOperation(COMPLETE) (l.2725-2750, C11).
// - NcNotifyCancelCallback (l.3169) -> NcNotifyAbort (l.3018): CancelSeen, take the user's request
//   out of the context, FltClearCancelCompletion (returns STATUS_CANCELLED; with Status ==
//   STATUS_CANCELLED the abort still completes it, l.3091-3107), complete it with STATUS_CANCELLED,
//   FltCancelIo the shadow (l.3129).
// - NcPostNotifyDirectory (l.2824-2905), the user's request's post-op in Munge mode: DRAINING -> free
//   the request context, FINISHED (Q3, l.2868-2877); otherwise
//   FltDoCompletionProcessingWhenSafe(NcPostNotifyDirectorySafe, &Status) (l.2884-2889) and return
//   Status; FALSE -> IoStatus STATUS_UNSUCCESSFUL, FINISHED (l.2891-2901).
//   NcPostNotifyDirectorySafe (l.2777-2822) calls NcPostNotifyDirectoryReal (the name translation)
//   and returns FINISHED.
// - nc.c NcInstanceTeardownStart (l.907-950): gets and releases the instance context, nothing else;
//   no InstanceTeardownComplete (l.317-318).
//
// Abstracted:
// - The mode is a nondeterministic choice per request (the sample derives it from the watched
//   path's overlap with the mapping). Merge mode (l.1640-2045: a shadow and a mapping sub-request)
//   pends exactly as Filter mode does and is not modelled separately.
// - FltPerformAsynchronousIo and the shadow request's life in the file system are a generic work
//   item ShadowCompletes, queued where the sample sends the shadow (its FltQueueGenericWorkItem can
//   only fail during unload, which this model does not do; C14 says the completion routine runs
//   even when the send fails, so the failure branch runs it inline). It either runs
//   NcPostNotifyDirectoryReal (a change in the directory, or the user's handle cleaned up in the
//   file system, which completes the shadow with STATUS_NOTIFY_CLEANUP) or ends without doing
//   anything: the directory does not change and the application keeps its handle open.
// - FltDoCompletionProcessingWhenSafe is fltcheck's (D:safe): at IRQL <= APC_LEVEL the safe callback
//   runs inline, at DISPATCH_LEVEL (the post-op is explored at both) it is posted to a worker and
//   the post-op returns MORE_PROCESSING_REQUIRED until it finishes, and it returns FALSE when it
//   cannot post (the instance is being torn down, TopLevelIrp). The name translation of
//   NcPostNotifyDirectoryReal is one step.
// - The stream-handle context's ERESOURCE and the cancel spin lock are `Lock`s. IoCancelIrp sets
//   Irp->Cancel under the system cancel spin lock, which fltcheck's cancel does not take, so
//   NcSetCancelCompletion's check-then-set is also `Atomic` (without it fltcheck would let a cancel
//   fall between FltIsIoCanceled and FltSetCancelCompletion, which cannot happen). The shadow
//   completion's locked section is `Atomic` too: everything it touches is guarded by the context
//   lock, so forbidding other interleavings inside it changes no outcome and saves states.
// - Not modelled: stream-handle and instance contexts, the buffer translation,
//   NcReissueNotifyRequestWorkerRoutine (reissue of an empty shadow result), the handle's
//   IRP_MJ_CLEANUP path (NcPreCleanupCallback SYNCHRONIZE, NcStreamHandleContextNotCleanup ->
//   NcNotifyAbort(STATUS_NOTIFY_CLEANUP)), network-query-open DISALLOW_FASTIO (nc.c l.1832: the DSL
//   has no IRP_MJ_NETWORK_QUERY_OPEN), unload.
//
// Exercises: R1, R2, R6, R8, C11, C12, Q3, Q4/Q7 (WhenSafe only when not draining, its TRUE/FALSE
// contract), T1/T4 (the catalog's candidate NameChanger hang).
//
// Finding (TeardownCompletes, T1/T4): a notify pended in Filter mode is resumed only by the
// shadow's completion or by the cancel routine. InstanceTeardownStart does nothing about it, so
// once teardown starts, InstanceTeardownComplete (and a detach, or FltUnregisterFilter at unload)
// waits until the directory changes, the application cancels (or its thread exits), or it closes
// its handle. The trace: the notify is pended in Filter mode, teardown starts and
// InstanceTeardownStart returns, the shadow never completes; no thread is left that could resume
// it, so teardown never completes. PendedOperationsResumed (R1) is reported too: without a
// teardown, a notify on a directory that never changes stays pended until its originator cancels
// it, which is what change notification is for. A variant (not kept) whose InstanceTeardownStart
// takes the user's request out of the context under the lock, clears the cancel routine (leaving it
// to a cancel that won) and completes it with STATUS_NOTIFY_CLEANUP, and whose pre-op refuses to
// pend once teardown has started (T2), makes TeardownCompletes hold; only the by-design R1 report
// remains.
import FltModel

let model = Model("NameChanger") {
    Workload {
        Requests(.directoryControl, synchronous: false, cancellable: true, fileSystem: .asynchronous(.success))
        InstanceTeardown("NameChanger")
    }
    Filter("NameChanger", altitude: 370_100) {
        // The stream-handle context's lock (NcLockStreamHandleContext: FltAcquireResourceExclusive,
        // nc.h l.444) and the system cancel spin lock (IoAcquireCancelSpinLock, nchelper.c l.296).
        let contextLock = Lock("HandleContext.Lock", .resource)
        let cancelSpinLock = Lock("IoCancelSpinLock", .spinLock)
        // NC_DIR_NOT_CONTEXT fields, guarded by the context lock.
        let userRequest = OperationVariable("NotCtx.UserRequest")
        let cancelSeen = BoolVariable("NotCtx.CancelSeen")
        // Locals of the routines (one notify request, so one copy each suffices).
        let cancelledAtSet = BoolVariable("cancelledAtSet")
        let requestToComplete = OperationVariable("RequestToComplete")
        let requestToAbort = OperationVariable("RequestToAbort")

        // NcPostNotifyDirectoryReal for the shadow request (ncdirnotify.c l.2179-2770): under the
        // context lock, take the user's request unless a cancel got there first; complete it after
        // dropping the lock.
        let shadowCompletion = {
            Atomic {
                contextLock.acquire()
                requestToComplete.set(Op.none)
                // CancelSeen forces STATUS_CANCELLED; with no user request there is nothing to complete.
                If(!cancelSeen && userRequest != Op.none) {
                    ClearCancelCompletion(for: userRequest) {
                        requestToComplete.set(userRequest)
                        userRequest.set(Op.none)
                    } onCancelled: {
                        // Cancel always wins: the cancel routine completes it (l.2737-2741, C11).
                        requestToComplete.set(Op.none)
                    }
                }
                contextLock.release()
            }
        }
        let completeUserRequest = {
            If(requestToComplete != Op.none) {
                CompletePendedPreOperation(requestToComplete, .complete(.success))
                requestToComplete.set(Op.none)
            }
        }

        let shadowCompletes = WorkItem("ShadowCompletes", kind: .generic) {
            Either {
                // The directory changed (or the handle was cleaned up): the file system completes the
                // shadow request and FltMgr calls NcPostNotifyDirectoryReal.
                shadowCompletion()
                completeUserRequest()
            } or: {
                // Nothing happens to the directory, and the application keeps its handle open.
                Step()
            }
        }

        let notifyCancel = CancelRoutine("NcNotifyCancelCallback") {
            // NcNotifyCancelCallback (l.3169) and NcNotifyAbort (l.3018), under the context lock.
            contextLock.acquire()
            cancelSeen.set(true)
            requestToAbort.set(userRequest)
            If(userRequest != Op.none) {
                ClearCancelCompletion(for: userRequest) {
                    userRequest.set(Op.none)
                } onCancelled: {
                    // STATUS_CANCELLED, and the abort status is STATUS_CANCELLED: complete it (l.3093).
                    userRequest.set(Op.none)
                }
            }
            contextLock.release()
            If(requestToAbort != Op.none) {
                CompletePendedPreOperation(requestToAbort, .complete(.cancelled))
                requestToAbort.set(Op.none)
            }
            // FltCancelIo(shadow) (l.3129): its completion then sees CancelSeen and completes nothing.
        }

        // NcPostNotifyDirectorySafe (l.2777-2822): NcPostNotifyDirectoryReal translates the names of
        // the user's Munge-mode request, then FINISHED.
        let postNotifySafe = SafePostCallback("NcPostNotifyDirectorySafe") {
            Step()
            Return(.finishedProcessing)
        }

        PreOperation(.directoryControl) {
            OneOf {
                Branch {
                    // Unrelated to the mapping, or inside it (l.1222-1247).
                    Return(.successNoCallback)
                }
                Branch {
                    // Munge mode: names are translated in the post-op (l.1580-1634).
                    Return(.successWithCallback)
                }
                Branch {
                    // Filter mode (l.1465-1568), under the context lock.
                    contextLock.acquire()
                    cancelSeen.set(false)
                    userRequest.set(Op.current)
                    // NcSetCancelCompletion (nchelper.c l.270-310).
                    // IoCancelIrp sets Irp->Cancel under the same spin lock, so no cancel comes
                    // between the check and FltSetCancelCompletion: `Atomic` says so to fltcheck.
                    Atomic {
                        cancelSpinLock.acquire()
                        If(Op.isCancelled) {
                            cancelledAtSet.set(true)
                        } else: {
                            SetCancelCompletion(notifyCancel)
                        }
                        cancelSpinLock.release()
                    }
                    If(cancelledAtSet) {
                        // NcSetCancelCompletion returned STATUS_CANCELLED: complete it here (l.1524-1528,
                        // l.2056-2083 takes it out of the context).
                        userRequest.set(Op.none)
                        contextLock.release()
                        Return(.complete(.cancelled))
                    }
                    contextLock.release()
                    // FltPerformAsynchronousIo(shadow): the request now belongs to the shadow's
                    // completion and the cancel routine; return PENDING in all cases (l.1558).
                    QueueGenericWorkItem(shadowCompletes) {
                        Return(.pending)
                    } onFailure: {
                        shadowCompletion()
                        completeUserRequest()
                        Return(.pending)
                    }
                }
            }
        }

        PostOperation(.directoryControl) {
            If(Op.isDraining) {
                // NcFreeNotifyRequestContext (l.2876).
                Return(.finishedProcessing)
            }
            // FltDoCompletionProcessingWhenSafe (l.2884): TRUE returns the Status it set.
            DoCompletionProcessingWhenSafe(postNotifySafe) {
                // FALSE (l.2893-2901).
                SetStatus(NTStatus.unsuccessful, information: 0)
                Return(.finishedProcessing)
            }
        }

        InstanceTeardownStart {
            // FltGetInstanceContext / FltReleaseContext only: pended notify requests are left alone.
            Step()
        }
    }
}
