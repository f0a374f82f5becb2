// fltcheck-expect: holds
// PassThrough: the WDK passThrough sample (filesys/miniFilter/passThrough/passThrough.c), the
// template minifilter and the "null model": every property must hold trivially.
//
// Follows:
// - Callbacks[] (l.136-333): PtPreOperationPassThrough / PtPostOperationPassThrough for every major
//   function, except IRP_MJ_SHUTDOWN, which gets PtPreOperationNoPostOperationPassThrough and no
//   post-op (l.217-220, P3).
// - PtPreOperationPassThrough (l.622-686): for oplock FSCTLs and directory change notifications
//   (PtDoRequestOperationStatus, l.839-887) FltRequestOperationStatusCallback, whose failure is
//   only traced; always WITH_CALLBACK.
// - PtPostOperationPassThrough (l.747-788): FINISHED, Flags unreferenced (a drained call does
//   nothing either way). PtPreOperationNoPostOperationPassThrough (l.793-834): NO_CALLBACK.
// - PtInstanceTeardownStart / Complete (l.451-500) only trace. PtUnload (l.583-607):
//   FltUnregisterFilter.
//
// Abstracted: every major function the DSL knows is registered as the sample registers it; the
// workload sends a create, an asynchronous read the file system completes inline or later, a fast
// I/O read and a shutdown, and races them with an instance teardown and an unload. Not modelled:
// FltRequestOperationStatusCallback and PtOperationStatusCallback (no such call in the DSL; it only
// traces), the debug-trace flags.
//
// Exercises: P3, Q3 (a drained post-op finishes), T1, T4, T11. Everything holds.
import FltModel

let model = Model("PassThrough") {
    Workload {
        Requests(.create)
        Requests(.read, synchronous: false, fileSystem: .either(.success, .endOfFile))
        Requests(.read, kind: .fastIo)
        Requests(.shutdown)
        InstanceTeardown("PassThrough")
        Unload("PassThrough")
    }
    Filter("PassThrough", altitude: 370_000) {
        for major in MajorFunction.allCases where major != .shutdown {
            PreOperation(major) {
                // FltRequestOperationStatusCallback for oplock FSCTLs and change notifications only
                // traces its result.
                Return(.successWithCallback)
            }
            PostOperation(major) {
                Return(.finishedProcessing)
            }
        }
        PreOperation(.shutdown) {
            Return(.successNoCallback)
        }
        InstanceTeardownStart {
            Step()
        }
        InstanceTeardownComplete {
            Step()
        }
        FilterUnload {
            UnregisterFilter()
        }
    }
}
