import Foundation
import FltModel
import FltProperties

/// One thing that happened in a step, as a trace line shows it.
public struct Event: Sendable {
    /// The request it concerns (0-based), if any.
    public let operation: Int?
    /// Who did it: a thread of the model (`READ #2 originator`, `worker DeQueue`), `FltMgr` or
    /// `file system`.
    public let actor: String
    public let text: String
    /// Variables it changed, as `name: old → new`.
    public let changes: [String]
    public let location: SourceLocation?

    public init(operation: Int?, actor: String, text: String, changes: [String], location: SourceLocation?) {
        self.operation = operation
        self.actor = actor
        self.text = text
        self.changes = changes
        self.location = location
    }
}

/// A property violated by a step or by an end state.
public struct Violation: Sendable {
    public let property: Property
    public let message: String
    public let location: SourceLocation?
}

/// Which thread ran and which way each nondeterministic choice inside the step went. Enough to
/// replay the step exactly.
public struct Transition: Hashable, Sendable {
    public let thread: Int
    public let choices: [Int]
}

/// The result of taking one transition from a state.
public struct Successor: Sendable {
    public let state: SystemState
    public let transition: Transition
    /// Set when the step broke a property; the state after it is not explored further.
    public let violation: Violation?
    /// Advisory findings of the step; they do not stop it.
    public let warnings: [Violation]
    /// Filled in only when events were asked for.
    public let events: [Event]
}

/// The working state `Semantics.forEachSuccessorLent` keeps from one call to the next, so that
/// its buffers are reused: one per exploring thread, used by one thread at a time.
public final class SuccessorScratch: @unchecked Sendable {
    /// Unchecked: one thread uses a scratch (as `CanonicalScratch`).
    @exclusivity(unchecked) fileprivate var run: Run?
    public init() {}

    /// Runs `body` on the run, in place; nothing when there is none yet.
    fileprivate func withRun(_ body: (inout Run) -> Void) {
        guard run != nil else { return }
        body(&run!)
    }
}

/// The enabled threads of a state less the skipped ones (unless only one is enabled), in order:
/// as bits for a state of at most 64 threads (the array of `enabledThreads` was an allocation per
/// state), else from that array.
private struct TakenThreads: IteratorProtocol {
    private var bits: UInt64 = 0
    private var list: [Int] = []
    private var position = 0

    init(enabledThreadsOf state: SystemState, in semantics: Semantics, skipping: UInt64) {
        if state.threads.count <= 64 {
            let enabled = semantics.enabledThreadBits(state)
            bits = enabled.nonzeroBitCount > 1 ? enabled & ~skipping : enabled
        } else {
            list = semantics.enabledThreads(state)
        }
    }

    mutating func next() -> Int? {
        if position < list.count {
            position += 1
            return list[position - 1]
        }
        guard bits != 0 else { return nil }
        defer { bits &= bits - 1 }
        return bits.trailingZeroBitCount
    }
}

/// A step lent by `Semantics.forEachSuccessorLent`: a `Successor` without its state and events.
public struct StepOutcome {
    public let transition: Transition
    public let violation: Violation?
    public let warnings: [Violation]
}

/// The FltMgr operation lifecycle, executing a model's filters: the transition relation the
/// engines explore. Every rule cites its catalog id in ../shared/reference/fltmgr-rules.md.
public final class Semantics: Sendable {
    public let program: Program
    /// Property ids the model switched off.
    let disabled: Set<String>
    /// Partial-order reduction: a step that touches only its thread's locals (`Instruction.isThreadLocal`)
    /// is independent of every other thread's steps, so it runs in the step before it instead of
    /// in one of its own (`Interleaving.everyStatement`; explicit steps are the model's own).
    public let mergesLocalSteps: Bool
    /// The terms of symbolic data and their solver; nil when the model has no bit-vector data.
    let data: DataTerms?
    /// `program.code`'s instructions, for the step loop.
    let instructions: InstructionTable

    /// `solverTimeout`: the limit on each Z3 query (models with symbolic data); a query that hits it
    /// makes the verdict inconclusive.
    /// Abstract-data mode (`fltcheck prove`, AbstractData.swift): states keep no data, a step's
    /// branches on data all go both ways and are recorded as guards.
    var abstractData: Bool { abstractLayout != nil }
    /// Where the data of an abstracted state sits (abstract-data mode only).
    let abstractLayout: AbstractLayout?

