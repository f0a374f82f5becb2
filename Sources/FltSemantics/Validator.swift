import FltModel
import FltProperties

/// Checks that an IR describes a model that can be run: well-formed references, values within
/// their types, callbacks that always return, statements where they are allowed.
struct Validator {
    let model: ModelIR

    func validate() throws(ModelError) {
        if model.filters.isEmpty { throw ModelError("the model declares no Filter", at: model.location) }
        if model.workload.requests.isEmpty {
            throw ModelError("the model's Workload has no Requests: nothing would be checked", at: model.location)
        }
        var names: [String: SourceLocation] = [:]
        var altitudes: [Int: String] = [:]
        for filter in model.filters {
            if filter.name.isEmpty { throw ModelError("a filter needs a name", at: filter.location) }
            if let earlier = names[filter.name] {
                throw ModelError("two filters are named \"\(filter.name)\" (the other one is at \(earlier))", at: filter.location)
            }
            names[filter.name] = filter.location
            if let other = altitudes[filter.altitude] {
                throw ModelError("filters \"\(other)\" and \"\(filter.name)\" have the same altitude \(filter.altitude); FltMgr orders filters by altitude, so each needs its own", at: filter.location)
            }
            altitudes[filter.altitude] = filter.name
            var seen: Set<String> = []
            for callback in filter.callbacks {
                let key = "\(callback.kind.rawValue) \(callback.major.rawValue)"
                if !seen.insert(key).inserted {
                    throw ModelError("\(filter.name) registers two \(callback.kind == .pre ? "pre" : "post")-operation callbacks for IRP_MJ_\(callback.major.rawValue)", at: callback.location)
                }
                if callback.kind == .post && callback.major == .shutdown {
                    // P3: IRP_MJ_SHUTDOWN can never have a post-operation callback (D:opreg).
                    throw ModelError("IRP_MJ_SHUTDOWN cannot have a post-operation callback (FLT_OPERATION_REGISTRATION)", at: callback.location)
                }
                try check(callback.body, context: .callback(callback.kind), filter: filter.name)
                if !terminates(callback.body) {
                    let last = callback.body.last?.location ?? callback.location
                    throw ModelError("\(filter.name) \(callback.kind == .pre ? "Pre" : "Post")\(callback.major.callbackName) can reach its end without a Return", at: last)
                }
            }
        }
        for filter in model.filters {
            if let start = filter.teardownStart { try check(start.body, context: .teardown, filter: filter.name) }
            if let complete = filter.teardownComplete { try check(complete.body, context: .teardown, filter: filter.name) }
            if let unload = filter.unload { try check(unload.body, context: .unload, filter: filter.name) }
            if let entry = filter.driverEntry {
                try check(entry.body, context: .driverEntry, filter: filter.name)
                if !terminates(entry.body) {
                    throw ModelError("\(filter.name) DriverEntry can reach its end without a Return(status:)", at: entry.body.last?.location ?? entry.location)
                }
            }
            if let query = filter.queryTeardown {
                // Like FilterUnload, it runs for no operation and returns a status (T9).
                try check(query.body, context: .unload, filter: filter.name)
                if !terminates(query.body) {
                    throw ModelError("\(filter.name) InstanceQueryTeardown can reach its end without a Return(status:)", at: query.body.last?.location ?? query.location)
                }
            }
        }
        try checkFreesOwn()
        for item in model.workItems {
            if names[item.owner] == nil { throw ModelError("work item \"\(item.name)\" belongs to no filter", at: item.location) }
            let itemContext: CodeContext = switch item.kind {
            case .generic, .asyncIoCompletion: .teardown
            case .deferredIo: .workItem
            case .safePostCallback: .callback(.post)
            case .cancelRoutine, .oplockWaitCompletion: .cancelCallback
            }
            try check(item.body, context: itemContext, filter: item.owner)
            if item.kind == .safePostCallback && !terminates(item.body) {
                throw ModelError("SafePostCallback \(item.name) can reach its end without a Return", at: item.location)
            }
        }
        var unloaded: Set<String> = []
        for unload in model.workload.unloads {
            if names[unload.filter] == nil {
                throw ModelError("Unload names \"\(unload.filter)\", which is not a filter of this model", at: unload.location)
            }
            if !unloaded.insert(unload.filter).inserted { throw ModelError("\(unload.filter) is unloaded twice in the workload", at: unload.location) }
        }
        for queue in model.queues {
            if names[queue.owner] == nil { throw ModelError("queue \"\(queue.name)\" belongs to no filter", at: queue.location) }
            try check(queue.cancelCallback, context: .cancelCallback, filter: queue.owner)
        }
        var tornDown: Set<String> = []
        for teardown in model.workload.teardowns {
            if names[teardown.filter] == nil {
                throw ModelError("InstanceTeardown names \"\(teardown.filter)\", which is not a filter of this model", at: teardown.location)
            }
            if !tornDown.insert(teardown.filter).inserted {
                throw ModelError("\(teardown.filter)'s instance is torn down twice in the workload", at: teardown.location)
            }
        }
        for variable in model.variables { try check(variable) }
        for group in model.workload.requests {
            if group.count < 1 || group.count > 64 {
                throw ModelError("Requests count must be between 1 and 64 (got \(group.count))", at: group.location)
            }
            if group.fileSystemStatuses.isEmpty { throw ModelError("the file system needs at least one completion status", at: group.location) }
            if case .value? = group.fileSystemStatus {
                throw ModelError("fileSystemStatus: takes .symbolic; list concrete statuses with fileSystem: .inline(...)", at: group.location)
            }
            if group.fileSystemStatuses.contains(.pending) {
                throw ModelError("STATUS_PENDING is not a completion status; use FileSystem.asynchronous to complete later", at: group.location)
            }
            if group.kind == .fastIo && group.fileSystemTiming != .inline {
                throw ModelError("fast I/O is synchronous: the file system completes it inline", at: group.location)
            }
            if let minor = group.minor, minor.major != group.major {
                throw ModelError("\(minor) belongs to IRP_MJ_\(minor.major.rawValue), not to IRP_MJ_\(group.major.rawValue): give it to a Requests(.\(minor.major.dslName), ...)", at: group.location)
            }
            if let buffers = group.buffers { try checkBuffers(buffers, of: group) }
        }
        if model.locks.filter(\.isCancelSpinLock).count > 1, let second = model.locks.filter(\.isCancelSpinLock).dropFirst().first {
            throw ModelError("the system has one cancel spin lock: declare Lock.ioCancelSpinLock() once", at: second.location)
        }
        for disabled in model.options.disabled {
            if Property.named(disabled.property) == nil {
                throw ModelError("Disable(\"\(disabled.property)\"): there is no such property (see `fltcheck list`)", at: disabled.location)
            }
            if disabled.reason.trimmingCharacters(in: .whitespaces).count < 8 {
                throw ModelError("Disable(\"\(disabled.property)\") needs a written reason", at: disabled.location)
            }
        }
        if model.workload.requests.reduce(0, { $0 + $1.count }) > 64 {
            throw ModelError("the workload has more than 64 requests", at: model.location)
        }
    }

