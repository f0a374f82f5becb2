// fltcheck-expect: holds
// DetachVeto: a filter that refuses a manual detach (`fltmc detach`, FilterDetach) while a scan is
// in progress, with InstanceQueryTeardown returning STATUS_FLT_DO_NOT_DETACH (T9; D:qteardown,
// I:load). The WDK samples that register the callback (cancelSafe InstanceQueryTeardown,
// MetadataManager FmmInstanceQueryTeardown, ...) all return STATUS_SUCCESS; this one vetoes. FltMgr
// calls it only for a manual detach: once it allows the detach, teardown starts as for a dismount
// (InstanceTeardownStart, the drain, InstanceTeardownComplete, T4, T5), and the filter closes the
// file it keeps open on the volume in InstanceTeardownComplete, as MetadataManager does (T7,
// FmmInstanceTeardownComplete). The veto is only a courtesy: a scan that starts after the query
// allowed the detach still finishes before teardown complete (T4). Every property holds, whether
// the detach is vetoed or goes on. Models/Bugs/CleanupOnlyInQueryTeardown.swift closes the file in
// InstanceQueryTeardown instead, which a dismount or an unload never calls.
import FltModel

let model = Model("DetachVeto") {
    Workload {
        Requests(.create, count: 2)
        Detach("Scanner")
    }
    Filter("Scanner", altitude: 320_100) {
        let scans = IntVariable("scansInProgress", 0...2)
        let fileOpen = BoolVariable("metadataFileOpen", initial: true)
        PreOperation(.create) {
            Atomic { scans.set(scans + 1) }
            // Scans the file (FltReadFile of its first bytes).
            Step()
            Atomic { scans.set(scans - 1) }
            Return(.successNoCallback)
        }
        InstanceQueryTeardown {
            If(scans > 0) {
                Return(status: .fltDoNotDetach)
            }
            Return(status: .success)
        }
        InstanceTeardownComplete {
            Assert(scans == 0, "T4: no pre-op runs when teardown completes")
            // FltClose of the metadata file (T7).
            fileOpen.set(false)
        }
    }
}
