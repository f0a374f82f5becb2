// The property library. Each property is one rule of ../shared/reference/fltmgr-rules.md (the
// catalog id is its first column); the semantics report a violation by naming the property.

/// Safety: nothing bad happens at any step. Liveness: something good eventually happens.
public enum PropertyKind: String, Codable, Sendable {
    case safety
    case liveness
}

/// An error fails the verdict; an advisory is printed as a warning and does not.
public enum Severity: String, Codable, Sendable {
    case error
    case advisory
}

/// A named, documented property that fltcheck checks.
public struct Property: Hashable, Sendable, Identifiable {
    /// The stable name users see and can refer to, e.g. `NoDoubleCompletion`.
    public let id: String
    /// The catalog rule ids it checks, e.g. `["R2"]`.
    public let catalogIds: [String]
    /// The rule in one sentence.
    public let rule: String
    /// The Microsoft doc pages the rule comes from (catalog source keys and paths).
    public let source: String
    public let kind: PropertyKind
    public let severity: Severity

    public static func == (lhs: Property, rhs: Property) -> Bool { lhs.id == rhs.id }
    public func hash(into hasher: inout Hasher) { hasher.combine(id) }
}

extension Property {
    public static let noDoubleCompletion = Property(
        id: "NoDoubleCompletion", catalogIds: ["R2"],
        rule: "A pended operation is resumed at most once (FltCompletePendedPreOperation or FltCompletePendedPostOperation), and each operation completes to its originator once.",
        source: "D:cpre /ddi/fltkernel/nf-fltkernel-fltcompletependedpreoperation; D:cpost /ddi/fltkernel/nf-fltkernel-fltcompletependedpostoperation; S1 /ifs/writing-preoperation-callback-routines",
        kind: .safety, severity: .error)

    public static let resumeOnlyWhatYouPended = Property(
        id: "ResumeOnlyWhatYouPended", catalogIds: ["R3"],
        rule: "FltCompletePendedPreOperation is called only on an operation this filter's pre-op pended (FltCompletePendedPostOperation only on one its post-op returned MORE_PROCESSING_REQUIRED for).",
        source: "D:cpre /ddi/fltkernel/nf-fltkernel-fltcompletependedpreoperation; S1 /ifs/writing-preoperation-callback-routines",
        kind: .safety, severity: .error)

    public static let resumeStatusValid = Property(
        id: "ResumeStatusValid", catalogIds: ["R4"],
        rule: "The CallbackStatus passed to FltCompletePendedPreOperation is FLT_PREOP_COMPLETE, SUCCESS_NO_CALLBACK or SUCCESS_WITH_CALLBACK, never PENDING, SYNCHRONIZE or DISALLOW_FASTIO.",
        source: "D:cpre /ddi/fltkernel/nf-fltkernel-fltcompletependedpreoperation; S3 /ifs/passing-an-i-o-operation-down-the-minifilter-driver-instance-stack",
        kind: .safety, severity: .error)

    public static let callbackRequiresPostOp = Property(
        id: "CallbackRequiresPostOp", catalogIds: ["P3"],
        rule: "Returning (or resuming with) SUCCESS_WITH_CALLBACK or SYNCHRONIZE requires a registered post-operation callback for that major function (else bug check 0xF5, P1=0x66).",
        source: "S2 /ddi/fltkernel/nc-fltkernel-pflt_pre_operation_callback; I:withcb; I:sync; B:f5 /debugger/bug-check-0xf5--fltmgr-file-system",
        kind: .safety, severity: .error)

    public static let pendOnlyIrp = Property(
        id: "PendOnlyIrp", catalogIds: ["P8"],
        rule: "FLT_PREOP_PENDING may be returned only for IRP-based operations.",
        source: "S2 /ddi/fltkernel/nc-fltkernel-pflt_pre_operation_callback; I:pendpre /ifs/pending-an-i-o-operation-in-a-preoperation-callback-routine",
        kind: .safety, severity: .error)

    public static let completeStatusFinal = Property(
        id: "CompleteStatusFinal", catalogIds: ["P4"],
        rule: "With FLT_PREOP_COMPLETE the status must be final: never STATUS_PENDING or STATUS_FLT_DISALLOW_FAST_IO.",
        source: "S2 /ddi/fltkernel/nc-fltkernel-pflt_pre_operation_callback; I:complete /ifs/completing-an-i-o-operation-in-a-preoperation-callback-routine",
        kind: .safety, severity: .error)

    public static let cleanupCloseNeverFail = Property(
        id: "CleanupCloseNeverFail", catalogIds: ["P5"],
        rule: "IRP_MJ_CLEANUP and IRP_MJ_CLOSE can only be completed with success.",
        source: "S2 /ddi/fltkernel/nc-fltkernel-pflt_pre_operation_callback; I:complete /ifs/completing-an-i-o-operation-in-a-preoperation-callback-routine",
        kind: .safety, severity: .error)