    private enum CodeContext: Equatable {
        case callback(CallbackKind)
        case workItem
        /// InstanceTeardownStart/Complete and generic work items: no current operation.
        case teardown
        case cancelCallback
        /// FilterUnloadCallback: no current operation; may return a status.
        case unload
        /// DriverEntry: no current operation; returns a status (T13).
        case driverEntry

        var runsForNoOperation: Bool { self == .teardown || self == .unload || self == .driverEntry }
    }

    private func check(_ variable: VariableIR) throws(ModelError) {
        let within: Bool
        switch variable.type {
        case .bool: within = variable.initial == 0 || variable.initial == 1
        case .enumeration(let cases):
            if cases.isEmpty { throw ModelError("\(variable.name) has no states", at: variable.location) }
            within = cases.indices.contains(variable.initial)
        case .int(let min, let max):
            if min > max { throw ModelError("\(variable.name) has an empty range \(min)...\(max)", at: variable.location) }
            within = (min...max).contains(variable.initial)
        case .operation: within = variable.initial == 0
        case .bitVector(let width, _):
            if ![8, 16, 32, 64].contains(width) { throw ModelError("\(variable.name): a BitVector is 8, 16, 32 or 64 bits wide", at: variable.location) }
            within = width == 64 || (variable.initial >= -(1 << (width - 1)) && variable.initial <= (1 << width) - 1)
        }
        if variable.symbolic, case .bitVector = variable.type {} else if variable.symbolic {
            throw ModelError("\(variable.name): only a BitVector can be symbolic", at: variable.location)
        }
        if !within { throw ModelError("the initial value of \(variable.name) is outside its type", at: variable.location) }
    }

