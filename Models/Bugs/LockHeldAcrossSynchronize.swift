// fltcheck-expect: violated NoLockAcrossSync
// LockHeldAcrossSynchronize breaks NoLockAcrossSync (catalog P13): the pre-set-information takes the
// stream's ERESOURCE, returns FLT_PREOP_SYNCHRONIZE and releases it in the post-op. A drained
// post-op runs on another thread (docs issue #3067), and anything the file system does under the
// lock's owner can deadlock.
import FltModel

let model = Model("LockHeldAcrossSynchronize") {
    Workload { Requests(.setInformation) }
    Filter("Renamer", altitude: 10) {
        let streamLock = Lock("StreamResource", .resource)
        PreOperation(.setInformation) {
            streamLock.acquire()
            Return(.synchronize)
        }
        PostOperation(.setInformation) {
            streamLock.release()
            Return(.finishedProcessing)
        }
    }
}
