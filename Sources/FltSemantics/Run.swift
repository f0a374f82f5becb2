import FltModel
import FltProperties

/// One step of one thread: it runs until the next interleaving point, blocks, or finishes. The
/// nondeterministic choices it meets are taken from `choices` and, past its end, as the first
/// option; `nextChoices` enumerates the other ways.
struct Run {
    let semantics: Semantics
    var program: Program { semantics.program }
    var state: SystemState
    let thread: Int
    private let choices: [Int]
    /// The choices this run made and how many options each had.
    private(set) var taken: [Int] = []
    private var optionCounts: [Int] = []
    /// Present when events are recorded; a reference so recording needs no exclusive access.
    private let log: EventLog?
    var events: [Event] { log?.events ?? [] }
    private(set) var violation: Violation?
    /// Something visible already happened in this step: the next visible instruction ends it.
    private var progressed = false

    init(semantics: Semantics, state: SystemState, thread: Int, choices: [Int], recording: Bool) {
        self.semantics = semantics
        self.state = state
        self.thread = thread
        self.choices = choices
        self.log = recording ? EventLog() : nil
    }

    /// The choice vector of the next sibling run, or nil when every combination has been taken.
    func nextChoices() -> [Int]? {
        var next = taken
        while let last = next.popLast() {
            let position = next.count
            if last + 1 < optionCounts[position] { return next + [last + 1] }
        }
        return nil
    }

    private mutating func choose(_ options: Int) -> Int {
        let position = taken.count
        let pick = position < choices.count ? choices[position] : 0
        taken.append(pick)
        optionCounts.append(options)
        return pick
    }

    // MARK: The step loop

    mutating func execute() {
        while violation == nil, let top = state.threads[thread].frames.last {
            switch top {
            case .code(let code, let pc, let operation, let filter, _):
                let instruction = program.code[code].instructions[pc]
                if progressed && !state.threads[thread].isAtomic && endsStepBefore(instruction) { return }
                if instruction.isVisible { progressed = true }
                perform(instruction, code: code, pc: pc, operation: operation, filter: filter)
            case .dispatch(let operation, let step):
                if case .waitSync(let filter) = step, !state.operations[operation].slots[filter].syncSignalled { return }
                dispatch(operation, step)
            }
        }
        if state.threads[thread].frames.isEmpty { state.threads.remove(at: thread) }
    }

    private func endsStepBefore(_ instruction: Instruction) -> Bool {
        switch program.model.options.interleaving {
        case .everyStatement: return instruction.isVisible
        case .explicitSteps: if case .step = instruction { return true } else { return false }
        }
    }

    // MARK: Frames

    private var topIndex: Int { state.threads[thread].frames.count - 1 }

    private mutating func setTop(_ frame: Frame) { state.threads[thread].frames[topIndex] = frame }
    private mutating func push(_ frame: Frame) { state.threads[thread].frames.append(frame) }
    private mutating func pop() { state.threads[thread].frames.removeLast() }

    private mutating func advance(to pc: Int) {
        guard case .code(let code, _, let operation, let filter, let atomic) = state.threads[thread].frames[topIndex] else { return }
        setTop(.code(code: code, pc: pc, operation: operation, filter: filter, atomic: atomic))
    }

    private mutating func adjustAtomic(by delta: Int, pc: Int) {
        guard case .code(let code, _, let operation, let filter, let atomic) = state.threads[thread].frames[topIndex] else { return }
        setTop(.code(code: code, pc: pc, operation: operation, filter: filter, atomic: atomic + delta))
    }

    // MARK: Events and violations

    private var actor: String { semantics.threadName(state.threads[thread].role) }

    private func note(_ operation: Int?, _ actor: @autoclosure () -> String, _ text: @autoclosure () -> String, at location: SourceLocation? = nil, changes: @autoclosure () -> [String] = []) {
        guard let log else { return }
        log.events.append(Event(operation: operation, actor: actor(), text: text(), changes: changes(), location: location))
    }

    private mutating func fail(_ property: Property, _ message: String, at location: SourceLocation?) {
        violation = Violation(property: property, message: message, location: location)
        note(nil, actor, "violates \(property.id): \(message)", at: location)
    }

