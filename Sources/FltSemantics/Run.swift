import FltModel
import FltProperties

/// One step of one thread: it runs until the next interleaving point, blocks, or finishes. The
/// nondeterministic choices it meets are taken from `choices` and, past its end, as the first
/// option; `nextChoices` enumerates the other ways.
struct Run {
    let semantics: Semantics
    var program: Program { semantics.program }
    var state: SystemState
    private(set) var thread: Int
    private var choices: [Int]
    /// The choices this run made and how many options each had.
    private(set) var taken: [Int] = []
    private var optionCounts: [Int] = []
    /// Present when events are recorded; a reference so recording needs no exclusive access.
    private let log: EventLog?
    var events: [Event] { log?.events ?? [] }
    private(set) var violation: Violation?
    private(set) var warnings: [Violation] = []
    /// The step ran into an assumption that cannot hold (`Assume`, or a path Z3 ruled out): it is
    /// not a transition of the model.
    private(set) var discarded = false
    /// Something visible already happened in this step: the next visible instruction ends it.
    private var progressed = false
    /// The step went back to an earlier instruction (a `While`): no more thread-local instructions join it.
    private var loopedBack = false
    /// How the last condition over data was decided, for the trace.
    private var decidedBy = ""

    init(semantics: Semantics, state: SystemState, thread: Int, choices: [Int], recording: Bool) {
        self.semantics = semantics
        self.state = state
        self.thread = thread
        self.choices = choices
        self.log = recording ? EventLog() : nil
    }

    /// Makes this the run of `thread` with `choices` from `parent`, reusing the buffers of the
    /// state and of the choices: when nothing kept a copy of them, that allocates nothing. It sets
    /// every stored property but `semantics` and `log` as `init` does: a property added to `Run`
    /// must be reset here too (`LentSuccessors` compares lent successors with fresh ones).
    mutating func restart(from parent: SystemState, thread: Int, choices: [Int]) {
        state.assign(from: parent)
        self.thread = thread
        self.choices = choices
        taken.removeAll(keepingCapacity: true)
        optionCounts.removeAll(keepingCapacity: true)
        log?.events.removeAll()
        violation = nil
        warnings.removeAll()
        discarded = false
        progressed = false
        loopedBack = false
        decidedBy = ""
    }

    /// The step as a successor: the run ends, its state moves out instead of being copied.
    consuming func successor() -> Successor {
        Successor(state: state, transition: Transition(thread: thread, choices: taken), violation: violation, warnings: warnings, events: events)
    }

