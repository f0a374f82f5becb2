// Filter code: the statements of callbacks and work items. Each records its source line.

/// One statement of filter code.
public protocol Statement {
    var ir: StatementIR { get }
}

@resultBuilder public enum Code: ListBuilder {
    public typealias Element = StatementIR
    public static func buildExpression(_ statement: some Statement) -> [StatementIR] { [statement.ir] }
}

/// The list-building part shared by the DSL's result builders: blocks, `if`, `if`/`else` and `for`
/// at model-building time all just concatenate.
public protocol ListBuilder {
    associatedtype Element
}

extension ListBuilder {
    public static func buildBlock(_ parts: [Element]...) -> [Element] { parts.flatMap { $0 } }
    public static func buildOptional(_ part: [Element]?) -> [Element] { part ?? [] }
    public static func buildEither(first: [Element]) -> [Element] { first }
    public static func buildEither(second: [Element]) -> [Element] { second }
    public static func buildArray(_ parts: [[Element]]) -> [Element] { parts.flatMap { $0 } }
}

/// `variable = value`; made by `variable.set(value)`.
public struct Assignment: Statement {
    public let ir: StatementIR
    init(variable: Int, value: Expr, atomic: Bool, location: SourceLocation) {
        ir = StatementIR(atomic ? .assign(variable: variable, value: value.ir) : .readThenWrite(variable: variable, value: value.ir), at: location)
    }
}

/// An assumption about the environment: paths on which `condition` is false are not explored
/// (with symbolic data, it narrows the values Z3 may pick).
public struct Assume: Statement {
    public let ir: StatementIR
    public init(_ condition: some ExprConvertible, file: String = #filePath, line: Int = #line) {
        ir = StatementIR(.assume(condition.expr.ir), at: location(file, line))
    }
}

/// `if condition { then } else { otherwise }`. The condition is read in its own step, so a
/// check-then-act sequence is a race unless it sits in `Atomic`.
public struct If: Statement {
    public let ir: StatementIR
    public init(
        _ condition: some ExprConvertible, file: String = #filePath, line: Int = #line,
        @Code then: () -> [StatementIR], @Code else otherwise: () -> [StatementIR] = { [] }
    ) {
        ir = StatementIR(
            .ifElse(condition: condition.expr.ir, then: then(), otherwise: otherwise()), at: location(file, line))
    }
}

/// Nondeterministic choice between branches; fltcheck explores every one.
public struct Either: Statement {
    public let ir: StatementIR
    public init(
        file: String = #filePath, line: Int = #line,
        @Code _ first: () -> [StatementIR], @Code or second: () -> [StatementIR]
    ) {
        ir = StatementIR(.choose([first(), second()]), at: location(file, line))
    }
}

/// Nondeterministic choice among any number of branches (`Branch { }` each).
public struct OneOf: Statement {
    public let ir: StatementIR
    public init(file: String = #filePath, line: Int = #line, @BranchBuilder _ branches: () -> [[StatementIR]]) {
        let all = branches()
        if all.isEmpty { buildContext.error("OneOf needs at least one Branch", location(file, line)) }
        ir = StatementIR(.choose(all), at: location(file, line))
    }
}

/// One branch of `OneOf`.
public struct Branch {
    let body: [StatementIR]
    public init(@Code _ body: () -> [StatementIR]) { self.body = body() }
}

@resultBuilder public enum BranchBuilder: ListBuilder {
    public typealias Element = [StatementIR]
    public static func buildExpression(_ branch: Branch) -> [[StatementIR]] { [branch.body] }
}

/// The model's own assertion: a violation when `condition` is false where it runs.
public struct Assert: Statement {
    public let ir: StatementIR
    public init(_ condition: some ExprConvertible, _ message: String, file: String = #filePath, line: Int = #line) {
        ir = StatementIR(.assert(condition.expr.ir, message: message), at: location(file, line))
    }
}

/// Statements no other thread can interleave with (a lock held around them, an interlocked update).
public struct Atomic: Statement {
    public let ir: StatementIR
    public init(file: String = #filePath, line: Int = #line, @Code _ body: () -> [StatementIR]) {
        ir = StatementIR(.atomic(body()), at: location(file, line))
    }
}