    /// `mergeLocalSteps`: the partial-order reduction of `mergesLocalSteps`, where the model has
    /// thread-local statements; a saved trace replays with the setting it was found with.
    public convenience init(_ program: Program, solverTimeoutMilliseconds: UInt32 = 10_000, mergeLocalSteps: Bool = true) {
        self.init(
            program, sharing: program.usesData ? DataTerms(inputs: program.dataInputs, timeoutMilliseconds: solverTimeoutMilliseconds) : nil,
            mergeLocalSteps: mergeLocalSteps)
    }

    init(_ program: Program, sharing data: DataTerms?, abstractLayout: AbstractLayout? = nil, mergeLocalSteps: Bool) {
        self.program = program
        instructions = InstructionTable(program.code)
        disabled = Set(program.model.options.disabled.map(\.property))
        self.data = data
        self.abstractLayout = abstractLayout
        mergesLocalSteps = mergeLocalSteps && program.model.options.interleaving == .everyStatement
            && program.code.contains { code in code.instructions.indices.contains { code.threadLocal[$0] && code.instructions[$0].isVisible } }
    }

    /// The same semantics sharing no memory with this one, for another exploring thread: every
    /// array a step reads is reference-counted, and threads retaining and releasing the same ones
    /// fight over their cache lines (measured: two threads were no faster than one). Symbolic data
    /// stays shared: term numbers must mean the same in every thread.
    public func independentCopy() -> Semantics {
        guard let encoded = try? JSONEncoder().encode(program.model),
              let model = try? JSONDecoder().decode(ModelIR.self, from: encoded),
              let program = try? Program(model) else { return self }
        return Semantics(program, sharing: data, abstractLayout: abstractLayout, mergeLocalSteps: mergesLocalSteps)
    }

    /// Z3's work so far (nil for a model without symbolic data).
    public var solverStatistics: SolverStatistics? { data?.statistics }

    /// Every variable at its initial value, every request about to be issued by its own thread.
    /// Every instance attached, every queue empty and enabled, and a thread for each teardown.
    public func initialState() -> SystemState {
        var state = SystemState(
            variables: program.model.variables.map(\.initial),
            operations: program.requests.map { _ in OperationState() },
            slots: [Slot](repeating: Slot(), count: program.requests.count * program.filters.count),
            instances: program.filters.map { $0.driverEntry == nil ? .attached : .notAttached },
            filterStages: program.filters.map { $0.driverEntry == nil ? .registered : .loading },
            queues: program.queues.map { _ in QueueState() },
            contextReferences: program.model.contexts.map { _ in 0 })
        // T13: a filter with a DriverEntry starts unregistered and runs it before anything else.
        for filter in program.filters.indices {
            if let code = program.filters[filter].driverEntry {
                state.addThread(role: .driverEntry(filter: filter), frames: [.code(CodeFrame(code: code, pc: 0, operation: -1, filter: filter))])
            }
        }
        for operation in program.requests.indices {
            state.addThread(role: .originator(operation: operation), frames: [.dispatch(operation: operation, step: .issue)])
        }
        for filter in program.filters.indices where program.filters[filter].teardown != nil {
            state.addThread(role: .teardown(filter: filter), frames: [.teardown(filter: filter, step: .begin)])
        }
        for filter in program.filters.indices where program.filters[filter].unloadMandatory != nil {
            state.addThread(role: .unloader(filter: filter), frames: [.unload(filter: filter, step: .begin)])
        }
        if let data { initializeData(&state, data) }
        return state
    }

    /// The threads that can take a step. A thread inside `Atomic` excludes all others while it can run.
    public func enabledThreads(_ state: SystemState) -> [Int] {
        // A finished thread (no frames) counts as blocked.
        let enabled = state.threads.indices.filter { !isBlocked($0, state) }
        if let atomic = enabled.first(where: { state.isAtomic($0) }) { return [atomic] }
        return enabled
    }

    /// `enabledThreads` as bits (bit k for thread k), for a state of at most 64 threads.
    func enabledThreadBits(_ state: SystemState) -> UInt64 {
        var enabled: UInt64 = 0
        for index in state.threads.indices where !isBlocked(index, state) {
            // The first enabled thread inside an `Atomic` section is the only one that runs.
            if state.isAtomic(index) { return 1 << index }
            enabled |= 1 << index
        }
        return enabled
    }

    /// Whether no thread can make progress on its own: the only moves left, if any, are ones the
    /// environment may make but need not (a cancel by the originator, the start of a teardown).
    /// Liveness is judged in such states, so a request that only a cancel or a teardown would
    /// finish counts as stuck.
    public func isQuiescent(_ state: SystemState) -> Bool {
        !state.threads.indices.contains { makesProgress($0, state) }
    }

