// fltcheck-expect: violated NoSyncAsyncReadWrite
// SyncOnAsyncWrite breaks NoSyncAsyncReadWrite (catalog P11): the pre-write returns
// FLT_PREOP_SYNCHRONIZE for every write so its post-write can take a resource, including
// asynchronous writes. FltMgr then blocks the issuing thread, which can deadlock (e.g. when the
// modified page writer is blocked); check FltIsOperationSynchronous and post instead.
import FltModel

let model = Model("SyncOnAsyncWrite") {
    Workload { Requests(.write, synchronous: false) }
    Filter("Auditor", altitude: 10) {
        PreOperation(.write) { Return(.synchronize) }
        PostOperation(.write) { Return(.finishedProcessing) }
    }
}