    /// The choice vector of the next sibling run, or nil when every combination has been taken.
    func nextChoices() -> [Int]? {
        var position = taken.count
        while position > 0 {
            position -= 1
            if taken[position] + 1 < optionCounts[position] {
                // One allocation (popping a copy of `taken` and appending took three).
                var next = Array(taken[...position])
                next[position] += 1
                return next
            }
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
        steps: while violation == nil, !discarded, let top = state.topFrame(of: thread) {
            if semantics.isBlocked(thread, state) { break steps }
            switch top {
            case .code(let frame):
                if frame.pc == 0 { asyncIoCompletes(frame) }
                let instructions = semantics.instructions
                let instruction = instructions.instruction(frame.code, frame.pc)
                let visible = instructions.isVisible(frame.code, frame.pc)
                if progressed && visible && !state.isAtomic(thread)
                    && endsStepBefore(instruction.pointee, threadLocal: instructions.isThreadLocal(frame.code, frame.pc)) {
                    break steps
                }
                if visible { progressed = true }
                perform(instruction, frame)
            case .dispatch(let operation, let step):
                dispatch(operation, step)
            case .teardown(let filter, let step):
                teardown(filter, step)
            case .unload(let filter, let step):
                unload(filter, step)
            case .unregister(let filter, let step):
                unregister(filter, step)
            }
        }
        if violation == nil, state.frameCount(of: thread) == 0, let lock = state.held(of: thread).first {
            fail(.noDeadlock, "\(actor) ended holding lock \(program.model.locks[lock].name): every later acquirer waits forever", at: program.model.locks[lock].location)
        }
        // Finished threads leave; a canceller whose request completed was emptied too. One by one:
        // most steps remove none or one, where `removeAll(where:)` cost ~450 instructions a call.
        for index in state.threads.indices.reversed() where state.frameCount(of: index) == 0 {
            state.removeThread(index)
        }
    }

    /// A thread-local instruction joins the step before it (`Semantics.mergesLocalSteps`), unless
    /// this step already jumped back: a loop over locals alone would never end the step.
    private func endsStepBefore(_ instruction: Instruction, threadLocal: Bool) -> Bool {
        switch program.model.options.interleaving {
        case .everyStatement: return instruction.isVisible && !(threadLocal && semantics.mergesLocalSteps && !loopedBack)
        case .explicitSteps: if case .step = instruction { return true } else { return false }
        }
    }

    // MARK: Frames

    private mutating func setTop(_ frame: Frame) { state.setTopFrame(of: thread, to: frame) }
    private mutating func push(_ frame: Frame) { state.pushFrame(frame, on: thread) }
    private mutating func pop() { state.popFrame(of: thread) }

    private mutating func advance(to pc: Int) {
        guard case .code(var frame)? = state.topFrame(of: thread) else { return }
        if pc <= frame.pc { loopedBack = true }
        frame.pc = pc
        setTop(.code(frame))
    }

    private mutating func adjustAtomic(by delta: Int, pc: Int) {
        guard case .code(var frame)? = state.topFrame(of: thread) else { return }
        frame.pc = pc
        frame.atomic += delta
        setTop(.code(frame))
    }

    // MARK: Events and violations

    private var actor: String { semantics.threadName(state.threads[thread].role) }

    private func note(_ operation: Int?, _ actor: @autoclosure () -> String, _ text: @autoclosure () -> String, at location: SourceLocation? = nil, changes: @autoclosure () -> [String] = []) {
        guard let log else { return }
        log.events.append(Event(operation: operation, actor: actor(), text: text(), changes: changes(), location: location))
    }

    /// Records an advisory finding: the step goes on.
    private mutating func warn(_ property: Property, _ message: String, at location: SourceLocation?) {
        guard !semantics.disabled.contains(property.id) else { return }
        warnings.append(Violation(property: property, message: message, location: location))
        note(nil, actor, "advisory \(property.id): \(message)", at: location)
    }

    private mutating func fail(_ property: Property, _ message: String, at location: SourceLocation?) {
        // A property the model switched off (with its reason) is not checked.
        guard !semantics.disabled.contains(property.id) else { return }
        guard semantics.pathConfirmed(state) else {
            discarded = true
            return
        }
        violation = Violation(property: property, message: message, location: location)
        var operation: Int?
        if case .code(let frame)? = state.topFrame(of: thread), frame.operation >= 0 { operation = frame.operation }
        if case .dispatch(let current, _)? = state.topFrame(of: thread) { operation = current }
        note(operation, actor, "violates \(property.id): \(message)", at: location)
    }

    private func label(_ operation: Int) -> String { program.requests[operation].label }

    // MARK: Expressions

    private func evaluate(_ expression: ExprIR, _ frame: CodeFrame) -> Int {
        semantics.evaluate(expression, frame, state, thread: thread, irql: currentIrql)
    }

    private var currentIrql: Int { semantics.irql(of: thread, state) }

    private func term(_ expression: DataExpr, _ frame: CodeFrame) -> Int {
        semantics.term(expression, frame, state, thread: thread, irql: currentIrql)
    }

    /// C leaves `x / 0`, `x % 0` and `INT_MIN / -1` undefined (in kernel mode, a divide error and
    /// a bug check), and a shift by the width or more or by a negative amount: every division and
    /// shift by a variable amount in `expression` must be defined on this path. Where it need not
    /// be, that is a ModelIntegrity violation (the path where it is defined goes on).
    private mutating func divisionsDefined(_ expression: DataExpr, _ frame: CodeFrame, _ source: ExprIR, at location: SourceLocation) -> Bool {
        switch expression {
        case .condition, .literal, .variable, .parameter, .status: return true
        case .unary(_, let operand), .resize(let operand, _, _): return divisionsDefined(operand, frame, source, at: location)
        case .binary(let op, let lhs, let rhs):
            guard divisionsDefined(lhs, frame, source, at: location), divisionsDefined(rhs, frame, source, at: location) else { return false }
            if [.shiftLeft, .logicalShiftRight, .arithmeticShiftRight].contains(op), let data = semantics.data {
                if case .literal = rhs { return true }
                let amount = term(rhs, frame)
                let width = data.width(amount)
                guard let holds = decide(data.make(.binary(.unsignedLess, amount, data.constant(UInt64(width), width: width)))) else { return false }
                if !holds {
                    fail(.modelIntegrity, "\(semantics.render(source)) shifts by \(width) or more, or by a negative amount, on this path: undefined in C\(decidedBy)", at: location)
                }
                return holds
            }
            guard [.unsignedDivide, .signedDivide, .unsignedRemainder, .signedRemainder].contains(op), let data = semantics.data else { return true }
            let divisor = term(rhs, frame)
            let width = data.width(divisor)
            var defined = data.negation(data.make(.binary(.equal, divisor, data.constant(0, width: width))))
            if op == .signedDivide || op == .signedRemainder {
                let minimum = data.make(.binary(.equal, term(lhs, frame), data.constant(1 << UInt64(width - 1), width: width)))
                let minusOne = data.make(.binary(.equal, divisor, data.constant(~0, width: width)))
                defined = data.make(.binary(.and, defined, data.negation(data.make(.binary(.and, minimum, minusOne)))))
            }
            guard let holds = decide(defined) else { return false }
            if !holds {
                fail(.modelIntegrity, "\(semantics.render(source)) divides by zero (or INT_MIN by -1) on this path: undefined in C, a divide error and a bug check in kernel mode\(decidedBy)", at: location)
            }
            return holds
        }
    }

    /// Which way a condition over data goes. A constant goes its way; a symbolic one goes every way
    /// Z3 finds feasible on this path (a choice when both are), and the way taken joins the path
    /// condition. Nil when neither is (the path itself is infeasible): the step is discarded.
    private mutating func decide(_ condition: Int) -> Bool? {
        decidedBy = ""
        guard let data = semantics.data, data.constantValue(condition) == nil else {
            return semantics.data?.constantValue(condition).map { $0 != 0 } ?? true
        }
        let negation = data.negation(condition)
        if semantics.abstractData {
            let holds = choose(2) == 0
            decidedBy = " (symbolic)"
            semantics.addConstraint(holds ? condition : negation, to: &state)
            return holds
        }
        let canHold = semantics.feasibility(of: condition, in: state) != .infeasible
        let canFail = semantics.feasibility(of: negation, in: state) != .infeasible
        let holds: Bool
        switch (canHold, canFail) {
        case (true, true):
            holds = choose(2) == 0
            decidedBy = " (symbolic: either way is feasible; this path takes \(holds))"
        case (true, false):
            holds = true
            decidedBy = " (symbolic: always, on this path)"
        case (false, true):
            holds = false
            decidedBy = " (symbolic: never, on this path)"
        case (false, false):
            discarded = true
            return nil
        }
        semantics.addConstraint(holds ? condition : negation, to: &state)
        return holds
    }

    /// A frame for filter code called now by FltMgr in this thread: it runs at the thread's IRQL.
    private func called(_ code: Int, operation: Int, filter: Int, draining: Bool = false) -> Frame {
        .code(CodeFrame(code: code, pc: 0, operation: operation, filter: filter, draining: draining, irql: currentIrql))
    }

    private static let irqlNames = ["PASSIVE_LEVEL", "APC_LEVEL", "DISPATCH_LEVEL"]

    /// The operation a handle names; an empty or stale handle violates `orElse` (resuming nothing
    /// is R3; other calls are the model's own mistake). An autoclosure: copying a Property retains
    /// its strings and arrays, which every exploring thread shares.
    private mutating func operation(
        named expression: ExprIR, _ frame: CodeFrame, _ call: String, at location: SourceLocation,
        orElse property: @autoclosure () -> Property = .resumeOnlyWhatYouPended
    ) -> Int? {
        let handle = evaluate(expression, frame)
        if handle >= 1 && handle <= program.requests.count { return handle - 1 }
        fail(property(), "\(call) was called with \(handle == 0 ? "no operation (an empty handle)" : "handle \(handle), which names no operation")", at: location)
        return nil
    }

    // MARK: Filter code

    private mutating func perform(_ instruction: UnsafePointer<Instruction>, _ frame: CodeFrame) {
        // Locals, not `self`: the lazily built trace texts passed to mutating helpers must not capture self.
        let semantics = self.semantics
        let pc = frame.pc
        let operation = frame.operation
        let filter = frame.filter
        let location = program.code[frame.code].locations[pc]
        let name = program.code[frame.code].name
        let current: Int? = operation >= 0 ? operation : nil
        switch instruction.pointee {
        case .assign(let variable, let value):
            let new = evaluate(value, frame)
            assign(new, to: variable, in: name, at: location, operation: current, showing: semantics.render(value, as: .variable(variable)))
            if violation == nil { advance(to: pc + 1) }
        case .load(let value):
            let read = evaluate(value, frame)
            note(current, actor, "\(name): reads \(semantics.render(value)) = \(read)", at: location)
            guard case .code(var updated)? = state.topFrame(of: thread) else { return }
            updated.register = read
            updated.pc = pc + 1
            setTop(.code(updated))
        case .store(let variable):
            assign(frame.register, to: variable, in: name, at: location, operation: current, showing: "\(semantics.format(frame.register, of: variable)) (the value read before)")
            if violation == nil {
                guard case .code(var updated)? = state.topFrame(of: thread) else { return }
                updated.register = 0
                updated.pc = pc + 1
                setTop(.code(updated))
            }
        case .branch(let condition, let elseTarget):
            let holds = evaluate(condition, frame) != 0
            note(current, actor, "\(name): \(isLoop(elseTarget, pc, frame) ? "while" : "if") \(semantics.render(condition)) → \(holds)", at: location)
            advance(to: holds ? pc + 1 : elseTarget)
        case .jump(let target):
            advance(to: target)
        case .assignData(let variable, let value, let source):
            guard divisionsDefined(value, frame, source, at: location) else { return }
            let new = term(value, frame)
            assign(new, to: variable, in: name, at: location, operation: current, showing: semantics.render(source))
            if violation == nil { advance(to: pc + 1) }
        case .loadData(let value, let source):
            guard divisionsDefined(value, frame, source, at: location) else { return }
            let read = term(value, frame)
            note(current, actor, "\(name): reads \(semantics.render(source)) = \(semantics.data?.render(read) ?? "")", at: location)
            guard case .code(var updated)? = state.topFrame(of: thread) else { return }
            updated.register = read
            updated.pc = pc + 1
            setTop(.code(updated))
        case .branchData(let condition, let source, let elseTarget):
            guard divisionsDefined(condition, frame, source, at: location), let holds = decide(term(condition, frame)) else { return }
            note(current, actor, "\(name): \(isLoop(elseTarget, pc, frame) ? "while" : "if") \(semantics.render(source)) → \(holds)\(decidedBy)", at: location)
            advance(to: holds ? pc + 1 : elseTarget)
        case .assertData(let condition, let source, let message):
            guard divisionsDefined(condition, frame, source, at: location), let holds = decide(term(condition, frame)) else { return }
            if !holds {
                fail(.assertion, "assertion failed: \(message) (\(semantics.render(source)))\(decidedBy)", at: location)
                return
            }
            note(current, actor, "\(name): assert \(semantics.render(source)) holds\(decidedBy)", at: location)
            advance(to: pc + 1)
        case .assume(let condition, let source):
            guard divisionsDefined(condition, frame, source, at: location) else { return }
            let assumption = term(condition, frame)
            switch semantics.abstractData && semantics.data?.constantValue(assumption) == nil ? .feasible : semantics.feasibility(of: assumption, in: state) {
            case .infeasible:
                discarded = true
                return
            case .feasible, .unknown:
                semantics.addConstraint(assumption, to: &state)
            }
            note(current, actor, "\(name): assume \(semantics.render(source))", at: location)
            advance(to: pc + 1)
        case .choose(let targets):
            let pick = choose(targets.count)
            note(current, actor, "\(name): nondeterministic choice takes branch \(pick + 1) of \(targets.count)", at: location)
            advance(to: targets[pick])
        case .assert(let condition, let message):
            if evaluate(condition, frame) == 0 {
                fail(.assertion, "assertion failed: \(message) (\(semantics.render(condition)))", at: location)
                return
            }
            note(current, actor, "\(name): assert \(semantics.render(condition)) holds", at: location)
            advance(to: pc + 1)
        case .atomicBegin:
            adjustAtomic(by: 1, pc: pc + 1)
        case .atomicEnd:
            adjustAtomic(by: -1, pc: pc + 1)
        case .step:
            note(current, actor, "\(name): step", at: location)
            advance(to: pc + 1)
        case .waitUntil(let condition):
            if currentIrql >= 2 {
                fail(.postOpDispatchSafe, "\(name) waits at DISPATCH_LEVEL (\(irqlContext(frame)))", at: location)
                return
            }
            // C15 (D:cwait, avscan): a callback of a cancellable request that blocks should wait with
            // FltCancellableWaitForSingleObject, so that a cancel aborts the wait: in a model, the
            // wait's condition reads Op.isCancelled. Advisory.
            if let operation = current, program.requests[operation].cancellable, !condition.mentions(.isCancelled),
               program.filters[filter].pre[program.requests[operation].major] == frame.code
                || program.filters[filter].post[program.requests[operation].major] == frame.code {
                warn(.cancellableWaits, "\(name) waits (until \(semantics.render(condition))) in a callback of the cancellable \(label(operation)) without a way for a cancel to end the wait: use FltCancellableWaitForSingleObject and handle STATUS_CANCELLED (in the model: `WaitUntil(... || Op.isCancelled)`)", at: location)
            }
            // Reached only when the condition holds: a blocked thread does not run (isBlocked).
            note(current, actor, "\(name): wait until \(semantics.render(condition)): satisfied", at: location)
            advance(to: pc + 1)
        case .setStatus(let value):
            guard let operation = current else { return }
            let slot = state[slot: operation, filter]
            if program.filters[filter].pre[program.requests[operation].major] == frame.code, slot.pre == .running,
               slot.preResumedEarly || handedOff(operation, by: filter) {
                // R7: once handed off, the operation belongs to whoever resumes it; it may already
                // be completed and freed.
                fail(.noTouchAfterHandoff, "\(name) writes IoStatus of \(label(operation)) after handing it off\(slot.preResumedEarly ? " (it has already been resumed)" : "")", at: location)
                return
            }
            let status = UInt32(truncatingIfNeeded: evaluate(value, frame))
            let old = semantics.statusText(state.operations[operation])
            state.operations[operation].status = status
            state.operations[operation].statusTerm = -1
            if case .code(var writer)? = state.topFrame(of: thread) {
                writer.wroteStatus = true
                setTop(.code(writer))
            }
            note(operation, actor, "\(name): IoStatus.Status = \(NTStatus(status))", at: location,
                 changes: ["\(label(operation)).IoStatus.Status: \(old) → \(NTStatus(status))"])
            advance(to: pc + 1)
        case .end:
            pop()
            asyncIoCallbackReturned()
        case .returnPre(let outcome):
            note(current, actor, "\(name) returns \(outcome)", at: location)
            pop()
            returnFromPre(outcome, operation: operation, filter: filter, wroteStatus: frame.wroteStatus, at: location)
        case .returnPost(let outcome):
            note(current, actor, "\(name) returns \(outcome)", at: location)
            pop()
            returnFromPost(outcome, operation: operation, filter: filter, draining: frame.draining, wroteStatus: frame.wroteStatus, at: location)
        case .completePendedPre(let handle, let outcome):
            guard let target = self.operation(named: handle, frame, "FltCompletePendedPreOperation", at: location) else { return }
            note(target, actor, "\(name): FltCompletePendedPreOperation(\(label(target)), \(outcome))", at: location)
            guard allowedWhileDraining(frame, "FltCompletePendedPreOperation", at: location),
                  instanceUsable(filter, "FltCompletePendedPreOperation(\(semantics.program.requests[target].label))", at: location) else { return }
            if currentIrql >= 2, case .complete = outcome {} else if currentIrql >= 2 {
                // R5 (D:cpre): above APC_LEVEL only FLT_PREOP_COMPLETE may be passed.
                fail(.resumeIrql, "FltCompletePendedPreOperation(\(label(target)), \(outcome)) at DISPATCH_LEVEL (\(irqlContext(frame))): only FLT_PREOP_COMPLETE is allowed above APC_LEVEL", at: location)
                return
            }
            advance(to: pc + 1)
            completePendedPre(target, outcome, filter: filter, wroteStatus: frame.wroteStatus && target == operation, at: location)
        case .completePendedPost(let handle):
            guard let target = self.operation(named: handle, frame, "FltCompletePendedPostOperation", at: location) else { return }
            note(target, actor, "\(name): FltCompletePendedPostOperation(\(label(target)))", at: location)
            guard allowedWhileDraining(frame, "FltCompletePendedPostOperation", at: location),
                  instanceUsable(filter, "FltCompletePendedPostOperation(\(semantics.program.requests[target].label))", at: location) else { return }
            // Q9: code that wrote IoStatus and now lets completion go on is failing the operation
            // in its post-processing, as a post-op returning FINISHED_PROCESSING would.
            if frame.wroteStatus, target == operation, !postFailureValid(target, filter, by: name, at: location) { return }
            advance(to: pc + 1)
            completePendedPost(target, filter: filter, at: location)
        case .queueDeferredWorkItem(let item, let handle, let failureTarget):
            // While draining the instance is being torn down, so this fails (W1, S4): no Q3 check.
            guard queuesAllocated(item, "FltQueueDeferredIoWorkItem", in: name, at: location),
                  let target = self.operation(named: handle, frame, "FltQueueDeferredIoWorkItem", at: location, orElse: .modelIntegrity),
                  instanceUsable(filter, "FltQueueDeferredIoWorkItem(\(semantics.program.requests[target].label))", at: location) else { return }
            queueDeferred(item, for: target, filter: filter, name: name, pc: pc, failureTarget: failureTarget, at: location)
        case .cbdqInsert(let queue, let handle, let statusVariable, let failureTarget):
            guard cbdqIrqlAllowed(queue, "FltCbdqInsertIo", frame, at: location), let target = self.operation(named: handle, frame, "FltCbdqInsertIo", at: location, orElse: .modelIntegrity),
                  allowedWhileDraining(frame, "FltCbdqInsertIo", at: location),
                  instanceUsable(filter, "FltCbdqInsertIo(\(semantics.program.requests[target].label))", at: location) else { return }
            cbdqInsert(queue, target, statusVariable: statusVariable, filter: filter, name: name, pc: pc, failureTarget: failureTarget, at: location)
        case .cbdqRemoveNext(let queue, let variable):
            guard cbdqIrqlAllowed(queue, "FltCbdqRemoveNextIo", frame, at: location) else { return }
            // C6: FltCbdqRemoveNextIo returns only operations that are not cancelled; a cancelled one
            // has already been taken out by the cancel path.
            let taken = state.queues[queue].items.first { !state.operations[$0].cancelled }
            if let taken { state.queues[queue].items.removeAll { $0 == taken } }
            assign(taken.map { $0 + 1 } ?? 0, to: variable, in: name, at: location, operation: taken ?? current,
                   showing: "FltCbdqRemoveNextIo(\(semantics.program.queues[queue].name)) → \(taken.map { semantics.program.requests[$0].label } ?? "NULL")")
            if violation == nil { advance(to: pc + 1) }
        case .cbdqRemove(let queue, let handle, let variable):
            guard cbdqIrqlAllowed(queue, "FltCbdqRemoveIo", frame, at: location) else { return }
            let wanted = evaluate(handle, frame) - 1
            let present = state.queues[queue].items.contains(wanted)
            if present { state.queues[queue].items.removeAll { $0 == wanted } }
            let shown = { semantics.program.requests.indices.contains(wanted) ? semantics.program.requests[wanted].label : "none" }
            assign(present ? wanted + 1 : 0, to: variable, in: name, at: location, operation: present ? wanted : current,
                   showing: "FltCbdqRemoveIo(\(semantics.program.queues[queue].name), \(shown())) → \(present ? shown() : "NULL")")
            if violation == nil { advance(to: pc + 1) }
        case .queueGenericWorkItem(let item, let failureTarget):
            guard queuesAllocated(item, "FltQueueGenericWorkItem", in: name, at: location) else { return }
            let itemName = program.model.workItems[item].name
            if state.filterStages[filter] == .unregistering || state.filterStages[filter] == .unloaded {
                // W4 (D:qgen): refused while the filter is being unregistered.
                note(current, actor, "\(name): FltQueueGenericWorkItem(\(itemName)) fails with STATUS_FLT_DELETING_OBJECT (the filter is being unregistered)", at: location)
                advance(to: failureTarget)
                return
            }
            note(current, actor, "\(name): FltQueueGenericWorkItem(\(itemName)) succeeds", at: location)
            advance(to: pc + 1)
            // W5: the work item holds a rundown reference on the filter until its routine returns.
            state.addThread(
                role: .worker(workItem: item, operation: -1),
                frames: [.code(CodeFrame(code: program.workItemCode[item], pc: 0, operation: -1, filter: program.workItemFilter[item]))])
        case .driverEntryCall(let call, let failureTarget):
            driverEntryCall(call, filter: filter, name: name, next: pc + 1, failureTarget: failureTarget, at: location)
        case .unregisterFilter:
            note(current, actor, "\(name): FltUnregisterFilter", at: location)
            if state.filterStages[filter] == .loading || state.filterStages[filter] == .notLoaded {
                // T13: FltUnregisterFilter takes the PFLT_FILTER that FltRegisterFilter returned.
                fail(.driverEntryFailureCleanup, "\(name) calls FltUnregisterFilter but \(program.filters[filter].name) was never registered (FltRegisterFilter failed or was not called): there is no filter pointer to pass", at: location)
                return
            }
            // T10 (I:port): the server port must be closed first, "to prevent the system from
            // hanging during the unload process".
            if let port = openHandles(of: filter, .communicationPort).first {
                fail(.unloadOrder, "\(name) calls FltUnregisterFilter while its communication server port \(handleName(port)) is open: it must call FltCloseCommunicationPort first (the system can hang)", at: location)
                return
            }
            advance(to: pc + 1)
            if state.filterStages[filter] == .registered || state.filterStages[filter] == .unloading {
                state.filterStages[filter] = .unregistering
            }
            push(.unregister(filter: filter, step: .instances))
        case .returnStatus(let status):
            note(current, actor, "\(name) returns \(status)", at: location)
            pop()
            if case .driverEntry(let loaded) = state.threads[thread].role, state.frameCount(of: thread) == 0 {
                finishDriverEntry(loaded, status, at: location)
                return
            }
            if case .unload(let unloading, .inCallback)? = state.topFrame(of: thread) {
                setTop(.unload(filter: unloading, step: .returned(status.value)))
            } else if case .teardown(let detached, .begin)? = state.topFrame(of: thread) {
                // InstanceQueryTeardown returned (T9, D:qteardown): STATUS_FLT_DO_NOT_DETACH vetoes
                // the manual detach; any other status lets it go on.
                if status == .fltDoNotDetach {
                    note(nil, "FltMgr", "\(program.filters[detached].name) vetoed the detach (STATUS_FLT_DO_NOT_DETACH): its instance stays attached")
                    pop()
                } else {
                    startTeardown(detached)
                }
            }
        case .objectReference(let counter, let target, let failureTarget):
            let object = { Self.objectName(semantics.program, filter, target) }
            let deleting = switch target {
            case .instance: state.instances[filter] != .attached
            case .filter: state.filterStages[filter] == .unregistering || state.filterStages[filter] == .unloaded
            }
            if deleting {
                // FltObjectReference (/ddi/fltkernel/nf-fltkernel-fltobjectreference) fails with
                // STATUS_FLT_DELETING_OBJECT once the object is being torn down.
                note(current, actor, "\(name): FltObjectReference(\(object())) fails with STATUS_FLT_DELETING_OBJECT (it is being torn down)", at: location)
                advance(to: failureTarget)
                return
            }
            let held = semantics.value(of: counter, in: thread, state)
            assign(held + 1, to: counter, in: name, at: location, operation: current, showing: "FltObjectReference(\(object())) succeeds: \(held + 1)")
            if violation == nil { advance(to: pc + 1) }
        case .objectDereference(let counter, let target):
            let object = { Self.objectName(semantics.program, filter, target) }
            let held = semantics.value(of: counter, in: thread, state)
            guard held > 0 else {
                fail(.modelIntegrity, "\(name) calls FltObjectDereference(\(object())) with no reference held (\(semantics.variableName(counter)) is 0): an unbalanced rundown release", at: location)
                return
            }
            assign(held - 1, to: counter, in: name, at: location, operation: current, showing: "FltObjectDereference(\(object())): \(held - 1)")
            if violation == nil { advance(to: pc + 1) }
        case .allocateWorkItem(let item, let failureTarget):
            // W3 (D:adef, D:qgen): the allocation may return NULL; both outcomes are explored.
            let declared = program.model.workItems[item]
            let call = declared.kind == .generic ? "FltAllocateGenericWorkItem" : "FltAllocateDeferredIoWorkItem"
            guard let counter = declared.allocationCounter else { return }
            if choose(2) == 1 {
                note(current, actor, "\(name): \(call)(\(declared.name)) returns NULL", at: location)
                advance(to: failureTarget)
                return
            }
            let allocated = state.variables[counter]
            assign(allocated + 1, to: counter, in: name, at: location, operation: current, showing: "\(call)(\(declared.name)) succeeds: \(allocated + 1)")
            if violation == nil { advance(to: pc + 1) }
        case .freeWorkItem(let named):
            // FreeWorkItem() in a routine frees the work item it runs for.
            guard let item = named ?? program.workItemCode.firstIndex(of: frame.code) else { return }
            let declared = program.model.workItems[item]
            let call = declared.kind == .generic ? "FltFreeGenericWorkItem" : "FltFreeDeferredIoWorkItem"
            guard let counter = declared.allocationCounter else { return }
            let allocated = state.variables[counter]
            guard allocated > 0 else {
                // W3 (D:fdef, V:fv): each allocation is freed exactly once.
                fail(.workItemFreedOnce, "\(name) calls \(call)(\(declared.name)) with none allocated: a work item is freed twice (or was never allocated)", at: location)
                return
            }
            assign(allocated - 1, to: counter, in: name, at: location, operation: current, showing: "\(call)(\(declared.name)): \(allocated - 1)")
            if violation == nil { advance(to: pc + 1) }
        case .setCancelCompletion(let routine, let handle):
            guard let target = self.operation(named: handle, frame, "FltSetCancelCompletion", at: location, orElse: .modelIntegrity) else { return }
            let request = program.requests[target]
            note(target, actor, "\(name): FltSetCancelCompletion(\(request.label), \(program.model.workItems[routine].name))", at: location)
            if !request.isIrp || request.paging {
                // C10 (D:setcancel): only for IRP-based operations that are not paging I/O.
                fail(.cancelCallbackSelfSync, "FltSetCancelCompletion on \(request.label), which is \(request.isIrp ? "paging I/O" : "not IRP-based")", at: location)
                return
            }
            if state.queues.contains(where: { $0.items.contains(target) }) {
                // C9 (D:setcancel): a cancel-safe queue already handles cancellation of its operations.
                fail(.noCancelRoutineOnCbdqItems, "FltSetCancelCompletion on \(request.label), which is in a cancel-safe queue", at: location)
                return
            }
            // C12: on an operation already cancelled the routine is never called.
            if !state.operations[target].cancelled {
                state.operations[target].cancelRoutine = routine
                state.operations[target].cancelRoutineFilter = filter
            }
            advance(to: pc + 1)
        case .clearCancelCompletion(let handle, let cancelledTarget):
            guard let target = self.operation(named: handle, frame, "FltClearCancelCompletion", at: location, orElse: .modelIntegrity) else { return }
            // D:clrcancel: STATUS_CANCELLED once the operation is cancelled (its cancel routine has
            // been or is being called), else the routine is cleared: "cancel always wins" (C11).
            if state.operations[target].cancelled {
                note(target, actor, "\(name): FltClearCancelCompletion(\(label(target))) → STATUS_CANCELLED", at: location)
                advance(to: cancelledTarget)
            } else {
                state.operations[target].cancelRoutine = -1
                state.operations[target].cancelRoutineFilter = -1
                note(target, actor, "\(name): FltClearCancelCompletion(\(label(target))) → STATUS_SUCCESS", at: location)
                advance(to: pc + 1)
            }
        case .whenSafe(let callback):
            whenSafe(callback, frame, name: name, at: location)
        case .performAsyncIo(let io, let completion, let failureTarget):
            performAsyncIo(io, completion: completion, failureTarget: failureTarget, frame, name: name, at: location)
        case .cancelAsyncIo(let io):
            // C13 (D:cancelio): only I/O the filter itself issued, on callback data still valid.
            // The page lists "already completed" among the cases where FltCancelIo returns FALSE,
            // so a cancel that loses the race with completion is not reported.
            if currentIrql >= 2 {
                fail(.postOpDispatchSafe, "\(name) calls FltCancelIo(\(asyncIoName(io))) at DISPATCH_LEVEL (\(irqlContext(frame))): it is called at IRQL <= APC_LEVEL", at: location)
                return
            }
            switch AsyncIoState(rawValue: state.variables[io]) {
            case .inFlight?:
                note(current, actor, "\(name): FltCancelIo(\(asyncIoName(io))) returns TRUE: the I/O will complete as cancelled", at: location)
            case .completing?, .done?:
                note(current, actor, "\(name): FltCancelIo(\(asyncIoName(io))) returns FALSE: the I/O has already completed", at: location)
            default:
                fail(.cancelIoOnlyOwnIo, "\(name) calls FltCancelIo(\(asyncIoName(io))) while it is \(asyncIoStateText(io)): only I/O the filter issued with FltPerformAsynchronousIo, on callback data it has not freed, can be cancelled", at: location)
                return
            }
            advance(to: pc + 1)
        case .freeAsyncIo(let io):
            freeAsyncIo(io, name: name, next: pc + 1, at: location)
        case .openHandle(let variable):
            if currentIrql >= 2 {
                fail(.postOpDispatchSafe, "\(name) calls FltCreateFile(\(handleName(variable))) at DISPATCH_LEVEL (\(irqlContext(frame))): it is a PASSIVE_LEVEL call", at: location)
                return
            }
            // T7: FltCreateFile over a handle still open loses the old one (it can never be closed).
            if state.variables[variable] != 0 {
                fail(.teardownCompleteClosesFiles, "\(name) opens \(handleName(variable)) again while it is open: the open handle leaks", at: location)
                return
            }
            note(current, actor, "\(name): FltCreateFile(\(handleName(variable)))", at: location, changes: ["\(semantics.variableName(variable)): false → true"])
            state.variables[variable] = 1
            advance(to: pc + 1)
        case .closeHandle(let variable):
            let kind = program.model.variables[variable].handle
            let call = kind == .communicationPort ? "FltCloseCommunicationPort" : "FltClose"
            if currentIrql >= 2 {
                fail(.postOpDispatchSafe, "\(name) calls \(call)(\(handleName(variable))) at DISPATCH_LEVEL (\(irqlContext(frame))): it is a PASSIVE_LEVEL call", at: location)
                return
            }
            // T10 (D:closeport) / T7: after the close the handle is no longer valid.
            if state.variables[variable] == 0 {
                fail(kind == .communicationPort ? .unloadOrder : .teardownCompleteClosesFiles,
                     "\(name) calls \(call)(\(handleName(variable))) on a handle already closed (no longer valid)", at: location)
                return
            }
            note(current, actor, "\(name): \(call)(\(handleName(variable)))", at: location, changes: ["\(semantics.variableName(variable)): true → false"])
            state.variables[variable] = 0
            advance(to: pc + 1)
        case .contextReference(let context):
            let declared = program.model.contexts[context]
            if currentIrql >= 2 {
                // Q5 (D:post, S1): contexts cannot be retrieved above APC_LEVEL.
                fail(.postOpDispatchSafe, "\(name) gets context \(declared.name) at DISPATCH_LEVEL (\(irqlContext(frame)))", at: location)
                return
            }
            state.contextReferences[context] += 1
            note(current, actor, "\(name): takes a reference on \(declared.name) (now \(state.contextReferences[context]))", at: location)
            advance(to: pc + 1)
        case .contextRelease(let context):
            let declared = program.model.contexts[context]
            guard state.contextReferences[context] > 0 else {
                // T14 (V:fv, B:f5): releasing a reference not held is bug check 0xF5, P1=0x6D.
                fail(.refCountBalance, "\(name) releases \(declared.name) with no reference held (bug check 0xF5, P1=0x6D)", at: location)
                return
            }
            state.contextReferences[context] -= 1
            note(current, actor, "\(name): FltReleaseContext(\(declared.name)) (now \(state.contextReferences[context]))", at: location)
            advance(to: pc + 1)
        case .setCompletionContext:
            guard let operation = current else { return }
            state[slot: operation, filter].completionContext = true
            note(operation, actor, "\(name): *CompletionContext = context", at: location)
            advance(to: pc + 1)
        case .modifyParameters:
            guard let operation = current else { return }
            state[slot: operation, filter].modifiedNotDirty = true
            note(operation, actor, "\(name): changes the parameters of \(label(operation))", at: location)
            advance(to: pc + 1)
        case .setCallbackDataDirty:
            guard let operation = current else { return }
            state[slot: operation, filter].modifiedNotDirty = false
            note(operation, actor, "\(name): FltSetCallbackDataDirty(\(label(operation)))", at: location)
            advance(to: pc + 1)
        case .setIoStatus(let status, let information):
            writeIoStatus(evaluate(status, frame), information: evaluate(information, frame), frame, name: name, at: location)
        case .cancelFileOpen:
            cancelFileOpen(frame, name: name, at: location)
        case .reissueSynchronousIo:
            reissue(frame, name: name, at: location)
        case .accessBuffer:
            accessBuffer(frame, name: name, at: location)
        case .lockUserBuffer(let failureTarget):
            lockUserBuffer(frame, name: name, failureTarget: failureTarget, at: location)
        case .retarget:
            guard let operation = current else { return }
            // P16 (I:modify): TargetInstance may only become this filter's instance at the same
            // altitude on another volume. fltcheck has one volume: the retargeted operation goes on
            // down the same stack below the filter. The change needs FltSetCallbackDataDirty (P15).
            state[slot: operation, filter].retargeted = true
            state[slot: operation, filter].modifiedNotDirty = true
            note(operation, actor, "\(name): changes TargetInstance/TargetFileObject of \(label(operation)) (to its instance on another volume)", at: location)
            advance(to: pc + 1)
        case .checkOplock(let handle, let routine, let pendingTarget, let completeTarget):
            guard let target = self.operation(named: handle, frame, "FltCheckOplock", at: location, orElse: .modelIntegrity) else { return }
            checkOplock(target, routine: routine, filter: filter, name: name, pc: pc, pendingTarget: pendingTarget, completeTarget: completeTarget, at: location)
        case .acquire(let lock):
            let declared = program.model.locks[lock]
            if state.holds(lock, thread) {
                fail(.noDeadlock, "\(name) acquires \(declared.name) again while holding it: the thread waits for itself", at: location)
                return
            }
            if declared.kind != .spinLock && currentIrql >= 2 {
                fail(.postOpDispatchSafe, "\(name) acquires \(declared.kind == .fastMutex ? "fast mutex" : "resource") \(declared.name) at DISPATCH_LEVEL (\(irqlContext(frame)))", at: location)
                return
            }
            state.hold(lock, thread)
            note(current, actor, "\(name): acquires \(declared.name) (now at \(Run.irqlNames[currentIrql]))", at: location)
            advance(to: pc + 1)
        case .release(let lock):
            let declared = program.model.locks[lock]
            guard let position = state.held(of: thread).lastIndex(of: lock) else {
                fail(.modelIntegrity, "\(name) releases \(declared.name), which this thread does not hold", at: location)
                return
            }
            state.removeHeld(at: position, of: thread)
            note(current, actor, "\(name): releases \(declared.name)", at: location)
            advance(to: pc + 1)
        case .cbdqDisable(let queue):
            guard cbdqIrqlAllowed(queue, "FltCbdqDisable", frame, at: location) else { return }
            state.queues[queue].enabled = false
            note(current, actor, "\(name): FltCbdqDisable(\(program.queues[queue].name))", at: location)
            advance(to: pc + 1)
        case .cbdqEnable(let queue):
            guard cbdqIrqlAllowed(queue, "FltCbdqEnable", frame, at: location) else { return }
            state.queues[queue].enabled = true
            note(current, actor, "\(name): FltCbdqEnable(\(program.queues[queue].name))", at: location)
            advance(to: pc + 1)
        }
    }

    /// W3 (D:adef, D:qgen): a work item with explicit allocation is queued only while one is
    /// allocated (not yet freed).
    private mutating func queuesAllocated(_ item: Int, _ call: String, in name: String, at location: SourceLocation) -> Bool {
        guard let counter = program.model.workItems[item].allocationCounter, state.variables[counter] == 0 else { return true }
        fail(.workItemFreedOnce, "\(name) calls \(call)(\(program.model.workItems[item].name)) with no work item allocated: it was never allocated, or already freed", at: location)
        return false
    }

    /// FltDoCompletionProcessingWhenSafe (D:safe): at IRQL <= APC_LEVEL the SafePostCallback runs now
    /// and its status is the post-op's; above, it is posted to a worker and the post-op returns
    /// MORE_PROCESSING_REQUIRED; if it cannot be posted the call returns FALSE.
    private mutating func whenSafe(_ callback: Int, _ frame: CodeFrame, name: String, at location: SourceLocation) {
        let operation = frame.operation
        let filter = frame.filter
        let request = program.requests[operation]
        let callbackName = program.model.workItems[callback].name
        if frame.draining {
            fail(.noWhenSafeWhileDraining, "\(name) calls FltDoCompletionProcessingWhenSafe for \(request.label) while draining (FLTFL_POST_OPERATION_DRAINING)", at: location)
            return
        }
        if !request.isIrp || request.paging {
            fail(.whenSafeContract, "\(name) calls FltDoCompletionProcessingWhenSafe for \(request.label), which is \(request.isIrp ? "paging I/O" : "not IRP-based")", at: location)
            return
        }
        if currentIrql <= 1 {
            note(operation, actor, "\(name): FltDoCompletionProcessingWhenSafe(\(request.label), \(callbackName)) → TRUE: safe now, FltMgr calls \(callbackName) in this thread and the post-op returns its status", at: location)
            pop()
            push(called(program.workItemCode[callback], operation: operation, filter: filter))
            return
        }
        if request.topLevelIrp || state.instances[filter] != .attached {
            // It posts like FltQueueDeferredIoWorkItem, which fails in these cases (W1).
            note(operation, actor, "\(name): FltDoCompletionProcessingWhenSafe(\(request.label), \(callbackName)) → FALSE: it cannot be posted", at: location)
            advance(to: frame.pc + 1)
            return
        }
        note(operation, actor, "\(name): FltDoCompletionProcessingWhenSafe(\(request.label), \(callbackName)) → TRUE: posted to a worker thread; the post-op returns FLT_POSTOP_MORE_PROCESSING_REQUIRED", at: location)
        pop()
        state[slot: operation, filter].queuedWorkItem = true
        returnFromPost(.moreProcessingRequired, operation: operation, filter: filter, draining: false, at: location)
        guard violation == nil else { return }
        state.addThread(
            role: .worker(workItem: callback, operation: operation),
            frames: [
                .dispatch(operation: operation, step: .inPostedSafeCallback(filter)),
                .code(CodeFrame(code: program.workItemCode[callback], pc: 0, operation: operation, filter: filter)),
            ])
    }

    /// Q6 (I:bufpost; "Accessing User Buffers", /ifs/accessing-user-buffers): the code touches its
    /// operation's data buffer. Through an MDL (MmGetSystemAddressForMdlSafe) or in a system buffer
    /// that is safe anywhere at IRQL <= DISPATCH_LEVEL. A user buffer without an MDL is a user-space
    /// address: pageable, so not at DISPATCH_LEVEL (I:bufpost), and valid only in the originator's
    /// process, so not from another thread (a post-op the file system's completion or FltMgr calls
    /// in an arbitrary thread, a worker the operation was posted to: the page says such code locks
    /// the buffer with FltLockUserBuffer first). Reading it in the originator's own thread below
    /// DISPATCH_LEVEL (its pre-op, a synchronized or fast I/O post-op) is what the pages allow.
    private mutating func accessBuffer(_ frame: CodeFrame, name: String, at location: SourceLocation) {
        let operation = frame.operation
        guard operation >= 0 else {
            // Validation keeps it out of code that runs for no operation; never a silent stop.
            fail(.modelIntegrity, "\(name) touches a data buffer but runs for no operation", at: location)
            return
        }
        let request = program.requests[operation]
        let buffer = state.operations[operation].buffer
        guard buffer != 0 else {
            fail(.modelIntegrity, "\(name) touches the data buffer of \(request.label), but IRP_MJ_\(request.major.rawValue) carries none", at: location)
            return
        }
        // I:drain: a drained post-op only cleans up; copying data is completion processing (Q3).
        guard allowedWhileDraining(frame, "AccessBuffer (\(request.label)'s data buffer)", at: location) else { return }
        if buffer & (BufferBits.mdl | BufferBits.system) == 0 {
            func what() -> String { "\(name) touches the user buffer of \(request.label), which has no MDL and is not a system buffer," }
            if currentIrql >= 2 {
                fail(.userBufferViaWhenSafe, "\(what()) at DISPATCH_LEVEL (\(irqlContext(frame))): the pages may be paged out. Call FltDoCompletionProcessingWhenSafe, and in the safe callback FltLockUserBuffer, then MmGetSystemAddressForMdlSafe (I:bufpost)", at: location)
                return
            }
            if state.threads[thread].role != .originator(operation: operation) {
                fail(.userBufferViaWhenSafe, "\(what()) in \(actor), not in the thread that issued it: a user-space address is valid only in the originator's process. Lock it with FltLockUserBuffer first and use the MDL (Accessing User Buffers: for a post-op that is not synchronized or an operation posted to a worker thread)", at: location)
                return
            }
        }
        let how = buffer & BufferBits.mdl != 0 ? "through its MDL (MmGetSystemAddressForMdlSafe)"
            : buffer & BufferBits.system != 0 ? "directly (a system buffer)" : "through its user-space address, in the originator's thread"
        note(operation, actor, "\(name): touches the data buffer of \(request.label) \(how)", at: location)
        advance(to: frame.pc + 1)
    }

    /// FltLockUserBuffer (Q5, Q6): an IRQL <= APC_LEVEL call that locks the buffer's pages and gives
    /// it an MDL. It fails only with STATUS_INSUFFICIENT_RESOURCES (a pool allocation failure), so
    /// only when it has an MDL to allocate; a buffer with one already is locked: STATUS_SUCCESS.
    private mutating func lockUserBuffer(_ frame: CodeFrame, name: String, failureTarget: Int, at location: SourceLocation) {
        let operation = frame.operation
        guard operation >= 0 else {
            fail(.modelIntegrity, "\(name) calls FltLockUserBuffer but runs for no operation", at: location)
            return
        }
        let request = program.requests[operation]
        let buffer = state.operations[operation].buffer
        guard buffer != 0 else {
            fail(.modelIntegrity, "\(name) calls FltLockUserBuffer for \(request.label), but IRP_MJ_\(request.major.rawValue) carries no data buffer (it returns STATUS_INVALID_PARAMETER)", at: location)
            return
        }
        if currentIrql >= 2 {
            fail(.postOpDispatchSafe, "\(name) calls FltLockUserBuffer(\(request.label)) at DISPATCH_LEVEL (\(irqlContext(frame))): it is called at IRQL <= APC_LEVEL", at: location)
            return
        }
        guard allowedWhileDraining(frame, "FltLockUserBuffer(\(request.label))", at: location) else { return }
        if buffer & BufferBits.mdl != 0 {
            note(operation, actor, "\(name): FltLockUserBuffer(\(request.label)) → STATUS_SUCCESS (\(BufferBits.text(buffer)): already locked)", at: location)
            advance(to: frame.pc + 1)
            return
        }
        if choose(2) == 1 {
            note(operation, actor, "\(name): FltLockUserBuffer(\(request.label)) → STATUS_INSUFFICIENT_RESOURCES: no MDL could be allocated", at: location)
            advance(to: failureTarget)
            return
        }
        let locked = buffer | BufferBits.mdl
        state.operations[operation].buffer = locked
        note(operation, actor, "\(name): FltLockUserBuffer(\(request.label)) → STATUS_SUCCESS: the buffer is locked and has an MDL", at: location,
             changes: ["\(request.label) buffer: \(BufferBits.text(buffer)) → \(BufferBits.text(locked))"])
        advance(to: frame.pc + 1)
    }

    /// FltCheckOplock (D:oplock): go on, or the oplock package takes the operation for a break and
    /// the WaitCompletionRoutine resumes it later (O1, O2), or it fails with IoStatus set (O4).
    private mutating func checkOplock(_ operation: Int, routine: Int?, filter: Int, name: String, pc: Int, pendingTarget: Int, completeTarget: Int, at location: SourceLocation) {
        let request = program.requests[operation]
        if state.frames(of: thread).contains(where: { frame in
            if case .code(let code) = frame { program.model.workItems.indices.contains { program.workItemCode[$0] == code.code && program.model.workItems[$0].kind == .oplockWaitCompletion } } else { false }
        }) {
            // O5: it deadlocks if the break completes before FltCheckOplock returns.
            fail(.noRecursiveCheckOplock, "\(name) calls FltCheckOplock from inside an oplock WaitCompletionRoutine", at: location)
            return
        }
        // O3: with no WaitCompletionRoutine the call waits for the break rather than pending.
        let canPend = routine != nil && request.isIrp
        let outcome = choose(canPend ? 3 : 2)
        switch outcome {
        case 0:
            note(operation, actor, "\(name): FltCheckOplock(\(request.label)) → FLT_PREOP_SUCCESS_WITH_CALLBACK", at: location)
            advance(to: pc + 1)
        case 1:
            state.operations[operation].status = NTStatus.insufficientResources.value
            state.operations[operation].statusTerm = -1
            state[slot: operation, filter].oplockComplete = true
            note(operation, actor, "\(name): FltCheckOplock(\(request.label)) → FLT_PREOP_COMPLETE, IoStatus \(NTStatus.insufficientResources)", at: location)
            advance(to: completeTarget)
        default:
            guard let routine else { return }
            state[slot: operation, filter].oplockPending = true
            note(operation, actor, "\(name): FltCheckOplock(\(request.label)) → FLT_PREOP_PENDING: the oplock package owns it until the break completes", at: location)
            advance(to: pendingTarget)
            state.addThread(role: .oplockBreak(operation: operation), frames: [.dispatch(operation: operation, step: .oplockBreak(routine: routine))])
        }
    }

    /// C8 (D:cbdqinit): with a mutex or resource as the queue lock, FltCbdq* calls need IRQL <= APC.
    private mutating func cbdqIrqlAllowed(_ queue: Int, _ call: @autoclosure () -> String, _ frame: CodeFrame, at location: SourceLocation) -> Bool {
        let lock = program.model.queues[queue].lock
        guard lock != .spinLock, currentIrql >= 2 else { return true }
        fail(.cbdqLockDiscipline, "\(call())(\(program.queues[queue].name)) at DISPATCH_LEVEL (\(irqlContext(frame))), but the queue's lock is a \(lock == .fastMutex ? "fast mutex" : "resource"): FltCbdq* calls must be at IRQL <= APC_LEVEL", at: location)
        return false
    }

    /// What FltObjectReference / FltObjectDereference name, for messages.
    private static func objectName(_ program: Program, _ filter: Int, _ target: RundownTarget) -> String {
        "\(program.filters[filter].name)'s \(target == .instance ? "instance" : "filter object")"
    }

    /// Why the thread is at its IRQL, for messages.
    private func irqlContext(_ frame: CodeFrame) -> String {
        if let spin = state.held(of: thread).first(where: { program.model.locks[$0].kind == .spinLock }) {
            return "holding spin lock \(program.model.locks[spin].name)"
        }
        return "a post-operation callback may be called at DISPATCH_LEVEL in an arbitrary thread (Q5)"
    }

    /// Whether a branch is the head of a `While` (its else target follows a jump back to it).
    private func isLoop(_ elseTarget: Int, _ pc: Int, _ frame: CodeFrame) -> Bool {
        let instructions = program.code[frame.code].instructions
        guard elseTarget > 0, elseTarget - 1 < instructions.count, case .jump(let back) = instructions[elseTarget - 1] else { return false }
        return back == pc
    }

    private mutating func assign(_ new: Int, to variable: Int, in name: String, at location: SourceLocation, operation: Int?, showing shown: @autoclosure () -> String) {
        guard fits(new, variable) else {
            fail(.modelIntegrity, "\(semantics.variableName(variable)) = \(new) is outside its declared type", at: location)
            return
        }
        let old = semantics.value(of: variable, in: thread, state)
        if let slot = program.localSlot[variable] {
            while state.localCount(of: thread) <= slot {
                let pending = state.localCount(of: thread)
                state.appendLocal(semantics.initialValue(of: program.localSlot.firstIndex(of: pending) ?? variable), of: thread)
            }
            state.setLocal(slot, of: thread, to: new)
        } else {
            state.variables[variable] = new
        }
        note(operation, actor, "\(name): \(semantics.variableName(variable)) = \(shown())", at: location,
             changes: old == new ? [] : ["\(semantics.variableName(variable)): \(semantics.format(old, of: variable)) → \(semantics.format(new, of: variable))"])
    }

    /// Q3: a post-op called with DRAINING may only clean up; it hands nothing on.
    private mutating func allowedWhileDraining(_ frame: CodeFrame, _ call: @autoclosure () -> String, at location: SourceLocation) -> Bool {
        guard state.frames(of: thread).contains(where: { if case .code(let outer) = $0 { outer.draining } else { false } }) else { return true }
        fail(.drainingCleanupOnly, "\(call()) is called from a post-operation callback running with FLTFL_POST_OPERATION_DRAINING, which may only clean up", at: location)
        return false
    }

    /// T6: nothing is resumed, queued or touched on an instance once its teardown complete has begun.
    private mutating func instanceUsable(_ filter: Int, _ what: @autoclosure () -> String, at location: SourceLocation) -> Bool {
        switch state.instances[filter] {
        case .notAttached, .attached, .tearingDown: return true
        case .completing, .tornDown:
            fail(.noResumeAfterTeardownComplete, "\(what()) on \(program.filters[filter].name)'s instance after its InstanceTeardownComplete began", at: location)
            return false
        }
    }

    private func fits(_ value: Int, _ variable: Int) -> Bool {
        switch program.model.variables[variable].type {
        case .bool: value == 0 || value == 1
        case .enumeration(let cases): cases.indices.contains(value)
        case .int(let min, let max): value >= min && value <= max
        case .operation: value >= 0 && value <= program.requests.count
        case .bitVector: true
        }
    }

    // MARK: FltMgr: pre-operation returns

    private mutating func returnFromPre(_ outcome: PreOutcome, operation: Int, filter: Int, wroteStatus: Bool, at location: SourceLocation) {
        let request = program.requests[operation]
        let filterName = program.filters[filter].name
        var slot = state[slot: operation, filter]
        switch outcome {
        case .successWithCallback, .synchronize: break
        default:
            if slot.completionContext {
                // P2 (S2, V:ann): *CompletionContext stays NULL unless the post-op will get it.
                fail(.completionCtxNullUnlessCallback, "\(filterName) set *CompletionContext for \(request.label) but returned \(outcome); the post-op that would free it never runs", at: location)
                return
            }
        }
        if wroteStatus, !isCompletion(outcome) {
            // P14 (D:cbd): IoStatus is written only by a pre-op about to complete the operation.
            fail(.ioStatusWriteWindow, "\(filterName) wrote IoStatus of \(request.label) and then returned \(outcome), not FLT_PREOP_COMPLETE", at: location)
            return
        }
        if slot.modifiedNotDirty, outcome != .pending, !isCompletion(outcome) {
            // P15 (I:modify, D:dirty): without FltSetCallbackDataDirty the change is ignored.
            fail(.setDirtyAfterModify, "\(filterName) changed the parameters of \(request.label) and passes it on without FltSetCallbackDataDirty: the change is ignored", at: location)
            return
        }
        if slot.retargeted, case .complete = outcome {
            // P16 (I:modify; Filter Verifier): an operation whose TargetInstance/TargetFileObject the
            // filter changed is not then completed by it.
            fail(.noRetargetThenComplete, "\(filterName) changed the target instance/file object of \(request.label) and then completed it (\(outcome))", at: location)
            return
        }
        if outcome == .synchronize, let minor = request.minor, minor.cannotBeSynchronized {
            // P12 (I:sync): these operations can stay pending indefinitely; FLT_PREOP_SYNCHRONIZE
            // cannot be returned for them. The pattern is reported; the endless wait is not modelled.
            fail(.noSyncForbiddenOps, "\(filterName) returns FLT_PREOP_SYNCHRONIZE for \(request.label) (\(minor)), which cannot be synchronized: it can stay pending indefinitely", at: location)
            return
        }
        if slot.oplockPending && outcome != .pending {
            // O1: FLT_PREOP_PENDING from FltCheckOplock means the oplock package owns the operation.
            fail(.oplockPendingIsHandoff, "FltCheckOplock returned FLT_PREOP_PENDING for \(request.label), but \(filterName)'s pre-op returned \(outcome)", at: location)
            return
        }
        if slot.oplockComplete {
            if case .complete = outcome {} else {
                // O4: FLT_PREOP_COMPLETE from FltCheckOplock: IoStatus holds the failure; complete it.
                fail(.oplockCompleteMeansComplete, "FltCheckOplock returned FLT_PREOP_COMPLETE for \(request.label), but \(filterName)'s pre-op returned \(outcome)", at: location)
                return
            }
        }
        if slot.preResumedEarly && outcome != .pending {
            // R8 allows a resume before the pre-op returns only when the pre-op then returns PENDING.
            fail(.resumeOnlyWhatYouPended, "FltCompletePendedPreOperation resumed \(request.label) while \(filterName)'s pre-op was running, but the pre-op returned \(outcome), not FLT_PREOP_PENDING: the operation was never pended and is now processed twice", at: location)
            return
        }
        switch outcome {
        case .successNoCallback:
            slot.pre = .returned
            state[slot: operation, filter] = slot
            setTop(.dispatch(operation: operation, step: .preDown(filter + 1)))
        case .successWithCallback:
            guard requirePostOperation(filter, operation, "returned FLT_PREOP_SUCCESS_WITH_CALLBACK", at: location) else { return }
            slot.pre = .returned
            slot.postOwed = true
            state[slot: operation, filter] = slot
            setTop(.dispatch(operation: operation, step: .preDown(filter + 1)))
        case .synchronize:
            guard requirePostOperation(filter, operation, "returned FLT_PREOP_SYNCHRONIZE", at: location) else { return }
            if request.major == .create {
                // P10 (S2, I:sync): FltMgr already synchronizes creates.
                warn(.noSyncCreate, "\(filterName) returns FLT_PREOP_SYNCHRONIZE for \(request.label): post-create already runs at PASSIVE_LEVEL in the originating thread; use SUCCESS_WITH_CALLBACK", at: location)
            }
            if !request.isIrp {
                warn(.syncNonIrpDegrades, "\(filterName) returns FLT_PREOP_SYNCHRONIZE for \(request.label), which is not IRP-based: FltMgr treats it as SUCCESS_WITH_CALLBACK", at: location)
            }
            if request.isIrp && !request.synchronous && (request.major == .read || request.major == .write) {
                // P11 (S2, I:sync): can deadlock, e.g. when the modified page writer is blocked.
                fail(.noSyncAsyncReadWrite, "\(filterName) returns FLT_PREOP_SYNCHRONIZE for asynchronous \(request.label): check FltIsOperationSynchronous first", at: location)
                return
            }
            if let lock = state.held(of: thread).first {
                // P13 (I:sync): a lock held from the pre-op to the post-op can deadlock, and a
                // drained post-op runs on another thread.
                fail(.noLockAcrossSync, "\(filterName) returned FLT_PREOP_SYNCHRONIZE for \(request.label) while holding \(program.model.locks[lock].name)", at: location)
                return
            }
            slot.pre = .returned
            slot.postOwed = true
            if request.isIrp {
                // I:sync, Q12: FltMgr waits in this thread and calls the post-op here.
                slot.synchronized = true
                state[slot: operation, filter] = slot
                setTop(.dispatch(operation: operation, step: .waitSync(filter)))
                push(.dispatch(operation: operation, step: .preDown(filter + 1)))
            } else {
                // P9: on a non-IRP operation SYNCHRONIZE is treated as SUCCESS_WITH_CALLBACK.
                note(operation, "FltMgr", "treats FLT_PREOP_SYNCHRONIZE on non-IRP \(request.label) as FLT_PREOP_SUCCESS_WITH_CALLBACK (P9)", at: location)
                state[slot: operation, filter] = slot
                setTop(.dispatch(operation: operation, step: .preDown(filter + 1)))
            }
        case .pending:
            if !request.isIrp {
                fail(.pendOnlyIrp, "\(filterName) returned FLT_PREOP_PENDING for \(request.label), which is \(request.kind == .fastIo ? "fast I/O" : "not IRP-based")", at: location)
                return
            }
            if slot.queueFailed && !slot.preResumedEarly && !handedOff(operation, by: filter) {
                fail(.handleDeferredQueueFailure, "\(filterName) returned FLT_PREOP_PENDING for \(request.label) after FltQueueDeferredIoWorkItem failed: nothing will resume it", at: location)
                return
            }
            if slot.insertFailed && !slot.preResumedEarly && !handedOff(operation, by: filter) {
                fail(.cbdqInsertResultConsistency, "\(filterName) returned FLT_PREOP_PENDING for \(request.label) after FltCbdqInsertIo failed: it is in no queue and nothing will resume it", at: location)
                return
            }
            slot.pre = slot.preResumedEarly ? .resumed : .pended
            state[slot: operation, filter] = slot
            // S1: FltMgr returns STATUS_PENDING to the caller; the filter now owns the operation.
            pop()
        case .complete(let status):
            guard checkCompletionStatus(status, operation, filterName, "FLT_PREOP_COMPLETE", at: location) else { return }
            slot.pre = .returned
            state[slot: operation, filter] = slot
            state.operations[operation].status = status.value
            state.operations[operation].statusTerm = -1
            // P6: nothing goes further down, and only the filters above get their post-ops.
            setTop(.dispatch(operation: operation, step: .postUp(filter)))
        case .disallowFastIo:
            if request.kind != .fastIo {
                fail(.disallowFastIoOnlyFastIo, "\(filterName) returned FLT_PREOP_DISALLOW_FASTIO for \(request.label), which is not fast I/O", at: location)
                return
            }
            slot.pre = .returned
            state[slot: operation, filter] = slot
            // P7: FltMgr sets the status; P6: only the post-ops of the filters above run.
            state.operations[operation].status = NTStatus.fltDisallowFastIo.value
            state.operations[operation].statusTerm = -1
            setTop(.dispatch(operation: operation, step: .postUp(filter)))
        }
    }

    private func isCompletion(_ outcome: PreOutcome) -> Bool {
        switch outcome {
        case .complete, .disallowFastIo: true
        default: false
        }
    }

    /// P3: SUCCESS_WITH_CALLBACK and SYNCHRONIZE need a registered post-op for the major function.
    private mutating func requirePostOperation(_ filter: Int, _ operation: Int, _ what: @autoclosure () -> String, at location: SourceLocation) -> Bool {
        let major = program.requests[operation].major
        if program.filters[filter].post[major] != nil { return true }
        fail(.callbackRequiresPostOp, "\(program.filters[filter].name) \(what()) for \(program.requests[operation].label) but registers no post-operation callback for IRP_MJ_\(major.rawValue) (bug check 0xF5, P1=0x66)", at: location)
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

    private mutating func returnFromPost(_ outcome: PostOutcome, operation: Int, filter: Int, draining: Bool, wroteStatus: Bool = false, at location: SourceLocation) {
        let request = program.requests[operation]
        let filterName = program.filters[filter].name
        var slot = state[slot: operation, filter]
        if draining {
            // Q3 (D:post, I:drain): a drained post-op cleans up and returns FINISHED_PROCESSING;
            // FltMgr then goes on with the teardown (the frame below).
            if outcome == .moreProcessingRequired {
                fail(.drainingCleanupOnly, "\(filterName) returned FLT_POSTOP_MORE_PROCESSING_REQUIRED for \(request.label) while draining (FLTFL_POST_OPERATION_DRAINING): only FLT_POSTOP_FINISHED_PROCESSING is allowed", at: location)
                return
            }
            slot.post = .finished
            state[slot: operation, filter] = slot
            return
        }
        if slot.postResumedEarly && outcome != .moreProcessingRequired {
            fail(.resumeOnlyWhatYouPended, "FltCompletePendedPostOperation resumed \(request.label) while \(filterName)'s post-op was running, but the post-op returned \(outcome): completion now runs twice", at: location)
            return
        }
        if outcome == .finishedProcessing {
            if wroteStatus, !postFailureValid(operation, filter, by: "\(filterName)'s post-op", at: location) { return }
            if slot.cancelledFileOpen, !cancelledCreateFails(operation, filterName, at: location) { return }
        }
        switch outcome {
        case .finishedProcessing:
            slot.post = .finished
            state[slot: operation, filter] = slot
            setTop(.dispatch(operation: operation, step: .postUp(filter)))
        case .moreProcessingRequired:
            if wroteStatus {
                // P14 (D:cbd): a post-op writes IoStatus only when about to return FINISHED_PROCESSING.
                fail(.ioStatusWriteWindow, "\(filterName) wrote IoStatus of \(request.label) and then returned FLT_POSTOP_MORE_PROCESSING_REQUIRED", at: location)
                return
            }
            if slot.queueFailed && !slot.postResumedEarly && !handedOff(operation, by: filter) {
                fail(.handleDeferredQueueFailure, "\(filterName) returned FLT_POSTOP_MORE_PROCESSING_REQUIRED for \(request.label) after FltQueueDeferredIoWorkItem failed: nothing will resume it", at: location)
                return
            }
            if !request.isIrp {
                fail(.moreProcessingOnlyWhenPosted, "\(filterName) returned FLT_POSTOP_MORE_PROCESSING_REQUIRED for \(request.label), which is not IRP-based", at: location)
                return
            }
            if !slot.queuedWorkItem && !slot.postResumedEarly && !handedOff(operation, by: filter) {
                fail(.moreProcessingOnlyWhenPosted, "\(filterName) returned FLT_POSTOP_MORE_PROCESSING_REQUIRED for \(request.label) without posting it: no work item was queued for it and the filter kept no handle to it", at: location)
                return
            }
            slot.post = slot.postResumedEarly || slot.post == .resumed ? .resumed : .pended
            state[slot: operation, filter] = slot
            // D:post: completion stops here until FltCompletePendedPostOperation.
            pop()
        }
    }

    /// Whether the filter handed the operation to something that will resume it (R6): a work item
    /// queued for it in the running callback, one of its cancel-safe queues, or one of its operation
    /// variables (its own hand-rolled queue). Q1 and W2 accept a pend only then.
    private func handedOff(_ operation: Int, by filter: Int) -> Bool {
        if state[slot: operation, filter].queuedWorkItem || state[slot: operation, filter].oplockPending { return true }
        if state.queues.indices.contains(where: { program.queues[$0].filter == filter && state.queues[$0].items.contains(operation) }) {
            return true
        }
        let owner = program.filters[filter].name
        return program.model.variables.indices.contains { index in
            let variable = program.model.variables[index]
            if case .operation = variable.type, variable.owner == owner || variable.owner == nil {
                if program.localSlot[index] != nil {
                    return state.threads.indices.contains { semantics.value(of: index, in: $0, state) == operation + 1 }
                }
                return state.variables[index] == operation + 1
            }
            return false
        }
    }

    // MARK: FltMgr: resuming

    /// C11: an operation with a cancel routine set is completed only by that routine, or after
    /// FltClearCancelCompletion.
    private mutating func cancelRoutineCleared(_ operation: Int, _ call: @autoclosure () -> String, at location: SourceLocation?) -> Bool {
        let routine = state.operations[operation].cancelRoutine
        guard routine >= 0 else { return true }
        let insideRoutine = state.frames(of: thread).contains { frame in
            if case .code(let code) = frame { code.code == program.workItemCode[routine] && code.operation == operation } else { false }
        }
        if insideRoutine { return true }
        fail(.clearCancelBeforeComplete, "\(call()) for \(label(operation)) while its cancel routine \(program.model.workItems[routine].name) is still set: call FltClearCancelCompletion first", at: location)
        return false
    }

    private mutating func completePendedPre(_ operation: Int, _ outcome: PreOutcome, filter: Int, wroteStatus: Bool, at location: SourceLocation) {
        let request = program.requests[operation]
        let filterName = program.filters[filter].name
        guard cancelRoutineCleared(operation, "FltCompletePendedPreOperation", at: location) else { return }
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
        var slot = state[slot: operation, filter]
        if wroteStatus, !isCompletion(outcome) {
            fail(.ioStatusWriteWindow, "\(filterName) wrote IoStatus of \(request.label) and then resumes it with \(outcome), not FLT_PREOP_COMPLETE", at: location)
            return
        }
        if slot.modifiedNotDirty, !isCompletion(outcome) {
            fail(.setDirtyAfterModify, "\(filterName) changed the parameters of \(request.label) and resumes it without FltSetCallbackDataDirty: the change is ignored", at: location)
            return
        }
        if slot.retargeted, case .complete = outcome {
            // P16: completing a retargeted operation, here from the code that resumes it.
            fail(.noRetargetThenComplete, "\(filterName) changed the target instance/file object of \(request.label) and then completed it with FltCompletePendedPreOperation(\(outcome))", at: location)
            return
        }
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
            } else if let other = (0..<program.filters.count).first(where: { state[slot: operation, $0].pre == .pended }) {
                why = "it is pended by \(program.filters[other].name), not by \(filterName)"
            } else if slot.post == .pended {
                why = "it is pended in \(filterName)'s post-op (use FltCompletePendedPostOperation)"
            } else {
                why = "\(filterName)'s pre-op did not return FLT_PREOP_PENDING for it"
            }
            fail(.resumeOnlyWhatYouPended, "FltCompletePendedPreOperation(\(request.label)) by \(filterName), but \(why)", at: location)
            return
        }
        state[slot: operation, filter] = slot
        // D:cpre: FltMgr continues the operation in the caller's thread, as if the pre-op had
        // returned this status.
        switch outcome {
        case .successWithCallback:
            state[slot: operation, filter].postOwed = true
            push(.dispatch(operation: operation, step: .preDown(filter + 1)))
        case .complete(let status):
            state.operations[operation].status = status.value
            state.operations[operation].statusTerm = -1
            push(.dispatch(operation: operation, step: .postUp(filter)))
        default:
            push(.dispatch(operation: operation, step: .preDown(filter + 1)))
        }
    }

