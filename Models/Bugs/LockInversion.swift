// fltcheck-expect: violated NoDeadlock PendedOperationsResumed
// LockInversion breaks NoDeadlock: two writes take the filter's volume and stream ERESOURCEs in
// opposite orders (a journal filter whose append path and flush path disagree on lock order). With
// both writes in flight each holds one lock and waits for the other: both hang, so neither write
// ever completes (PendedOperationsResumed reports the stuck requests too).
import FltModel
let model = Model("LockInversion") {
    Workload { Requests(.write, count: 2) }
    Filter("Journal", altitude: 10) {
        let a = Lock("VolumeLock", .resource)
        let b = Lock("StreamLock", .resource)
        PreOperation(.write) {
            If(Op.requestNumber == 1) {
                a.acquire(); b.acquire(); b.release(); a.release()
            } else: {
                b.acquire(); a.acquire(); a.release(); b.release()
            }
            Return(.successNoCallback)
        }
    }
}