    public static let disallowFastIoOnlyFastIo = Property(
        id: "DisallowFastIoOnlyFastIo", catalogIds: ["P7"],
        rule: "FLT_PREOP_DISALLOW_FASTIO is returned only for fast I/O operations.",
        source: "S2 /ddi/fltkernel/nc-fltkernel-pflt_pre_operation_callback; I:fastio /ifs/disallowing-a-fast-i-o-operation-in-a-preoperation-callback-routine",
        kind: .safety, severity: .error)

    public static let moreProcessingOnlyWhenPosted = Property(
        id: "MoreProcessingOnlyWhenPosted", catalogIds: ["Q1"],
        rule: "FLT_POSTOP_MORE_PROCESSING_REQUIRED is returned only for IRP-based operations the post-op actually posted (a deferred work item queued for it, or its handle kept for the filter's own worker); otherwise nobody resumes it.",
        source: "D:post /ddi/fltkernel/nc-fltkernel-pflt_post_operation_callback; S0 /ifs/processing-i-o-operations; S4 /ifs/pending-an-i-o-operation-in-a-postoperation-callback-routine",
        kind: .safety, severity: .error)

    public static let handleDeferredQueueFailure = Property(
        id: "HandleDeferredQueueFailure", catalogIds: ["W2"],
        rule: "When FltQueueDeferredIoWorkItem fails, the callback must not return FLT_PREOP_PENDING or FLT_POSTOP_MORE_PROCESSING_REQUIRED for that operation.",
        source: "S4 /ifs/pending-an-i-o-operation-in-a-postoperation-callback-routine; D:qdef /ddi/fltkernel/nf-fltkernel-fltqueuedeferredioworkitem",
        kind: .safety, severity: .error)

    public static let pendedOperationsResumed = Property(
        id: "PendedOperationsResumed", catalogIds: ["R1", "Q2"],
        rule: "Every operation pended in a pre-op eventually gets FltCompletePendedPreOperation, and every one pended in a post-op FltCompletePendedPostOperation: no reachable end state leaves an operation pended with nothing left to resume it.",
        source: "S1 /ifs/writing-preoperation-callback-routines; D:cpre; S4 /ifs/pending-an-i-o-operation-in-a-postoperation-callback-routine; D:cpost",
        kind: .liveness, severity: .error)

    public static let drainingCleanupOnly = Property(
        id: "DrainingCleanupOnly", catalogIds: ["Q3"],
        rule: "A post-op called with FLTFL_POST_OPERATION_DRAINING only cleans up and returns FLT_POSTOP_FINISHED_PROCESSING: it does not pend, resume, queue or post anything.",
        source: "D:post /ddi/fltkernel/nc-fltkernel-pflt_post_operation_callback; I:drain /ifs/performing-completion-processing-for-an-i-o-operation",
        kind: .safety, severity: .error)

    public static let noResumeAfterTeardownComplete = Property(
        id: "NoResumeAfterTeardownComplete", catalogIds: ["T6"],
        rule: "Nothing is resumed (FltCompletePended*), queued or inserted on an instance once its InstanceTeardownComplete has begun.",
        source: "D:teardown /ddi/fltkernel/nc-fltkernel-pflt_instance_teardown_callback (by T1/T4)",
        kind: .safety, severity: .error)

    public static let teardownCompletes = Property(
        id: "TeardownCompletes", catalogIds: ["T1", "T4"],
        rule: "Once an instance's teardown starts, it eventually completes: InstanceTeardownStart resumes every operation the filter pended (T1), since FltMgr calls InstanceTeardownComplete only when none is outstanding (T4).",
        source: "D:teardown /ddi/fltkernel/nc-fltkernel-pflt_instance_teardown_callback; I:load /ifs/loading-and-unloading",
        kind: .liveness, severity: .error)

    public static let cbdqInsertResultConsistency = Property(
        id: "CbdqInsertResultConsistency", catalogIds: ["C3"],
        rule: "When FltCbdqInsertIo fails (STATUS_FLT_CBDQ_DISABLED, or the InsertIo callback's failure), the pre-op must not return FLT_PREOP_PENDING for the operation.",
        source: "D:cbdqins /ddi/fltkernel/nf-fltkernel-fltcbdqinsertio; docs-ddi #945",
        kind: .safety, severity: .error)

