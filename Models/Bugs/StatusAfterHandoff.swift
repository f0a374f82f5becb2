// fltcheck-expect: violated NoTouchAfterHandoff
// StatusAfterHandoff breaks NoTouchAfterHandoff (catalog R7): the pre-read queues its work item and
// then sets IoStatus.Information/Status "for the log" before returning PENDING. The work item may
// already have resumed (and FltMgr completed and freed) the read: the pre-op writes into callback
// data it no longer owns (Windows-driver-samples issue #475; NameChanger ncdirnotify.c ~l.1558).
import FltModel

let model = Model("StatusAfterHandoff") {
    Workload { Requests(.read) }
    Filter("Logger", altitude: 10) {
        let worker = WorkItem("Worker") {
            CompletePendedPreOperation(Op.current, .successNoCallback)
        }
        PreOperation(.read) {
            QueueDeferredIoWorkItem(worker) {
                SetStatus(NTStatus.pending)
                Return(.pending)
            } onFailure: {
                Return(.successNoCallback)
            }
        }
    }
}
