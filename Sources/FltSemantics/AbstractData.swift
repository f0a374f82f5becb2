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
    /// The value each state variable has after the step, as a term.
    public let updates: [Int]
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

extension Semantics {
    /// The semantics in abstract-data mode for `program`, or why `prove` cannot handle it.
    public static func abstracting(_ program: Program) throws(ModelError) -> Semantics {
        for variable in program.model.variables {
            if case .bitVector = variable.type, variable.threadLocal {
                throw ModelError("prove does not handle thread-local BitVectors yet (\(variable.name)); use verify", at: variable.location)
            }
        }
        for code in program.code {
            for (pc, instruction) in code.instructions.enumerated() {
                if case .loadData = instruction {
                    throw ModelError("prove does not handle non-atomic writes of BitVectors yet (`atomic: false`); use verify", at: code.locations[pc])
                }
            }
        }
        let inputs = program.dataInputs + program.bitVectorVariables.map { variable in
            guard case .bitVector(let width, let signed) = program.model.variables[variable].type else { preconditionFailure() }
            let owner = program.model.variables[variable].owner.map { "\($0)." } ?? ""
            return DataInput(name: owner + program.model.variables[variable].name, width: width, signed: signed, source: .variable(variable))
        }
        return Semantics(program, sharing: DataTerms(inputs: inputs, timeoutMilliseconds: 10_000), abstractData: true)
    }

    /// The bit-vector variables, in the order of `AbstractStep.updates`.
    public var stateVariables: [Int] { program.bitVectorVariables }

    /// Every input of the terms: the model's symbolic inputs, then one symbol per state variable.
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

    /// The initial state with its data abstracted, the variables' starting values and the
    /// assumptions on the inputs.
    public func abstractInitial() -> (state: SystemState, values: [Int], constraints: [Int]) {
        let state = initialState()
        return (abstracted(state), stateVariables.map { state.variables[$0] }, state.pathCondition)
    }

    /// Every step from an abstracted state, each way its choices and data branches can go.
    public func abstractSteps(from state: SystemState) -> [AbstractStep] {
        let variables = stateVariables
        return successors(of: state).map { successor in
            AbstractStep(
                state: abstracted(successor.state), transition: successor.transition, guardTerms: successor.state.pathCondition,
                updates: variables.map { successor.state.variables[$0] }, violation: successor.violation)
        }
    }

    private func abstracted(_ state: SystemState) -> SystemState {
        guard let data else { return state }
        var state = state
        for (position, variable) in stateVariables.enumerated() {
            state.variables[variable] = data.input(program.dataInputs.count + position)
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
        let places = state.threads.map { thread -> String in
            let name = threadName(thread.role)
            if case .code(let frame)? = thread.frames.last {
                let location = program.code[frame.code].locations[frame.pc]
                return "\(name) at \(location.file.split(separator: "/").last.map(String.init) ?? location.file):\(location.line)"
            }
            return "\(name) in FltMgr"
        }
        return places.isEmpty ? "when every thread has finished" : "when " + places.joined(separator: ", ")
    }
}