    private func makesProgress(_ index: Int, _ state: SystemState) -> Bool {
        guard let top = state.topFrame(of: index), !isBlocked(index, state) else { return false }
        switch top {
        case .dispatch(_, .cancel), .teardown(_, .begin), .unload(_, .begin): return false
        default: return true
        }
    }

    /// The names of the threads that can make progress on their own (enabled, and not an optional
    /// environment move such as a cancel or the start of a teardown or unload).
    public func progressThreads(_ state: SystemState) -> [String] {
        state.threads.indices.filter { makesProgress($0, state) }.map { threadName(state.threads[$0].role) }
    }

    /// The name of the thread a transition moves, in the state it starts from.
    public func threadName(of transition: Transition, in state: SystemState) -> String {
        state.threads.indices.contains(transition.thread) ? threadName(state.threads[transition.thread].role) : "?"
    }

    /// What a cycle of states that all look like `state` leaves undone forever: a request pended or
    /// unfinished, a teardown or an unload that never completes. Progress facts never go back, so
    /// they are the same in every state of a strongly connected component.
    public func foreverUndone(_ state: SystemState) -> Violation? {
        guard pathConfirmed(state) else { return nil }
        if let teardown = state.threads.indices.first(where: { if case .teardown(_, let step)? = state.topFrame(of: $0) { step != .begin } else { false } }),
           case .teardown(let filter) = state.threads[teardown].role {
            return Violation(property: .teardownCompletes, message: "\(program.filters[filter].name)'s instance teardown never completes: \(outstanding(filter, state).joined(separator: "; "))", location: nil)
        }
        if let unloading = state.threads.indices.first(where: { state.frames(of: $0).contains { if case .unregister = $0 { true } else { false } } }),
           case .unregister(let filter, _)? = state.frames(of: unloading).last(where: { if case .unregister = $0 { true } else { false } }) {
            return Violation(property: .unloadCompletes, message: "FltUnregisterFilter for \(program.filters[filter].name) never returns", location: nil)
        }
        return incompleteViolation(state)
    }

    /// Whether thread `index` waits for something another thread must do first.
    func isBlocked(_ index: Int, _ state: SystemState) -> Bool {
        guard let top = state.topFrame(of: index) else { return true }
        if program.hasDriverEntry, case .driverEntry? = state.threads.first?.role {
            // T13: the workload (requests, teardowns, unloads) starts once every DriverEntry has returned.
            switch state.threads[index].role {
            case .originator, .teardown, .unloader: return true
            default: break
            }
        }
        switch top {
        case .code(let frame):
            switch program.code[frame.code].instructions[frame.pc] {
            case .waitUntil(let condition):
                // At DISPATCH_LEVEL the wait itself is the bug (Q5): let it run and be reported.
                let level = irql(of: index, state)
                return level < 2 && evaluate(condition, frame, state, thread: index, irql: level) == 0
            case .acquire(let lock):
                return state.threads.indices.contains { $0 != index && state.holds(lock, $0) }
            default:
                return false
            }
        case .dispatch(let operation, .waitSync(let filter)):
            return !state[slot: operation, filter].syncSignalled
        case .dispatch(let operation, .reissue(let filter)):
            // Q11 (D:reissue): FltReissueSynchronousIo returns once the reissued operation has
            // completed below the caller.
            return !state[slot: operation, filter].syncSignalled
        case .dispatch(let operation, .cancel):
            // IoCancelIrp takes the cancel spin lock: it waits while a filter holds it.
            if let lock = program.cancelSpinLock, state.threads.indices.contains(where: { state.holds(lock, $0) }) { return true }
            return state.operations[operation].stage != .inFlight
        case .dispatch:
            return false
        case .teardown(let filter, .begin):
            return program.filters[filter].teardown == .afterRequestsComplete && !state.allCompleted
        case .teardown(let filter, .drain):
            // T4: teardown complete waits until nothing is outstanding at the instance (T8: a
            // FltObjectReference on the instance does not count; and, with
            // `teardownWaitsFor: .operationsAndWorkItems`, no work item of the filter runs).
            return drainable(filter, state) == nil
                && (hasOutstanding(filter, state) || runningWorkItem(of: filter, state, except: index) != nil)
        case .teardown:
            return false
        case .unload:
            return false
        case .unregister(let filter, .instances):
            // A teardown of the instance under way on another thread must finish first.
            return state.instances[filter] == .tearingDown || state.instances[filter] == .completing
        case .unregister(let filter, .rundown):
            // T11: blocks while a generic work item of the filter runs (W5), itself included (T12),
            // and while a FltObjectReference on the filter or its instance is not dereferenced.
            if program.rundownCounters[filter].contains(where: { state.variables[$0] > 0 }) { return true }
            return state.threads.contains { other in
                if case .worker(let item, _) = other.role {
                    return program.model.workItems[item].kind == .generic && program.workItemFilter[item] == filter
                }
                return false
            }
        }
    }