    private mutating func completePendedPost(_ operation: Int, filter: Int, at location: SourceLocation) {
        let request = program.requests[operation]
        let filterName = program.filters[filter].name
        guard cancelRoutineCleared(operation, "FltCompletePendedPostOperation", at: location) else { return }
        var slot = state[slot: operation, filter]
        switch slot.post {
        case .pended:
            slot.post = .resumed
        case .running where !slot.postResumedEarly && !slot.drained:
            slot.postResumedEarly = true
        case .running where slot.drained:
            fail(.resumeOnlyWhatYouPended, "FltCompletePendedPostOperation(\(request.label)) by \(filterName) while its post-op runs drained (FLTFL_POST_OPERATION_DRAINING): a drained post-op can never pend", at: location)
            return
        case .resumed, .running:
            fail(.noDoubleCompletion, "\(request.label) was already resumed from \(filterName)'s post-op: FltCompletePendedPostOperation is called twice for it", at: location)
            return
        case .notCalled, .finished:
            fail(.resumeOnlyWhatYouPended, "FltCompletePendedPostOperation(\(request.label)) by \(filterName), but its post-op \(slot.post == .notCalled ? "has not been called for it" : "returned FLT_POSTOP_FINISHED_PROCESSING")", at: location)
            return
        }
        state[slot: operation, filter] = slot
        // D:cpost: completion continues up the stack in the caller's thread.
        push(.dispatch(operation: operation, step: .postUp(filter)))
    }