    private func check(_ body: [StatementIR], context: CodeContext, filter: String) throws(ModelError) {
        for (index, statement) in body.enumerated() {
            if index > 0, isReturn(body[index - 1]) {
                throw ModelError("this statement can never run: it follows a Return", at: statement.location)
            }
            try check(statement, context: context, filter: filter)
        }
    }

    private func isReturn(_ statement: StatementIR) -> Bool {
        switch statement.kind {
        case .returnPre, .returnPost, .returnStatus: true
        default: false
        }
    }

    private func check(_ statement: StatementIR, context: CodeContext, filter: String) throws(ModelError) {
        let at = statement.location
        let checkExpr = { (expression: ExprIR) throws(ModelError) in
            try self.check(expression, at)
            if context.runsForNoOperation && usesOperation(expression) {
                throw ModelError("this code runs for no operation (teardown and unload callbacks, generic work items): Op.* cannot be used here (keep handles in an OperationVariable)", at: at)
            }
        }
        if context == .driverEntry, let call = statement.kind.needsAnInstance {
            throw ModelError("\(call) is not available in DriverEntry: it runs before FltStartFiltering attaches the filter's instance, and for no operation", at: at)
        }
        switch statement.kind {
        case .assign(let variable, let value), .readThenWrite(let variable, let value):
            try checkVariable(variable, at)
            try checkExpr(value)
        case .ifElse(let condition, let then, let otherwise):
            try checkExpr(condition)
            try check(then, context: context, filter: filter)
            try check(otherwise, context: context, filter: filter)
        case .choose(let branches):
            if branches.isEmpty { throw ModelError("a choice needs at least one branch", at: at) }
            for branch in branches { try check(branch, context: context, filter: filter) }
        case .assert(let condition, _), .assume(let condition): try checkExpr(condition)
        case .atomic(let body): try check(body, context: context, filter: filter)
        case .step: break
        case .returnPre:
            if context != .callback(.pre) { throw ModelError("a pre-operation status can only be returned from a PreOperation callback", at: at) }
        case .returnPost:
            if context != .callback(.post) { throw ModelError("a post-operation status can only be returned from a PostOperation callback", at: at) }
        case .completePendedPre(let operation, _): try checkExpr(operation)
        case .completePendedPost(let operation): try checkExpr(operation)
        case .queueDeferredWorkItem(let workItem, let operation, let onSuccess, let onFailure):
            guard model.workItems.indices.contains(workItem) else { throw ModelError("unknown work item #\(workItem)", at: at) }
            if model.workItems[workItem].kind != .deferredIo {
                throw ModelError("\(model.workItems[workItem].name) is a generic work item: queue it with QueueGenericWorkItem", at: at)
            }
            if model.workItems[workItem].owner != filter {
                throw ModelError("\(filter) queues work item \"\(model.workItems[workItem].name)\" of \(model.workItems[workItem].owner); a filter queues its own work items", at: at)
            }
            try checkExpr(operation)
            try check(onSuccess, context: context, filter: filter)
            try check(onFailure, context: context, filter: filter)
        case .setStatus(let status): try checkExpr(status)
        case .whileLoop(let condition, let body):
            try checkExpr(condition)
            try check(body, context: context, filter: filter)
        case .waitUntil(let condition): try checkExpr(condition)
        case .cbdqInsert(let queue, let operation, let status, let onSuccess, let onFailure):
            try checkQueue(queue, filter, at)
            try checkExpr(operation)
            if let status {
                try checkVariable(status, at)
                guard case .int(let min, let max) = model.variables[status].type, min <= 0, max >= Int(UInt32.max) else {
                    throw ModelError("the status of FltCbdqInsertIo goes into an IntVariable whose range holds every NTSTATUS (0...0xFFFFFFFF)", at: at)
                }
            }
            try check(onSuccess, context: context, filter: filter)
            try check(onFailure, context: context, filter: filter)
        case .cbdqRemoveNext(let queue, let into):
            try checkQueue(queue, filter, at)
            try checkOperationVariable(into, at)
        case .cbdqRemove(let queue, let operation, let into):
            try checkQueue(queue, filter, at)
            try checkExpr(operation)
            try checkOperationVariable(into, at)
        case .cbdqDisable(let queue), .cbdqEnable(let queue):
            try checkQueue(queue, filter, at)
        case .queueGenericWorkItem(let workItem, let onSuccess, let onFailure):
            guard model.workItems.indices.contains(workItem) else { throw ModelError("unknown work item #\(workItem)", at: at) }
            if model.workItems[workItem].kind != .generic {
                throw ModelError("\(model.workItems[workItem].name) is a deferred I/O work item: queue it with QueueDeferredIoWorkItem, or declare it with kind: .generic", at: at)
            }
            if model.workItems[workItem].owner != filter {
                throw ModelError("\(filter) queues work item \"\(model.workItems[workItem].name)\" of \(model.workItems[workItem].owner); a filter queues its own work items", at: at)
            }
            try check(onSuccess, context: context, filter: filter)
            try check(onFailure, context: context, filter: filter)
        case .unregisterFilter: break
        case .driverEntryCall(let call, let onSuccess, let onFailure):
            if context != .driverEntry {
                throw ModelError("RegisterFilter, StartFiltering and CommunicationPort.create are calls of DriverEntry: declare a DriverEntry { } in the filter and call them there", at: at)
            }
            if case .createPort(let variable) = call {
                guard model.variables.indices.contains(variable), model.variables[variable].handle == .communicationPort else {
                    throw ModelError("unknown communication port #\(variable)", at: at)
                }
                if model.variables[variable].owner != filter {
                    throw ModelError("\(filter) creates \(model.variables[variable].name.dropLast(".open".count)) of \(model.variables[variable].owner ?? "the model"); a filter creates its own ports", at: at)
                }
            }
            try check(onSuccess, context: context, filter: filter)
            try check(onFailure, context: context, filter: filter)
        case .performAsyncIo(let state, let completion, let onIssued, let onFailure):
            try checkAsyncIo(state, filter, at)
            guard model.workItems.indices.contains(completion), model.workItems[completion].kind == .asyncIoCompletion,
                  model.workItems[completion].asyncIoState == state else {
                throw ModelError("FltPerformAsynchronousIo needs the AsyncIo's own completion callback", at: at)
            }
            try check(onIssued, context: context, filter: filter)
            try check(onFailure, context: context, filter: filter)
        case .cancelAsyncIo(let state), .freeAsyncIo(let state):
            try checkAsyncIo(state, filter, at)
        case .openHandle(let variable), .closeHandle(let variable):
            guard model.variables.indices.contains(variable), let kind = model.variables[variable].handle else {
                throw ModelError("unknown handle #\(variable)", at: at)
            }
            if model.variables[variable].owner != filter {
                throw ModelError("\(filter) uses \(model.variables[variable].name.dropLast(".open".count)) of \(model.variables[variable].owner ?? "the model"); a filter opens and closes its own handles", at: at)
            }
            if case .openHandle = statement.kind, kind == .communicationPort {
                throw ModelError("a CommunicationPort is created in DriverEntry: declare a DriverEntry { } and call port.create { } onFailure: { } there, or leave it out and the port is open from the start", at: at)
            }
        case .objectReference(let counter, _, let onSuccess, let onFailure):
            try checkRundownCounter(counter, filter, at)
            try check(onSuccess, context: context, filter: filter)
            try check(onFailure, context: context, filter: filter)
        case .objectDereference(let counter, _):
            try checkRundownCounter(counter, filter, at)
        case .allocateWorkItem(let workItem, let onSuccess, let onFailure):
            try checkExplicitWorkItem(workItem, filter, at)
            try check(onSuccess, context: context, filter: filter)
            try check(onFailure, context: context, filter: filter)
        case .freeWorkItem(let workItem):
            // FreeWorkItem() (nil) is checked with the routine it is in (`checkFreesOwn`).
            if let workItem { try checkExplicitWorkItem(workItem, filter, at) }
        case .checkOplock(let operation, let waitCompletion, let onSuccess, let onPending, let onComplete):
            if let waitCompletion {
                guard model.workItems.indices.contains(waitCompletion), model.workItems[waitCompletion].kind == .oplockWaitCompletion,
                      model.workItems[waitCompletion].owner == filter else {
                    throw ModelError("CheckOplock's waitCompletion must be an OplockWaitCompletion of \(filter)", at: at)
                }
            }
            try checkExpr(operation)
            try check(onSuccess, context: context, filter: filter)
            try check(onPending, context: context, filter: filter)
            try check(onComplete, context: context, filter: filter)
        case .contextReference(let index), .contextRelease(let index):
            guard model.contexts.indices.contains(index) else { throw ModelError("unknown context #\(index)", at: at) }
            if model.contexts[index].owner != filter {
                throw ModelError("\(filter) uses context \"\(model.contexts[index].name)\" of \(model.contexts[index].owner)", at: at)
            }
        case .setCompletionContext:
            if context != .callback(.pre) { throw ModelError("*CompletionContext is set in a pre-operation callback", at: at) }
        case .modifyParameters, .setCallbackDataDirty:
            if context.runsForNoOperation { throw ModelError("this code runs for no operation: it has no callback data", at: at) }
        case .setIoStatus(let status, let information):
            if context.runsForNoOperation {
                throw ModelError("this code runs for no operation: SetStatus(_:information:) writes the IoStatus of one (keep handles in an OperationVariable and complete them where they are current)", at: at)
            }
            try checkExpr(status)
            try checkExpr(information)
        case .cancelFileOpen, .reissueSynchronousIo:
            // Q10, Q11: both act on the current operation; where they may be called (post-create,
            // a synchronized post-op) is the filter's obligation, checked when they run.
            if context.runsForNoOperation {
                let call = statement.kind.isCancelFileOpen ? "FltCancelFileOpen" : "FltReissueSynchronousIo"
                throw ModelError("this code runs for no operation: \(call) needs the callback data of one", at: at)
            }
        case .accessBuffer:
            if context.runsForNoOperation {
                throw ModelError("this code runs for no operation: AccessBuffer() touches the data buffer of one", at: at)
            }
        case .lockUserBuffer(let onSuccess, let onFailure):
            if context.runsForNoOperation {
                throw ModelError("this code runs for no operation: FltLockUserBuffer needs the callback data of one", at: at)
            }
            try check(onSuccess, context: context, filter: filter)
            try check(onFailure, context: context, filter: filter)
        case .retarget:
            // P16 (I:modify): the target is changed before the operation goes down. fltcheck has one
            // volume, so a change made after it came back (a post-op, before a reissue) cannot be
            // told apart from none: a model error rather than a silent no-op.
            if context.runsForNoOperation { throw ModelError("this code runs for no operation: it has no callback data", at: at) }
            if context == .callback(.post) {
                throw ModelError("Retarget() changes where the operation goes down the stack: use it in a pre-operation callback (or code that resumes a pended pre-op), not in a post-operation callback", at: at)
            }
        case .whenSafe(let callback, let onFalse):
            guard context == .callback(.post) else {
                throw ModelError("FltDoCompletionProcessingWhenSafe may be called only from a post-operation callback (Q7)", at: at)
            }
            guard model.workItems.indices.contains(callback), model.workItems[callback].kind == .safePostCallback,
                  model.workItems[callback].owner == filter else {
                throw ModelError("DoCompletionProcessingWhenSafe takes a SafePostCallback of \(filter)", at: at)
            }
            try check(onFalse, context: context, filter: filter)
            if !terminates(onFalse) {
                throw ModelError("when FltDoCompletionProcessingWhenSafe returns FALSE the post-op must handle it and return (Q7): end the block in Return", at: at)
            }
        case .acquire(let lock), .release(let lock):
            guard model.locks.indices.contains(lock) else { throw ModelError("unknown lock #\(lock)", at: at) }
        case .setCancelCompletion(let routine, let operation):
            guard model.workItems.indices.contains(routine), model.workItems[routine].kind == .cancelRoutine else {
                throw ModelError("FltSetCancelCompletion takes a CancelRoutine", at: at)
            }
            if model.workItems[routine].owner != filter {
                throw ModelError("\(filter) sets cancel routine \"\(model.workItems[routine].name)\" of \(model.workItems[routine].owner)", at: at)
            }
            try checkExpr(operation)
        case .clearCancelCompletion(let operation, let onCleared, let onCancelled):
            try checkExpr(operation)
            try check(onCleared, context: context, filter: filter)
            try check(onCancelled, context: context, filter: filter)
        case .returnStatus(let status):
            if context == .driverEntry { break }
            if context != .unload { throw ModelError("a status can only be returned from DriverEntry, FilterUnload or InstanceQueryTeardown", at: at) }
            if status != .success && status != .fltDoNotDetach {
                throw ModelError("FilterUnload and InstanceQueryTeardown return STATUS_SUCCESS or STATUS_FLT_DO_NOT_DETACH", at: at)
            }
        }
    }

