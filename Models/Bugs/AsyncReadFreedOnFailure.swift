// fltcheck-expect: violated AsyncIoCallbackAlwaysRuns
// AsyncReadFreedOnFailure: a scanner-style filter reads the file itself with FltPerformAsynchronousIo
// on callback data it allocated (FltAllocateCallbackData), and frees that data when the call
// fails. But FltMgr calls the completion callback even when FltPerformAsynchronousIo fails, and a
// failure return does not prove that the callback has not run (catalog C14, docs-ddi #672): the
// callback then touches freed callback data. fltcheck reports AsyncIoCallbackAlwaysRuns at the
// FltFreeCallbackData call. The fix (Models/AsyncScanRead.swift) frees the data only once its
// completion callback has returned.
import FltModel

let model = Model("AsyncReadFreedOnFailure") {
    Workload {
        Requests(.create)
    }
    Filter("Scanner", altitude: 265_000) {
        let scanned = BoolVariable("scanned")
        let read = AsyncIo("ScanRead") {
            scanned.set(true)
        }
        PreOperation(.create) {
            read.perform {
                Step()
            } onFailure: {
                read.free()
            }
            Return(.successNoCallback)
        }
    }
}
