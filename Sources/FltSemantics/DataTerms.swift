import FltModel
import FltSymbolic
import Foundation
import Synchronization

// Symbolic data (issue 4): bit-vector values that may depend on inputs left symbolic by the model
// (a request's Length, a sector size). A value is a term over those inputs; a state keeps, besides
// the terms its variables hold, the path condition: the branch decisions taken on symbolic values.
// Z3 decides which branches are feasible. Terms are hash-consed, so a state can hold a term as one
// integer and equal integers are equal terms: the state store needs nothing new.

/// A term's index in `DataTerms`.
typealias TermID = Int

/// An operation of the term language (SMT-LIB's bit-vector operations; Booleans for conditions).
enum TermOperator: UInt8, Sendable {
    case add, subtract, multiply, bitAnd, bitOr, bitXor, shiftLeft, logicalShiftRight, arithmeticShiftRight
    /// Division and remainder as SMT-LIB defines them for a zero divisor; the semantics reports a
    /// divisor that can be zero before it divides (C leaves it undefined).
    case unsignedDivide, signedDivide, unsignedRemainder, signedRemainder
    case bitNot, negate
    case equal, unsignedLess, unsignedLessOrEqual, signedLess, signedLessOrEqual
    case not, and, or

    var isComparison: Bool {
        switch self {
        case .equal, .unsignedLess, .unsignedLessOrEqual, .signedLess, .signedLessOrEqual: true
        default: false
        }
    }

    var isBoolean: Bool { self == .not || self == .and || self == .or }
}

/// One node of a term. Width 0 is a Boolean.
enum TermNode: Hashable, Sendable {
    case constant(UInt64, width: Int)
    case input(Int)
    case unary(TermOperator, TermID)
    case binary(TermOperator, TermID, TermID)
    /// Zero- or sign-extended to a larger width, or truncated to a smaller one.
    case resize(TermID, width: Int, signExtend: Bool)
}

/// A symbolic input: a `BitVector` declared `.symbolic`, or a request parameter given `.symbolic`.
public struct DataInput: Sendable {
    public enum Source: Equatable, Sendable {
        case variable(Int)
        case parameter(request: Int, field: OperationField)
    }
    /// As traces show it: `SectorSize`, `READ #1.Length`.
    public let name: String
    public let width: Int
    public let signed: Bool
    public let source: Source
}

/// A condition the symbolic inputs satisfy from the start (`.symbolic(where:)`), evaluated for
/// `operation` (a request parameter's own request, or -1).
struct DataAssumption: Sendable {
    let condition: DataExpr
    let operation: Int
}

/// A request's Length or ByteOffset.
enum RequestParameter: Sendable {
    case value(UInt64, width: Int)
    case input(Int)
}

@inline(__always) func mask(_ width: Int) -> UInt64 { width >= 64 ? ~0 : (1 << UInt64(width)) - 1 }

/// The value of a `width`-bit pattern read as C reads it: signed or not.
func signedValue(_ bits: UInt64, width: Int) -> Int64 {
    width >= 64 ? Int64(bitPattern: bits) : (bits >> UInt64(width - 1)) & 1 == 1 ? Int64(bitPattern: bits | ~mask(width)) : Int64(bits)
}

/// Applies an operator to constant operands: the concrete semantics of every term, used to fold
/// terms whose operands are known and to evaluate a counterexample's values.
func applyConstant(_ op: TermOperator, _ a: UInt64, _ b: UInt64, width: Int) -> UInt64 {
    let m = mask(width)
    switch op {
    case .add: return (a &+ b) & m
    case .subtract: return (a &- b) & m
    case .multiply: return (a &* b) & m
    case .unsignedDivide: return b == 0 ? m : a / b
    case .unsignedRemainder: return b == 0 ? a : a % b
    case .signedDivide, .signedRemainder:
        let x = signedValue(a, width: width)
        let y = signedValue(b, width: width)
        if y == 0 { return op == .signedDivide ? (x < 0 ? 1 : m) : a }
        let (quotient, overflow) = x.dividedReportingOverflow(by: y)
        if op == .signedDivide { return UInt64(bitPattern: overflow ? x : quotient) & m }
        return UInt64(bitPattern: overflow ? 0 : x % y) & m
    case .bitAnd: return a & b
    case .bitOr: return a | b
    case .bitXor: return a ^ b
    case .shiftLeft: return b >= UInt64(width) ? 0 : (a << b) & m
    case .logicalShiftRight: return b >= UInt64(width) ? 0 : a >> b
    case .arithmeticShiftRight:
        let shifted = signedValue(a, width: width) >> Int64(min(b, 63))
        return UInt64(bitPattern: shifted) & m
    case .bitNot: return ~a & m
    case .negate: return (0 &- a) & m
    case .equal: return a == b ? 1 : 0
    case .unsignedLess: return a < b ? 1 : 0
    case .unsignedLessOrEqual: return a <= b ? 1 : 0
    case .signedLess: return signedValue(a, width: width) < signedValue(b, width: width) ? 1 : 0
    case .signedLessOrEqual: return signedValue(a, width: width) <= signedValue(b, width: width) ? 1 : 0
    case .not: return a == 0 ? 1 : 0
    case .and: return a != 0 && b != 0 ? 1 : 0
    case .or: return a != 0 || b != 0 ? 1 : 0
    }
}