    /// `Requests(..., buffers:)` (Q6): a non-empty list without repeats, for a request that has a
    /// data buffer, and for fast I/O only a user buffer without an MDL ("Accessing the User Buffers
    /// for an I/O Operation": fast I/O operations that have buffers never have MDL parameters).
    private func checkBuffers(_ buffers: [BufferKind], of group: RequestsIR) throws(ModelError) {
        if buffers.isEmpty {
            throw ModelError("buffers: lists the kinds of buffer the request may carry: give at least one (or leave it out for every kind)", at: group.location)
        }
        if Set(buffers).count != buffers.count { throw ModelError("buffers: lists a kind twice", at: group.location) }
        if !group.major.hasDataBuffer {
            throw ModelError("IRP_MJ_\(group.major.rawValue) carries no data buffer: buffers: applies to reads, writes, directory, device and file system control, query and set information", at: group.location)
        }
        if group.kind == .fastIo, buffers != [.userWithoutMdl] {
            throw ModelError("a fast I/O operation's buffer is a user-space address without an MDL: give buffers: [.userWithoutMdl] (or leave it out)", at: group.location)
        }
    }

    /// `FreeWorkItem()` frees the work item whose routine runs: only in the routine of a deferred or
    /// generic work item declared with `explicitAllocation: true`.
    private func checkFreesOwn() throws(ModelError) {
        func freesOwn(_ body: [StatementIR]) -> SourceLocation? {
            for statement in body {
                switch statement.kind {
                case .freeWorkItem(nil): return statement.location
                case .ifElse(_, let then, let otherwise): if let found = freesOwn(then) ?? freesOwn(otherwise) { return found }
                case .choose(let branches): for branch in branches { if let found = freesOwn(branch) { return found } }
                case .atomic(let inner), .whileLoop(_, let inner): if let found = freesOwn(inner) { return found }
                case .queueDeferredWorkItem(_, _, let a, let b), .cbdqInsert(_, _, _, let a, let b), .queueGenericWorkItem(_, let a, let b),
                     .clearCancelCompletion(_, let a, let b), .objectReference(_, _, let a, let b), .allocateWorkItem(_, let a, let b),
                     .driverEntryCall(_, let a, let b), .performAsyncIo(_, _, let a, let b), .lockUserBuffer(let a, let b):
                    if let found = freesOwn(a) ?? freesOwn(b) { return found }
                case .checkOplock(_, _, let a, let b, let c): if let found = freesOwn(a) ?? freesOwn(b) ?? freesOwn(c) { return found }
                case .whenSafe(_, let onFalse): if let found = freesOwn(onFalse) { return found }
                default: break
                }
            }
            return nil
        }
        let why = "FreeWorkItem() frees the work item whose routine runs: use it in the routine of a WorkItem declared with explicitAllocation: true, or name the work item"
        for filter in model.filters {
            let bodies = filter.callbacks.map(\.body)
                + [filter.teardownStart, filter.teardownComplete, filter.unload, filter.queryTeardown, filter.driverEntry].compactMap { $0?.body }
            for body in bodies { if let at = freesOwn(body) { throw ModelError(why, at: at) } }
        }
        for queue in model.queues { if let at = freesOwn(queue.cancelCallback) { throw ModelError(why, at: at) } }
        for item in model.workItems {
            let explicit = (item.kind == .deferredIo || item.kind == .generic) && item.allocationCounter != nil
            if !explicit, let at = freesOwn(item.body) { throw ModelError(why, at: at) }
        }
    }