    public static let cbdqIrpOnly = Property(
        id: "CbdqIrpOnly", catalogIds: ["C2"],
        rule: "FltCbdq* routines apply only to IRP-based operations.",
        source: "D:cbdqinit /ddi/fltkernel/nf-fltkernel-fltcbdqinitialize; D:cbdqins /ddi/fltkernel/nf-fltkernel-fltcbdqinsertio",
        kind: .safety, severity: .error)

    public static let cbdqCancelCallbackCompletes = Property(
        id: "CbdqCancelCallbackCompletes", catalogIds: ["C5"],
        rule: "A cancel-safe queue's cancel callback (CbdqCompleteCanceledIo) completes the cancelled operation it is given; FltMgr has already removed it from the queue.",
        source: "D:cbdqinit /ddi/fltkernel/nf-fltkernel-fltcbdqinitialize",
        kind: .safety, severity: .error)

    public static let noCancelRoutineOnCbdqItems = Property(
        id: "NoCancelRoutineOnCbdqItems", catalogIds: ["C9"],
        rule: "FltSetCancelCompletion is not called on an operation that is in a cancel-safe queue.",
        source: "D:setcancel /ddi/fltkernel/nf-fltkernel-fltsetcancelcompletion",
        kind: .safety, severity: .error)

    public static let cancelCallbackSelfSync = Property(
        id: "CancelCallbackSelfSync", catalogIds: ["C10"],
        rule: "FltSetCancelCompletion is only for IRP-based operations that are not paging I/O; its routine runs unsynchronized, so the filter synchronizes it with its own completion path (races show as NoDoubleCompletion).",
        source: "D:setcancel /ddi/fltkernel/nf-fltkernel-fltsetcancelcompletion",
        kind: .safety, severity: .error)

    public static let clearCancelBeforeComplete = Property(
        id: "ClearCancelBeforeComplete", catalogIds: ["C11"],
        rule: "An operation with a cancel routine set is completed only after FltClearCancelCompletion returned STATUS_SUCCESS, or by the cancel routine itself; if it returned STATUS_CANCELLED, the cancel routine owns the operation.",
        source: "D:clrcancel /ddi/fltkernel/nf-fltkernel-fltclearcancelcompletion; NameChanger ncdirnotify.c ~2735, ~3091",
        kind: .safety, severity: .error)

    public static let noTouchAfterHandoff = Property(
        id: "NoTouchAfterHandoff", catalogIds: ["R7"],
        rule: "After handing the operation off (work item queued, inserted in a queue, handle kept for a worker), the pre-op does not touch its callback data: the resumer may already have completed it.",
        source: "S1 /ifs/writing-preoperation-callback-routines; Windows-driver-samples issue #475",
        kind: .safety, severity: .error)

    public static let oplockPendingIsHandoff = Property(
        id: "OplockPendingIsHandoff", catalogIds: ["O1"],
        rule: "When FltCheckOplock returns FLT_PREOP_PENDING the oplock package owns the operation: the pre-op returns FLT_PREOP_PENDING and does not touch it.",
        source: "D:oplock /ddi/fltkernel/nf-fltkernel-fltcheckoplock",
        kind: .safety, severity: .error)

    public static let oplockWaitCompletionResumes = Property(
        id: "OplockWaitCompletionResumes", catalogIds: ["O2"],
        rule: "The oplock WaitCompletionRoutine resumes the operation it is given, exactly once (inferred from FsRtlCheckOplock semantics; the docs do not say who resumes).",
        source: "D:oplock /ddi/fltkernel/nf-fltkernel-fltcheckoplock; D:fsrtloplock (inferred)",
        kind: .safety, severity: .error)

    public static let oplockCompleteMeansComplete = Property(
        id: "OplockCompleteMeansComplete", catalogIds: ["O4"],
        rule: "When FltCheckOplock returns FLT_PREOP_COMPLETE (IoStatus already set), the pre-op returns FLT_PREOP_COMPLETE.",
        source: "D:oplock /ddi/fltkernel/nf-fltkernel-fltcheckoplock",
        kind: .safety, severity: .error)

    public static let noRecursiveCheckOplock = Property(
        id: "NoRecursiveCheckOplock", catalogIds: ["O5"],
        rule: "FltCheckOplock is never called from inside an oplock WaitCompletionRoutine (it deadlocks when the break completes before FltCheckOplock returns).",
        source: "D:oplock /ddi/fltkernel/nf-fltkernel-fltcheckoplock",
        kind: .safety, severity: .error)

    public static let syncNonIrpDegrades = Property(
        id: "SyncNonIrpDegrades", catalogIds: ["P9"],
        rule: "Return FLT_PREOP_SYNCHRONIZE only for IRP-based operations: on others FltMgr treats it as SUCCESS_WITH_CALLBACK.",
        source: "S2 /ddi/fltkernel/nc-fltkernel-pflt_pre_operation_callback; S3; I:sync /ifs/returning-flt-preop-synchronize",
        kind: .safety, severity: .advisory)