/// An interleaving point. Under `Interleaving.explicitSteps` other threads run only here and
/// between callbacks; under the default every statement is one already.
public struct Step: Statement {
    public let ir: StatementIR
    public init(file: String = #filePath, line: Int = #line) {
        ir = StatementIR(.step, at: location(file, line))
    }
}

/// Returns from a pre- or post-operation callback.
public struct Return: Statement {
    public let ir: StatementIR
    /// A pre-operation callback's FLT_PREOP_* status.
    public init(_ outcome: PreOutcome, file: String = #filePath, line: Int = #line) {
        ir = StatementIR(.returnPre(outcome), at: location(file, line))
    }
    /// FilterUnloadCallback's status: `.success`, or `.fltDoNotDetach` to veto a non-mandatory unload.
    public init(status: NTStatus, file: String = #filePath, line: Int = #line) {
        ir = StatementIR(.returnStatus(status), at: location(file, line))
    }
    /// A post-operation callback's FLT_POSTOP_* status.
    public init(_ outcome: PostOutcome, file: String = #filePath, line: Int = #line) {
        ir = StatementIR(.returnPost(outcome), at: location(file, line))
    }
}

/// FltCompletePendedPreOperation: resumes an operation this filter pended in its pre-operation
/// callback, with the status the pre-op would have returned.
public struct CompletePendedPreOperation: Statement {
    public let ir: StatementIR
    public init(
        _ operation: some ExprConvertible = Op.current, _ outcome: PreOutcome,
        file: String = #filePath, line: Int = #line
    ) {
        ir = StatementIR(.completePendedPre(operation: operation.expr.ir, outcome: outcome), at: location(file, line))
    }
}

/// FltCompletePendedPostOperation: resumes completion of an operation this filter's post-operation
/// callback returned FLT_POSTOP_MORE_PROCESSING_REQUIRED for.
public struct CompletePendedPostOperation: Statement {
    public let ir: StatementIR
    public init(_ operation: some ExprConvertible = Op.current, file: String = #filePath, line: Int = #line) {
        ir = StatementIR(.completePendedPost(operation: operation.expr.ir), at: location(file, line))
    }
}

/// FltQueueDeferredIoWorkItem: queues `workItem` for the operation; runs `onSuccess` if it was
/// queued and `onFailure` if FltMgr refused (catalog W1: not IRP-based, paging I/O, TopLevelIrp
/// set, or the instance is being torn down).
public struct QueueDeferredIoWorkItem: Statement {
    public let ir: StatementIR
    public init(
        _ workItem: WorkItem, for operation: some ExprConvertible = Op.current,
        file: String = #filePath, line: Int = #line,
        @Code onSuccess: () -> [StatementIR], @Code onFailure: () -> [StatementIR]
    ) {
        ir = StatementIR(
            .queueDeferredWorkItem(
                workItem: workItem.index, operation: operation.expr.ir, onSuccess: onSuccess(), onFailure: onFailure()),
            at: location(file, line))
    }
}

/// Sets IoStatus.Status of the current operation (e.g. to fail it in a post-op).
public struct SetStatus: Statement {
    public let ir: StatementIR
    public init(_ status: some ExprConvertible, file: String = #filePath, line: Int = #line) {
        ir = StatementIR(.setStatus(status.expr.ir), at: location(file, line))
    }
    /// Sets IoStatus.Status and IoStatus.Information together. A post-op that fails the operation
    /// sets a valid error status and `information: 0` (I:failpost, Q9): the file system's
    /// Information (bytes transferred, the create disposition) would otherwise reach the caller.
    public init(_ status: some ExprConvertible, information: some ExprConvertible, file: String = #filePath, line: Int = #line) {
        ir = StatementIR(.setIoStatus(status: status.expr.ir, information: information.expr.ir), at: location(file, line))
    }
}

/// A statement made by a method, such as a cancel-safe queue's `insert`.
public struct CodeStatement: Statement {
    public let ir: StatementIR
    init(_ ir: StatementIR) { self.ir = ir }
}

/// `while condition { body }`. The condition is read in a step of its own.
public struct While: Statement {
    public let ir: StatementIR
    public init(_ condition: some ExprConvertible, file: String = #filePath, line: Int = #line, @Code _ body: () -> [StatementIR]) {
        ir = StatementIR(.whileLoop(condition: condition.expr.ir, body: body()), at: location(file, line))
    }
}