func resizeConstant(_ value: UInt64, from width: Int, to newWidth: Int, signExtend: Bool) -> UInt64 {
    if newWidth <= width { return value & mask(newWidth) }
    return signExtend ? UInt64(bitPattern: signedValue(value, width: width)) & mask(newWidth) : value
}

/// What Z3 said about a set of constraints, and how the explorer treats it.
enum Feasibility {
    case feasible
    case infeasible
    /// Z3 could not decide (timeout, resource limit): explored as feasible, and the verdict is
    /// inconclusive (a pass is never claimed).
    case unknown
}

/// Counters of the solver's work, for the report.
public struct SolverStatistics: Sendable {
    /// Satisfiability checks that reached Z3 (cached answers are not counted).
    public var queries = 0
    /// Answers Z3 could not give (unknown, timeout or error): each makes the verdict inconclusive.
    public var unknowns = 0
    /// Wall-clock seconds inside Z3.
    public var seconds = 0.0
    /// The first reason Z3 gave for an unknown.
    public var firstUnknownReason: String?
}

/// The terms of one exploration and the Z3 context that decides them, shared by every exploring
/// thread (term ids must agree between them). Z3 is single-threaded: one lock serializes its use.
final class DataTerms: Sendable {
    let inputs: [DataInput]
    /// Per-query Z3 limit.
    let timeoutMilliseconds: UInt32

    private struct Table {
        var nodes: [TermNode] = []
        var widths: [Int] = []
        var ids: [TermNode: TermID] = [:]
    }
    private let table = Mutex(Table())

    private final class SolverState {
        var context: Z3Context?
        var contextError: String?
        var translated: [TermID: Z3Expr] = [:]
        var inputSymbols: [Z3Expr] = []
        var answers: [[TermID]: Feasibility] = [:]
        var statistics = SolverStatistics()
    }
    private let solver: Mutex<SolverState>

    init(inputs: [DataInput], timeoutMilliseconds: UInt32) {
        self.inputs = inputs
        self.timeoutMilliseconds = timeoutMilliseconds
        let state = SolverState()
        do { state.context = try Z3Context() } catch { state.contextError = "\(error)" }
        solver = Mutex(state)
    }

    var statistics: SolverStatistics { solver.withLock { $0.statistics } }

    // MARK: Building terms

    func node(_ id: TermID) -> TermNode { table.withLock { $0.nodes[id] } }
    func width(_ id: TermID) -> Int { table.withLock { $0.widths[id] } }

    /// The constant's value, if the term is one.
    func constantValue(_ id: TermID) -> UInt64? {
        if case .constant(let value, _) = node(id) { return value }
        return nil
    }

    func constant(_ value: UInt64, width: Int) -> TermID { make(.constant(value & mask(max(width, 1)), width: width)) }
    func boolean(_ value: Bool) -> TermID { constant(value ? 1 : 0, width: 0) }
    func input(_ index: Int) -> TermID { make(.input(index)) }