    public static let noSyncCreate = Property(
        id: "NoSyncCreate", catalogIds: ["P10"],
        rule: "Do not return FLT_PREOP_SYNCHRONIZE for IRP_MJ_CREATE: FltMgr already synchronizes creates, and post-create runs at PASSIVE_LEVEL in the originating thread.",
        source: "S2 /ddi/fltkernel/nc-fltkernel-pflt_pre_operation_callback; I:sync /ifs/returning-flt-preop-synchronize; I:writepost",
        kind: .safety, severity: .advisory)

    public static let noSyncAsyncReadWrite = Property(
        id: "NoSyncAsyncReadWrite", catalogIds: ["P11"],
        rule: "Never return FLT_PREOP_SYNCHRONIZE for an asynchronous read or write (check FltIsOperationSynchronous): it can deadlock, e.g. when the modified page writer is blocked.",
        source: "S2 /ddi/fltkernel/nc-fltkernel-pflt_pre_operation_callback; I:sync /ifs/returning-flt-preop-synchronize",
        kind: .safety, severity: .error)

    public static let noWhenSafeWhileDraining = Property(
        id: "NoWhenSafeWhileDraining", catalogIds: ["Q4"],
        rule: "Never call FltDoCompletionProcessingWhenSafe while FLTFL_POST_OPERATION_DRAINING is set.",
        source: "D:post /ddi/fltkernel/nc-fltkernel-pflt_post_operation_callback; D:safe /ddi/fltkernel/nf-fltkernel-fltdocompletionprocessingwhensafe",
        kind: .safety, severity: .error)

    public static let whenSafeContract = Property(
        id: "WhenSafeContract", catalogIds: ["Q7"],
        rule: "FltDoCompletionProcessingWhenSafe is called only from a post-op, on an IRP-based operation that is not paging I/O; when it returns FALSE the post-op handles the operation and returns FLT_POSTOP_FINISHED_PROCESSING.",
        source: "D:safe /ddi/fltkernel/nf-fltkernel-fltdocompletionprocessingwhensafe",
        kind: .safety, severity: .error)

    public static let completionCtxNullUnlessCallback = Property(
        id: "CompletionCtxNullUnlessCallback", catalogIds: ["P2"],
        rule: "*CompletionContext stays NULL unless the pre-op returns SUCCESS_WITH_CALLBACK or SYNCHRONIZE (PENDING, COMPLETE, NO_CALLBACK and DISALLOW_FASTIO pass no context).",
        source: "S2 /ddi/fltkernel/nc-fltkernel-pflt_pre_operation_callback; I:pendpre; I:complete; I:nocb; V:ann",
        kind: .safety, severity: .error)

    public static let ioStatusWriteWindow = Property(
        id: "IoStatusWriteWindow", catalogIds: ["P14"],
        rule: "IoStatus is written only by a pre-op about to complete the operation (return or resume with FLT_PREOP_COMPLETE) or a post-op about to return FLT_POSTOP_FINISHED_PROCESSING.",
        source: "D:cbd /ddi/fltkernel/ns-fltkernel-_flt_callback_data",
        kind: .safety, severity: .error)

    public static let setDirtyAfterModify = Property(
        id: "SetDirtyAfterModify", catalogIds: ["P15"],
        rule: "After changing callback-data parameters, call FltSetCallbackDataDirty before passing the operation on, or the change is ignored.",
        source: "S2; I:modify /ifs/modifying-the-parameters-for-an-i-o-operation; D:dirty /ddi/fltkernel/nf-fltkernel-fltsetcallbackdatadirty",
        kind: .safety, severity: .error)

    public static let postFailValidError = Property(
        id: "PostFailValidError", catalogIds: ["Q9"],
        rule: "A post-op that fails an operation (sets IoStatus.Status and lets it complete) uses a valid error status, never STATUS_PENDING or STATUS_FLT_DISALLOW_FAST_IO, and sets IoStatus.Information to 0; after FltCancelFileOpen the create must be failed that way. Failing does not undo the operation.",
        source: "I:failpost /ifs/failing-an-i-o-operation-in-a-postoperation-callback-routine; D:cfo /ddi/fltkernel/nf-fltkernel-fltcancelfileopen",
        kind: .safety, severity: .error)

    public static let cancelFileOpenOnlyPostCreate = Property(
        id: "CancelFileOpenOnlyPostCreate", catalogIds: ["Q10"],
        rule: "FltCancelFileOpen is called only from a post-create callback, at PASSIVE_LEVEL, for a create the file system completed with a success status other than STATUS_REPARSE (no file is open otherwise), once; a cancelled create cannot be reissued (Q11).",
        source: "D:cfo /ddi/fltkernel/nf-fltkernel-fltcancelfileopen; I:failpost /ifs/failing-an-i-o-operation-in-a-postoperation-callback-routine; B:f5 /debugger/bug-check-0xf5--fltmgr-file-system",
        kind: .safety, severity: .error)