/// Blocks the thread until `condition` holds: a wait on an event that other code signals by
/// changing variables (KeWaitForSingleObject). A thread blocked forever is reported as stuck.
public struct WaitUntil: Statement {
    public let ir: StatementIR
    public init(_ condition: some ExprConvertible, file: String = #filePath, line: Int = #line) {
        ir = StatementIR(.waitUntil(condition.expr.ir), at: location(file, line))
    }
}

/// FltQueueGenericWorkItem: queues a generic work item of this filter; `onFailure` runs when FltMgr
/// refuses with STATUS_FLT_DELETING_OBJECT because the filter is being unregistered (W4).
public struct QueueGenericWorkItem: Statement {
    public let ir: StatementIR
    public init(
        _ workItem: WorkItem, file: String = #filePath, line: Int = #line,
        @Code onSuccess: () -> [StatementIR], @Code onFailure: () -> [StatementIR]
    ) {
        ir = StatementIR(.queueGenericWorkItem(workItem: workItem.index, onSuccess: onSuccess(), onFailure: onFailure()), at: location(file, line))
    }
}

/// FltUnregisterFilter: tears down every instance of the filter and waits until no rundown
/// reference is left (generic work items running), as in FilterUnloadCallback (T11).
public struct UnregisterFilter: Statement {
    public let ir: StatementIR
    public init(file: String = #filePath, line: Int = #line) {
        ir = StatementIR(.unregisterFilter, at: location(file, line))
    }
}

/// FltRegisterFilter, in `DriverEntry`: `onSuccess` with the filter registered (not yet filtering),
/// `onFailure` when it fails (STATUS_INSUFFICIENT_RESOURCES, ...). Both are explored.
public struct RegisterFilter: Statement {
    public let ir: StatementIR
    public init(
        file: String = #filePath, line: Int = #line,
        @Code onSuccess: () -> [StatementIR], @Code onFailure: () -> [StatementIR]
    ) {
        ir = StatementIR(.driverEntryCall(.registerFilter, onSuccess: onSuccess(), onFailure: onFailure()), at: location(file, line))
    }
}

/// FltStartFiltering, in `DriverEntry` after `RegisterFilter`: `onSuccess` with the filter's instance
/// attached (requests now reach it), `onFailure` when it fails. Both are explored.
public struct StartFiltering: Statement {
    public let ir: StatementIR
    public init(
        file: String = #filePath, line: Int = #line,
        @Code onSuccess: () -> [StatementIR], @Code onFailure: () -> [StatementIR]
    ) {
        ir = StatementIR(.driverEntryCall(.startFiltering, onSuccess: onSuccess(), onFailure: onFailure()), at: location(file, line))
    }
}

/// A cancel routine of the enclosing filter for FltSetCancelCompletion. When the originator cancels
/// the operation, FltMgr calls it (in the cancelling thread, with no lock held: C10) with the
/// operation as `Op.current`.
public func CancelRoutine(_ name: String, file: String = #filePath, line: Int = #line, @Code _ body: () -> [StatementIR]) -> WorkItem {
    WorkItem(name, kind: .cancelRoutine, file: file, line: line, body)
}

/// FltSetCancelCompletion: `routine` runs if the operation is cancelled before the cancel routine
/// is cleared. Only for IRP-based, non-paging operations that are in no cancel-safe queue (C9, C10).
/// If the operation is already cancelled, the routine is never called (C12): check `Op.isCancelled`.
public struct SetCancelCompletion: Statement {
    public let ir: StatementIR
    public init(_ routine: WorkItem, for operation: some ExprConvertible = Op.current, file: String = #filePath, line: Int = #line) {
        ir = StatementIR(.setCancelCompletion(routine: routine.index, operation: operation.expr.ir), at: location(file, line))
    }
}

/// FltClearCancelCompletion: `onCleared` runs when the cancel routine was cleared (STATUS_SUCCESS)
/// and the caller may complete the operation; `onCancelled` when it returned STATUS_CANCELLED: the
/// cancel routine owns the operation, "cancel always wins" (C11).
public struct ClearCancelCompletion: Statement {
    public let ir: StatementIR
    public init(
        for operation: some ExprConvertible = Op.current, file: String = #filePath, line: Int = #line,
        @Code onCleared: () -> [StatementIR], @Code onCancelled: () -> [StatementIR]
    ) {
        ir = StatementIR(.clearCancelCompletion(operation: operation.expr.ir, onCleared: onCleared(), onCancelled: onCancelled()), at: location(file, line))
    }
}

