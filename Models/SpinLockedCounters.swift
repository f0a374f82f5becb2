// fltcheck-expect: holds
// SpinLockedCounters: statistics shared by pre-ops, post-ops and a work item under a spin lock
// (legal at DISPATCH_LEVEL, Q5), the pended read resumed only after the lock is released (R5), and
// a post-op that checks the IRQL before doing anything that needs PASSIVE_LEVEL. Holds.
import FltModel

let model = Model("SpinLockedCounters") {
    Workload {
        Requests(.read, count: 2, fileSystem: .either(.success))
    }
    Filter("Counters", altitude: 10) {
        let statsLock = Lock("StatsLock", .spinLock)
        let inFlight = IntVariable("inFlight", 0...2)
        let passiveWork = IntVariable("passiveWork", 0...2)
        let worker = WorkItem("Worker") {
            statsLock.acquire()
            inFlight.set(inFlight - 1)
            statsLock.release()
            CompletePendedPreOperation(Op.current, .successWithCallback)
        }
        PreOperation(.read) {
            statsLock.acquire()
            inFlight.set(inFlight + 1)
            statsLock.release()
            QueueDeferredIoWorkItem(worker) {
                Return(.pending)
            } onFailure: {
                statsLock.acquire()
                inFlight.set(inFlight - 1)
                statsLock.release()
                Return(.successWithCallback)
            }
        }
        PostOperation(.read) {
            If(Irql.current <= Irql.apc) {
                Atomic { passiveWork.set(passiveWork + 1) }
            }
            Return(.finishedProcessing)
        }
    }
}