    private mutating func queueDeferred(_ item: Int, for operation: Int, filter: Int, name: String, pc: Int, failureTarget: Int, at location: SourceLocation) {
        let request = program.requests[operation]
        let itemName = program.model.workItems[item].name
        // W1 (D:qdef): FltQueueDeferredIoWorkItem fails for non-IRP operations, paging I/O and a set
        // TopLevelIrp (STATUS_FLT_NOT_SAFE_TO_POST_OPERATION), and once the instance is being torn
        // down (STATUS_FLT_DELETING_OBJECT).
        var failure: (NTStatus, String)?
        if !request.isIrp {
            failure = (.fltNotSafeToPostOperation, "not IRP-based")
        } else if request.paging {
            failure = (.fltNotSafeToPostOperation, "paging I/O")
        } else if request.topLevelIrp {
            failure = (.fltNotSafeToPostOperation, "TopLevelIrp is set")
        } else if state.instances[filter] != .attached {
            failure = (.fltDeletingObject, "the instance is being torn down")
        }
        if let (status, reason) = failure {
            state[slot: operation, filter].queueFailed = true
            note(operation, actor, "\(name): FltQueueDeferredIoWorkItem(\(itemName), \(request.label)) fails with \(status) (\(reason))", at: location)
            advance(to: failureTarget)
            return
        }
        state[slot: operation, filter].queueFailed = false
        state[slot: operation, filter].queuedWorkItem = true
        note(operation, actor, "\(name): FltQueueDeferredIoWorkItem(\(itemName), \(request.label)) succeeds", at: location)
        advance(to: pc + 1)
        state.addThread(
            role: .worker(workItem: item, operation: operation),
            frames: [.code(CodeFrame(code: program.workItemCode[item], pc: 0, operation: operation, filter: program.workItemFilter[item]))])
    }

