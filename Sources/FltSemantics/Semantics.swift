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
    /// Filled in only when events were asked for.
    public let events: [Event]
}

/// The FltMgr operation lifecycle, executing a model's filters: the transition relation the
/// engines explore. Every rule cites its catalog id in ../shared/reference/fltmgr-rules.md.
public struct Semantics: Sendable {
    public let program: Program

    public init(_ program: Program) { self.program = program }

    /// Every variable at its initial value, every request about to be issued by its own thread.
    public func initialState() -> SystemState {
        let slots = [Slot](repeating: Slot(), count: program.filters.count)
        return SystemState(
            variables: program.model.variables.map(\.initial),
            operations: program.requests.map { _ in OperationState(slots: slots) },
            threads: program.requests.indices.map {
                ThreadState(role: .originator(operation: $0), frames: [.dispatch(operation: $0, step: .issue)])
            })
    }

    /// The threads that can take a step. A thread inside `Atomic` excludes all others while it can run.
    public func enabledThreads(_ state: SystemState) -> [Int] {
        let enabled = state.threads.indices.filter { canRun(state.threads[$0], state) }
        if let atomic = enabled.first(where: { state.threads[$0].isAtomic }) { return [atomic] }
        return enabled
    }

    private func canRun(_ thread: ThreadState, _ state: SystemState) -> Bool {
        guard let top = thread.frames.last else { return false }
        if case .dispatch(let operation, .waitSync(let filter)) = top {
            return state.operations[operation].slots[filter].syncSignalled
        }
        return true
    }

    /// Every successor of `state`: each enabled thread, each way its nondeterministic choices go.
    public func successors(of state: SystemState, events: Bool = false) -> [Successor] {
        var result: [Successor] = []
        for thread in enabledThreads(state) {
            var choices: [Int] = []
            while true {
                var run = Run(semantics: self, state: state, thread: thread, choices: choices, recording: events)
                run.execute()
                result.append(Successor(
                    state: run.state, transition: Transition(thread: thread, choices: run.taken),
                    violation: run.violation, events: run.events))
                guard let next = run.nextChoices() else { break }
                choices = next
            }
        }
        return result
    }

    /// Takes one recorded transition again, with its events.
    public func replay(_ transition: Transition, from state: SystemState) -> Successor {
        var run = Run(semantics: self, state: state, thread: transition.thread, choices: transition.choices, recording: true)
        run.execute()
        return Successor(state: run.state, transition: transition, violation: run.violation, events: run.events)
    }

    /// The liveness violation of an end state (no thread can move), if requests are left incomplete.
    /// Models have no loops, so every run ends; an end state is where progress is impossible.
    public func endStateViolation(_ state: SystemState) -> Violation? {
        var problems: [String] = []
        var location: SourceLocation?
        for (index, operation) in state.operations.enumerated() where operation.stage != .completed {
            let label = program.requests[index].label
            var pended: [String] = []
            for (filter, slot) in operation.slots.enumerated() {
                if slot.pre == .pended {
                    pended.append("pended by \(program.filters[filter].name)'s pre-operation callback (R1)")
                    location = location ?? preLocation(filter, index)
                }
                if slot.post == .pended {
                    pended.append("pended by \(program.filters[filter].name)'s post-operation callback (Q2)")
                    location = location ?? postLocation(filter, index)
                }
            }
            if pended.isEmpty {
                problems.append("\(label) never completes: every thread that could finish it is blocked")
            } else {
                problems.append("\(label) is \(pended.joined(separator: " and ")), and no thread is left that could resume it")
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
        case .originator: "originator"
        case .worker(let item, let operation): "worker \(program.model.workItems[item].name)(\(program.requests[operation].label))"
        case .fileSystem: "file system"
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
            case nil: return String(value)
            }
        case .variable(let index): return variableName(index)
        case .operation(let field): return "Op.\(field.rawValue)"
        case .not(let operand): return "!(\(render(operand)))"
        case .binary(let op, let lhs, let rhs):
            let symbol: String = switch op {
            case .add: "+"
            case .subtract: "-"
            case .equal: "=="
            case .notEqual: "!="
            case .less: "<"
            case .lessOrEqual: "<="
            case .greater: ">"
            case .greaterOrEqual: ">="
            case .and: "&&"
            case .or: "||"
            }
            let comparison = op == .equal || op == .notEqual
            let leftType = comparison ? valueType(of: rhs) : nil
            let rightType = comparison ? valueType(of: lhs) : nil
            return "\(render(lhs, as: leftType)) \(symbol) \(render(rhs, as: rightType))"
        }
    }

    /// How to show a constant that meets this expression.
    enum ValueType {
        case variable(Int)
        case status
        case operation
    }

    func valueType(of expression: ExprIR) -> ValueType? {
        switch expression {
        case .variable(let index): .variable(index)
        case .operation(.status): .status
        case .operation(.handle): .operation
        default: nil
        }
    }
}
