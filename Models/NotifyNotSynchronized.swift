// fltcheck-expect: holds
// NotifyNotSynchronized: a filter that post-processes directory listings synchronizes
// IRP_MN_QUERY_DIRECTORY (FLT_PREOP_SYNCHRONIZE, so its post-op runs at PASSIVE_LEVEL in the
// requesting thread), but not IRP_MN_NOTIFY_CHANGE_DIRECTORY, which stays pending until something in
// the directory changes and cannot be synchronized (I:sync, catalog P12): for that one it asks for a
// normal post-op with FLT_PREOP_SUCCESS_WITH_CALLBACK. Holds.
import FltModel

let model = Model("NotifyNotSynchronized") {
    Workload {
        Requests(.directoryControl, minor: .queryDirectory)
        Requests(.directoryControl, fileSystem: .asynchronous(.success), minor: .notifyChangeDirectory)
    }
    Filter("Listing", altitude: 360_000) {
        PreOperation(.directoryControl) {
            If(Op.minorFunction == MinorFunction.notifyChangeDirectory) {
                Return(.successWithCallback)
            }
            Return(.synchronize)
        }
        PostOperation(.directoryControl) {
            Return(.finishedProcessing)
        }
    }
}
