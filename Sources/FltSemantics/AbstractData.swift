import Foundation
import FltModel
import FltSymbolic

// Abstract-data mode, for `fltcheck prove`: the explicit search runs over control states only (every
// bit-vector variable stands for "its value now", a symbol of its own), and each step comes out as
// an edge labelled with its guard (the branches it took on data) and what it wrote to each variable,
// both as terms over those symbols. The prover hands that graph, FltMgr's semantics included, to Z3
// as Horn clauses.

/// One step of the abstract search.
public struct AbstractStep: Sendable {
    /// The state after the step, with its data abstracted again.
    public let state: SystemState
    public let transition: Transition
    /// Boolean terms that must hold (over `Semantics.stateInput` symbols and rigid inputs).
    public let guardTerms: [Int]
    /// The value each data slot has after the step, as a term; `AbstractStep.anyValue` for a slot the
    /// state does not use (no condition on it).
    public let updates: [Int]

    /// The update of a slot whose value does not matter.
    public static let anyValue = -1
    public let violation: Violation?
}

/// A symbolic input as the prover sees it.
public struct ProverInput: Sendable {
    public enum Role: Sendable {
        /// A symbolic variable's starting value: appears only in the initial state.
        case initialValue
        /// A request's parameter or file-system status: fixed for the whole run.
        case rigid
        /// The value of state variable `k` in the state a step starts from.
        case stateVariable(Int)
    }
    public let name: String
    public let width: Int
    public let role: Role
}

/// Where the data of an abstracted state sits: one slot per shared `BitVector`, then, for each
/// thread position up to a bound, one slot per thread-local `BitVector` and one per `BitVector`
/// written with `atomic: false` (the value read and not yet written, in the thread's register).
/// Which thread a position holds depends on the control state, so each control state reads the
/// slots its own way; states are never merged up to a renaming of requests (no symmetry reduction)
/// when threads carry data.
struct AbstractLayout: Sendable {
    let globals: [Int]
    /// Thread-local `BitVector`s: their slot among a thread's locals, and the variable.
    let locals: [(slot: Int, variable: Int)]
    /// `BitVector`s written with `atomic: false`.
    let registerTargets: [Int]
    /// Thread positions with data slots.
    let threads: Int

    var perThread: Int { locals.count + registerTargets.count }
    var count: Int { globals.count + (perThread == 0 ? 0 : threads * perThread) }
    var threadsCarryData: Bool { perThread > 0 }

    /// The variable whose type slot `k` has.
    func variable(ofSlot k: Int) -> Int {
        if k < globals.count { return globals[k] }
        let within = (k - globals.count) % perThread
        return within < locals.count ? locals[within].variable : registerTargets[within - locals.count]
    }
}

extension Semantics {
    /// The semantics in abstract-data mode for `program`.
    public static func abstracting(_ program: Program, mergeLocalSteps: Bool = true) throws(ModelError) -> Semantics {
        let variables = program.model.variables
        let locals = program.bitVectorVariables.compactMap { variable in program.localSlot[variable].map { (slot: $0, variable: variable) } }
        var targets: [Int] = []
        for code in program.code {
            for (pc, instruction) in code.instructions.enumerated() {
                guard case .loadData = instruction, pc + 1 < code.instructions.count,
                      case .store(let variable) = code.instructions[pc + 1] else { continue }
                if !targets.contains(variable) { targets.append(variable) }
            }
        }
        // Every thread a run can have at once, roughly: per filter a DriverEntry, a teardown and an
        // unload; per request its originator, a canceller, the file system's completion and an oplock
        // break; per work item one worker per request and one more. A state with more threads holding
        // data stops the search (never a wrong answer).
        let threadBound = 3 * program.filters.count + 4 * program.requests.count
            + program.model.workItems.count * (program.requests.count + 1)
        let layout = AbstractLayout(
            globals: program.bitVectorVariables.filter { program.localSlot[$0] == nil }, locals: locals,
            registerTargets: targets, threads: threadBound)
        let inputs = program.dataInputs + (0..<layout.count).map { slot in
            let variable = layout.variable(ofSlot: slot)
            guard case .bitVector(let width, let signed) = variables[variable].type else { preconditionFailure("a data slot of a non-BitVector") }
            let owner = variables[variable].owner.map { "\($0)." } ?? ""
            var name = owner + variables[variable].name
            if slot >= layout.globals.count {
                let position = (slot - layout.globals.count) / layout.perThread + 1
                let within = (slot - layout.globals.count) % layout.perThread
                name += within < layout.locals.count ? "@thread\(position)" : " (read, not yet written)@thread\(position)"
            }
            return DataInput(name: name, width: width, signed: signed, source: .variable(variable))
        }
        return Semantics(program, sharing: DataTerms(inputs: inputs, timeoutMilliseconds: 10_000), abstractLayout: layout, mergeLocalSteps: mergeLocalSteps)
    }

    /// The data slots of an abstracted state, in the order of `AbstractStep.updates`.
    public var stateVariables: [Int] { abstractLayout.map { Array(0..<$0.count) } ?? [] }