    /// The term for `node`, folded to a constant when its operands are constants.
    func make(_ node: TermNode) -> TermID {
        table.withLock { table in
            var folded = node
            switch node {
            case .unary(let op, let a):
                if case .constant(let value, let width) = table.nodes[a] {
                    folded = .constant(applyConstant(op, value, 0, width: width), width: op == .not ? 0 : width)
                }
            case .binary(let op, let a, let b):
                if case .constant(let x, let width) = table.nodes[a], case .constant(let y, _) = table.nodes[b] {
                    folded = .constant(applyConstant(op, x, y, width: width), width: op.isComparison || op.isBoolean ? 0 : width)
                } else if op == .and || op == .or, let simpler = Self.shortCircuit(op, a, b, table.nodes) {
                    return simpler
                }
            case .resize(let a, let width, let signExtend):
                if case .constant(let value, let from) = table.nodes[a] {
                    folded = .constant(resizeConstant(value, from: from, to: width, signExtend: signExtend), width: width)
                }
            case .constant, .input: break
            }
            if let id = table.ids[folded] { return id }
            let width: Int = switch folded {
            case .constant(_, let width): width
            case .input(let index): inputs[index].width
            case .unary(let op, let a): op == .not ? 0 : table.widths[a]
            case .binary(let op, let a, _): op.isComparison || op.isBoolean ? 0 : table.widths[a]
            case .resize(_, let width, _): width
            }
            table.nodes.append(folded)
            table.widths.append(width)
            table.ids[folded] = table.nodes.count - 1
            return table.nodes.count - 1
        }
    }

    /// `true && x` is x, `false && x` is false, and so on.
    private static func shortCircuit(_ op: TermOperator, _ a: TermID, _ b: TermID, _ nodes: [TermNode]) -> TermID? {
        for (known, other) in [(a, b), (b, a)] {
            guard case .constant(let value, _) = nodes[known] else { continue }
            if op == .and { return value != 0 ? other : known }
            return value != 0 ? known : other
        }
        return nil
    }

    func negation(_ condition: TermID) -> TermID { make(.unary(.not, condition)) }

    // MARK: Deciding

    /// Whether `constraints` (Boolean terms) can hold together.
    func feasibility(_ constraints: [TermID]) -> Feasibility {
        let key = Array(Set(constraints)).sorted()
        return solver.withLock { state in
            if let known = state.answers[key] { return known }
            let answer: Feasibility
            switch check(key, state) {
            case .satisfiable?: answer = .feasible
            case .unsatisfiable?: answer = .infeasible
            case .unknown?, nil: answer = .unknown
            }
            state.answers[key] = answer
            return answer
        }
    }

    /// Values of every input satisfying `constraints`, or nil when Z3 finds none. Each input in turn
    /// is made as small as it can be (as an unsigned number, by binary search), so a counterexample
    /// shows `Length = 1` rather than whatever Z3 happened to pick.
    func model(_ constraints: [TermID]) -> [UInt64]? {
        solver.withLock { state -> [UInt64]? in
            guard let context = state.context else { return nil }
            do {
                var fixed = try constraints.map { try translate($0, state, context) }
                guard var values = try solve(fixed, context) else { return nil }
                for index in inputs.indices {
                    let input = try translate(self.input(index), state, context)
                    let width = UInt32(inputs[index].width)
                    var low: UInt64 = 0
                    var high = values[index]
                    while low < high {
                        let middle = low + (high - low) / 2
                        if let smaller = try solve(fixed + [try input.ule(context.bitVector(middle, width: width))], context) {
                            values = smaller
                            high = smaller[index]
                        } else {
                            low = middle + 1
                        }
                    }
                    fixed.append(try input.eq(context.bitVector(high, width: width)))
                }
                return values
            } catch {
                return nil
            }
        }
    }

    /// The inputs' values in a model of `formulas`, nil when there is none (or Z3 cannot tell).
    private func solve(_ formulas: [Z3Expr], _ context: Z3Context) throws -> [UInt64]? {
        let z3 = try Z3Solver(context: context)
        for formula in formulas { try z3.assert(formula) }
        guard try z3.check(timeoutMilliseconds: timeoutMilliseconds) == .satisfiable else { return nil }
        return try inputs.indices.map { try z3.value(of: context.bitVectorVariable(inputName($0), width: UInt32(inputs[$0].width))) }
    }

    private func inputName(_ index: Int) -> String { "\(inputs[index].name)#\(index)" }

    private func check(_ constraints: [TermID], _ state: SolverState) -> Z3Result? {
        guard let context = state.context else {
            state.statistics.unknowns += 1
            state.statistics.firstUnknownReason = state.statistics.firstUnknownReason ?? "Z3 could not start: \(state.contextError ?? "")"
            return nil
        }
        let start = Date()
        defer {
            state.statistics.queries += 1
            state.statistics.seconds += Date().timeIntervalSince(start)
        }
        do {
            let z3 = try Z3Solver(context: context)
            for constraint in constraints { try z3.assert(translate(constraint, state, context)) }
            let result = try z3.check(timeoutMilliseconds: timeoutMilliseconds)
            if case .unknown(let reason) = result {
                state.statistics.unknowns += 1
                state.statistics.firstUnknownReason = state.statistics.firstUnknownReason ?? "Z3 answered unknown (\(reason))"
            }
            return result
        } catch {
            state.statistics.unknowns += 1
            state.statistics.firstUnknownReason = state.statistics.firstUnknownReason ?? "Z3 failed: \(error)"
            return nil
        }
    }

