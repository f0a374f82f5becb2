// fltcheck-expect: violated NoDoubleCompletion
// CancelRaceIgnored breaks NoDoubleCompletion (catalog R2, C7, C11): Models/NotifyWithCancelRoutine.swift
// with a completion path that ignores FltClearCancelCompletion's STATUS_CANCELLED and completes the
// request anyway. When the originator cancels at the same time, the cancel routine completes it too:
// the request is completed twice (bug check 0x44). NameChanger avoids this by leaving the request to
// the cancel routine ("cancel always wins", ncdirnotify.c ~l.2735).
import FltModel

let model = Model("CancelRaceIgnored") {
    Workload {
        Requests(.directoryControl, count: 2, synchronous: false, cancellable: true)
    }
    Filter("Notifier", altitude: 340_000) {
        let onCancel = CancelRoutine("NotifyCancel") {
            CompletePendedPreOperation(Op.current, .complete(.cancelled))
        }
        let change = WorkItem("Change") {
            ClearCancelCompletion(for: Op.current) {
                CompletePendedPreOperation(Op.current, .successNoCallback)
            } onCancelled: {
                // BUG: completes it anyway, though the cancel routine owns it now.
                CompletePendedPreOperation(Op.current, .successNoCallback)
            }
        }
        PreOperation(.directoryControl) {
            Atomic {
                If(Op.isCancelled) {
                    Return(.complete(.cancelled))
                }
                SetCancelCompletion(onCancel)
            }
            QueueDeferredIoWorkItem(change) {
                Return(.pending)
            } onFailure: {
                ClearCancelCompletion(for: Op.current) {
                    Return(.complete(.insufficientResources))
                } onCancelled: {
                    Return(.pending)
                }
            }
        }
    }
}