    /// An operation whose post-op FltMgr would drain at this instance now (DrainRule), if any.
    func drainable(_ filter: Int, _ state: SystemState) -> Int? {
        state.operations.indices.first { isDrainable($0, at: filter, state) }
    }

    /// Every operation whose post-op FltMgr would drain at this instance now. The docs do not say in
    /// which order FltMgr drains them, so every order is explored.
    func drainableOperations(_ filter: Int, _ state: SystemState) -> [Int] {
        state.operations.indices.filter { isDrainable($0, at: filter, state) }
    }

    private func isDrainable(_ index: Int, at filter: Int, _ state: SystemState) -> Bool {
        let slot = state[slot: index, filter]
        guard slot.postOwed, slot.post == .notCalled else { return false }
        switch program.model.options.drain {
        case .allAwaitingPostOp: return true
        case .exceptSynchronized: return !slot.synchronized
        }
    }

    /// Whether `outstanding(filter, state)` is not empty, without building its messages (the
    /// teardown thread asks this in every state).
    func hasOutstanding(_ filter: Int, _ state: SystemState) -> Bool {
        if asyncIoOutstanding(filter, state) != nil { return true }
        let drained = drainable(filter, state)
        return state.operations.indices.contains { index in
            let slot = state[slot: index, filter]
            return slot.pre == .pended || slot.pre == .running || slot.post == .pended || slot.post == .running
                || (slot.postOwed && slot.post == .notCalled && drained != index)
        }
    }

    /// T4 (D:teardown): filter-initiated I/O on the instance keeps InstanceTeardownComplete waiting
    /// until it completes and its completion callback returns: an `AsyncIo` of the filter in flight
    /// or completing, if any.
    func asyncIoOutstanding(_ filter: Int, _ state: SystemState) -> Int? {
        program.asyncIoStates[filter].first {
            state.variables[$0] == AsyncIoState.inFlight.rawValue || state.variables[$0] == AsyncIoState.completing.rawValue
        }
    }

    /// With `teardownWaitsFor: .operationsAndWorkItems` (catalog §1.9, an open question the model
    /// decides), a deferred or generic work item of the filter whose routine is still running, on a
    /// thread other than `except` (FltUnregisterFilter called from the work item itself tears the
    /// instance down on that thread: T12 reports that hang). Nil under the default `.operations`.
    func runningWorkItem(of filter: Int, _ state: SystemState, except: Int? = nil) -> ThreadState? {
        guard program.model.options.teardownWaitsFor == .operationsAndWorkItems else { return nil }
        return state.threads.indices.first { index in
            guard index != except, case .worker(let item, _) = state.threads[index].role, program.workItemFilter[item] == filter else { return false }
            let kind = program.model.workItems[item].kind
            return kind == .deferredIo || kind == .generic
        }.map { state.threads[$0] }
    }

    /// Whether an operation has been completed below a filter (by the file system or by a lower
    /// filter's pre-op): a lower filter's post-op has been called for it (not drained), or a lower
    /// SYNCHRONIZE'd filter's waiting thread has been woken for it.
    func completedBelow(_ operation: Int, _ filter: Int, _ state: SystemState) -> Bool {
        ((filter + 1)..<program.filters.count).contains { index in
            let slot = state[slot: operation, index]
            return (slot.post != .notCalled && !slot.drained) || slot.syncSignalled
        }
    }

