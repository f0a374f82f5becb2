// fltcheck-expect: violated CbdqLockDiscipline
// CbdqFromDispatchPostOp breaks CbdqLockDiscipline (catalog C8): the queue's CbdqAcquire takes a
// FAST_MUTEX (as cancelSafe's does), yet the post-write disables the queue after an error: a
// post-op may run at DISPATCH_LEVEL, where FltCbdq* calls on a mutex-locked queue are not allowed.
import FltModel

let model = Model("CbdqFromDispatchPostOp") {
    Workload { Requests(.write, fileSystem: .asynchronous(.success, .deviceNotReady)) }
    Filter("Throttle", altitude: 10) {
        let pending = CancelSafeQueue("Pending", lock: .fastMutex) {
            CompletePendedPreOperation(Op.current, .complete(.cancelled))
        }
        PreOperation(.write) { Return(.successWithCallback) }
        PostOperation(.write) {
            If(Op.status != NTStatus.success) {
                pending.disable()
            }
            Return(.finishedProcessing)
        }
    }
}
