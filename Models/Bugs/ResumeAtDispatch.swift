// fltcheck-expect: violated ResumeIrql
// ResumeAtDispatch breaks ResumeIrql (catalog R5): the worker resumes the pended read with
// FLT_PREOP_SUCCESS_NO_CALLBACK while holding the spin lock that protects the pending list, i.e. at
// DISPATCH_LEVEL. Above APC_LEVEL only FLT_PREOP_COMPLETE may be passed: release the lock first.
import FltModel

let model = Model("ResumeAtDispatch") {
    Workload { Requests(.read) }
    Filter("Pender", altitude: 10) {
        let listLock = Lock("PendingListLock", .spinLock)
        let worker = WorkItem("Worker") {
            listLock.acquire()
            CompletePendedPreOperation(Op.current, .successNoCallback)
            listLock.release()
        }
        PreOperation(.read) {
            QueueDeferredIoWorkItem(worker) {
                Return(.pending)
            } onFailure: {
                Return(.successNoCallback)
            }
        }
    }
}
