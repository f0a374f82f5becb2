// fltcheck-expect: violated UnloadOrder
// PortOpenAtUnregister: a scanner-style filter (WDK scanner sample: ScannerUnload closes
// ScannerData.ServerPort with FltCloseCommunicationPort, then calls FltUnregisterFilter) whose
// FilterUnloadCallback gets the order wrong: it unregisters first and closes the server port after.
// The docs (I:port) require the port closed before FltUnregisterFilter, "to prevent the system from
// hanging during the unload process" (catalog T10). fltcheck reports UnloadOrder at the
// FltUnregisterFilter call. The fix is Models/PortClosedBeforeUnregister.swift.
import FltModel

let model = Model("PortOpenAtUnregister") {
    Workload {
        Requests(.create)
        Unload("Scanner")
    }
    Filter("Scanner", altitude: 265_000) {
        let port = CommunicationPort("ScannerPort")
        PreOperation(.create) {
            Return(.successNoCallback)
        }
        FilterUnload {
            UnregisterFilter()
            port.close()
        }
    }
}
