// fltcheck-expect: holds
// NonCancellableScanWait: a scanner-style pre-create that waits for the user-mode scanner to answer
// (the WDK avscan sample waits for its scan the same way) with a plain wait that a cancel cannot
// end. It holds every error property: the scanner always answers. But the catalog's C15 asks for
// FltCancellableWaitForSingleObject, so that the originator's cancel (or thread termination) can
// abort a wait that may be long, and for the abort to be handled; fltcheck prints the advisory
// CancellableWaits (exit 0). Samples/AvScan waits `until scanEvent || Op.isCancelled`, and has no
// such warning.
import FltModel

let model = Model("NonCancellableScanWait") {
    Workload {
        Requests(.create, cancellable: true)
    }
    Filter("Scanner", altitude: 265_000) {
        let answered = BoolVariable("answered")
        let scanner = WorkItem("UserModeScanner", kind: .generic) {
            answered.set(true)
        }
        PreOperation(.create) {
            QueueGenericWorkItem(scanner) { Step() } onFailure: { answered.set(true) }
            // KeWaitForSingleObject on the scan's event: not cancellable.
            WaitUntil(answered)
            Return(.successNoCallback)
        }
    }
}