    private func label(_ operation: Int) -> String { program.requests[operation].label }

    // MARK: Expressions

    private func evaluate(_ expression: ExprIR, _ operation: Int) -> Int {
        switch expression {
        case .constant(let value): return value
        case .variable(let index): return state.variables[index]
        case .operation(let field):
            let request = program.requests[operation]
            switch field {
            case .isIrp: return request.isIrp ? 1 : 0
            case .isFastIo: return request.kind == .fastIo ? 1 : 0
            case .isPaging: return request.paging ? 1 : 0
            case .isSynchronous: return request.synchronous ? 1 : 0
            case .isTopLevelIrp: return request.topLevelIrp ? 1 : 0
            case .status: return Int(state.operations[operation].status)
            case .handle, .requestNumber: return operation + 1
            }
        case .not(let operand): return evaluate(operand, operation) == 0 ? 1 : 0
        case .binary(let op, let lhs, let rhs):
            let left = evaluate(lhs, operation)
            if op == .and { return left != 0 && evaluate(rhs, operation) != 0 ? 1 : 0 }
            if op == .or { return left != 0 || evaluate(rhs, operation) != 0 ? 1 : 0 }
            let right = evaluate(rhs, operation)
            switch op {
            case .add: return left &+ right
            case .subtract: return left &- right
            case .equal: return left == right ? 1 : 0
            case .notEqual: return left != right ? 1 : 0
            case .less: return left < right ? 1 : 0
            case .lessOrEqual: return left <= right ? 1 : 0
            case .greater: return left > right ? 1 : 0
            case .greaterOrEqual: return left >= right ? 1 : 0
            case .and, .or: return 0
            }
        }
    }

    /// The operation a handle names, or a ModelIntegrity violation.
    private mutating func operation(named expression: ExprIR, _ current: Int, _ call: String, at location: SourceLocation) -> Int? {
        let handle = evaluate(expression, current)
        if handle >= 1 && handle <= program.requests.count { return handle - 1 }
        fail(.resumeOnlyWhatYouPended, "\(call) was called with \(handle == 0 ? "no operation (an empty handle)" : "handle \(handle), which names no operation")", at: location)
        return nil
    }

    // MARK: Filter code

    private mutating func perform(_ instruction: Instruction, code: Int, pc: Int, operation: Int, filter: Int) {
        let location = program.code[code].locations[pc]
        let name = program.code[code].name
        switch instruction {
        case .assign(let variable, let value):
            let new = evaluate(value, operation)
            guard fits(new, variable) else {
                fail(.modelIntegrity, "\(semantics.variableName(variable)) = \(new) is outside its declared type", at: location)
                return
            }
            let old = state.variables[variable]
            state.variables[variable] = new
            note(operation, actor, "\(name): \(semantics.variableName(variable)) = \(semantics.render(value, as: .variable(variable)))", at: location,
                 changes: old == new ? [] : ["\(semantics.variableName(variable)): \(semantics.format(old, of: variable)) → \(semantics.format(new, of: variable))"])
            advance(to: pc + 1)
        case .branch(let condition, let elseTarget):
            let holds = evaluate(condition, operation) != 0
            note(operation, actor, "\(name): if \(semantics.render(condition)) → \(holds)", at: location)
            advance(to: holds ? pc + 1 : elseTarget)
        case .jump(let target):
            advance(to: target)
        case .choose(let targets):
            let pick = choose(targets.count)
            note(operation, actor, "\(name): nondeterministic choice takes branch \(pick + 1) of \(targets.count)", at: location)
            advance(to: targets[pick])
        case .assert(let condition, let message):
            if evaluate(condition, operation) == 0 {
                fail(.assertion, "assertion failed: \(message) (\(semantics.render(condition)))", at: location)
                return
            }
            note(operation, actor, "\(name): assert \(semantics.render(condition)) holds", at: location)
            advance(to: pc + 1)
        case .atomicBegin:
            adjustAtomic(by: 1, pc: pc + 1)
        case .atomicEnd:
            adjustAtomic(by: -1, pc: pc + 1)
        case .step:
            advance(to: pc + 1)
        case .setStatus(let value):
            let status = UInt32(truncatingIfNeeded: evaluate(value, operation))
            let old = state.operations[operation].status
            state.operations[operation].status = status
            note(operation, actor, "\(name): IoStatus.Status = \(NTStatus(status))", at: location,
                 changes: ["\(label(operation)).IoStatus.Status: \(NTStatus(old)) → \(NTStatus(status))"])
            advance(to: pc + 1)
        case .end:
            pop()
        case .returnPre(let outcome):
            note(operation, actor, "\(name) returns \(outcome)", at: location)
            pop()
            returnFromPre(outcome, operation: operation, filter: filter, at: location)
        case .returnPost(let outcome):
            note(operation, actor, "\(name) returns \(outcome)", at: location)
            pop()
            returnFromPost(outcome, operation: operation, filter: filter, at: location)
        case .completePendedPre(let handle, let outcome):
            guard let target = self.operation(named: handle, operation, "FltCompletePendedPreOperation", at: location) else { return }
            note(target, actor, "\(name): FltCompletePendedPreOperation(\(label(target)), \(outcome))", at: location)
            advance(to: pc + 1)
            completePendedPre(target, outcome, filter: filter, at: location)
        case .completePendedPost(let handle):
            guard let target = self.operation(named: handle, operation, "FltCompletePendedPostOperation", at: location) else { return }
            note(target, actor, "\(name): FltCompletePendedPostOperation(\(label(target)))", at: location)
            advance(to: pc + 1)
            completePendedPost(target, filter: filter, at: location)
        case .queueDeferredWorkItem(let item, let handle, let failureTarget):
            guard let target = self.operation(named: handle, operation, "FltQueueDeferredIoWorkItem", at: location) else { return }
            queueDeferred(item, for: target, filter: filter, name: name, pc: pc, failureTarget: failureTarget, at: location)
        }
    }

