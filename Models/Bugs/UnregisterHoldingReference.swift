// fltcheck-expect: violated UnloadCompletes
// UnregisterHoldingReference breaks UnloadCompletes (catalog T11, T12): FltUnregisterFilter waits
// until every rundown reference on the filter is given back (I:unreg, D:unreg), so a filter that
// calls it while holding one of its own never unloads.
//
// The mistake: FilterUnloadCallback takes a reference on the filter (FltObjectReference) to keep it
// alive while it tells its user-mode service goodbye, and gives it back after FltUnregisterFilter,
// in its cleanup. FltUnregisterFilter then waits for a reference only its own caller could release.
// Dereference before unregistering (Models/InstanceReferenceAcrossTeardown.swift gives its
// reference back before the unload can finish).
import FltModel

let model = Model("UnregisterHoldingReference") {
    Workload {
        Requests(.read)
        Unload("Service", mandatory: true)
    }
    Filter("Service", altitude: 360_300) {
        let filterRef = RundownReference("FilterRef", on: .filter)
        PreOperation(.read) {
            Return(.successNoCallback)
        }
        FilterUnload {
            filterRef.reference {
                // FltSendMessage(goodbye) to the service.
                Step()
            } onFailure: {
                Step()
            }
            UnregisterFilter()
            // Cleanup: too late.
            If(filterRef.references > 0) {
                filterRef.dereference()
            }
        }
    }
}