    /// What keeps an instance's teardown from completing (T4): operations pended or running in its
    /// callbacks, or owed a post-op that will not be drained; with `teardownWaitsFor:
    /// .operationsAndWorkItems`, a work item of the filter still running.
    func outstanding(_ filter: Int, _ state: SystemState) -> [String] {
        var reasons: [String] = []
        if let io = asyncIoOutstanding(filter, state) {
            reasons.append("the filter's own I/O \(program.model.variables[io].name.dropLast(".io".count)) has not completed (T4)")
        }
        if let worker = runningWorkItem(of: filter, state) {
            reasons.append("\(threadName(worker.role)) is still running (teardownWaitsFor: .operationsAndWorkItems)")
        }
        for index in state.operations.indices {
            let slot = state[slot: index, filter]
            let label = program.requests[index].label
            switch slot.pre {
            case .pended: reasons.append("\(label) is pended in its pre-op")
            case .running: reasons.append("\(label)'s pre-op is running")
            default: break
            }
            switch slot.post {
            case .pended: reasons.append("\(label) is pended in its post-op")
            case .running: reasons.append("\(label)'s post-op is running")
            default: break
            }
            if slot.postOwed && slot.post == .notCalled && drainable(filter, state) != index {
                reasons.append("\(label) awaits its post-op")
            }
        }
        return reasons
    }

    /// The value of an expression in a code frame (`Op.*` is the frame's operation).
    /// KeGetCurrentIrql of a thread: the IRQL its callbacks were called at, raised by the locks it holds.
    func irql(of thread: Int, _ state: SystemState) -> Int {
        var level = 0
        for lock in state.held(of: thread) { level = max(level, program.model.locks[lock].kind.irql) }
        for case .code(let frame) in state.frames(of: thread) { level = max(level, frame.irql) }
        return level
    }

    /// A variable's value as thread `thread` sees it (its own copy of a thread-local one).
    func value(of variable: Int, in thread: Int?, _ state: SystemState) -> Int {
        guard let slot = program.localSlot[variable] else { return state.variables[variable] }
        guard let thread, slot < state.localCount(of: thread) else { return initialValue(of: variable) }
        return state.local(slot, of: thread)
    }

    /// `thread`: the index of the thread evaluating it, for its locals.
    func evaluate(_ expression: ExprIR, _ frame: CodeFrame, _ state: SystemState, thread: Int? = nil, irql: Int = 0) -> Int {
        switch expression {
        case .constant(let value): return value
        case .variable(let index): return value(of: index, in: thread, state)
        case .operation(.irql): return irql
        case .operation(let field):
            guard frame.operation >= 0 else { return 0 }
            let request = program.requests[frame.operation]
            switch field {
            case .isIrp: return request.isIrp ? 1 : 0
            case .isFastIo: return request.kind == .fastIo ? 1 : 0
            case .isPaging: return request.paging ? 1 : 0
            case .isSynchronous: return request.synchronous ? 1 : 0
            case .isTopLevelIrp: return request.topLevelIrp ? 1 : 0
            case .status: return Int(state.operations[frame.operation].status)
            case .handle, .requestNumber: return frame.operation + 1
            case .isDraining: return frame.draining ? 1 : 0
            case .isCancelled: return state.operations[frame.operation].cancelled ? 1 : 0
            case .irql: return irql
            // Bit-vector data is evaluated as terms (`term(_:...)`); typing keeps it out of here.
            case .length, .byteOffset: return 0
            case .minorFunction: return request.minor?.code ?? 0
            // Q6: false for a request with no buffer (or untracked buffers, which no code reads).
            case .hasMdl: return state.operations[frame.operation].buffer & BufferBits.mdl != 0 ? 1 : 0
            case .isSystemBuffer: return state.operations[frame.operation].buffer & BufferBits.system != 0 ? 1 : 0
            }
        case .unary, .convert: return 0
        case .not(let operand): return evaluate(operand, frame, state, thread: thread, irql: irql) == 0 ? 1 : 0
        case .binary(let op, let lhs, let rhs):
            let left = evaluate(lhs, frame, state, thread: thread, irql: irql)
            if op == .and { return left != 0 && evaluate(rhs, frame, state, thread: thread, irql: irql) != 0 ? 1 : 0 }
            if op == .or { return left != 0 || evaluate(rhs, frame, state, thread: thread, irql: irql) != 0 ? 1 : 0 }
            let right = evaluate(rhs, frame, state, thread: thread, irql: irql)
            switch op {
            case .add: return left &+ right
            case .subtract: return left &- right
            case .equal: return left == right ? 1 : 0
            case .notEqual: return left != right ? 1 : 0
            case .less: return left < right ? 1 : 0
            case .lessOrEqual: return left <= right ? 1 : 0
            case .greater: return left > right ? 1 : 0
            case .greaterOrEqual: return left >= right ? 1 : 0
            case .and, .or, .multiply, .divide, .remainder, .bitAnd, .bitOr, .bitXor, .shiftLeft, .shiftRight: return 0
            }
        }
    }