    /// A work item of the filter declared with `explicitAllocation: true` (W3).
    private func checkExplicitWorkItem(_ workItem: Int, _ filter: String, _ at: SourceLocation) throws(ModelError) {
        guard model.workItems.indices.contains(workItem) else { throw ModelError("unknown work item #\(workItem)", at: at) }
        let item = model.workItems[workItem]
        if item.owner != filter {
            throw ModelError("\(filter) allocates or frees work item \"\(item.name)\" of \(item.owner); a filter allocates its own work items", at: at)
        }
        guard item.kind == .deferredIo || item.kind == .generic, let counter = item.allocationCounter,
              model.variables.indices.contains(counter) else {
            throw ModelError("\(item.name) is not declared with WorkItem(..., explicitAllocation: true): its allocation is implicit", at: at)
        }
    }

    /// An `AsyncIo`'s state variable, of the filter using it.
    private func checkAsyncIo(_ state: Int, _ filter: String, _ at: SourceLocation) throws(ModelError) {
        guard model.workItems.contains(where: { $0.kind == .asyncIoCompletion && $0.asyncIoState == state }) else {
            throw ModelError("unknown AsyncIo #\(state)", at: at)
        }
        if model.variables[state].owner != filter {
            throw ModelError("\(filter) uses \(model.variables[state].name.dropLast(".io".count)) of \(model.variables[state].owner ?? "the model"); a filter issues, cancels and frees its own I/O", at: at)
        }
    }