    /// Every input of the terms: the model's symbolic inputs, then one symbol per data slot.
    public var proverInputs: [ProverInput] {
        guard let data else { return [] }
        return data.inputs.indices.map { index in
            let input = data.inputs[index]
            if index >= program.dataInputs.count {
                return ProverInput(name: input.name, width: input.width, role: .stateVariable(index - program.dataInputs.count))
            }
            if case .variable = input.source { return ProverInput(name: input.name, width: input.width, role: .initialValue) }
            return ProverInput(name: input.name, width: input.width, role: .rigid)
        }
    }

    /// `text` (an invariant of `state`) with each thread's data slots named after the thread that
    /// holds them in that state: `x@thread2` becomes `x of READ #2 originator`.
    public func namingThreadSlots(_ text: String, in state: SystemState) -> String {
        guard threadsCarryData else { return text }
        var named = text
        for position in state.threads.indices.reversed() {
            named = named.replacingOccurrences(of: "@thread\(position + 1)", with: " of \(threadName(state.threads[position].role))")
        }
        return named
    }

    /// Whether symmetry reduction may merge abstracted states: not when threads carry data, whose
    /// slots follow thread positions that a renaming of requests would reorder.
    public var abstractStatesMayBeRenamed: Bool { !threadsCarryData }

    /// Whether threads carry data (thread-local `BitVector`s, or values read by an `atomic: false`
    /// write): then which thread a data slot belongs to depends on the control state.
    public var threadsCarryData: Bool { abstractLayout?.threadsCarryData ?? false }

    /// How many data slots `state` uses: the shared variables, and the threads up to the last one
    /// that holds data. A graph's largest count is all its terms can mention.
    public func dataSlotsUsed(by state: SystemState) -> Int {
        guard let layout = abstractLayout else { return 0 }
        guard layout.threadsCarryData,
              let last = state.threads.indices.last(where: { position in
                  layout.locals.contains { $0.slot < state.localCount(of: position) } || registerTarget(of: position, in: state, layout) != nil
              }) else { return layout.globals.count }
        return layout.globals.count + min(last + 1, layout.threads) * layout.perThread
    }

    /// Why `state` does not fit the layout (more threads holding data than it has room for, or a
    /// value read by a frame that is not the thread's innermost), nil when it fits.
    public func abstractionOverflow(_ state: SystemState) -> String? {
        guard let layout = abstractLayout, layout.threadsCarryData else { return nil }
        for position in state.threads.indices {
            let holdsData = layout.locals.contains { $0.slot < state.localCount(of: position) } || registerTarget(of: position, in: state, layout) != nil
            if holdsData && position >= layout.threads {
                return "a state has more than \(layout.threads) threads holding thread-local data, more than prove has room for"
            }
            for case .code(let frame) in state.frames(of: position).dropLast() {
                if case .store(let variable) = program.code[frame.code].instructions[frame.pc], layout.registerTargets.contains(variable) {
                    return "a non-atomic write is interrupted by a nested callback in the same thread, which prove does not handle"
                }
            }
        }
        return nil
    }

    /// The `atomic: false` write the thread's innermost frame is about to finish, as an index into
    /// `registerTargets`.
    private func registerTarget(of thread: Int, in state: SystemState, _ layout: AbstractLayout) -> Int? {
        guard !layout.registerTargets.isEmpty, case .code(let frame)? = state.topFrame(of: thread),
              case .store(let variable) = program.code[frame.code].instructions[frame.pc] else { return nil }
        return layout.registerTargets.firstIndex(of: variable)
    }

    /// The initial state with its data abstracted, the slots' starting values and the assumptions
    /// on the inputs.
    public func abstractInitial() -> (state: SystemState, values: [Int], constraints: [Int]) {
        let state = initialState()
        return (abstracted(state), slotValues(state), state.pathCondition)
    }

    /// Every step from an abstracted state, each way its choices and data branches can go.
    public func abstractSteps(from state: SystemState) -> [AbstractStep] {
        successors(of: state).map { successor in
            AbstractStep(
                state: abstracted(successor.state), transition: successor.transition, guardTerms: successor.state.pathCondition,
                updates: slotValues(successor.state), violation: successor.violation)
        }
    }

    /// The term in each data slot of `state` (`AbstractStep.anyValue` in the slots it does not use:
    /// a fixed value there would be one more fact for Spacer to learn about every control state).
    private func slotValues(_ state: SystemState) -> [Int] {
        guard let layout = abstractLayout else { return [] }
        var values = layout.globals.map { state.variables[$0] }
        guard layout.threadsCarryData else { return values }
        for position in 0..<layout.threads {
            let exists = position < state.threads.count
            for local in layout.locals {
                if exists, local.slot < state.localCount(of: position) {
                    values.append(state.local(local.slot, of: position))
                } else {
                    values.append(AbstractStep.anyValue)
                }
            }
            let target = exists ? registerTarget(of: position, in: state, layout) : nil
            for index in layout.registerTargets.indices {
                if index == target, case .code(let frame)? = state.topFrame(of: position) {
                    values.append(frame.register)
                } else {
                    values.append(AbstractStep.anyValue)
                }
            }
        }
        return values
    }