    /// The term in Z3, each input a constant named after it (cached per term for this context).
    private func translate(_ id: TermID, _ state: SolverState, _ context: Z3Context) throws -> Z3Expr {
        if state.inputSymbols.isEmpty && !inputs.isEmpty {
            state.inputSymbols = try inputs.indices.map { try context.bitVectorVariable(inputName($0), width: UInt32(inputs[$0].width)) }
        }
        return try encode(id, context, state.inputSymbols, &state.translated)
    }

    // MARK: Concrete values

    /// The term's value when the inputs have `values`.
    func evaluate(_ id: TermID, inputs values: [UInt64]) -> UInt64 {
        switch node(id) {
        case .constant(let value, _): return value
        case .input(let index): return values[index]
        case .unary(let op, let a): return applyConstant(op, evaluate(a, inputs: values), 0, width: width(a))
        case .binary(let op, let a, let b):
            return applyConstant(op, evaluate(a, inputs: values), evaluate(b, inputs: values), width: width(a))
        case .resize(let a, let width, let signExtend):
            return resizeConstant(evaluate(a, inputs: values), from: self.width(a), to: width, signExtend: signExtend)
        }
    }

    // MARK: Rendering

    /// Source-like text: inputs by name, constants in hexadecimal beyond 9.
    func render(_ id: TermID) -> String {
        switch node(id) {
        case .constant(let value, 0): return value != 0 ? "true" : "false"
        case .constant(let value, _): return Self.literal(value)
        case .input(let index): return inputs[index].name
        case .unary(let op, let a):
            let symbol = op == .not ? "!" : op == .bitNot ? "~" : "-"
            return "\(symbol)\(renderOperand(a))"
        case .binary(let op, let a, let b):
            return "\(renderOperand(a)) \(Self.symbol(op)) \(renderOperand(b))"
        case .resize(let a, let width, _):
            return "(\(width)-bit)\(renderOperand(a))"
        }
    }

    private func renderOperand(_ id: TermID) -> String {
        switch node(id) {
        case .constant, .input, .unary: render(id)
        default: "(\(render(id)))"
        }
    }

    static func literal(_ value: UInt64) -> String { value <= 9 ? String(value) : "0x" + String(value, radix: 16, uppercase: true) }

    private static func symbol(_ op: TermOperator) -> String {
        switch op {
        case .add: "+"
        case .subtract: "-"
        case .multiply: "*"
        case .unsignedDivide, .signedDivide: "/"
        case .unsignedRemainder, .signedRemainder: "%"
        case .bitAnd: "&"
        case .bitOr: "|"
        case .bitXor: "^"
        case .shiftLeft: "<<"
        case .logicalShiftRight, .arithmeticShiftRight: ">>"
        case .equal: "=="
        case .unsignedLess, .signedLess: "<"
        case .unsignedLessOrEqual, .signedLessOrEqual: "<="
        case .and: "&&"
        case .or: "||"
        case .bitNot: "~"
        case .negate: "-"
        case .not: "!"
        }
    }
}

// MARK: - Data in the semantics

extension Semantics {
    /// Symbolic variables start as their inputs, concrete ones as constants; the assumptions of the
    /// inputs form the first path condition.
    func initializeData(_ state: inout SystemState, _ data: DataTerms) {
        for index in program.bitVectorVariables where program.localSlot[index] == nil {
            let variable = program.model.variables[index]
            guard case .bitVector(let width, _) = variable.type else { continue }
            if let input = program.dataInputs.firstIndex(where: { $0.source == .variable(index) }) {
                state.variables[index] = data.input(input)
            } else {
                state.variables[index] = data.constant(UInt64(bitPattern: Int64(variable.initial)), width: width)
            }
        }
        // A file-system status assumption is about the status the file system will complete with.
        var assumed = state
        for operation in assumed.operations.indices {
            if let symbolic = requestParameter(operation, .status, data) { assumed.operations[operation].statusTerm = symbolic }
        }
        for assumption in program.dataAssumptions {
            let frame = CodeFrame(code: 0, pc: 0, operation: assumption.operation, filter: 0)
            addConstraint(term(assumption.condition, frame, assumed), to: &state)
        }
    }