    /// Every successor of `state`: each enabled thread, each way its nondeterministic choices go.
    /// `skipping`: threads (bit k for thread k) whose successors are left out
    /// (`StateCanonicalizer.redundantThreads`); ignored when a single thread can run.
    public func successors(of state: SystemState, events: Bool = false, skipping: UInt64 = 0) -> [Successor] {
        var result: [Successor] = []
        forEachSuccessor(of: state, events: events, skipping: skipping) { result.append($0) }
        return result
    }

    /// The successors in `successors(of:)` order, each handed to `body` as it is made (moved, not
    /// copied out of an array).
    public func forEachSuccessor(of state: SystemState, events: Bool = false, skipping: UInt64 = 0, _ body: (consuming Successor) -> Void) {
        let enabled = enabledThreads(state)
        // One enabled thread may be the one `Atomic` lets run, its image under a swap not.
        let skipping = enabled.count > 1 ? skipping : 0
        for thread in enabled where skipping & 1 << thread == 0 {
            var choices: [Int] = []
            while true {
                var run = Run(semantics: self, state: state, thread: thread, choices: choices, recording: events)
                run.execute()
                let next = run.nextChoices()
                if !run.discarded { body(run.successor()) }
                guard let next else { break }
                choices = next
            }
        }
    }

    /// The successors of `state` as `forEachSuccessor` makes them (without events), each lent to
    /// `body` for the call: one working state, kept in `scratch` from one call to the next, is
    /// reset from `state` for each, so a successor whose state `body` only reads (to key or encode
    /// it) allocates nothing. A copy `body` keeps stays valid; the next reset then copies the
    /// buffers it shares.
    public func forEachSuccessorLent(
        of state: SystemState, skipping: UInt64 = 0, scratch: SuccessorScratch, _ body: (_ state: SystemState, _ step: StepOutcome) -> Void
    ) {
        // A new run starts sharing `state`'s buffers (`restart` copies none of them into themselves).
        if scratch.run == nil { scratch.run = Run(semantics: self, state: state, thread: -1, choices: [], recording: false) }
        scratch.withRun { run in
            precondition(run.semantics === self, "a successor scratch is used with two models")
            lendSteps(of: state, skipping: skipping, in: &run, body)
        }
    }

    private func lendSteps(of state: SystemState, skipping: UInt64, in run: inout Run, _ body: (_ state: SystemState, _ step: StepOutcome) -> Void) {
        // No nested function over `run`: capturing the inout run made the optimizer copy it
        // (a retain and release of all its arrays per thread, +7% instructions at N=5).
        var threads = TakenThreads(enabledThreadsOf: state, in: self, skipping: skipping)
        while let thread = threads.next() {
            var choices: [Int] = []
            while true {
                run.restart(from: state, thread: thread, choices: choices)
                run.execute()
                let next = run.nextChoices()
                if !run.discarded {
                    body(run.state, StepOutcome(transition: Transition(thread: thread, choices: run.taken), violation: run.violation, warnings: run.warnings))
                }
                guard let next else { break }
                choices = next
            }
        }
    }

    /// Takes one recorded transition again, with its events.
    public func replay(_ transition: Transition, from state: SystemState) -> Successor {
        var run = Run(semantics: self, state: state, thread: transition.thread, choices: transition.choices, recording: true)
        run.execute()
        return Successor(state: run.state, transition: transition, violation: run.violation, warnings: run.warnings, events: run.events)
    }