    private func fits(_ value: Int, _ variable: Int) -> Bool {
        switch program.model.variables[variable].type {
        case .bool: value == 0 || value == 1
        case .enumeration(let cases): cases.indices.contains(value)
        case .int(let min, let max): value >= min && value <= max
        case .operation: value >= 0 && value <= program.requests.count
        }
    }

    // MARK: FltMgr: pre-operation returns

    private mutating func returnFromPre(_ outcome: PreOutcome, operation: Int, filter: Int, at location: SourceLocation) {
        let request = program.requests[operation]
        let filterName = program.filters[filter].name
        var slot = state.operations[operation].slots[filter]
        if slot.preResumedEarly && outcome != .pending {
            // R8 allows a resume before the pre-op returns only when the pre-op then returns PENDING.
            fail(.resumeOnlyWhatYouPended, "FltCompletePendedPreOperation resumed \(request.label) while \(filterName)'s pre-op was running, but the pre-op returned \(outcome), not FLT_PREOP_PENDING: the operation was never pended and is now processed twice", at: location)
            return
        }
        switch outcome {
        case .successNoCallback:
            slot.pre = .returned
            state.operations[operation].slots[filter] = slot
            setTop(.dispatch(operation: operation, step: .preDown(filter + 1)))
        case .successWithCallback:
            guard requirePostOperation(filter, operation, "returned FLT_PREOP_SUCCESS_WITH_CALLBACK", at: location) else { return }
            slot.pre = .returned
            slot.postOwed = true
            state.operations[operation].slots[filter] = slot
            setTop(.dispatch(operation: operation, step: .preDown(filter + 1)))
        case .synchronize:
            guard requirePostOperation(filter, operation, "returned FLT_PREOP_SYNCHRONIZE", at: location) else { return }
            slot.pre = .returned
            slot.postOwed = true
            if request.isIrp {
                // I:sync, Q12: FltMgr waits in this thread and calls the post-op here.
                slot.synchronized = true
                state.operations[operation].slots[filter] = slot
                setTop(.dispatch(operation: operation, step: .waitSync(filter)))
                push(.dispatch(operation: operation, step: .preDown(filter + 1)))
            } else {
                // P9: on a non-IRP operation SYNCHRONIZE is treated as SUCCESS_WITH_CALLBACK.
                note(operation, "FltMgr", "treats FLT_PREOP_SYNCHRONIZE on non-IRP \(request.label) as FLT_PREOP_SUCCESS_WITH_CALLBACK (P9)", at: location)
                state.operations[operation].slots[filter] = slot
                setTop(.dispatch(operation: operation, step: .preDown(filter + 1)))
            }
        case .pending:
            if !request.isIrp {
                fail(.pendOnlyIrp, "\(filterName) returned FLT_PREOP_PENDING for \(request.label), which is \(request.kind == .fastIo ? "fast I/O" : "not IRP-based")", at: location)
                return
            }
            if slot.queueFailed {
                fail(.handleDeferredQueueFailure, "\(filterName) returned FLT_PREOP_PENDING for \(request.label) after FltQueueDeferredIoWorkItem failed: nothing will resume it", at: location)
                return
            }
            slot.pre = slot.preResumedEarly ? .resumed : .pended
            state.operations[operation].slots[filter] = slot
            // S1: FltMgr returns STATUS_PENDING to the caller; the filter now owns the operation.
            pop()
        case .complete(let status):
            guard checkCompletionStatus(status, operation, filterName, "FLT_PREOP_COMPLETE", at: location) else { return }
            slot.pre = .returned
            state.operations[operation].slots[filter] = slot
            state.operations[operation].status = status.value
            // P6: nothing goes further down, and only the filters above get their post-ops.
            setTop(.dispatch(operation: operation, step: .postUp(filter)))
        case .disallowFastIo:
            if request.kind != .fastIo {
                fail(.disallowFastIoOnlyFastIo, "\(filterName) returned FLT_PREOP_DISALLOW_FASTIO for \(request.label), which is not fast I/O", at: location)
                return
            }
            slot.pre = .returned
            state.operations[operation].slots[filter] = slot
            // P7: FltMgr sets the status; P6: only the post-ops of the filters above run.
            state.operations[operation].status = NTStatus.fltDisallowFastIo.value
            setTop(.dispatch(operation: operation, step: .postUp(filter)))
        }
    }

