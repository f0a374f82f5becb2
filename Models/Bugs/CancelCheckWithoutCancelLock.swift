// fltcheck-expect: violated PendedOperationsResumed
// CancelCheckWithoutCancelLock breaks PendedOperationsResumed (catalog C12, R1): the same check of
// FltIsIoCanceled and FltSetCancelCompletion as Models/CancelSpinLockCheck.swift, but under the
// filter's own spin lock instead of the system cancel spin lock. A cancel between the check and the
// set finds no routine to call, and the routine set afterwards is never called: unless the
// directory changes, the request stays pended forever.
import FltModel
let model = Model("CancelCheckWithoutCancelLock") {
    Workload { Requests(.read, cancellable: true) }
    Filter("Notifier", altitude: 10) {
        let cancelLock = Lock("MyLock", .spinLock)
        let onCancel = CancelRoutine("OnCancel") {
            CompletePendedPreOperation(Op.current, .complete(.cancelled))
        }
        let change = WorkItem("Change") {
            ClearCancelCompletion(for: Op.current) {
                CompletePendedPreOperation(Op.current, .successNoCallback)
            } onCancelled: {
                Step()
            }
        }
        PreOperation(.read) {
            cancelLock.acquire()
            If(Op.isCancelled) {
                cancelLock.release()
                Return(.complete(.cancelled))
            }
            SetCancelCompletion(onCancel)
            cancelLock.release()
            QueueDeferredIoWorkItem(change) { Return(.pending) } onFailure: { Return(.pending) }
        }
    }
}