    /// A `RundownReference`'s count: an integer variable of the filter using it.
    private func checkRundownCounter(_ counter: Int, _ filter: String, _ at: SourceLocation) throws(ModelError) {
        guard model.variables.indices.contains(counter), case .int = model.variables[counter].type,
              !model.variables[counter].threadLocal else {
            throw ModelError("unknown rundown reference count #\(counter)", at: at)
        }
        if model.variables[counter].owner != filter {
            throw ModelError("\(filter) uses rundown reference \(model.variables[counter].name) of \(model.variables[counter].owner ?? "the model"); a filter references its own objects", at: at)
        }
    }

    private func checkQueue(_ queue: Int, _ filter: String, _ at: SourceLocation) throws(ModelError) {
        guard model.queues.indices.contains(queue) else { throw ModelError("unknown cancel-safe queue #\(queue)", at: at) }
        if model.queues[queue].owner != filter {
            throw ModelError("\(filter) uses queue \"\(model.queues[queue].name)\" of \(model.queues[queue].owner); a filter uses its own queues", at: at)
        }
    }

    private func checkOperationVariable(_ index: Int, _ at: SourceLocation) throws(ModelError) {
        try checkVariable(index, at)
        guard case .operation = model.variables[index].type else {
            throw ModelError("\(model.variables[index].name) must be an OperationVariable to hold an operation", at: at)
        }
    }

