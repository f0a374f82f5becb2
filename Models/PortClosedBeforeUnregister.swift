// fltcheck-expect: holds
// PortClosedBeforeUnregister: the fix of Models/Bugs/PortOpenAtUnregister.swift, in the WDK scanner
// sample's order (ScannerUnload: FltCloseCommunicationPort, then FltUnregisterFilter): the server port
// is closed once, before the filter unregisters (catalog T10). Holds.
import FltModel

let model = Model("PortClosedBeforeUnregister") {
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
            port.close()
            UnregisterFilter()
        }
    }
}
