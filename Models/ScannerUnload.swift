// fltcheck-expect: holds
// ScannerUnload: a scanner-style filter (WDK scanner/avscan samples: a worker that waits for work and
// is told to stop at unload) whose FilterUnloadCallback first signals its generic work item to stop and
// then calls FltUnregisterFilter, which waits for the work item to return (catalog W5, T11). Holds.
import FltModel

let model = Model("ScannerUnload") {
    Workload {
        Requests(.read)
        Unload("Scanner")
    }
    Filter("Scanner", altitude: 320_000) {
        let stop = BoolVariable("stop")
        let scans = IntVariable("scans", 0...1)
        let worker = WorkItem("ScanWorker", kind: .generic) {
            WaitUntil(stop)
        }
        PreOperation(.read) {
            If(scans == 0) {
                scans.set(1)
                QueueGenericWorkItem(worker) { Step() } onFailure: { Step() }
            }
            Return(.successNoCallback)
        }
        FilterUnload {
            stop.set(true)
            UnregisterFilter()
        }
    }
}