    /// P3: SUCCESS_WITH_CALLBACK and SYNCHRONIZE need a registered post-op for the major function.
    private mutating func requirePostOperation(_ filter: Int, _ operation: Int, _ what: String, at location: SourceLocation) -> Bool {
        let major = program.requests[operation].major
        if program.filters[filter].post[major] != nil { return true }
        fail(.callbackRequiresPostOp, "\(program.filters[filter].name) \(what) for \(program.requests[operation].label) but registers no post-operation callback for IRP_MJ_\(major.rawValue) (bug check 0xF5, P1=0x66)", at: location)
        return false
    }

    /// P4 and P5 for a status that completes an operation from a pre-op.
    private mutating func checkCompletionStatus(_ status: NTStatus, _ operation: Int, _ filterName: String, _ how: String, at location: SourceLocation) -> Bool {
        let request = program.requests[operation]
        if status == .pending || status == .fltDisallowFastIo {
            fail(.completeStatusFinal, "\(filterName) completes \(request.label) with \(how) and \(status), which is not a final status", at: location)
            return false
        }
        if request.major == .cleanup || request.major == .close {
            let allowed = switch program.model.options.cleanupCloseStatus {
            case .anySuccess: status.isSuccess
            case .statusSuccessOnly: status == .success
            }
            if !allowed {
                fail(.cleanupCloseNeverFail, "\(filterName) completes \(request.label) with \(status); IRP_MJ_\(request.major.rawValue) may only be completed with \(program.model.options.cleanupCloseStatus == .anySuccess ? "a success status" : "STATUS_SUCCESS")", at: location)
                return false
            }
        }
        return true
    }

    // MARK: FltMgr: post-operation returns