    public static let reissueOnlySynchronized = Property(
        id: "ReissueOnlySynchronized", catalogIds: ["Q11"],
        rule: "FltReissueSynchronousIo is called only from the post-op of an IRP-based operation whose pre-op returned FLT_PREOP_SYNCHRONIZE, at IRQL <= APC_LEVEL (PASSIVE_LEVEL for non-paging I/O), after FltSetCallbackDataDirty if parameters changed, and never for a create cancelled with FltCancelFileOpen (FltMgr fails it with STATUS_CANCELLED).",
        source: "D:reissue /ddi/fltkernel/nf-fltkernel-fltreissuesynchronousio",
        kind: .safety, severity: .error)

    public static let noRetargetThenComplete = Property(
        id: "NoRetargetThenComplete", catalogIds: ["P16"],
        rule: "A filter that changed an operation's TargetInstance or TargetFileObject does not then complete the operation (FLT_PREOP_COMPLETE, or FltCompletePendedPreOperation with it): Filter Verifier reports it.",
        source: "I:modify /ifs/modifying-the-parameters-for-an-i-o-operation; D:cbd FLT_IO_PARAMETER_BLOCK /ddi/fltkernel/ns-fltkernel-_flt_io_parameter_block; fsfilters blog",
        kind: .safety, severity: .error)

    public static let noSyncForbiddenOps = Property(
        id: "NoSyncForbiddenOps", catalogIds: ["P12"],
        rule: "FLT_PREOP_SYNCHRONIZE is never returned for oplock FSCTLs (FSCTL_REQUEST_FILTER_OPLOCK, _BATCH_OPLOCK, _OPLOCK_LEVEL_1, _OPLOCK_LEVEL_2), IRP_MN_NOTIFY_CHANGE_DIRECTORY or IRP_MN_LOCK: they can stay pending indefinitely.",
        source: "I:sync /ifs/returning-flt-preop-synchronize",
        kind: .safety, severity: .error)

    public static let refCountBalance = Property(
        id: "RefCountBalance", catalogIds: ["T14"],
        rule: "Each context reference the filter takes is released exactly once: an over-release is bug check 0xF5 (P1=0x6D), and a reference still held when the instance is torn down is a leak Filter Verifier reports.",
        source: "V:fv /devtest/file-system-filter-verification; B:f5 /debugger/bug-check-0xf5--fltmgr-file-system",
        kind: .safety, severity: .error)

    public static let postOpDispatchSafe = Property(
        id: "PostOpDispatchSafe", catalogIds: ["Q5"],
        rule: "Code that may run at DISPATCH_LEVEL (a post-op that is not synchronized, not a create and not fast I/O; code holding a spin lock) takes no mutex or resource and does not wait.",
        source: "D:post /ddi/fltkernel/nc-fltkernel-pflt_post_operation_callback; I:writepost /ifs/writing-postoperation-callback-routines",
        kind: .safety, severity: .error)

    public static let userBufferViaWhenSafe = Property(
        id: "UserBufferViaWhenSafe", catalogIds: ["Q6"],
        rule: "A user buffer that has no MDL and is not a system buffer is touched only in the originator's thread below DISPATCH_LEVEL: a post-op that may run at DISPATCH_LEVEL (or in another thread) first calls FltDoCompletionProcessingWhenSafe, then FltLockUserBuffer, and uses the MDL's system address (MmGetSystemAddressForMdlSafe).",
        source: "I:bufpost /ifs/accessing-user-buffers-in-a-postoperation-callback-routine; Accessing User Buffers /ifs/accessing-user-buffers; swapBuffers sample",
        kind: .safety, severity: .error)

    public static let resumeIrql = Property(
        id: "ResumeIrql", catalogIds: ["R5"],
        rule: "FltCompletePendedPreOperation is called above APC_LEVEL only with FLT_PREOP_COMPLETE.",
        source: "D:cpre /ddi/fltkernel/nf-fltkernel-fltcompletependedpreoperation",
        kind: .safety, severity: .error)

    public static let cbdqLockDiscipline = Property(
        id: "CbdqLockDiscipline", catalogIds: ["C8"],
        rule: "With a mutex or resource as a cancel-safe queue's lock, every FltCbdq* call is made at IRQL <= APC_LEVEL.",
        source: "D:cbdqinit /ddi/fltkernel/nf-fltkernel-fltcbdqinitialize; D:cbdqins /ddi/fltkernel/nf-fltkernel-fltcbdqinsertio",
        kind: .safety, severity: .error)

