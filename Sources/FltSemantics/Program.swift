import FltModel

/// A problem with a model that makes it impossible to check, with where it is in the model.
public struct ModelError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public let location: SourceLocation?
    public init(_ message: String, at location: SourceLocation?) {
        self.message = message
        self.location = location
    }
    public var description: String {
        if let location { return "\(location): error: \(message)" }
        return "error: \(message)"
    }
}

/// One instruction of compiled filter code. Structured statements become jumps so a thread's
/// position in its code is a single integer.
enum Instruction: Sendable {
    case assign(variable: Int, value: ExprIR)
    /// Reads `condition`; goes on at the next instruction when true, at `elseTarget` when false.
    case branch(condition: ExprIR, elseTarget: Int)
    case jump(Int)
    case choose([Int])
    case assert(ExprIR, message: String)
    case atomicBegin
    case atomicEnd
    case step
    case returnPre(PreOutcome)
    case returnPost(PostOutcome)
    case completePendedPre(operation: ExprIR, outcome: PreOutcome)
    case completePendedPost(operation: ExprIR)
    /// On success goes on at the next instruction, on failure at `failureTarget`.
    case queueDeferredWorkItem(workItem: Int, operation: ExprIR, failureTarget: Int)
    case setStatus(ExprIR)
    /// The end of a work item routine.
    case end

    /// Invisible instructions are bookkeeping: they never end a step and never show in a trace.
    var isVisible: Bool {
        switch self {
        case .jump, .atomicEnd, .end: false
        default: true
        }
    }
}

struct CompiledCode: Sendable {
    var instructions: [Instruction]
    var locations: [SourceLocation]
    /// How traces name it, e.g. `Pender PreRead` or `Pender work item DeQueue`.
    var name: String
}

/// One request of the workload: what the operation is.
public struct Request: Sendable {
    public let major: MajorFunction
    public let kind: RequestKind
    public let synchronous: Bool
    public let paging: Bool
    public let topLevelIrp: Bool
    public let fileSystemTiming: FileSystemTiming
    public let fileSystemStatuses: [NTStatus]
    /// 1-based, as traces show it.
    public let number: Int

    public var isIrp: Bool { kind == .irp }
    /// `READ #2`.
    public var label: String { "\(major.rawValue) #\(number)" }
}

/// A filter of the stack, in stack order (index 0 is the highest altitude, called first).
struct StackFilter: Sendable {
    let name: String
    let altitude: Int
    var pre: [MajorFunction: Int] = [:]
    var post: [MajorFunction: Int] = [:]
}

/// A validated model, compiled for execution: the filter stack in altitude order, the requests,
/// and every callback and work item as instruction arrays.
public struct Program: Sendable {
    public let model: ModelIR
    public let requests: [Request]
    let filters: [StackFilter]
    let code: [CompiledCode]
    /// Code index of each work item (by `ModelIR.workItems` index), and its filter's stack index.
    let workItemCode: [Int]
    let workItemFilter: [Int]

    public var filterNames: [String] { filters.map(\.name) }