    /// The liveness violations of a quiescent state (see `isQuiescent`): an instance teardown that
    /// can never complete (T1, T4), a work item blocked forever (W5), requests left incomplete (R1, Q2).
    public func endStateViolations(_ state: SystemState) -> [Violation] {
        guard pathConfirmed(state) else { return [] }
        var violations: [Violation] = []
        for index in state.threads.indices {
            guard let top = state.topFrame(of: index) else { continue }
            let thread = state.threads[index], frames = state.frames(of: index)
            switch (thread.role, top) {
            case (.teardown(let filter), .teardown(_, let step)) where step != .begin:
                let reasons = outstanding(filter, state)
                let what = reasons.isEmpty ? "a thread it waits for is blocked" : reasons.joined(separator: "; ")
                violations.append(Violation(
                    property: .teardownCompletes,
                    message: "\(program.filters[filter].name)'s instance teardown started but can never complete: \(what)",
                    location: program.model.workload.teardowns.first { $0.filter == program.filters[filter].name }?.location))
            case (.worker(let item, _), _) where windingDown(program.workItemFilter[item], state):
                // W5: once teardown or unload has started, every work item must finish.
                let location: SourceLocation? = if case .code(let frame) = top { program.code[frame.code].locations[frame.pc] } else { nil }
                violations.append(Violation(
                    property: .workItemsTerminate,
                    message: "work item \(program.model.workItems[item].name) is blocked forever",
                    location: location))
            default: break
            }
            if let unregistering = frames.lastIndex(where: { if case .unregister = $0 { true } else { false } }),
               case .unregister(let filter, let step) = frames[unregistering] {
                let references = program.rundownCounters[filter].filter { state.variables[$0] > 0 }
                let why = step == .instances
                    ? "it waits for \(program.filters[filter].name)'s instance teardown: " + (outstanding(filter, state).joined(separator: "; "))
                    : !references.isEmpty
                    ? "FltObjectReference references are never dereferenced (" + references.map { "\(variableName($0)) = \(state.variables[$0])" }.joined(separator: ", ") + "; FltUnregisterFilter must not be called while holding one, T12)"
                    : "a generic work item of \(program.filters[filter].name) still holds its rundown" + (thread.role.isGenericWorker(of: filter, program) ? " (FltUnregisterFilter was called from that work item itself, T12)" : "")
                violations.append(Violation(
                    property: .unloadCompletes,
                    message: "FltUnregisterFilter for \(program.filters[filter].name) can never return: \(why)",
                    location: program.model.workload.unloads.first { $0.filter == program.filters[filter].name }?.location))
            }
        }
        for index in state.threads.indices {
            guard case .code(let frame)? = state.topFrame(of: index), case .acquire(let lock) = program.code[frame.code].instructions[frame.pc],
                  let holder = state.threads.indices.first(where: { state.holds(lock, $0) }) else { continue }
            violations.append(Violation(
                property: .noDeadlock,
                message: "\(threadName(state.threads[index].role)) waits forever for lock \(program.model.locks[lock].name), held by \(threadName(state.threads[holder].role))",
                location: program.code[frame.code].locations[frame.pc]))
            break
        }
        if let incomplete = incompleteViolation(state) { violations.append(incomplete) }
        return violations.filter { !disabled.contains($0.property.id) }
    }

    private func incompleteViolation(_ state: SystemState) -> Violation? {
        var problems: [String] = []
        var location: SourceLocation?
        for (index, operation) in state.operations.enumerated() where operation.stage != .completed {
            let label = program.requests[index].label
            var pended: [String] = []
            for (filter, slot) in state.slots(of: index).enumerated() {
                if slot.pre == .pended {
                    pended.append("pended by \(program.filters[filter].name)'s pre-operation callback (R1)")
                    location = location ?? preLocation(filter, index)
                }
                if slot.post == .pended {
                    pended.append("pended by \(program.filters[filter].name)'s post-operation callback (Q2)")
                    location = location ?? postLocation(filter, index)
                }
            }
            let unlessCancelled = program.requests[index].cancellable && !operation.cancelled ? " (only a cancel by its originator could still end it)" : ""
            if pended.isEmpty {
                problems.append("\(label) never completes: every thread that could finish it is blocked\(unlessCancelled)")
            } else {
                problems.append("\(label) is \(pended.joined(separator: " and ")), and no thread is left that could resume it\(unlessCancelled)")
            }
        }
        if problems.isEmpty { return nil }
        return Violation(property: .pendedOperationsResumed, message: problems.joined(separator: "; "), location: location)
    }

    private func preLocation(_ filter: Int, _ operation: Int) -> SourceLocation? {
        program.filters[filter].pre[program.requests[operation].major].map { program.code[$0].locations.first } ?? nil
    }

    private func postLocation(_ filter: Int, _ operation: Int) -> SourceLocation? {
        program.filters[filter].post[program.requests[operation].major].map { program.code[$0].locations.first } ?? nil
    }

    // MARK: Naming things for traces

    func threadName(_ role: ThreadRole) -> String {
        switch role {
        case .originator(let operation): "\(program.requests[operation].label) originator"
        case .worker(let item, let operation):
            operation >= 0 ? "worker \(program.model.workItems[item].name)(\(program.requests[operation].label))" : "worker \(program.model.workItems[item].name)"
        case .fileSystem: "file system"
        case .teardown(let filter): "teardown of \(program.filters[filter].name)"
        case .canceller(let operation): "\(program.requests[operation].label) originator"
        case .unloader(let filter): "unload of \(program.filters[filter].name)"
        case .oplockBreak: "oplock package"
        case .driverEntry(let filter): "loading \(program.filters[filter].name)"
        }
    }