    private mutating func returnFromPost(_ outcome: PostOutcome, operation: Int, filter: Int, at location: SourceLocation) {
        let request = program.requests[operation]
        let filterName = program.filters[filter].name
        var slot = state.operations[operation].slots[filter]
        if slot.postResumedEarly && outcome != .moreProcessingRequired {
            fail(.resumeOnlyWhatYouPended, "FltCompletePendedPostOperation resumed \(request.label) while \(filterName)'s post-op was running, but the post-op returned \(outcome): completion now runs twice", at: location)
            return
        }
        switch outcome {
        case .finishedProcessing:
            slot.post = .finished
            state.operations[operation].slots[filter] = slot
            setTop(.dispatch(operation: operation, step: .postUp(filter)))
        case .moreProcessingRequired:
            if slot.queueFailed && !slot.queuedWorkItem {
                fail(.handleDeferredQueueFailure, "\(filterName) returned FLT_POSTOP_MORE_PROCESSING_REQUIRED for \(request.label) after FltQueueDeferredIoWorkItem failed: nothing will resume it", at: location)
                return
            }
            if !request.isIrp {
                fail(.moreProcessingOnlyWhenPosted, "\(filterName) returned FLT_POSTOP_MORE_PROCESSING_REQUIRED for \(request.label), which is not IRP-based", at: location)
                return
            }
            if !slot.queuedWorkItem && !slot.postResumedEarly && !heldInVariable(operation, by: filter) {
                fail(.moreProcessingOnlyWhenPosted, "\(filterName) returned FLT_POSTOP_MORE_PROCESSING_REQUIRED for \(request.label) without posting it: no work item was queued for it and the filter kept no handle to it", at: location)
                return
            }
            slot.post = slot.postResumedEarly ? .resumed : .pended
            state.operations[operation].slots[filter] = slot
            // D:post: completion stops here until FltCompletePendedPostOperation.
            pop()
        }
    }

    /// Whether one of the filter's operation variables holds the operation (a hand-off to the
    /// filter's own machinery, for Q1).
    private func heldInVariable(_ operation: Int, by filter: Int) -> Bool {
        let owner = program.filters[filter].name
        return program.model.variables.indices.contains { index in
            let variable = program.model.variables[index]
            if case .operation = variable.type, variable.owner == owner || variable.owner == nil {
                return state.variables[index] == operation + 1
            }
            return false
        }
    }

    // MARK: FltMgr: resuming

    private mutating func completePendedPre(_ operation: Int, _ outcome: PreOutcome, filter: Int, at location: SourceLocation) {
        let request = program.requests[operation]
        let filterName = program.filters[filter].name
        switch outcome {
        case .pending, .synchronize, .disallowFastIo:
            fail(.resumeStatusValid, "FltCompletePendedPreOperation(\(request.label), \(outcome)): the status must be COMPLETE, SUCCESS_NO_CALLBACK or SUCCESS_WITH_CALLBACK (R4)", at: location)
            return
        case .successWithCallback:
            guard requirePostOperation(filter, operation, "resumed with FLT_PREOP_SUCCESS_WITH_CALLBACK", at: location) else { return }
        case .complete(let status):
            guard checkCompletionStatus(status, operation, filterName, "FltCompletePendedPreOperation(FLT_PREOP_COMPLETE)", at: location) else { return }
        case .successNoCallback:
            break
        }
        var slot = state.operations[operation].slots[filter]
        switch slot.pre {
        case .pended:
            slot.pre = .resumed
        case .running where !slot.preResumedEarly:
            // R8: the resume may run before the pre-op has returned PENDING; checked when it returns.
            slot.preResumedEarly = true
        case .resumed, .running:
            fail(.noDoubleCompletion, "\(request.label) was already resumed from \(filterName)'s pre-op: FltCompletePendedPreOperation is called twice for it", at: location)
            return
        case .notCalled, .returned:
            let why: String
            if slot.pre == .notCalled {
                why = "\(filterName)'s pre-op was never called for it"
            } else if let other = state.operations[operation].slots.indices.first(where: { state.operations[operation].slots[$0].pre == .pended }) {
                why = "it is pended by \(program.filters[other].name), not by \(filterName)"
            } else if slot.post == .pended {
                why = "it is pended in \(filterName)'s post-op (use FltCompletePendedPostOperation)"
            } else {
                why = "\(filterName)'s pre-op did not return FLT_PREOP_PENDING for it"
            }
            fail(.resumeOnlyWhatYouPended, "FltCompletePendedPreOperation(\(request.label)) by \(filterName), but \(why)", at: location)
            return
        }
        state.operations[operation].slots[filter] = slot
        // D:cpre: FltMgr continues the operation in the caller's thread, as if the pre-op had
        // returned this status.
        switch outcome {
        case .successWithCallback:
            state.operations[operation].slots[filter].postOwed = true
            push(.dispatch(operation: operation, step: .preDown(filter + 1)))
        case .complete(let status):
            state.operations[operation].status = status.value
            push(.dispatch(operation: operation, step: .postUp(filter)))
        default:
            push(.dispatch(operation: operation, step: .preDown(filter + 1)))
        }
    }