/// An oplock WaitCompletionRoutine of the enclosing filter, for `CheckOplock`: called when the oplock
/// break completes, with the operation as `Op.current`; it must resume the operation exactly once (O2)
/// and must not call FltCheckOplock itself (O5).
public func OplockWaitCompletion(_ name: String, file: String = #filePath, line: Int = #line, @Code _ body: () -> [StatementIR]) -> WorkItem {
    WorkItem(name, kind: .oplockWaitCompletion, file: file, line: line, body)
}

/// FltCheckOplock on the current operation (an oplock-owning filter, O6). fltcheck explores each
/// outcome: the operation may go on (`onSuccess`); the oplock package took it for a break
/// (`onPending`: return FLT_PREOP_PENDING and do not touch it, O1; `waitCompletion` resumes it); or
/// it failed with IoStatus set (`onComplete`: return FLT_PREOP_COMPLETE, O4). Without a
/// `waitCompletion` the call waits for the break instead (O3) and never pends.
public struct CheckOplock: Statement {
    public let ir: StatementIR
    public init(
        waitCompletion: WorkItem?, for operation: some ExprConvertible = Op.current,
        file: String = #filePath, line: Int = #line,
        @Code onSuccess: () -> [StatementIR], @Code onPending: () -> [StatementIR] = { [] },
        @Code onComplete: () -> [StatementIR]
    ) {
        ir = StatementIR(.checkOplock(
            operation: operation.expr.ir, waitCompletion: waitCompletion?.index,
            onSuccess: onSuccess(), onPending: onPending(), onComplete: onComplete()), at: location(file, line))
    }
}

/// A SafePostCallback of the enclosing filter for `DoCompletionProcessingWhenSafe`: post-operation
/// code (with `Op.current`) that returns `.finishedProcessing` or `.moreProcessingRequired` (then
/// the filter must later call FltCompletePendedPostOperation, Q8).
public func SafePostCallback(_ name: String, file: String = #filePath, line: Int = #line, @Code _ body: () -> [StatementIR]) -> WorkItem {
    WorkItem(name, kind: .safePostCallback, file: file, line: line, body)
}

/// FltDoCompletionProcessingWhenSafe in a post-operation callback (D:safe). When it returns TRUE the
/// post-op returns *RetPostOperationStatus, so this statement ends the post-op: at IRQL <=
/// APC_LEVEL FltMgr runs `callback` at once and its status is the post-op's; at DISPATCH_LEVEL it
/// posts it to a worker thread and the post-op returns MORE_PROCESSING_REQUIRED. When it returns
/// FALSE (it could not post) `onFalse` runs and must end in a Return, e.g. failing the operation
/// (Q7). Only for IRP-based, non-paging operations, and never while draining (Q4).
public struct DoCompletionProcessingWhenSafe: Statement {
    public let ir: StatementIR
    public init(_ callback: WorkItem, file: String = #filePath, line: Int = #line, @Code onFalse: () -> [StatementIR]) {
        ir = StatementIR(.whenSafe(callback: callback.index, onFalse: onFalse()), at: location(file, line))
    }
}

/// Sets *CompletionContext in a pre-operation callback (to pass state to the post-op). Only for a
/// pre-op that then returns SUCCESS_WITH_CALLBACK or SYNCHRONIZE (P2).
public struct SetCompletionContext: Statement {
    public let ir: StatementIR
    public init(file: String = #filePath, line: Int = #line) {
        ir = StatementIR(.setCompletionContext, at: location(file, line))
    }
}

/// Changes the operation's parameters in the callback data (a swapped buffer, a new length or
/// offset). Until `SetCallbackDataDirty()` the change is ignored (P15).
public struct ModifyParameters: Statement {
    public let ir: StatementIR
    public init(file: String = #filePath, line: Int = #line) {
        ir = StatementIR(.modifyParameters, at: location(file, line))
    }
}