    public static let noLockAcrossSync = Property(
        id: "NoLockAcrossSync", catalogIds: ["P13"],
        rule: "No lock is held from a pre-op that returns FLT_PREOP_SYNCHRONIZE to its post-op.",
        source: "I:sync /ifs/returning-flt-preop-synchronize",
        kind: .safety, severity: .error)

    public static let noDeadlock = Property(
        id: "NoDeadlock", catalogIds: [],
        rule: "No thread waits forever for a lock: no lock cycle, no recursive acquisition, no thread that ends holding a lock.",
        source: "the model's locks (catalog: lock rules C8, P13)",
        kind: .liveness, severity: .error)

    public static let workItemFreedOnce = Property(
        id: "WorkItemFreedOnce", catalogIds: ["W3"],
        rule: "Each work item allocated with FltAllocateDeferredIoWorkItem or FltAllocateGenericWorkItem (which may return NULL) is queued only while allocated and freed exactly once, in its routine or when queueing fails; none is left allocated when the filter unloads (Filter Verifier tracks them).",
        source: "D:adef /ddi/fltkernel/nf-fltkernel-fltallocatedeferredioworkitem; D:fdef /ddi/fltkernel/nf-fltkernel-fltfreedeferredioworkitem; D:qgen /ddi/fltkernel/nf-fltkernel-fltqueuegenericworkitem; V:fv /devtest/file-system-filter-verification",
        kind: .safety, severity: .error)

    public static let workItemsTerminate = Property(
        id: "WorkItemsTerminate", catalogIds: ["W5"],
        rule: "Once the filter's instance teardown or unload has started, every work item routine of the filter returns: none stays blocked forever (FltUnregisterFilter waits for them).",
        source: "S0 /ifs/processing-i-o-operations; I:unreg /ifs/unregistering-the-minifilter",
        kind: .liveness, severity: .error)

    public static let unloadCompletes = Property(
        id: "UnloadCompletes", catalogIds: ["T11", "T12", "T9"],
        rule: "An unload that is not vetoed completes: FilterUnloadCallback calls FltUnregisterFilter, which returns once every instance is torn down and no rundown reference (a generic work item running, a FltObjectReference not dereferenced) is left; it is never called from the filter's own work item or while holding a reference, and a mandatory unload is never vetoed.",
        source: "I:unreg /ifs/unregistering-the-minifilter; D:unreg /ddi/fltkernel/nf-fltkernel-fltunregisterfilter; I:unloadcb /ifs/writing-a-filterunloadcallback-routine",
        kind: .liveness, severity: .error)

    public static let unloadOrder = Property(
        id: "UnloadOrder", catalogIds: ["T10"],
        rule: "A filter that created a communication server port closes it with FltCloseCommunicationPort in FilterUnloadCallback before it calls FltUnregisterFilter (else the system can hang during unload), and closes it once: after the close the handle is no longer valid.",
        source: "I:port /ifs/closing-the-communication-server-port; I:unloadcb /ifs/writing-a-filterunloadcallback-routine; D:closeport /ddi/fltkernel/nf-fltkernel-fltclosecommunicationport",
        kind: .safety, severity: .error)

    public static let driverEntryFailureCleanup = Property(
        id: "DriverEntryFailureCleanup", catalogIds: ["T13"],
        rule: "A DriverEntry that fails after FltRegisterFilter succeeded closes the communication ports it created and calls FltUnregisterFilter before it returns: FltMgr never calls FilterUnloadCallback for a driver whose DriverEntry failed. FltCreateCommunicationPort, FltStartFiltering and FltUnregisterFilter are called only with the filter pointer FltRegisterFilter returned.",
        source: "I:deret /ifs/returning-status-from-a-minifilter-driverentry-routine; I:unloadcb /ifs/when-the-filterunloadcallback-routine-is-called; the WDK samples' DriverEntry",
        kind: .safety, severity: .error)

    public static let teardownCompleteClosesFiles = Property(
        id: "TeardownCompleteClosesFiles", catalogIds: ["T7"],
        rule: "Every file the filter opened on an instance (FltCreateFile) is closed (FltClose) by the time its InstanceTeardownCompleteCallback returns, and each handle is closed once and not reopened while open (the old handle would leak).",
        source: "D:teardown /ddi/fltkernel/nc-fltkernel-pflt_instance_teardown_callback; I:load /ifs/loading-and-unloading",
        kind: .safety, severity: .error)