    func variableName(_ index: Int) -> String {
        let variable = program.model.variables[index]
        return variable.owner.map { "\($0).\(variable.name)" } ?? variable.name
    }

    func format(_ value: Int, of variable: Int) -> String {
        switch program.model.variables[variable].type {
        case .bool: return value != 0 ? "true" : "false"
        case .enumeration(let cases): return cases.indices.contains(value) ? cases[value] : String(value)
        case .int: return String(value)
        case .operation:
            if value == 0 { return "none" }
            return program.requests.indices.contains(value - 1) ? program.requests[value - 1].label : "handle \(value)"
        case .bitVector: return data?.render(value) ?? String(value)
        }
    }

    /// Source-like text for an expression; constants compared with or assigned to a typed value are
    /// shown in that type (`true`, a state name, a status name, an operation).
    func render(_ expression: ExprIR, as type: ValueType? = nil) -> String {
        switch expression {
        case .constant(let value):
            switch type {
            case .variable(let index): return format(value, of: index)
            case .status: return NTStatus(UInt32(truncatingIfNeeded: value)).description
            case .operation: return value == 0 ? "none" : program.requests.indices.contains(value - 1) ? program.requests[value - 1].label : String(value)
            case .bits: return DataTerms.literal(UInt64(bitPattern: Int64(value)))
            case .minor:
                // IRP_MN_* codes repeat across major functions (IRP_MN_LOCK == IRP_MN_QUERY_DIRECTORY).
                let named = MinorFunction.allCases.filter { $0.code == value }
                if named.count == 1 { return named[0].rawValue }
                return named.isEmpty ? DataTerms.literal(UInt64(bitPattern: Int64(value))) : "\(value) (\(named.map(\.rawValue).joined(separator: " or ")))"

            case nil: return String(value)
            }
        case .variable(let index): return variableName(index)
        case .operation(.irql): return "Irql.current"
        case .operation(let field): return "Op.\(field.rawValue)"
        case .not(let operand): return "!(\(render(operand)))"
        case .unary(let op, let operand): return "\(op == .bitNot ? "~" : "-")(\(render(operand)))"
        case .convert(let operand, let width, let signed): return "(\(signed ? "" : "u")int\(width))(\(render(operand)))"
        case .binary(let op, let lhs, let rhs):
            let symbol = op.symbol
            if op.isBitVectorOnly {
                return "\(renderOperand(lhs)) \(symbol) \(renderOperand(rhs))"
            }
            let comparison = op == .equal || op == .notEqual
            let ordering = [.less, .lessOrEqual, .greater, .greaterOrEqual].contains(op)
            let leftType = comparison || ordering ? valueType(of: rhs) : nil
            let rightType = comparison || ordering ? valueType(of: lhs) : nil
            return "\(render(lhs, as: leftType)) \(symbol) \(render(rhs, as: rightType))"
        }
    }

    private func renderOperand(_ expression: ExprIR) -> String {
        if case .binary = expression { return "(\(render(expression)))" }
        if case .constant(let value) = expression, value > 9 { return DataTerms.literal(UInt64(bitPattern: Int64(value))) }
        return render(expression)
    }

    /// How to show a constant that meets this expression.
    enum ValueType {
        case variable(Int)
        case status
        case operation
        /// Bit-vector data: constants in hexadecimal.
        case bits
        /// A minor function or FSCTL code (P12).
        case minor
    }

    func valueType(of expression: ExprIR) -> ValueType? {
        if DataTyper(variables: program.model.variables).mentionsData(expression) { return .bits }
        return switch expression {
        case .variable(let index): .variable(index)
        case .operation(.status): .status
        case .operation(.handle): .operation
        case .operation(.minorFunction): .minor
        default: nil
        }
    }
}

extension Semantics {
    /// Whether the filter's instance teardown or its unload has started.
    func windingDown(_ filter: Int, _ state: SystemState) -> Bool {
        state.instances[filter] != .attached || state.filterStages[filter] != .registered
    }
}

extension ThreadRole {
    func isGenericWorker(of filter: Int, _ program: Program) -> Bool {
        if case .worker(let item, _) = self {
            return program.model.workItems[item].kind == .generic && program.workItemFilter[item] == filter
        }
        return false
    }
}