    private mutating func cbdqInsert(_ queue: Int, _ operation: Int, statusVariable: Int?, filter: Int, name: String, pc: Int, failureTarget: Int, at location: SourceLocation) {
        let request = program.requests[operation]
        let queueName = program.queues[queue].name
        if !request.isIrp {
            // C2 (D:cbdqinit, D:cbdqins): cancel-safe queues hold IRP-based operations only.
            fail(.cbdqIrpOnly, "FltCbdqInsertIo(\(queueName), \(request.label)): \(request.label) is \(request.kind == .fastIo ? "fast I/O" : "not IRP-based")", at: location)
            return
        }
        let status: NTStatus = state.queues[queue].enabled ? program.queues[queue].insertStatus : .fltCbdqDisabled
        if let statusVariable {
            assign(Int(status.value), to: statusVariable, in: name, at: location, operation: operation, showing: "FltCbdqInsertIo(\(queueName), \(request.label)) → \(status)")
            if violation != nil { return }
        } else {
            note(operation, actor, "\(name): FltCbdqInsertIo(\(queueName), \(request.label)) → \(status)", at: location)
        }
        guard state.queues[queue].enabled else {
            // C3: a disabled queue refuses the insert with STATUS_FLT_CBDQ_DISABLED.
            state[slot: operation, filter].insertFailed = true
            advance(to: failureTarget)
            return
        }
        state[slot: operation, filter].insertFailed = false
        advance(to: pc + 1)
        if state.operations[operation].cancelled {
            // C4 (D:cbdqins): an operation already cancelled goes to the cancel callback at once, in
            // this thread, possibly before the pre-op returns (an instance of R8).
            note(operation, "FltMgr", "\(request.label) is already cancelled: FltMgr removes it from \(queueName) and calls the cancel callback now (C4)", at: location)
            startCancelCallback(queue, operation)
        } else {
            state.queues[queue].items.append(operation)
        }
    }