    private func abstracted(_ state: SystemState) -> SystemState {
        guard let data, let layout = abstractLayout else { return state }
        var state = state
        for (position, variable) in layout.globals.enumerated() {
            state.variables[variable] = data.input(program.dataInputs.count + position)
        }
        if layout.threadsCarryData {
            for position in state.threads.indices where position < layout.threads {
                let base = program.dataInputs.count + layout.globals.count + position * layout.perThread
                for (index, local) in layout.locals.enumerated() where local.slot < state.localCount(of: position) {
                    state.setLocal(local.slot, of: position, to: data.input(base + index))
                }
                if let target = registerTarget(of: position, in: state, layout), case .code(var frame)? = state.topFrame(of: position) {
                    frame.register = data.input(base + layout.locals.count + target)
                    state.setTopFrame(of: position, to: .code(frame))
                }
            }
        }
        state.pathCondition = []
        return state
    }

    /// A term as a Z3 formula, each input replaced by `inputs[index]`.
    public func encode(_ term: Int, in context: Z3Context, inputs: [Z3Expr]) throws -> Z3Expr {
        guard let data else { return try context.bool(true) }
        var memo: [Int: Z3Expr] = [:]
        return try data.encode(term, context, inputs, &memo)
    }

    /// Whether a boolean term is the constant `true` (every term is, in a model without data).
    public func isTrue(_ term: Int) -> Bool {
        guard let data else { return true }
        if case .constant(let value, 0) = data.node(term) { return value != 0 }
        return false
    }

    /// A term as text, for traces and invariants.
    public func renderTerm(_ term: Int) -> String { data?.render(term) ?? "" }
}

extension DataTerms {
    func encode(_ id: TermID, _ context: Z3Context, _ inputs: [Z3Expr], _ memo: inout [TermID: Z3Expr]) throws -> Z3Expr {
        if let done = memo[id] { return done }
        let result: Z3Expr
        switch node(id) {
        case .constant(let value, 0): result = try context.bool(value != 0)
        case .constant(let value, let width): result = try context.bitVector(value, width: UInt32(width))
        case .input(let index): result = inputs[index]
        case .unary(let op, let a):
            let x = try encode(a, context, inputs, &memo)
            switch op {
            case .not: result = try x.not()
            case .bitNot: result = try x.bvnot()
            default: result = try x.bvneg()
            }
        case .binary(let op, let a, let b):
            let x = try encode(a, context, inputs, &memo)
            let y = try encode(b, context, inputs, &memo)
            result = try Self.apply(op, x, y)
        case .resize(let a, let width, let signExtend):
            let x = try encode(a, context, inputs, &memo)
            let from = self.width(a)
            if width < from {
                result = try x.extract(high: UInt32(width - 1), low: 0)
            } else if width == from {
                result = x
            } else {
                result = signExtend ? try x.signExtend(by: UInt32(width - from)) : try x.zeroExtend(by: UInt32(width - from))
            }
        }
        memo[id] = result
        return result
    }

    static func apply(_ op: TermOperator, _ x: Z3Expr, _ y: Z3Expr) throws -> Z3Expr {
        switch op {
        case .add: try x.bvadd(y)
        case .subtract: try x.bvsub(y)
        case .multiply: try x.bvmul(y)
        case .unsignedDivide: try x.bvudiv(y)
        case .signedDivide: try x.bvsdiv(y)
        case .unsignedRemainder: try x.bvurem(y)
        case .signedRemainder: try x.bvsrem(y)
        case .bitAnd: try x.bvand(y)
        case .bitOr: try x.bvor(y)
        case .bitXor: try x.bvxor(y)
        case .shiftLeft: try x.bvshl(y)
        case .logicalShiftRight: try x.bvlshr(y)
        case .arithmeticShiftRight: try x.bvashr(y)
        case .equal: try x.eq(y)
        case .unsignedLess: try x.ult(y)
        case .unsignedLessOrEqual: try x.ule(y)
        case .signedLess: try x.slt(y)
        case .signedLessOrEqual: try x.sle(y)
        case .and: try x.and(y)
        case .or: try x.or(y)
        case .bitNot, .negate, .not: throw Z3Error(code: .rejectedByWrapper, message: "unary operator used as binary", operation: "encode")
        }
    }
}

extension Semantics {
    /// Where every thread of a state is, briefly: `READ #1 originator at Models/X.swift:33`.
    public func describe(_ state: SystemState) -> String {
        let places = state.threads.indices.map { thread -> String in
            let name = threadName(state.threads[thread].role)
            if case .code(let frame)? = state.topFrame(of: thread) {
                let location = program.code[frame.code].locations[frame.pc]
                return "\(name) at \(location.file.split(separator: "/").last.map(String.init) ?? location.file):\(location.line)"
            }
            return "\(name) in FltMgr"
        }
        return places.isEmpty ? "when every thread has finished" : "when " + places.joined(separator: ", ")
    }
}
