// fltcheck-expect: holds
// DriverEntryCleanup: DriverEntry in the order of the WDK scanner sample (scanner.c, DriverEntry):
// FltRegisterFilter, FltCreateCommunicationPort, FltStartFiltering. Every call can fail and
// fltcheck explores each failure: after the registration, a failure closes the port if it was
// created and calls FltUnregisterFilter before DriverEntry returns it (catalog T13). FltMgr never
// calls FilterUnloadCallback for a driver whose DriverEntry failed, so the second close in
// ScannerUnload is never reached on those paths. Holds.
import FltModel

let model = Model("DriverEntryCleanup") {
    Workload {
        Requests(.create)
        Unload("Scanner")
    }
    Filter("Scanner", altitude: 265_000) {
        let port = CommunicationPort("ScannerPort")
        DriverEntry {
            RegisterFilter {
                port.create {
                    StartFiltering {
                        Return(status: .success)
                    } onFailure: {
                        port.close()
                        UnregisterFilter()
                        Return(status: .insufficientResources)
                    }
                } onFailure: {
                    UnregisterFilter()
                    Return(status: .insufficientResources)
                }
            } onFailure: {
                Return(status: .insufficientResources)
            }
        }
        PreOperation(.create) {
            Return(.successNoCallback)
        }
        FilterUnload {
            port.close()
            UnregisterFilter()
        }
    }
}