    /// Runs a queue's CbdqCompleteCanceledIo for an operation FltMgr has just taken out of it.
    private mutating func startCancelCallback(_ queue: Int, _ operation: Int) {
        push(.dispatch(operation: operation, step: .inCancelCallback(queue: queue)))
        push(called(program.queues[queue].cancelCode, operation: operation, filter: program.queues[queue].filter))
    }

    // MARK: FltMgr: dispatch

    private mutating func dispatch(_ operation: Int, _ step: DispatchStep) {
        let request = program.requests[operation]
        switch step {
        case .issue:
            state.operations[operation].stage = .inFlight
            // Built only for a trace (`note` takes it lazily).
            let flags = { [request.kind == .fastIo ? "fast I/O" : "IRP", request.synchronous ? "synchronous" : "asynchronous"]
                + (request.paging ? ["paging"] : []) + (request.topLevelIrp ? ["TopLevelIrp set"] : [])
                + (request.cancellable ? ["cancellable"] : []) + (request.minor.map { [$0.rawValue] } ?? []) }
            // Q6: the buffer the originator passed, one of the kinds the request may carry (each is
            // explored); nothing when the model does not look at buffers.
            var buffer = ""
            if !request.buffers.isEmpty {
                let kind = request.buffers.count == 1 ? request.buffers[0] : request.buffers[choose(request.buffers.count)]
                state.operations[operation].buffer = BufferBits.of(kind)
                buffer = ", with \(kind)"
            }
            note(operation, actor, "issues \(request.label) (\(flags().joined(separator: ", ")))\(buffer)")
            setTop(.dispatch(operation: operation, step: .preDown(0)))
            if request.cancellable {
                state.addThread(role: .canceller(operation: operation), frames: [.dispatch(operation: operation, step: .cancel)])
            }
        case .preDown(let from):
            // Pre-ops are called down the stack in altitude order (S0, S3). A filter with only a
            // post-op registered for the major function gets that post-op (D:opreg).
            guard let filter = (from..<program.filters.count).first(where: {
                program.filters[$0].pre[request.major] != nil || program.filters[$0].post[request.major] != nil
            }) else {
                setTop(.dispatch(operation: operation, step: .fileSystem))
                return
            }
            if state.instances[filter] == .notAttached {
                note(operation, "FltMgr", "skips \(program.filters[filter].name) for \(request.label): it has no instance (its DriverEntry did not start filtering)")
                setTop(.dispatch(operation: operation, step: .preDown(filter + 1)))
                return
            }
            if state.instances[filter] != .attached {
                // T5 (D:teardown): once teardown has started, FltMgr calls no callbacks of the
                // instance for operations that have not reached it yet.
                note(operation, "FltMgr", "skips \(program.filters[filter].name) for \(request.label): its instance is being torn down (T5)")
                setTop(.dispatch(operation: operation, step: .preDown(filter + 1)))
                return
            }
            guard let code = program.filters[filter].pre[request.major] else {
                state[slot: operation, filter].postOwed = true
                setTop(.dispatch(operation: operation, step: .preDown(filter + 1)))
                return
            }
            var slot = state[slot: operation, filter]
            slot.pre = .running
            slot.queuedWorkItem = false
            slot.queueFailed = false
            slot.insertFailed = false
            slot.oplockPending = false
            slot.oplockComplete = false
            slot.completionContext = false
            slot.modifiedNotDirty = false
            slot.retargeted = false
            state[slot: operation, filter] = slot
            setTop(.dispatch(operation: operation, step: .inPre(filter)))
            push(called(code, operation: operation, filter: filter))
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
                state.addThread(role: .fileSystem(operation: operation), frames: [.dispatch(operation: operation, step: .fileSystemCompletes)])
                pop()
            }
        case .fileSystemCompletes:
            completeInFileSystem(operation)
        case .postUp(let below):
            // Post-ops run back up the stack in reverse order, for the filters that asked (S0); a
            // filter whose post-op was drained at teardown is not called again (I:drain).
            guard let filter = (0..<below).reversed().first(where: {
                let slot = state[slot: operation, $0]
                // A drained SYNCHRONIZE'd filter still has a thread waiting to carry completion on;
                // a reissue (Q11) ends at the filter that reissued it.
                return slot.postOwed || slot.synchronized && slot.drained || slot.reissuing
            }) else {
                completeToOriginator(operation)
                return
            }
            var slot = state[slot: operation, filter]
            if slot.reissuing {
                // D:reissue: the reissued operation went only to the instances below the reissuing
                // one; its completion stops here and FltReissueSynchronousIo returns to its caller.
                slot.reissuing = false
                slot.syncSignalled = true
                state[slot: operation, filter] = slot
                note(operation, "FltMgr", "the reissued \(request.label) has completed below \(program.filters[filter].name): its FltReissueSynchronousIo returns")
                pop()
                return
            }
            if slot.synchronized {
                // Q12: the post-op of a SYNCHRONIZE'd filter runs in the thread that waits in its
                // pre-op; that thread also carries completion on up the stack.
                slot.syncSignalled = true
                slot.postOwed = false
                state[slot: operation, filter] = slot
                note(operation, "FltMgr", "wakes the thread waiting after \(program.filters[filter].name)'s FLT_PREOP_SYNCHRONIZE for \(request.label)")
                pop()
                return
            }
            slot.postOwed = false
            state[slot: operation, filter] = slot
            startPost(operation, filter, synchronized: false)
        case .waitSync(let filter):
            state[slot: operation, filter].syncSignalled = false
            if state[slot: operation, filter].drained {
                // Q12: the post-op was drained on the teardown thread; completion just goes on up.
                setTop(.dispatch(operation: operation, step: .postUp(filter)))
            } else {
                startPost(operation, filter, synchronized: true)
            }
        case .reissue(let filter):
            // Q11: woken by the completion walk (postUp); the post-op goes on with the new result.
            state[slot: operation, filter].syncSignalled = false
            pop()
        case .cancel:
            // The originator cancels (IoCancelIrp). A queued operation is taken out of its cancel-safe
            // queue and handed to the queue's cancel callback in this thread (C5, D:cbdqinit).
            state.operations[operation].cancelled = true
            note(operation, actor, "cancels \(request.label) (IoCancelIrp)")
            pop()
            let routine = state.operations[operation].cancelRoutine
            if routine >= 0 {
                // D:setcancel: FltMgr calls the cancel routine in the cancelling thread, once.
                let filter = state.operations[operation].cancelRoutineFilter
                note(operation, "FltMgr", "calls the cancel routine \(program.model.workItems[routine].name) of \(request.label)")
                push(.dispatch(operation: operation, step: .inCancelRoutine))
                push(called(program.workItemCode[routine], operation: operation, filter: filter))
                return
            }
            if let queue = state.queues.indices.first(where: { state.queues[$0].items.contains(operation) }) {
                state.queues[queue].items.removeAll { $0 == operation }
                note(operation, "FltMgr", "removes \(request.label) from \(program.queues[queue].name) and calls its cancel callback")
                startCancelCallback(queue, operation)
            }
        case .inCancelCallback(let queue):
            // C5: CbdqCompleteCanceledIo must complete the operation it was given.
            let filter = program.queues[queue].filter
            let slot = state[slot: operation, filter]
            if slot.pre == .pended || slot.pre == .running && !slot.preResumedEarly {
                fail(.cbdqCancelCallbackCompletes, "\(program.queues[queue].name)'s cancel callback returned without completing \(request.label), which FltMgr had removed from the queue", at: program.code[program.queues[queue].cancelCode].locations.last)
                return
            }
            pop()
        case .oplockBreak(let routine):
            note(operation, actor, "the oplock break for \(request.label) completes: FltMgr calls \(program.model.workItems[routine].name)")
            setTop(.dispatch(operation: operation, step: .inOplockWaitCompletion))
            push(called(program.workItemCode[routine], operation: operation, filter: program.workItemFilter[routine]))
        case .inOplockWaitCompletion:
            // O2: the WaitCompletionRoutine resumes the operation it was given.
            let owner = (0..<program.filters.count).first { state[slot: operation, $0].oplockPending }
            if let owner {
                let slot = state[slot: operation, owner]
                if slot.pre == .pended || slot.pre == .running && !slot.preResumedEarly {
                    fail(.oplockWaitCompletionResumes, "the oplock WaitCompletionRoutine returned without resuming \(request.label)", at: nil)
                    return
                }
            }
            pop()
        case .inCancelRoutine:
            state.operations[operation].cancelRoutine = -1
            state.operations[operation].cancelRoutineFilter = -1
            pop()
        case .inPre, .inPost, .inPostedSafeCallback:
            // A callback frame is always above these; reaching one means a callback ended without a
            // Return, which validation rules out.
            fail(.modelIntegrity, "a callback for \(request.label) ended without returning a status", at: nil)
        }
    }

    private mutating func startPost(_ operation: Int, _ filter: Int, synchronized: Bool) {
        guard let code = program.filters[filter].post[program.requests[operation].major] else {
            fail(.callbackRequiresPostOp, "\(program.filters[filter].name) has no post-operation callback for \(label(operation))", at: nil)
            return
        }
        var slot = state[slot: operation, filter]
        slot.post = .running
        slot.queuedWorkItem = false
        slot.queueFailed = false
        state[slot: operation, filter] = slot
        setTop(.dispatch(operation: operation, step: .inPost(filter)))
        // Q5, Q12 (D:post, I:writepost): a post-op may be called at DISPATCH_LEVEL in an arbitrary
        // thread, unless the operation was synchronized, is a create, or is fast I/O.
        let request = program.requests[operation]
        var frame = called(code, operation: operation, filter: filter)
        if case .code(var post) = frame, !synchronized, request.isIrp, request.major != .create, post.irql < 2,
           program.irqlSensitive.contains(code), choose(2) == 1 {
            post.irql = 2
            note(operation, "FltMgr", "calls \(program.filters[filter].name)'s post-op for \(request.label) at DISPATCH_LEVEL")
            frame = .code(post)
        }
        push(frame)
    }

    private mutating func completeInFileSystem(_ operation: Int) {
        let request = program.requests[operation]
        if let data = semantics.data, let symbolic = semantics.requestParameter(operation, .status, data) {
            state.operations[operation].status = 0
            state.operations[operation].statusTerm = symbolic
            // Q9: whatever it is, the filter cannot count on Information being 0.
            state.operations[operation].information = true
            note(operation, "file system", "completes \(request.label) with \(data.render(symbolic)) (symbolic)")
            setTop(.dispatch(operation: operation, step: .postUp(program.filters.count)))
            return
        }
        let statuses = request.fileSystemStatuses
        let status = statuses.count == 1 ? statuses[0] : statuses[choose(statuses.count)]
        state.operations[operation].status = status.value
        state.operations[operation].statusTerm = -1
        // Q9 (I:failpost): a completion that is not an error carries Information (bytes
        // transferred, the create disposition); a failed one leaves it 0.
        state.operations[operation].information = !isError(status.value)
        note(operation, "file system", "completes \(request.label) with \(status)")
        setTop(.dispatch(operation: operation, step: .postUp(program.filters.count)))
    }

    private mutating func completeToOriginator(_ operation: Int) {
        let request = program.requests[operation]
        if state.operations[operation].stage == .completed {
            fail(.noDoubleCompletion, "\(request.label) completes to its originator a second time", at: nil)
            return
        }
        guard cancelRoutineCleared(operation, "completion to the originator", at: nil) else { return }
        state.operations[operation].stage = .completed
        note(operation, "FltMgr", "completes \(request.label) to its originator with \(semantics.statusText(state.operations[operation]))")
        pop()
        // A completed request can no longer be cancelled.
        for index in state.threads.indices where state.threads[index].role == .canceller(operation: operation) {
            if state.frames(of: index).elementsEqual(CollectionOfOne(.dispatch(operation: operation, step: .cancel))) { state.clearFrames(of: index) }
        }
    }

    // MARK: FltMgr: instance teardown

    /// Instance teardown (D:teardown, I:load): teardown start, draining of owed post-ops (I:drain),
    /// waiting for every pended operation (T4), then teardown complete.
    private mutating func teardown(_ filter: Int, _ step: TeardownStep) {
        let filterName = program.filters[filter].name
        switch step {
        case .begin:
            if program.filters[filter].manualDetach, state.threads[thread].role == .teardown(filter: filter),
               state.instances[filter] == .attached {
                // T9 (D:qteardown, I:load): a manual detach first asks InstanceQueryTeardown, which
                // may veto it; without that callback there is no manual detach. A dismount, or the
                // teardown FltUnregisterFilter does, asks nothing.
                guard let query = program.filters[filter].queryTeardown else {
                    note(nil, "FltMgr", "refuses to detach \(filterName): it registered no InstanceQueryTeardown callback (T9)")
                    pop()
                    return
                }
                note(nil, "FltMgr", "a manual detach of \(filterName)'s instance is requested: calls its InstanceQueryTeardown")
                push(called(query, operation: -1, filter: filter))
                return
            }
            startTeardown(filter)
        case .inStart:
            setTop(.teardown(filter: filter, step: .drain))
        case .drain:
            let candidates = semantics.drainableOperations(filter, state)
            if !candidates.isEmpty {
                let operation = candidates.count == 1 ? candidates[0] : candidates[choose(candidates.count)]
                // I:drain, D:post: the post-op of an operation still owed one is called now, with
                // FLTFL_POST_OPERATION_DRAINING, on this thread.
                var slot = state[slot: operation, filter]
                slot.postOwed = false
                slot.drained = true
                slot.post = .running
                state[slot: operation, filter] = slot
                note(operation, "FltMgr", "drains \(label(operation)): calls \(filterName)'s post-op with FLTFL_POST_OPERATION_DRAINING")
                if program.model.options.drainedStatus == .failureUntilCompleted, !semantics.completedBelow(operation, filter, state) {
                    // D:post gives a drained post-op a copy of the callback data; the docs do not say
                    // what its IoStatus is before the operation completes (I:drain). This option takes
                    // the delete sample's reading: a failure. The file system, or the lower filter
                    // that completes the operation, sets its real status later.
                    let old = state.operations[operation].status
                    state.operations[operation].status = NTStatus.unsuccessful.value
                    note(operation, "FltMgr", "\(label(operation)) has not been completed below \(filterName): the drained copy's IoStatus.Status is \(NTStatus.unsuccessful) (drainedStatus: .failureUntilCompleted)",
                         changes: old == NTStatus.unsuccessful.value ? [] : ["\(label(operation)).IoStatus.Status: \(NTStatus(old)) → \(NTStatus.unsuccessful)"])
                }
                guard let code = program.filters[filter].post[program.requests[operation].major] else {
                    fail(.callbackRequiresPostOp, "\(filterName) has no post-operation callback for \(label(operation))", at: nil)
                    return
                }
                // D:post: a drained post-op runs at IRQL <= APC_LEVEL.
                push(called(code, operation: operation, filter: filter, draining: true))
                return
            }
            // isBlocked keeps this thread waiting while operations are outstanding (T4).
            state.instances[filter] = .completing
            note(nil, "FltMgr", "every operation at \(filterName)'s instance is completed or drained: teardown completes")
            if let complete = program.filters[filter].teardownComplete {
                setTop(.teardown(filter: filter, step: .inComplete))
                push(called(complete, operation: -1, filter: filter))
            } else {
                finishTeardown(filter)
            }
        case .inComplete:
            finishTeardown(filter)
        }
    }

    private mutating func finishTeardown(_ filter: Int) {
        state.instances[filter] = .tornDown
        note(nil, "FltMgr", "\(program.filters[filter].name)'s instance is torn down")
        pop()
        checkContextsReleased(filter)
        // T7 (D:teardown): InstanceTeardownComplete closes every file the filter opened on the instance.
        if violation == nil, let file = openHandles(of: filter, .file).first {
            fail(.teardownCompleteClosesFiles, "\(program.filters[filter].name)'s instance is torn down with \(handleName(file)) still open: InstanceTeardownComplete must FltClose it", at: program.model.variables[file].location)
        }
    }

    // MARK: Filter-initiated I/O (C13, C14, T4)

    /// FltPerformAsynchronousIo (D:async, C14): the I/O is in flight and its completion callback will
    /// run on a worker once it completes, whether the call returns success or a failure (docs-ddi
    /// #672: a failure return does not prove the callback has not run). Both returns are explored.
    private mutating func performAsyncIo(_ io: Int, completion: Int, failureTarget: Int, _ frame: CodeFrame, name: String, at location: SourceLocation) {
        if currentIrql >= 2 {
            fail(.postOpDispatchSafe, "\(name) calls FltPerformAsynchronousIo(\(asyncIoName(io))) at DISPATCH_LEVEL (\(irqlContext(frame))): it is called at IRQL <= APC_LEVEL", at: location)
            return
        }
        guard state.variables[io] == AsyncIoState.idle.rawValue || state.variables[io] == AsyncIoState.done.rawValue else {
            let freed = state.variables[io] == AsyncIoState.freed.rawValue
            fail(.asyncIoCallbackAlwaysRuns, "\(name) calls FltPerformAsynchronousIo(\(asyncIoName(io))) while it is \(asyncIoStateText(io)): \(freed ? "the callback data was freed" : "the callback data is reused before its completion callback has returned")", at: location)
            return
        }
        setAsyncIo(io, .inFlight)
        state.addThread(
            role: .worker(workItem: completion, operation: -1),
            frames: [.code(CodeFrame(code: program.workItemCode[completion], pc: 0, operation: -1, filter: program.workItemFilter[completion]))])
        if choose(2) == 0 {
            note(operation(of: frame), actor, "\(name): FltPerformAsynchronousIo(\(asyncIoName(io))) returns STATUS_PENDING", at: location)
            advance(to: frame.pc + 1)
        } else {
            note(operation(of: frame), actor, "\(name): FltPerformAsynchronousIo(\(asyncIoName(io))) fails (its completion callback runs all the same, C14)", at: location)
            advance(to: failureTarget)
        }
    }

    /// FltFreeCallbackData (C14): only when no I/O is in flight, or from the completion callback
    /// itself; once.
    private mutating func freeAsyncIo(_ io: Int, name: String, next: Int, at location: SourceLocation) {
        let current = state.variables[io]
        let fromItsCallback = if case .worker(let item, _) = state.threads[thread].role { program.model.workItems[item].asyncIoState == io } else { false }
        if current == AsyncIoState.idle.rawValue || current == AsyncIoState.done.rawValue || (current == AsyncIoState.completing.rawValue && fromItsCallback) {
            note(nil, actor, "\(name): FltFreeCallbackData(\(asyncIoName(io)))", at: location)
            setAsyncIo(io, .freed)
            advance(to: next)
            return
        }
        let why = switch AsyncIoState(rawValue: current) {
        case .inFlight?: "its I/O is in flight: the completion callback always runs and will use it, even after FltPerformAsynchronousIo failed"
        case .completing?: "its completion callback is running and uses it"
        default: "it was freed already"
        }
        fail(.asyncIoCallbackAlwaysRuns, "\(name) calls FltFreeCallbackData(\(asyncIoName(io))) while \(why)", at: location)
    }

    /// A completion callback's first step: the I/O has completed and FltMgr calls the callback.
    private mutating func asyncIoCompletes(_ frame: CodeFrame) {
        guard state.frameCount(of: thread) == 1,
              case .worker(let item, _) = state.threads[thread].role, let io = program.model.workItems[item].asyncIoState,
              state.variables[io] == AsyncIoState.inFlight.rawValue else { return }
        note(nil, "FltMgr", "\(asyncIoName(io)) completes: FltMgr calls its completion callback")
        setAsyncIo(io, .completing)
    }

    /// The completion callback returned: the callback data can be reused or freed (unless the
    /// callback freed it).
    private mutating func asyncIoCallbackReturned() {
        guard state.frameCount(of: thread) == 0, case .worker(let item, _) = state.threads[thread].role,
              let io = program.model.workItems[item].asyncIoState, state.variables[io] == AsyncIoState.completing.rawValue else { return }
        setAsyncIo(io, .done)
    }

    private mutating func setAsyncIo(_ io: Int, _ new: AsyncIoState) {
        state.variables[io] = new.rawValue
    }

    private func asyncIoName(_ io: Int) -> String { String(program.model.variables[io].name.dropLast(".io".count)) }

    private func asyncIoStateText(_ io: Int) -> String {
        switch AsyncIoState(rawValue: state.variables[io]) {
        case .idle?: "never issued"
        case .inFlight?: "in flight"
        case .completing?: "completed (its completion callback is running)"
        case .done?: "completed (its completion callback has returned)"
        default: "freed"
        }
    }

    private func operation(of frame: CodeFrame) -> Int? { frame.operation >= 0 ? frame.operation : nil }

    /// The filter's handles of this kind that are open now (their `.open` variables).
    private func openHandles(of filter: Int, _ kind: HandleKind) -> [Int] {
        let owner = program.filters[filter].name
        return program.model.variables.indices.filter {
            program.model.variables[$0].handle == kind && program.model.variables[$0].owner == owner && state.variables[$0] != 0
        }
    }

    /// A handle's name as declared (its variable without `.open`).
    private func handleName(_ variable: Int) -> String {
        String(program.model.variables[variable].name.dropLast(".open".count))
    }

    /// Teardown starts (D:teardown): no new operation reaches the instance (T5), and
    /// InstanceTeardownStart runs.
    private mutating func startTeardown(_ filter: Int) {
        let filterName = program.filters[filter].name
        guard state.instances[filter] == .attached else {
            // FltUnregisterFilter tore it down first.
            pop()
            return
        }
        state.instances[filter] = .tearingDown
        note(nil, "FltMgr", "starts tearing down \(filterName)'s instance")
        if let start = program.filters[filter].teardownStart {
            setTop(.teardown(filter: filter, step: .inStart))
            push(called(start, operation: -1, filter: filter))
        } else {
            setTop(.teardown(filter: filter, step: .drain))
        }
    }

    /// T14 (V:fv): once the instance is torn down the filter holds no context reference (Filter
    /// Verifier reports the leak, and FltMgr cannot free the context).
    private mutating func checkContextsReleased(_ filter: Int) {
        let owner = program.filters[filter].name
        if let leaked = program.model.contexts.indices.first(where: { program.model.contexts[$0].owner == owner && state.contextReferences[$0] > 0 }) {
            fail(.refCountBalance, "\(owner)'s instance is torn down with \(state.contextReferences[leaked]) reference(s) on \(program.model.contexts[leaked].name) never released", at: program.model.contexts[leaked].location)
        }
    }

    // MARK: FltMgr: unload

    /// Unloading a filter (I:unloadcb, D:unloadcb, T9): FilterUnloadCallback, which must call
    /// FltUnregisterFilter; a non-mandatory unload can be vetoed with STATUS_FLT_DO_NOT_DETACH.
    private mutating func unload(_ filter: Int, _ step: UnloadStep) {
        let filterName = program.filters[filter].name
        let mandatory = program.filters[filter].unloadMandatory ?? false
        switch step {
        case .begin:
            if state.filterStages[filter] == .loading || state.filterStages[filter] == .notLoaded {
                // T13 (I:unloadcb): FltMgr calls FilterUnloadCallback only for a registered filter.
                let why = state.filterStages[filter] == .notLoaded ? "its DriverEntry failed" : "its DriverEntry registered no filter"
                note(nil, "FltMgr", "does not call \(filterName)'s FilterUnloadCallback: \(why)")
                pop()
                return
            }
            guard let callback = program.filters[filter].unloadCallback else {
                // T9: without a FilterUnloadCallback the filter cannot be unloaded.
                note(nil, "FltMgr", "refuses to unload \(filterName): it registered no FilterUnloadCallback (T9)")
                pop()
                return
            }
            state.filterStages[filter] = .unloading
            note(nil, "FltMgr", "unloads \(filterName)\(mandatory ? " (mandatory)" : ""): calls its FilterUnloadCallback")
            setTop(.unload(filter: filter, step: .inCallback))
            push(called(callback, operation: -1, filter: filter))
        case .inCallback:
            setTop(.unload(filter: filter, step: .returned(NTStatus.success.value)))
        case .returned(let status):
            let location = program.model.workload.unloads.first { $0.filter == filterName }?.location
            if status == NTStatus.fltDoNotDetach.value {
                if mandatory {
                    fail(.unloadCompletes, "\(filterName)'s FilterUnloadCallback returned STATUS_FLT_DO_NOT_DETACH for a mandatory unload, which cannot be vetoed (T9)", at: location)
                    return
                }
                if state.filterStages[filter] == .unloading { state.filterStages[filter] = .registered }
                note(nil, "FltMgr", "\(filterName) vetoed the unload (STATUS_FLT_DO_NOT_DETACH)")
                pop()
                return
            }
            if state.filterStages[filter] != .unloaded {
                fail(.unloadCompletes, "\(filterName)'s FilterUnloadCallback returned STATUS_SUCCESS without FltUnregisterFilter having finished: the filter is never unregistered (I:unloadcb)", at: location)
                return
            }
            pop()
        }
    }

    /// FltUnregisterFilter (I:unreg, D:unreg, T11): tears down the filter's instance, then blocks
    /// until every rundown reference (generic work items, FltObjectReference) is gone.
    private mutating func unregister(_ filter: Int, _ step: UnregisterStep) {
        switch step {
        case .instances:
            setTop(.unregister(filter: filter, step: .rundown))
            if state.instances[filter] == .attached {
                push(.teardown(filter: filter, step: .begin))
            }
        case .rundown:
            state.filterStages[filter] = .unloaded
            note(nil, "FltMgr", "\(program.filters[filter].name) is unregistered: its instances are torn down and no work item holds its rundown")
            pop()
            // W3 (V:fv): Filter Verifier reports work items still allocated when the filter unloads.
            // A deferred work item's routine may still be running (only generic ones hold the
            // rundown, W5) and free its own: those are not counted as leaked.
            let owner = program.filters[filter].name
            for (index, item) in program.model.workItems.enumerated() where item.owner == owner {
                guard let counter = item.allocationCounter else { continue }
                let running = state.threads.filter { if case .worker(index, _) = $0.role { true } else { false } }.count
                let leaked = state.variables[counter] - running
                if leaked > 0 {
                    fail(.workItemFreedOnce, "\(owner) unloads with \(leaked) \(item.name) work item(s) allocated and never freed", at: item.location)
                    return
                }
            }
        }
    }
}


