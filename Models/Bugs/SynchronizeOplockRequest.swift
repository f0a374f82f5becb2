// fltcheck-expect: violated NoSyncForbiddenOps
// SynchronizeOplockRequest breaks NoSyncForbiddenOps (catalog P12): a filter that wants to see every
// FSCTL's result at PASSIVE_LEVEL returns FLT_PREOP_SYNCHRONIZE for all of IRP_MJ_FILE_SYSTEM_CONTROL,
// including FSCTL_REQUEST_BATCH_OPLOCK, which the file system keeps pending until the oplock breaks
// (possibly forever): I:sync says these cannot be synchronized. Checking the FsControlCode first, as
// Models/NotifyNotSynchronized.swift does for change notifications, fixes it.
import FltModel

let model = Model("SynchronizeOplockRequest") {
    Workload {
        Requests(.fileSystemControl, minor: .lockVolume)
        Requests(.fileSystemControl, fileSystem: .asynchronous(.success), minor: .requestBatchOplock)
    }
    Filter("FsctlAudit", altitude: 360_000) {
        PreOperation(.fileSystemControl) { Return(.synchronize) }
        PostOperation(.fileSystemControl) { Return(.finishedProcessing) }
    }
}
