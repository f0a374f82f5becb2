// fltcheck-expect: violated ResumeOnlyWhatYouPended NoDoubleCompletion PendedOperationsResumed
// SharedNextVariable breaks NoDoubleCompletion (catalog R2, C7) and with it R3 and R1:
// Models/ThreadLocalNext.swift with the "next" handle in a filter global instead of a thread-local
// variable. Two work items interleave: the second FltCbdqRemoveNextIo overwrites the first one's
// handle, so one read is resumed twice (or an emptied handle is resumed) and the other is never
// resumed.
import FltModel

let model = Model("SharedNextVariable") {
    Workload { Requests(.read, count: 2, synchronous: false, cancellable: true) }
    Filter("Queuer", altitude: 370_000) {
        let pending = CancelSafeQueue("Pending") {
            CompletePendedPreOperation(Op.current, .complete(.cancelled))
        }
        let next = OperationVariable("next")
        let worker = WorkItem("DeQueue") {
            pending.removeNext(into: next)
            If(next != Op.none) {
                CompletePendedPreOperation(next, .successNoCallback)
            }
        }
        PreOperation(.read) {
            pending.insert {
                QueueDeferredIoWorkItem(worker) {
                    Return(.pending)
                } onFailure: {
                    Return(.pending)
                }
            } onFailure: {
                Return(.successNoCallback)
            }
        }
    }
}