// MARK: Callback data in post-processing: failing, FltCancelFileOpen, FltReissueSynchronousIo (Q9-Q11)

extension Run {
    /// NT_ERROR: severity "error" (the two top bits set). Warnings are not errors (I:failpost asks
    /// for "a valid error NTSTATUS value").
    fileprivate func isError(_ status: UInt32) -> Bool { status >> 30 == 3 }

    /// Whether the running code is the post-operation callback for its operation, called by FltMgr
    /// on completion (or a SafePostCallback run inline from it): the frame below it is FltMgr's
    /// `inPost` for this operation and filter. A drained post-op runs under the teardown instead.
    fileprivate func inPostOperation(_ frame: CodeFrame) -> Bool {
        let frames = state.frames(of: thread)
        guard frames.count >= 2, frame.operation >= 0 else { return false }
        return frames[frames.count - 2] == .dispatch(operation: frame.operation, step: .inPost(frame.filter))
    }

    /// `SetStatus(status, information:)`: IoStatus.Status and IoStatus.Information of the current
    /// operation. Like SetStatus it is an IoStatus write (P14, and R7 after a hand-off).
    fileprivate mutating func writeIoStatus(_ value: Int, information: Int, _ frame: CodeFrame, name: String, at location: SourceLocation) {
        guard frame.operation >= 0 else { return }
        let operation = frame.operation
        let filter = frame.filter
        let slot = state[slot: operation, filter]
        if program.filters[filter].pre[program.requests[operation].major] == frame.code, slot.pre == .running,
           slot.preResumedEarly || handedOff(operation, by: filter) {
            // R7: once handed off, the operation belongs to whoever resumes it.
            fail(.noTouchAfterHandoff, "\(name) writes IoStatus of \(label(operation)) after handing it off\(slot.preResumedEarly ? " (it has already been resumed)" : "")", at: location)
            return
        }
        let status = UInt32(truncatingIfNeeded: value)
        let before = state.operations[operation]
        state.operations[operation].status = status
        state.operations[operation].statusTerm = -1
        state.operations[operation].information = information != 0
        if case .code(var writer)? = state.topFrame(of: thread) {
            writer.wroteStatus = true
            setTop(.code(writer))
        }
        note(operation, actor, "\(name): IoStatus.Status = \(NTStatus(status)), IoStatus.Information = \(information)", at: location,
             changes: statusChanges(operation, from: before, status: status, information: information))
        advance(to: frame.pc + 1)
    }

