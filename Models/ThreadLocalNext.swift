// fltcheck-expect: holds
// ThreadLocalNext: each deferred work item takes the next read from a cancel-safe queue into its own
// local variable (`OperationVariable("next", threadLocal: true)`) and resumes it: no `Atomic` is
// needed, because FltCbdqRemoveNextIo hands each read to exactly one remover (C6, C7). Holds.
import FltModel

let model = Model("ThreadLocalNext") {
    Workload { Requests(.read, count: 2, synchronous: false, cancellable: true) }
    Filter("Queuer", altitude: 370_000) {
        let pending = CancelSafeQueue("Pending") {
            CompletePendedPreOperation(Op.current, .complete(.cancelled))
        }
        let next = OperationVariable("next", threadLocal: true)
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