    /// Validates the IR and compiles it. Throws the first problem found, located in the model.
    public init(_ model: ModelIR) throws(ModelError) {
        self.model = model
        try Validator(model: model).validate()

        let order = model.filters.indices.sorted { model.filters[$0].altitude > model.filters[$1].altitude }
        var filters: [StackFilter] = []
        var code: [CompiledCode] = []
        var stackIndexOfName: [String: Int] = [:]
        for declared in order {
            let filter = model.filters[declared]
            var stacked = StackFilter(name: filter.name, altitude: filter.altitude)
            for callback in filter.callbacks {
                let name = "\(filter.name) \(callback.kind == .pre ? "Pre" : "Post")\(callback.major.callbackName)"
                var compiler = Compiler()
                compiler.compile(callback.body)
                code.append(CompiledCode(instructions: compiler.instructions, locations: compiler.locations, name: name))
                if callback.kind == .pre { stacked.pre[callback.major] = code.count - 1 } else { stacked.post[callback.major] = code.count - 1 }
            }
            stackIndexOfName[filter.name] = filters.count
            filters.append(stacked)
        }
        var workItemCode: [Int] = []
        var workItemFilter: [Int] = []
        for item in model.workItems {
            var compiler = Compiler()
            compiler.compile(item.body)
            compiler.emit(.end, item.location)
            code.append(CompiledCode(instructions: compiler.instructions, locations: compiler.locations, name: "\(item.owner) work item \(item.name)"))
            workItemCode.append(code.count - 1)
            workItemFilter.append(stackIndexOfName[item.owner] ?? 0)
        }
        var requests: [Request] = []
        for group in model.workload.requests {
            for _ in 0..<group.count {
                requests.append(Request(
                    major: group.major, kind: group.kind, synchronous: group.kind == .fastIo ? true : group.synchronous,
                    paging: group.paging, topLevelIrp: group.topLevelIrp, fileSystemTiming: group.fileSystemTiming,
                    fileSystemStatuses: group.fileSystemStatuses, number: requests.count + 1))
            }
        }
        self.filters = filters
        self.code = code
        self.requests = requests
        self.workItemCode = workItemCode
        self.workItemFilter = workItemFilter
    }
}

/// Turns structured statements into instructions with jump targets.
struct Compiler {
    var instructions: [Instruction] = []
    var locations: [SourceLocation] = []

    mutating func emit(_ instruction: Instruction, _ location: SourceLocation) {
        instructions.append(instruction)
        locations.append(location)
    }

    mutating func compile(_ body: [StatementIR]) {
        for statement in body { compile(statement) }
    }

    mutating func compile(_ statement: StatementIR) {
        let at = statement.location
        switch statement.kind {
        case .assign(let variable, let value): emit(.assign(variable: variable, value: value), at)
        case .ifElse(let condition, let then, let otherwise):
            let branch = instructions.count
            emit(.branch(condition: condition, elseTarget: -1), at)
            compile(then)
            if otherwise.isEmpty {
                instructions[branch] = .branch(condition: condition, elseTarget: instructions.count)
            } else {
                let jumpOverElse = instructions.count
                emit(.jump(-1), at)
                instructions[branch] = .branch(condition: condition, elseTarget: instructions.count)
                compile(otherwise)
                instructions[jumpOverElse] = .jump(instructions.count)
            }
        case .choose(let branches):
            let choose = instructions.count
            emit(.choose([]), at)
            var starts: [Int] = []
            var exits: [Int] = []
            for branch in branches {
                starts.append(instructions.count)
                compile(branch)
                exits.append(instructions.count)
                emit(.jump(-1), at)
            }
            instructions[choose] = .choose(starts)
            for exit in exits { instructions[exit] = .jump(instructions.count) }
        case .assert(let condition, let message): emit(.assert(condition, message: message), at)
        case .atomic(let body):
            emit(.atomicBegin, at)
            compile(body)
            emit(.atomicEnd, at)
        case .step: emit(.step, at)
        case .returnPre(let outcome): emit(.returnPre(outcome), at)
        case .returnPost(let outcome): emit(.returnPost(outcome), at)
        case .completePendedPre(let operation, let outcome): emit(.completePendedPre(operation: operation, outcome: outcome), at)
        case .completePendedPost(let operation): emit(.completePendedPost(operation: operation), at)
        case .queueDeferredWorkItem(let workItem, let operation, let onSuccess, let onFailure):
            let queue = instructions.count
            emit(.queueDeferredWorkItem(workItem: workItem, operation: operation, failureTarget: -1), at)
            compile(onSuccess)
            let jumpOverFailure = instructions.count
            emit(.jump(-1), at)
            instructions[queue] = .queueDeferredWorkItem(workItem: workItem, operation: operation, failureTarget: instructions.count)
            compile(onFailure)
            instructions[jumpOverFailure] = .jump(instructions.count)
        case .setStatus(let status): emit(.setStatus(status), at)
        }
    }
}
