// fltcheck-expect: violated DriverEntryFailureCleanup
// DriverEntryLeaksRegistration: the bug of Models/DriverEntryCleanup.swift. When FltStartFiltering
// fails, DriverEntry closes its port and returns the failure, but forgets FltUnregisterFilter. The
// I/O manager unloads the driver without calling FilterUnloadCallback (catalog T13, I:deret,
// I:unloadcb), so the filter stays registered with FltMgr, its callbacks pointing into unloaded
// code. Violated: DriverEntryFailureCleanup, at the Return of the StartFiltering failure path.
import FltModel

let model = Model("DriverEntryLeaksRegistration") {
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
