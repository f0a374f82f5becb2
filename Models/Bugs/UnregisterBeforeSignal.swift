// fltcheck-expect: violated UnloadCompletes WorkItemsTerminate
// UnregisterBeforeSignal breaks UnloadCompletes (catalog T11) and WorkItemsTerminate (W5): the
// FilterUnloadCallback calls FltUnregisterFilter before it tells its generic work item to stop.
// FltUnregisterFilter waits for the work item rundown; the work item waits for the stop flag that
// is set only after FltUnregisterFilter returns: the unload hangs (compare cancelSafe, which sets
// TeardownEvent in teardown start so its worker returns).
import FltModel

let model = Model("UnregisterBeforeSignal") {
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
            UnregisterFilter()
            stop.set(true)
        }
    }
}
