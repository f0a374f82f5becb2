// fltcheck-expect: violated Assertion
// Cdo: the WDK cdo sample (filesys/miniFilter/cdo): a minifilter with no operation callbacks that
// owns a WDM control device object (CDO); its unload refuses to go while the CDO is open.
//
// Follows:
// - CdoInit.c FilterRegistration (l.124-140): no operation callbacks, CdoUnload, no teardown
//   callbacks. CdoUnload (l.435-495): Globals.Resource shared; if GLOBAL_DATA_F_CDO_OPEN_REF is set
//   and the unload is not mandatory, release and return STATUS_FLT_DO_NOT_DETACH (l.470-479, T9);
//   otherwise FltUnregisterFilter, CdoDeleteControlDeviceObject (IoDeleteDevice), release the
//   resource, ExDeleteResourceLite(&Globals.Resource) (l.486-493).
// - CdoOperations.c CdoMajorFunction (l.216-395) completes every IRP to the CDO once (P17; the
//   FSCTL path's missing IoCompleteRequest was fixed by PR #41). CdoHandlePrivateOpen (l.404-500):
//   exclusive; already open -> STATUS_DEVICE_ALREADY_ATTACHED, else set OPEN_REF and OPEN_HANDLE.
//   CdoHandlePrivateFsControl (l.661-760): shared; no OPEN_HANDLE -> STATUS_INVALID_DEVICE_STATE.
//   CdoHandlePrivateCleanup (l.509-575): exclusive, clear OPEN_HANDLE. CdoHandlePrivateClose
//   (l.584-650): exclusive, clear OPEN_REF.
//
// Abstracted: the DSL has no WDM IRPs and no threads outside FltMgr operations. IRPs sent to a CDO
// do not pass FltMgr (T5 does not stop them when the filter unregisters), so one application's
// session on the CDO (open, FSCTL, cleanup, close, each through CdoMajorFunction) runs in the
// pre-op of a helper filter, CdoClient, that is not part of the sample: a DEVICE_CONTROL request
// carries the application's thread. The session starts only if the CDO still exists (IoDeleteDevice
// makes new opens fail; IRPs on a handle already open still reach the driver). Globals.Resource, an
// ERESOURCE, is `exclusive` / `shared` with `WaitUntil`; `inDispatch` marks an IRP inside
// CdoMajorFunction. The model uses explicit steps. The unload is not mandatory (fltmc unload; a
// service stop is mandatory and cannot be vetoed). Not modelled: IoCompleteRequest itself (P17 is
// not checkable: fltcheck sees only FltMgr operations), the fast I/O table, DriverEntry.
//
// Exercises: T9 (the veto), T11, and ERESOURCE lifetime (assertions: nothing holds or waits for
// Globals.Resource when it is deleted, and nothing acquires it afterwards).
//
// Finding (Assertion): the veto only covers a CDO that is already open. An application's create on
// the CDO that is dispatched while CdoUnload runs (OPEN_REF not yet set, so no veto) waits for
// Globals.Resource, which CdoUnload holds shared across FltUnregisterFilter; when CdoUnload
// releases it, CdoUnload goes on to ExDeleteResourceLite while that create holds or is about to
// take it, and the create succeeds on a CDO that has just been deleted. With a mandatory unload
// (`mandatory = true`, no veto) the FSCTL, cleanup and close of a handle that was open at unload
// also take the deleted resource.
import FltModel

let mandatory = false

let model = Model("Cdo", interleaving: .explicitSteps) {
    let exclusive = BoolVariable("Globals.Resource.exclusive")
    let shared = IntVariable("Globals.Resource.shared", 0...2)
    let resourceDeleted = BoolVariable("Globals.Resource.deleted")
    let openRef = BoolVariable("Globals.Flags.CDO_OPEN_REF")
    let openHandle = BoolVariable("Globals.Flags.CDO_OPEN_HANDLE")
    let cdoDeleted = BoolVariable("Globals.FilterControlDeviceObject.deleted")
    let inDispatch = BoolVariable("inCdoMajorFunction")

    // CdoAcquireResourceExclusive(&Globals.Resource).
    let acquireExclusive = { () -> WaitUntil in
        WaitUntil(!exclusive && shared == 0)
    }
    let checkAlive = { (what: String) -> Assert in
        Assert(!resourceDeleted, "\(what) acquires Globals.Resource after CdoUnload deleted it (ExDeleteResourceLite, CdoInit.c l.493)")
    }

    Workload {
        Requests(.deviceControl)
        Unload("Cdo", mandatory: mandatory)
    }

    Filter("CdoClient", altitude: 400_000) {
        // Not part of the sample: the application's thread, which opens the CDO, sends it an FSCTL,
        // and closes its handle (cleanup, close).
        PreOperation(.deviceControl) {
            If(cdoDeleted) {
                // The CDO is gone: the open fails in the I/O manager.
                Return(.successNoCallback)
            }
            // IRP_MJ_CREATE -> CdoMajorFunction -> CdoHandlePrivateOpen.
            inDispatch.set(true)
            Step()
            acquireExclusive()
            checkAlive("CdoHandlePrivateOpen")
            exclusive.set(true)
            If(openRef || openHandle) {
                // STATUS_DEVICE_ALREADY_ATTACHED.
                exclusive.set(false)
                inDispatch.set(false)
                Return(.successNoCallback)
            }
            openRef.set(true)
            openHandle.set(true)
            Step()
            exclusive.set(false)
            inDispatch.set(false)
            Step()
            // IRP_MJ_FILE_SYSTEM_CONTROL -> CdoHandlePrivateFsControl (shared).
            inDispatch.set(true)
            Step()
            WaitUntil(!exclusive)
            checkAlive("CdoHandlePrivateFsControl")
            shared.set(shared + 1)
            Step()
            shared.set(shared - 1)
            inDispatch.set(false)
            Step()
            // IRP_MJ_CLEANUP -> CdoHandlePrivateCleanup.
            inDispatch.set(true)
            Step()
            acquireExclusive()
            checkAlive("CdoHandlePrivateCleanup")
            exclusive.set(true)
            openHandle.set(false)
            Step()
            exclusive.set(false)
            inDispatch.set(false)
            Step()
            // IRP_MJ_CLOSE -> CdoHandlePrivateClose.
            inDispatch.set(true)
            Step()
            acquireExclusive()
            checkAlive("CdoHandlePrivateClose")
            exclusive.set(true)
            openRef.set(false)
            Step()
            exclusive.set(false)
            inDispatch.set(false)
            Return(.successNoCallback)
        }
    }

    Filter("Cdo", altitude: 370_000) {
        FilterUnload {
            // CdoAcquireResourceShared(&Globals.Resource).
            WaitUntil(!exclusive)
            shared.set(shared + 1)
            if !mandatory {
                If(openRef) {
                    shared.set(shared - 1)
                    Return(status: .fltDoNotDetach)
                }
            }
            Step()
            UnregisterFilter()
            // CdoDeleteControlDeviceObject: IoDeleteDevice.
            cdoDeleted.set(true)
            shared.set(shared - 1)
            Step()
            Assert(!inDispatch, "CdoUnload deletes Globals.Resource (ExDeleteResourceLite, CdoInit.c l.493) while an IRP in CdoMajorFunction holds or waits for it")
            resourceDeleted.set(true)
            Return(status: .success)
        }
    }
}