    public static let cancellableWaits = Property(
        id: "CancellableWaits", catalogIds: ["C15"],
        rule: "A pre- or post-operation callback of a cancellable request that blocks (waiting for user mode, another scan...) waits with FltCancellableWaitForSingleObject, so that a cancel or thread termination aborts the wait, and handles that abort.",
        source: "D:cwait /ddi/fltkernel/nf-fltkernel-fltcancellablewaitforsingleobject; avscan sample",
        kind: .safety, severity: .advisory)

    public static let cancelIoOnlyOwnIo = Property(
        id: "CancelIoOnlyOwnIo", catalogIds: ["C13"],
        rule: "FltCancelIo is called only on I/O the filter itself issued with FltPerformAsynchronousIo, with callback data still valid: not on callback data never issued, not on freed callback data. (On I/O that already completed it returns FALSE, as the page documents; that race is not reported.)",
        source: "D:cancelio /ddi/fltkernel/nf-fltkernel-fltcancelio",
        kind: .safety, severity: .error)

    public static let asyncIoCallbackAlwaysRuns = Property(
        id: "AsyncIoCallbackAlwaysRuns", catalogIds: ["C14"],
        rule: "FltMgr calls the completion callback of FltPerformAsynchronousIo even when the call fails, so the callback data is freed (FltFreeCallbackData) or reused only after the callback has run, or by the callback itself; and it is freed once.",
        source: "D:async /ddi/fltkernel/nf-fltkernel-fltperformasynchronousio; docs-ddi #672",
        kind: .safety, severity: .error)

    public static let assertion = Property(
        id: "Assertion", catalogIds: [],
        rule: "The model's own assertions hold.",
        source: "the model",
        kind: .safety, severity: .error)

    public static let modelIntegrity = Property(
        id: "ModelIntegrity", catalogIds: [],
        rule: "The model's code stays within its declarations: integer variables within their ranges, operation handles naming an operation.",
        source: "the model",
        kind: .safety, severity: .error)

    /// Every property fltcheck checks, in the order reports list them.
    public static let all: [Property] = [
        .noDoubleCompletion, .resumeOnlyWhatYouPended, .resumeStatusValid, .callbackRequiresPostOp,
        .pendOnlyIrp, .completeStatusFinal, .cleanupCloseNeverFail, .disallowFastIoOnlyFastIo,
        .moreProcessingOnlyWhenPosted, .handleDeferredQueueFailure, .pendedOperationsResumed,
        .drainingCleanupOnly, .noResumeAfterTeardownComplete, .teardownCompletes,
        .cbdqInsertResultConsistency, .cbdqIrpOnly, .cbdqCancelCallbackCompletes, .workItemsTerminate, .workItemFreedOnce,
        .noCancelRoutineOnCbdqItems, .cancelCallbackSelfSync, .clearCancelBeforeComplete, .unloadCompletes,
        .noTouchAfterHandoff, .oplockPendingIsHandoff, .oplockWaitCompletionResumes, .oplockCompleteMeansComplete,
        .noRecursiveCheckOplock, .syncNonIrpDegrades, .noSyncCreate, .noSyncAsyncReadWrite,
        .noWhenSafeWhileDraining, .whenSafeContract, .completionCtxNullUnlessCallback, .ioStatusWriteWindow, .setDirtyAfterModify, .refCountBalance, .postOpDispatchSafe, .userBufferViaWhenSafe, .resumeIrql, .cbdqLockDiscipline, .noLockAcrossSync,
        .postFailValidError, .cancelFileOpenOnlyPostCreate, .reissueOnlySynchronized, .noRetargetThenComplete, .noSyncForbiddenOps,
        .unloadOrder, .driverEntryFailureCleanup, .teardownCompleteClosesFiles, .cancelIoOnlyOwnIo, .asyncIoCallbackAlwaysRuns, .cancellableWaits, .noDeadlock,
        .assertion, .modelIntegrity,
    ]

    /// A model under Models/Bugs/ that breaks the property (`fltcheck explain` shows it).
    public var exampleModel: String? { Property.exampleModels[id] }