/// FltSetCallbackDataDirty.
public struct SetCallbackDataDirty: Statement {
    public let ir: StatementIR
    public init(file: String = #filePath, line: Int = #line) {
        ir = StatementIR(.setCallbackDataDirty, at: location(file, line))
    }
}

/// FltCancelFileOpen on the current operation (D:cfo): in a post-create callback, at PASSIVE_LEVEL,
/// for a create the file system completed with a success status other than STATUS_REPARSE, it closes
/// the file the create opened (FO_FILE_OPEN_CANCELLED). The post-create must then fail the create
/// with a valid error status and Information 0 (I:failpost, Q9), and the create can no longer be
/// reissued (Q10, Q11). Not while draining (Q3).
public struct CancelFileOpen: Statement {
    public let ir: StatementIR
    public init(file: String = #filePath, line: Int = #line) {
        ir = StatementIR(.cancelFileOpen, at: location(file, line))
    }
}

/// FltReissueSynchronousIo for the current operation (D:reissue), from the post-operation callback
/// of an IRP-based operation whose pre-op returned FLT_PREOP_SYNCHRONIZE: FltMgr sends it again to
/// the instances below this one and to the file system (those above do not see it) and returns when
/// it has completed there; `Op.status` is then the new result. Changed parameters need
/// `SetCallbackDataDirty()` first; a create cancelled with FltCancelFileOpen cannot be reissued
/// (Q11). Not while draining (Q3).
public struct ReissueSynchronousIo: Statement {
    public let ir: StatementIR
    public init(file: String = #filePath, line: Int = #line) {
        ir = StatementIR(.reissueSynchronousIo, at: location(file, line))
    }
}

/// Changes Iopb->TargetInstance or TargetFileObject of the current operation in a pre-operation
/// callback (I:modify): the operation is redirected to this filter's instance on another volume.
/// Like `ModifyParameters()` it needs `SetCallbackDataDirty()` (P15), and a retargeted operation
/// must not then be completed by the filter (P16). fltcheck models one volume: the retargeted
/// operation goes on down the same stack below the filter.
public struct Retarget: Statement {
    public let ir: StatementIR
    public init(file: String = #filePath, line: Int = #line) {
        ir = StatementIR(.retarget, at: location(file, line))
    }
}

/// Touches the current operation's data buffer: reads what the file system returned, or copies data
/// into it (RtlCopyMemory). It goes through the MDL's system address (MmGetSystemAddressForMdlSafe,
/// fine at DISPATCH_LEVEL) when the buffer has an MDL, and touches a system buffer directly; a user
/// buffer without an MDL is reachable only through its user-space address, which is valid only in
/// the originator's thread and may be paged out, so touching it at DISPATCH_LEVEL or from another
/// thread is UserBufferViaWhenSafe (Q6, I:bufpost). Test `Op.hasMdl` and `Op.isSystemBuffer` first,
/// and for the rest use `DoCompletionProcessingWhenSafe` and `LockUserBuffer` in the safe callback,
/// as swapBuffers does.
public struct AccessBuffer: Statement {
    public let ir: StatementIR
    public init(file: String = #filePath, line: Int = #line) {
        ir = StatementIR(.accessBuffer, at: location(file, line))
    }
}

/// FltLockUserBuffer on the current operation (Q5, Q6): locks the buffer's pages and gives it an MDL
/// (`Op.hasMdl` is then true), so `AccessBuffer()` goes through the MDL from then on. It is called at
/// IRQL <= APC_LEVEL: at DISPATCH_LEVEL it is PostOpDispatchSafe (Q5). When the buffer has no MDL
/// yet, fltcheck explores both results: `onSuccess` (STATUS_SUCCESS) and `onFailure`
/// (STATUS_INSUFFICIENT_RESOURCES: it could not allocate the MDL; swapBuffers then fails the
/// operation with that status). A buffer that already has an MDL is locked already: STATUS_SUCCESS.
public struct LockUserBuffer: Statement {
    public let ir: StatementIR
    public init(
        file: String = #filePath, line: Int = #line,
        @Code onSuccess: () -> [StatementIR], @Code onFailure: () -> [StatementIR]
    ) {
        ir = StatementIR(.lockUserBuffer(onSuccess: onSuccess(), onFailure: onFailure()), at: location(file, line))
    }
}