    /// The term of a request's parameter, nil when the request does not give it.
    func requestParameter(_ operation: Int, _ field: OperationField, _ data: DataTerms) -> TermID? {
        switch program.requestParameters[operation][field] {
        case .value(let value, let width)?: data.constant(value, width: width)
        case .input(let index)?: data.input(index)
        case nil: nil
        }
    }

    /// IoStatus.Status of an operation as traces show it: a status name, or the symbolic term.
    func statusText(_ operation: OperationState) -> String {
        if operation.statusTerm >= 0, let data { return data.render(operation.statusTerm) }
        return NTStatus(operation.status).description
    }

    /// A variable's starting value: for a bit-vector, the term of its initial constant.
    func initialValue(of variable: Int) -> Int {
        guard let data, case .bitVector(let width, _) = program.model.variables[variable].type else {
            return program.model.variables[variable].initial
        }
        return data.constant(UInt64(bitPattern: Int64(program.model.variables[variable].initial)), width: width)
    }

    /// The term an expression over data has in a code frame.
    func term(_ expression: DataExpr, _ frame: CodeFrame, _ state: SystemState, thread: Int? = nil, irql: Int = 0) -> TermID {
        guard let data else { return 0 }
        switch expression {
        case .condition(let plain): return data.boolean(evaluate(plain, frame, state, thread: thread, irql: irql) != 0)
        case .literal(let value, let width): return data.constant(value, width: width)
        case .variable(let index): return value(of: index, in: thread, state)
        case .parameter(let field):
            guard frame.operation >= 0, let id = requestParameter(frame.operation, field, data) else { return data.constant(0, width: 32) }
            return id
        case .status:
            guard frame.operation >= 0 else { return data.constant(0, width: 32) }
            let operation = state.operations[frame.operation]
            return operation.statusTerm >= 0 ? operation.statusTerm : data.constant(UInt64(operation.status), width: 32)
        case .unary(let op, let operand): return data.make(.unary(op, term(operand, frame, state, thread: thread, irql: irql)))
        case .binary(let op, let lhs, let rhs):
            return data.make(.binary(op, term(lhs, frame, state, thread: thread, irql: irql), term(rhs, frame, state, thread: thread, irql: irql)))
        case .resize(let operand, let width, let signExtend):
            return data.make(.resize(term(operand, frame, state, thread: thread, irql: irql), width: width, signExtend: signExtend))
        }
    }

    /// Adds a Boolean term to the state's path condition (kept sorted and without repeats, so equal
    /// sets of decisions make equal states).
    func addConstraint(_ condition: TermID, to state: inout SystemState) {
        if let data, data.constantValue(condition) == 1 { return }
        var position = 0
        while position < state.pathCondition.count && state.pathCondition[position] < condition { position += 1 }
        if position == state.pathCondition.count || state.pathCondition[position] != condition {
            state.pathCondition.insert(condition, at: position)
        }
    }

    /// Whether Z3 confirms the state's path can happen. A violation is reported only on a confirmed
    /// path: after an undecided branch (explored as feasible) it might be a false alarm, and the
    /// undecided query already makes the verdict inconclusive.
    func pathConfirmed(_ state: SystemState) -> Bool {
        // In abstract-data mode the path condition is the step's guard, decided by the prover.
        guard let data, !abstractData, !state.pathCondition.isEmpty else { return true }
        return data.feasibility(state.pathCondition) == .feasible
    }

    /// Whether `condition` can hold on the state's path.
    func feasibility(of condition: TermID, in state: SystemState) -> Feasibility {
        guard let data else { return .feasible }
        if let value = data.constantValue(condition) { return value != 0 ? .feasible : .infeasible }
        return data.feasibility(state.pathCondition + [condition])
    }

    /// Concrete values Z3 picked for the symbolic inputs on the state's path, and what the state's
    /// bit-vector variables hold then: the data of a counterexample. Nil without symbolic data.
    public func dataValues(in state: SystemState) -> [String]? {
        guard let data, !program.dataInputs.isEmpty else { return nil }
        guard let values = data.model(state.pathCondition) else {
            return ["Z3 gave no values for this path (\(data.statistics.firstUnknownReason ?? "no model"))"]
        }
        var lines = program.dataInputs.indices.map { "\(data.inputs[$0].name) = \(DataTerms.literal(values[$0]))" }
        for index in program.bitVectorVariables where program.localSlot[index] == nil && !program.model.variables[index].symbolic {
            lines.append("\(variableName(index)) = \(DataTerms.literal(data.evaluate(state.variables[index], inputs: values)))")
        }
        return lines
    }
}