    private mutating func completePendedPost(_ operation: Int, filter: Int, at location: SourceLocation) {
        let request = program.requests[operation]
        let filterName = program.filters[filter].name
        var slot = state.operations[operation].slots[filter]
        switch slot.post {
        case .pended:
            slot.post = .resumed
        case .running where !slot.postResumedEarly:
            slot.postResumedEarly = true
        case .resumed, .running:
            fail(.noDoubleCompletion, "\(request.label) was already resumed from \(filterName)'s post-op: FltCompletePendedPostOperation is called twice for it", at: location)
            return
        case .notCalled, .finished:
            fail(.resumeOnlyWhatYouPended, "FltCompletePendedPostOperation(\(request.label)) by \(filterName), but its post-op \(slot.post == .notCalled ? "has not been called for it" : "returned FLT_POSTOP_FINISHED_PROCESSING")", at: location)
            return
        }
        state.operations[operation].slots[filter] = slot
        // D:cpost: completion continues up the stack in the caller's thread.
        push(.dispatch(operation: operation, step: .postUp(filter)))
    }

    private mutating func queueDeferred(_ item: Int, for operation: Int, filter: Int, name: String, pc: Int, failureTarget: Int, at location: SourceLocation) {
        let request = program.requests[operation]
        let itemName = program.model.workItems[item].name
        // W1: FltQueueDeferredIoWorkItem fails for non-IRP operations, paging I/O and a set
        // TopLevelIrp (STATUS_FLT_NOT_SAFE_TO_POST_OPERATION), and while the instance is torn down
        // (STATUS_FLT_DELETING_OBJECT; teardown is not modelled yet, so this case never arises).
        var reason: String?
        if !request.isIrp { reason = "not IRP-based" } else if request.paging { reason = "paging I/O" } else if request.topLevelIrp { reason = "TopLevelIrp is set" }
        if let reason {
            state.operations[operation].slots[filter].queueFailed = true
            note(operation, actor, "\(name): FltQueueDeferredIoWorkItem(\(itemName), \(request.label)) fails with STATUS_FLT_NOT_SAFE_TO_POST_OPERATION (\(reason))", at: location)
            advance(to: failureTarget)
            return
        }
        state.operations[operation].slots[filter].queueFailed = false
        state.operations[operation].slots[filter].queuedWorkItem = true
        note(operation, actor, "\(name): FltQueueDeferredIoWorkItem(\(itemName), \(request.label)) succeeds", at: location)
        advance(to: pc + 1)
        state.threads.append(ThreadState(
            role: .worker(workItem: item, operation: operation),
            frames: [.code(code: program.workItemCode[item], pc: 0, operation: operation, filter: program.workItemFilter[item], atomic: 0)]))
    }

    // MARK: FltMgr: dispatch

