// fltcheck-expect: holds
// NullFilter: the WDK nullFilter sample (filesys/miniFilter/nullFilter/nullFilter.c): a minifilter
// that registers no operation callbacks at all; only its unload does anything.
//
// Follows:
// - FilterRegistration (l.91-108): no operation callbacks, NullUnload, NullQueryTeardown (always
//   STATUS_SUCCESS, so a manual detach is allowed), InstanceTeardownStart/Complete NULL
//   (l.104-105).
// - NullUnload (l.174-201): FltUnregisterFilter (l.200), STATUS_SUCCESS.
//
// Abstracted: the workload is a read and a create that pass the filter by (FltMgr calls no callback
// of a filter that registered none), an instance detach and an unload, racing. Not modelled:
// NullQueryTeardown (the DSL's InstanceTeardown is a detach that is never vetoed, which is what
// STATUS_SUCCESS means), DriverEntry's registration and FltStartFiltering.
//
// Exercises: the baseline for unload and rundown (T9, T11): with nothing pended and no work item,
// teardown and FltUnregisterFilter complete. Everything holds.
import FltModel

let model = Model("NullFilter") {
    Workload {
        Requests(.read, synchronous: false, fileSystem: .either(.success))
        Requests(.create)
        InstanceTeardown("NullFilter")
        Unload("NullFilter")
    }
    Filter("NullFilter", altitude: 370_020) {
        FilterUnload {
            UnregisterFilter()
        }
    }
}