    /// A trace's changes of an IoStatus write.
    private func statusChanges(_ operation: Int, from before: OperationState, status: UInt32, information: Int) -> [String] {
        var changes = ["\(label(operation)).IoStatus.Status: \(semantics.statusText(before)) → \(NTStatus(status))"]
        if before.information != (information != 0) {
            changes.append("\(label(operation)).IoStatus.Information: \(before.information ? "set" : "0") → \(information != 0 ? String(information) : "0")")
        }
        return changes
    }

    /// Q9 (I:failpost): post-processing that wrote IoStatus and lets the operation complete must
    /// leave a final status FltMgr and the I/O manager accept — not STATUS_PENDING, not
    /// STATUS_FLT_DISALLOW_FAST_IO ("only the filter manager can use this NTSTATUS value") — and,
    /// when it fails the operation (an error status), IoStatus.Information = 0.
    fileprivate mutating func postFailureValid(_ operation: Int, _ filter: Int, by who: @autoclosure () -> String, at location: SourceLocation) -> Bool {
        let current = state.operations[operation]
        guard current.statusTerm < 0 else { return true }
        let status = NTStatus(current.status)
        if status == .pending || status == .fltDisallowFastIo {
            fail(.postFailValidError, "\(who()) sets IoStatus.Status of \(label(operation)) to \(status) and lets it complete: a post-op fails an operation with a valid error status\(status == .fltDisallowFastIo ? " (only FltMgr uses STATUS_FLT_DISALLOW_FAST_IO)" : "")", at: location)
            return false
        }
        if isError(status.value), current.information {
            fail(.postFailValidError, "\(who()) fails \(label(operation)) with \(status) but leaves IoStatus.Information as the file system set it: set it to 0 (SetStatus(..., information: 0))", at: location)
            return false
        }
        return true
    }

    /// Q9 with Q10 (I:failpost, D:cfo): after FltCancelFileOpen the file is closed, so the
    /// post-create must fail the create: an error status and Information 0.
    fileprivate mutating func cancelledCreateFails(_ operation: Int, _ filterName: String, at location: SourceLocation) -> Bool {
        let current = state.operations[operation]
        let failed = current.statusTerm < 0 && isError(current.status) && current.status != NTStatus.fltDisallowFastIo.value
        if failed && !current.information { return true }
        fail(.postFailValidError, "\(filterName) called FltCancelFileOpen for \(label(operation)) but its post-create returns with IoStatus.Status \(semantics.statusText(current))\(failed ? " and IoStatus.Information not 0" : ""): the create must be failed with a valid error status and Information 0", at: location)
        return false
    }

    /// FltCancelFileOpen (D:cfo, I:failpost, B:f5): only from the post-create callback, at
    /// PASSIVE_LEVEL, for a create the file system completed with a success status other than
    /// STATUS_REPARSE (otherwise no file was opened to close); never while draining (Q3). It sets
    /// FO_FILE_OPEN_CANCELLED: the create can no longer be reissued (Q11).
    fileprivate mutating func cancelFileOpen(_ frame: CodeFrame, name: String, at location: SourceLocation) {
        guard frame.operation >= 0 else { return }
        let operation = frame.operation
        let request = program.requests[operation]
        guard allowedWhileDraining(frame, "FltCancelFileOpen", at: location) else { return }
        guard request.major == .create, inPostOperation(frame) else {
            fail(.cancelFileOpenOnlyPostCreate, "\(name) calls FltCancelFileOpen for \(request.label): it may be called only from a post-create callback (calling it elsewhere is a programming error)", at: location)
            return
        }
        let level = semantics.irql(of: thread, state)
        if level > 0 {
            fail(.cancelFileOpenOnlyPostCreate, "\(name) calls FltCancelFileOpen for \(request.label) at \(level == 1 ? "APC_LEVEL" : "DISPATCH_LEVEL") (holding a lock): it requires PASSIVE_LEVEL", at: location)
            return
        }
        if state.slots(of: operation).contains(where: \.cancelledFileOpen) {
            fail(.cancelFileOpenOnlyPostCreate, "\(name) calls FltCancelFileOpen for \(request.label), whose open is already cancelled", at: location)
            return
        }
        guard let opened = createOpenedFile(operation) else { return }
        if !opened {
            fail(.cancelFileOpenOnlyPostCreate, "\(name) calls FltCancelFileOpen for \(request.label), which the file system completed with \(semantics.statusText(state.operations[operation]))\(decidedBy): no file was opened to close (check the status first; STATUS_REPARSE opens none either)", at: location)
            return
        }
        state[slot: operation, frame.filter].cancelledFileOpen = true
        note(operation, actor, "\(name): FltCancelFileOpen(\(request.label)): the file is closed (FO_FILE_OPEN_CANCELLED)\(decidedBy)", at: location)
        advance(to: frame.pc + 1)
    }

    /// Whether the create's status says a file was opened: NT_SUCCESS and not STATUS_REPARSE (D:cfo).
    /// A symbolic status goes every way Z3 allows; nil when the path is infeasible.
    fileprivate mutating func createOpenedFile(_ operation: Int) -> Bool? {
        let current = state.operations[operation]
        guard current.statusTerm >= 0, let data = semantics.data else {
            decidedBy = ""
            return current.status & 0x8000_0000 == 0 && current.status != NTStatus.reparse.value
        }
        let status = current.statusTerm
        let zero = data.constant(0, width: 32)
        let success = data.make(.binary(.equal, data.make(.binary(.bitAnd, status, data.constant(0x8000_0000, width: 32))), zero))
        let reparse = data.make(.binary(.equal, status, data.constant(UInt64(NTStatus.reparse.value), width: 32)))
        return decide(data.make(.binary(.and, success, data.negation(reparse))))
    }

    /// FltReissueSynchronousIo (D:reissue): only from the post-op of an IRP-based operation whose
    /// pre-op returned FLT_PREOP_SYNCHRONIZE, at IRQL <= APC_LEVEL (PASSIVE_LEVEL for non-paging
    /// I/O), after FltSetCallbackDataDirty if parameters changed, and never for a create whose open
    /// was cancelled (FltMgr fails that with STATUS_CANCELLED): Q11. Not while draining (Q3). The
    /// reissued operation goes to the instances below this one and the file system only (those
    /// above do not see it) and the call returns when it has completed there.
    fileprivate mutating func reissue(_ frame: CodeFrame, name: String, at location: SourceLocation) {
        guard frame.operation >= 0 else { return }
        let operation = frame.operation
        let filter = frame.filter
        let request = program.requests[operation]
        let call = "FltReissueSynchronousIo(\(request.label))"
        guard allowedWhileDraining(frame, "FltReissueSynchronousIo", at: location) else { return }
        let slot = state[slot: operation, filter]
        let why: String? = if !inPostOperation(frame) {
            "it may be called only from the post-operation callback of the operation it reissues"
        } else if !request.isIrp {
            "\(request.label) is \(request.kind == .fastIo ? "fast I/O" : "not IRP-based"): only IRP-based operations can be reissued"
        } else if !slot.synchronized {
            "\(program.filters[filter].name)'s pre-op did not return FLT_PREOP_SYNCHRONIZE for it: only synchronized operations can be reissued"
        } else if state.slots(of: operation).contains(where: \.cancelledFileOpen) {
            "its open was cancelled with FltCancelFileOpen (FO_FILE_OPEN_CANCELLED): FltMgr fails the reissue with STATUS_CANCELLED"
        } else if slot.modifiedNotDirty {
            "\(program.filters[filter].name) changed its parameters without FltSetCallbackDataDirty: the change is ignored"
        } else if semantics.irql(of: thread, state) > (request.paging ? 1 : 0) {
            "it runs at \(Run.irqlName(semantics.irql(of: thread, state))) (holding a lock): non-paging I/O is reissued at PASSIVE_LEVEL, paging I/O at <= APC_LEVEL"
        } else {
            nil
        }
        if let why {
            fail(.reissueOnlySynchronized, "\(name) calls \(call), but \(why)", at: location)
            return
        }
        note(operation, actor, "\(name): \(call): FltMgr sends it again to the instances below \(program.filters[filter].name) and the file system", at: location)
        guard case .code(var caller)? = state.topFrame(of: thread) else { return }
        caller.pc = frame.pc + 1
        // The reissued operation gets a new IoStatus: what the caller wrote before is gone (P14).
        caller.wroteStatus = false
        setTop(.code(caller))
        // The instances below see a new operation (fresh per-instance state); the walk back up stops
        // at this filter (`postUp`), which waits here meanwhile.
        for lower in (filter + 1)..<program.filters.count { state[slot: operation, lower] = Slot() }
        state[slot: operation, filter].reissuing = true
        state[slot: operation, filter].syncSignalled = false
        push(.dispatch(operation: operation, step: .reissue(filter)))
        push(.dispatch(operation: operation, step: .preDown(filter + 1)))
    }

    fileprivate static func irqlName(_ level: Int) -> String {
        irqlNames.indices.contains(level) ? irqlNames[level] : "IRQL \(level)"
    }
}

/// The events of a recorded run.
final class EventLog {
    var events: [Event] = []
}


// MARK: DriverEntry (T13)

extension Run {
    /// FltRegisterFilter, FltCreateCommunicationPort and FltStartFiltering in DriverEntry. Each can
    /// fail (pool allocation, I:deret), so both outcomes are explored; each needs the filter pointer
    /// FltRegisterFilter returned.
    private mutating func driverEntryCall(
        _ call: DriverEntryCall, filter: Int, name: String, next: Int, failureTarget: Int, at location: SourceLocation
    ) {
        let filterName = program.filters[filter].name
        let registered = state.filterStages[filter] == .registered
        let noFilterPointer = "with no registered filter: it takes the filter pointer FltRegisterFilter returned"
        let callName: String
        switch call {
        case .registerFilter:
            callName = "FltRegisterFilter"
            guard state.filterStages[filter] == .loading else {
                fail(.driverEntryFailureCleanup, "\(name) calls FltRegisterFilter for \(filterName) again: it is already registered", at: location)
                return
            }
        case .createPort(let variable):
            callName = "FltCreateCommunicationPort(\(handleName(variable)))"
            guard registered else {
                fail(.driverEntryFailureCleanup, "\(name) calls \(callName) \(noFilterPointer)", at: location)
                return
            }
            guard state.variables[variable] == 0 else {
                fail(.driverEntryFailureCleanup, "\(name) creates \(handleName(variable)) again while it is open: the open port leaks", at: location)
                return
            }
        case .startFiltering:
            callName = "FltStartFiltering"
            guard registered else {
                fail(.driverEntryFailureCleanup, "\(name) calls \(callName) \(noFilterPointer)", at: location)
                return
            }
            guard state.instances[filter] == .notAttached else {
                fail(.modelIntegrity, "\(name) calls FltStartFiltering twice", at: location)
                return
            }
        }
        if choose(2) == 1 {
            note(nil, actor, "\(name): \(callName) fails with STATUS_INSUFFICIENT_RESOURCES", at: location)
            advance(to: failureTarget)
            return
        }
        switch call {
        case .registerFilter:
            note(nil, actor, "\(name): FltRegisterFilter succeeds: \(filterName) is registered, not yet filtering", at: location)
            state.filterStages[filter] = .registered
        case .createPort(let variable):
            note(nil, actor, "\(name): \(callName) succeeds", at: location, changes: ["\(semantics.variableName(variable)): false → true"])
            state.variables[variable] = 1
        case .startFiltering:
            note(nil, actor, "\(name): FltStartFiltering succeeds: \(filterName)'s instance is attached", at: location)
            state.instances[filter] = .attached
        }
        advance(to: next)
    }

    /// DriverEntry returned `status` (T13, I:deret, I:unloadcb). A failure unloads the driver without
    /// calling FilterUnloadCallback, so everything DriverEntry set up must be undone by then.
    private mutating func finishDriverEntry(_ filter: Int, _ status: NTStatus, at location: SourceLocation) {
        let filterName = program.filters[filter].name
        guard !status.isSuccess else {
            let unregistered = state.filterStages[filter] == .loading ? " (it registered no filter with FltMgr)" : ""
            note(nil, "I/O manager", "\(filterName) is loaded\(unregistered)")
            return
        }
        if state.filterStages[filter] == .registered {
            let ports = openHandles(of: filter, .communicationPort).map(handleName)
            let leaked = ports.isEmpty ? "" : ", and its communication port\(ports.count > 1 ? "s" : "") \(ports.joined(separator: ", ")) open"
            fail(.driverEntryFailureCleanup, "\(filterName)'s DriverEntry returns \(status) with the filter still registered\(leaked): FltMgr never calls FilterUnloadCallback for a driver whose DriverEntry failed, so nothing will unregister it (close the ports, then call FltUnregisterFilter, before returning)", at: location)
            return
        }
        state.filterStages[filter] = .notLoaded
        note(nil, "I/O manager", "\(filterName)'s DriverEntry failed with \(status): the driver is unloaded, without FilterUnloadCallback")
    }
}