    private func usesOperation(_ expression: ExprIR) -> Bool {
        switch expression {
        case .operation: true
        case .constant, .variable: false
        case .not(let operand), .unary(_, let operand), .convert(let operand, _, _): usesOperation(operand)
        case .binary(_, let lhs, let rhs): usesOperation(lhs) || usesOperation(rhs)
        }
    }

    private func checkVariable(_ index: Int, _ at: SourceLocation) throws(ModelError) {
        if !model.variables.indices.contains(index) { throw ModelError("unknown variable #\(index)", at: at) }
    }

    private func check(_ expression: ExprIR, _ at: SourceLocation) throws(ModelError) {
        switch expression {
        case .constant, .operation: break
        case .variable(let index): try checkVariable(index, at)
        case .not(let operand), .unary(_, let operand), .convert(let operand, _, _): try check(operand, at)
        case .binary(_, let lhs, let rhs):
            try check(lhs, at)
            try check(rhs, at)
        }
    }

    /// Whether every path through `body` ends in a Return.
    private func terminates(_ body: [StatementIR]) -> Bool {
        body.contains { statement in
            switch statement.kind {
            case .returnPre, .returnPost, .returnStatus: true
            case .ifElse(_, let then, let otherwise): terminates(then) && terminates(otherwise)
            case .choose(let branches): branches.allSatisfy(terminates)
            case .atomic(let inner): terminates(inner)
            case .whenSafe: true
            case .checkOplock(_, _, let onSuccess, let onPending, let onComplete):
                terminates(onSuccess) && terminates(onPending) && terminates(onComplete)
            case .queueDeferredWorkItem(_, _, let onSuccess, let onFailure), .cbdqInsert(_, _, _, let onSuccess, let onFailure),
                 .queueGenericWorkItem(_, let onSuccess, let onFailure), .clearCancelCompletion(_, let onSuccess, let onFailure),
                 .objectReference(_, _, let onSuccess, let onFailure), .allocateWorkItem(_, let onSuccess, let onFailure),
                 .driverEntryCall(_, let onSuccess, let onFailure), .performAsyncIo(_, _, let onSuccess, let onFailure),
                 .lockUserBuffer(let onSuccess, let onFailure):
                terminates(onSuccess) && terminates(onFailure)
            default: false
            }
        }
    }
}