    static let exampleModels: [String: String] = [
        "Assertion": "Models/Bugs/ScanLimitRace.swift",
        "UnloadOrder": "Models/Bugs/PortOpenAtUnregister.swift",
        "DriverEntryFailureCleanup": "Models/Bugs/DriverEntryLeaksRegistration.swift",
        "CancelIoOnlyOwnIo": "Models/Bugs/CancelIoAfterFree.swift",
        "AsyncIoCallbackAlwaysRuns": "Models/Bugs/AsyncReadFreedOnFailure.swift",
        "TeardownCompleteClosesFiles": "Models/Bugs/MetadataFileLeftOpen.swift",
        "CallbackRequiresPostOp": "Models/Bugs/CallbackWithoutPostOp.swift",
        "CancelCallbackSelfSync": "Models/Bugs/CancelRoutineOnPagingIo.swift",
        "CancelFileOpenOnlyPostCreate": "Models/Bugs/CancelOpenOfFailedCreate.swift",
        "CbdqCancelCallbackCompletes": "Models/Bugs/CancelCallbackOnlyFlags.swift",
        "CbdqInsertResultConsistency": "Models/Bugs/PendDespiteDisabledQueue.swift",
        "CbdqIrpOnly": "Models/Bugs/QueueFastIoRead.swift",
        "CbdqLockDiscipline": "Models/Bugs/CbdqFromDispatchPostOp.swift",
        "CleanupCloseNeverFail": "Models/Bugs/FailCleanupDuringScan.swift",
        "ClearCancelBeforeComplete": "Models/Bugs/CompleteWithCancelRoutineSet.swift",
        "CompleteStatusFinal": "Models/Bugs/CompleteWithPending.swift",
        "CompletionCtxNullUnlessCallback": "Models/Bugs/ContextWithComplete.swift",
        "DisallowFastIoOnlyFastIo": "Models/Bugs/DisallowFastIoOnIrp.swift",
        "DrainingCleanupOnly": "Models/Bugs/PostReadIgnoresDraining.swift",
        "HandleDeferredQueueFailure": "Models/Bugs/IgnoreQueueFailure.swift",
        "IoStatusWriteWindow": "Models/Bugs/StatusWithoutComplete.swift",
        "ModelIntegrity": "Models/Bugs/UnbalancedCounter.swift",
        "MoreProcessingOnlyWhenPosted": "Models/Bugs/MoreProcessingNotPosted.swift",
        "NoCancelRoutineOnCbdqItems": "Models/Bugs/CancelRoutineOnQueuedRead.swift",
        "NoDeadlock": "Models/Bugs/LockInversion.swift",
        "NoDoubleCompletion": "Models/Bugs/CancelRaceIgnored.swift",
        "NoLockAcrossSync": "Models/Bugs/LockHeldAcrossSynchronize.swift",
        "NoRecursiveCheckOplock": "Models/Bugs/OplockCheckedInCompletion.swift",
        "NoResumeAfterTeardownComplete": "Models/Bugs/ResumeAfterTeardownComplete.swift",
        "NoRetargetThenComplete": "Models/Bugs/RetargetThenComplete.swift",
        "NoSyncForbiddenOps": "Models/Bugs/SynchronizeOplockRequest.swift",
        "NoSyncAsyncReadWrite": "Models/Bugs/SyncOnAsyncWrite.swift",
        "NoTouchAfterHandoff": "Models/Bugs/StatusAfterHandoff.swift",
        "NoWhenSafeWhileDraining": "Models/Bugs/WhenSafeWhileDraining.swift",
        "OplockCompleteMeansComplete": "Models/Bugs/OplockFailureIgnored.swift",
        "OplockPendingIsHandoff": "Models/Bugs/OplockPendingIgnored.swift",
        "OplockWaitCompletionResumes": "Models/Bugs/OplockBreakForgotten.swift",
        "PendOnlyIrp": "Models/Bugs/PendFastIo.swift",
        "PendedOperationsResumed": "Models/Bugs/CancelCheckWithoutCancelLock.swift",
        "PostFailValidError": "Models/Bugs/FailedReadKeepsInformation.swift",
        "PostOpDispatchSafe": "Models/Bugs/MutexInPostOp.swift",
        "RefCountBalance": "Models/Bugs/ContextLeakOnErrorPath.swift",
        "ReissueOnlySynchronized": "Models/Bugs/ReissueWithoutSynchronize.swift",
        "ResumeIrql": "Models/Bugs/ResumeAtDispatch.swift",
        "ResumeOnlyWhatYouPended": "Models/Bugs/ResumeWithoutPending.swift",
        "ResumeStatusValid": "Models/Bugs/ResumeWithPending.swift",
        "SetDirtyAfterModify": "Models/Bugs/SwapWithoutDirty.swift",
        "TeardownCompletes": "Models/Bugs/TeardownForgetsQueue.swift",
        "UserBufferViaWhenSafe": "Models/Bugs/PostReadTouchesUserBuffer.swift",
        "UnloadCompletes": "Models/Bugs/UnregisterBeforeSignal.swift",
        "WhenSafeContract": "Models/Bugs/WhenSafeOnPagingRead.swift",
        "WorkItemFreedOnce": "Models/Bugs/WorkItemFreedTwice.swift",
        "WorkItemsTerminate": "Models/Bugs/WorkerMissesTeardownWakeup.swift",
    ]

    /// The property with this id, if there is one.
    public static func named(_ id: String) -> Property? { all.first { $0.id == id } }
}
