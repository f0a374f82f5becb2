// fltcheck-expect: violated Assertion
// CleanupOnlyInQueryTeardown: a filter that closes the file it keeps open on the volume in
// InstanceQueryTeardown, and asserts in InstanceTeardownComplete that it is closed (catalog T7:
// teardown complete must find every file the filter opened on the instance closed; MetadataManager
// closes its metadata file in FmmInstanceTeardownComplete).
//
// The mistake: FltMgr calls InstanceQueryTeardown only for a manual detach (`fltmc detach`,
// FilterDetach), which it may veto (T9; D:qteardown). A dismount, or the teardown that
// FltUnregisterFilter does for an unload (T11), tears the instance down without asking. Here a
// mandatory unload races the detach: when the unload's FltUnregisterFilter tears the instance down
// first, the query never runs and teardown complete finds the file open. Models/DetachVeto.swift
// closes the file in InstanceTeardownComplete and holds.
import FltModel

let model = Model("CleanupOnlyInQueryTeardown") {
    Workload {
        Requests(.create)
        Detach("Metadata")
        Unload("Metadata", mandatory: true)
    }
    Filter("Metadata", altitude: 320_200) {
        let fileOpen = BoolVariable("metadataFileOpen", initial: true)
        PreOperation(.create) {
            Return(.successNoCallback)
        }
        InstanceQueryTeardown {
            // FltClose of the metadata file: the instance is about to go.
            fileOpen.set(false)
            Return(status: .success)
        }
        InstanceTeardownComplete {
            Assert(!fileOpen, "T7: the metadata file is closed when teardown completes")
        }
        FilterUnload {
            UnregisterFilter()
        }
    }
}