extension StatementKind {
    /// What DriverEntry cannot do (T13): anything on an operation, an instance or its objects (queues,
    /// files, callback data, contexts, oplocks), or that needs the filter pointer from a queue of work.
    fileprivate var needsAnInstance: String? {
        switch self {
        case .completePendedPre, .completePendedPost: "resuming a pended operation"
        case .queueDeferredWorkItem: "FltQueueDeferredIoWorkItem"
        case .queueGenericWorkItem: "FltQueueGenericWorkItem"
        case .cbdqInsert, .cbdqRemove, .cbdqRemoveNext, .cbdqDisable, .cbdqEnable: "a cancel-safe queue (one per instance)"
        case .performAsyncIo, .cancelAsyncIo, .freeAsyncIo: "AsyncIo (callback data allocated per instance)"
        case .openHandle: "FltCreateFile (files are opened on an instance)"
        case .contextReference, .contextRelease: "a context"
        case .checkOplock: "FltCheckOplock"
        case .setCancelCompletion, .clearCancelCompletion: "a cancel routine"
        case .objectReference, .objectDereference: "FltObjectReference"
        case .whenSafe: "FltDoCompletionProcessingWhenSafe"
        default: nil
        }
    }

    fileprivate var isCancelFileOpen: Bool {
        if case .cancelFileOpen = self { true } else { false }
    }
}

extension MajorFunction {
    /// The case name the DSL spells it with (`.directoryControl`), for messages.
    fileprivate var dslName: String {
        switch self {
        case .create: "create"
        case .close: "close"
        case .read: "read"
        case .write: "write"
        case .queryInformation: "queryInformation"
        case .setInformation: "setInformation"
        case .flushBuffers: "flushBuffers"
        case .directoryControl: "directoryControl"
        case .fileSystemControl: "fileSystemControl"
        case .deviceControl: "deviceControl"
        case .shutdown: "shutdown"
        case .lockControl: "lockControl"
        case .cleanup: "cleanup"
        }
    }
}