    private mutating func dispatch(_ operation: Int, _ step: DispatchStep) {
        let request = program.requests[operation]
        switch step {
        case .issue:
            state.operations[operation].stage = .inFlight
            let flags = [request.kind == .fastIo ? "fast I/O" : "IRP", request.synchronous ? "synchronous" : "asynchronous"]
                + (request.paging ? ["paging"] : []) + (request.topLevelIrp ? ["TopLevelIrp set"] : [])
            note(operation, actor, "issues \(request.label) (\(flags.joined(separator: ", ")))")
            setTop(.dispatch(operation: operation, step: .preDown(0)))
        case .preDown(let from):
            // Pre-ops are called down the stack in altitude order (S0, S3). A filter with only a
            // post-op registered for the major function gets that post-op (D:opreg).
            guard let filter = (from..<program.filters.count).first(where: {
                program.filters[$0].pre[request.major] != nil || program.filters[$0].post[request.major] != nil
            }) else {
                setTop(.dispatch(operation: operation, step: .fileSystem))
                return
            }
            guard let code = program.filters[filter].pre[request.major] else {
                state.operations[operation].slots[filter].postOwed = true
                setTop(.dispatch(operation: operation, step: .preDown(filter + 1)))
                return
            }
            state.operations[operation].slots[filter].pre = .running
            state.operations[operation].slots[filter].queuedWorkItem = false
            state.operations[operation].slots[filter].queueFailed = false
            setTop(.dispatch(operation: operation, step: .inPre(filter)))
            push(.code(code: code, pc: 0, operation: operation, filter: filter, atomic: 0))
        case .fileSystem:
            let inline: Bool = switch request.fileSystemTiming {
            case .inline: true
            case .asynchronous: false
            case .either: choose(2) == 0
            }
            note(operation, "FltMgr", "sends \(request.label) to the file system")
            if inline {
                completeInFileSystem(operation)
            } else {
                note(operation, "file system", "returns STATUS_PENDING for \(request.label); it completes later on its own thread")
                state.threads.append(ThreadState(role: .fileSystem(operation: operation), frames: [.dispatch(operation: operation, step: .fileSystemCompletes)]))
                pop()
            }
        case .fileSystemCompletes:
            completeInFileSystem(operation)
        case .postUp(let below):
            // Post-ops run back up the stack in reverse order, for the filters that asked (S0).
            guard let filter = (0..<below).reversed().first(where: { state.operations[operation].slots[$0].postOwed }) else {
                completeToOriginator(operation)
                return
            }
            var slot = state.operations[operation].slots[filter]
            if slot.synchronized {
                // Q12: the post-op of a SYNCHRONIZE'd filter runs in the thread that waits in its pre-op.
                slot.syncSignalled = true
                slot.postOwed = false
                state.operations[operation].slots[filter] = slot
                note(operation, "FltMgr", "wakes the thread waiting after \(program.filters[filter].name)'s FLT_PREOP_SYNCHRONIZE for \(request.label)")
                pop()
                return
            }
            slot.postOwed = false
            state.operations[operation].slots[filter] = slot
            startPost(operation, filter)
        case .waitSync(let filter):
            state.operations[operation].slots[filter].syncSignalled = false
            startPost(operation, filter)
        case .inPre, .inPost:
            // A callback frame is always above these; reaching one means a callback ended without a
            // Return, which validation rules out.
            fail(.modelIntegrity, "a callback for \(request.label) ended without returning a status", at: nil)
        }
    }

    private mutating func startPost(_ operation: Int, _ filter: Int) {
        guard let code = program.filters[filter].post[program.requests[operation].major] else {
            fail(.callbackRequiresPostOp, "\(program.filters[filter].name) has no post-operation callback for \(label(operation))", at: nil)
            return
        }
        var slot = state.operations[operation].slots[filter]
        slot.post = .running
        slot.queuedWorkItem = false
        slot.queueFailed = false
        state.operations[operation].slots[filter] = slot
        setTop(.dispatch(operation: operation, step: .inPost(filter)))
        push(.code(code: code, pc: 0, operation: operation, filter: filter, atomic: 0))
    }

    private mutating func completeInFileSystem(_ operation: Int) {
        let request = program.requests[operation]
        let statuses = request.fileSystemStatuses
        let status = statuses.count == 1 ? statuses[0] : statuses[choose(statuses.count)]
        state.operations[operation].status = status.value
        note(operation, "file system", "completes \(request.label) with \(status)")
        setTop(.dispatch(operation: operation, step: .postUp(program.filters.count)))
    }

    private mutating func completeToOriginator(_ operation: Int) {
        let request = program.requests[operation]
        if state.operations[operation].stage == .completed {
            fail(.noDoubleCompletion, "\(request.label) completes to its originator a second time", at: nil)
            return
        }
        state.operations[operation].stage = .completed
        note(operation, "FltMgr", "completes \(request.label) to its originator with \(NTStatus(state.operations[operation].status))")
        pop()
    }
}

/// The events of a recorded run.
final class EventLog {
    var events: [Event] = []
}
