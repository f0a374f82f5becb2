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
    /// Evaluates the value into the frame's register (the read half of `readThenWrite`).
    case load(ExprIR)
    /// Writes the frame's register to the variable (the write half).
    case store(variable: Int)
    /// Reads `condition`; goes on at the next instruction when true, at `elseTarget` when false.
    case branch(condition: ExprIR, elseTarget: Int)
    case jump(Int)
    case choose([Int])
    case assert(ExprIR, message: String)
    // The same over bit-vector data (`DataTerms.swift`); `source` is the expression as written, for traces.
    case assignData(variable: Int, value: DataExpr, source: ExprIR)
    case loadData(DataExpr, source: ExprIR)
    case branchData(condition: DataExpr, source: ExprIR, elseTarget: Int)
    case assertData(DataExpr, source: ExprIR, message: String)
    /// Paths on which the condition is false end here and are not explored.
    case assume(DataExpr, source: ExprIR)
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
    /// Blocks until the condition holds.
    case waitUntil(ExprIR)
    /// On success goes on at the next instruction, on failure at `failureTarget`.
    case cbdqInsert(queue: Int, operation: ExprIR, status: Int?, failureTarget: Int)
    case cbdqRemoveNext(queue: Int, into: Int)
    case cbdqRemove(queue: Int, operation: ExprIR, into: Int)
    case cbdqDisable(queue: Int)
    case cbdqEnable(queue: Int)
    /// On success goes on at the next instruction, on failure at `failureTarget`.
    case queueGenericWorkItem(workItem: Int, failureTarget: Int)
    /// FltPerformAsynchronousIo (C14): the completion callback `completion` runs on a worker later,
    /// whether the call returns success (next) or failure (`failureTarget`).
    case performAsyncIo(state: Int, completion: Int, failureTarget: Int)
    /// FltCancelIo (C13).
    case cancelAsyncIo(state: Int)
    /// FltFreeCallbackData (C14).
    case freeAsyncIo(state: Int)
    case unregisterFilter
    /// A fallible DriverEntry call (T13): success goes on at the next instruction, failure at `failureTarget`.
    case driverEntryCall(DriverEntryCall, failureTarget: Int)
    /// FltCreateFile: sets the handle's `.open` variable (T7).
    case openHandle(variable: Int)
    /// FltCloseCommunicationPort / FltClose: clears it (T7, T10).
    case closeHandle(variable: Int)
    case returnStatus(NTStatus)
    /// FltObjectReference: success goes on at the next instruction, failure at `failureTarget`.
    case objectReference(counter: Int, target: RundownTarget, failureTarget: Int)
    case objectDereference(counter: Int, target: RundownTarget)
    /// Allocated: the next instruction; NULL: `failureTarget`.
    case allocateWorkItem(workItem: Int, failureTarget: Int)
    /// Nil: the work item whose routine runs.
    case freeWorkItem(workItem: Int?)
    case setCancelCompletion(routine: Int, operation: ExprIR)
    /// Cleared: the next instruction; cancelled: `cancelledTarget`.
    case clearCancelCompletion(operation: ExprIR, cancelledTarget: Int)
    case acquire(lock: Int)
    case release(lock: Int)
    case contextReference(context: Int)
    case contextRelease(context: Int)
    case setCompletionContext
    case modifyParameters
    case setCallbackDataDirty
    /// TRUE ends the post-op; FALSE goes on at the next instruction (the onFalse block).
    case whenSafe(callback: Int)
    /// Success: the next instruction; pending: `pendingTarget`; complete: `completeTarget`.
    case checkOplock(operation: ExprIR, waitCompletion: Int?, pendingTarget: Int, completeTarget: Int)
    /// The end of code that returns no status (work items, teardown and cancel callbacks).
    case end
    /// IoStatus.Status and IoStatus.Information together (Q9).
    case setIoStatus(status: ExprIR, information: ExprIR)
    /// FltCancelFileOpen (Q10).
    case cancelFileOpen
    /// FltReissueSynchronousIo (Q11).
    case reissueSynchronousIo
    /// A change of TargetInstance / TargetFileObject (P16).
    case retarget
    /// Touches the current operation's data buffer (Q6).
    case accessBuffer
    /// FltLockUserBuffer (Q5, Q6): success goes on at the next instruction, failure at `failureTarget`.
    case lockUserBuffer(failureTarget: Int)

    var isIrqlSensitive: Bool {
        switch self {
        case .waitUntil, .completePendedPre, .cbdqInsert, .cbdqRemove, .cbdqRemoveNext, .cbdqDisable, .cbdqEnable, .acquire, .whenSafe,
             .contextReference, .openHandle, .closeHandle, .performAsyncIo, .cancelAsyncIo:
            return true
        // Q6 (I:bufpost): a user buffer without an MDL may be touched below DISPATCH_LEVEL only, and
        // FltLockUserBuffer is an IRQL <= APC_LEVEL call (Q5).
        case .accessBuffer, .lockUserBuffer:
            return true
        case .assign(_, let value), .load(let value), .setStatus(let value): return value.mentionsIrql
        case .setIoStatus(let status, let information): return status.mentionsIrql || information.mentionsIrql
        case .branch(let condition, _), .assert(let condition, _): return condition.mentionsIrql
        case .assignData(_, _, let source), .loadData(_, let source), .branchData(_, let source, _), .assertData(_, let source, _),
             .assume(_, let source):
            return source.mentionsIrql
        // FltCancelFileOpen and FltReissueSynchronousIo check the IRQL too (Q10, Q11), but the only
        // post-ops that may call them (post-create; a synchronized post-op) are never called at
        // DISPATCH_LEVEL, and from any other the call is a violation at every IRQL: not listed.
        default: return false
        }
    }

    /// Whether it reads and writes nothing but constants, its own thread's locals, what its request
    /// is and its frame's Flags (and its frame's register and position): no other thread can
    /// observe it or change what it does, so
    /// it commutes with every step of every other thread (`Semantics.mergesLocalSteps`).
    func isThreadLocal(localSlot: [Int?]) -> Bool {
        func local(_ expression: ExprIR) -> Bool {
            switch expression {
            case .constant: true
            case .variable(let variable): localSlot[variable] != nil
            // What the request is (fixed when it is issued), the frame's own Flags and the
            // thread's own IRQL; not IoStatus, the cancel flag or the buffer, which other threads set.
            case .operation(let field):
                switch field {
                case .isIrp, .isFastIo, .isPaging, .isSynchronous, .isTopLevelIrp, .handle, .requestNumber, .minorFunction, .isDraining, .irql: true
                case .status, .isCancelled, .length, .byteOffset, .hasMdl, .isSystemBuffer: false
                }
            case .not(let operand), .unary(_, let operand), .convert(let operand, _, _): local(operand)
            case .binary(_, let lhs, let rhs): local(lhs) && local(rhs)
            }
        }
        switch self {
        case .assign(let variable, let value): return localSlot[variable] != nil && local(value)
        case .load(let value): return local(value)
        case .store(let variable): return localSlot[variable] != nil
        case .branch(let condition, _), .assert(let condition, _): return local(condition)
        case .choose, .jump: return true
        default: return false
        }
    }

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
    /// Per instruction: `Instruction.isThreadLocal` (filled in by `Program`).
    var threadLocal: [Bool] = []
    /// How traces name it, e.g. `Pender PreRead` or `Pender work item DeQueue`.
    var name: String
}

/// One request of the workload: what the operation is.
///
/// A class: FltMgr's steps read their request all the time, and copying a struct retained its arrays.
public final class Request: Sendable {
    public let major: MajorFunction
    public let kind: RequestKind
    public let synchronous: Bool
    public let paging: Bool
    public let topLevelIrp: Bool
    public let fileSystemTiming: FileSystemTiming
    public let fileSystemStatuses: [NTStatus]
    public let cancellable: Bool
    /// 1-based, as traces show it.
    public let number: Int
    /// The minor function or FSCTL code the request gives (P12), if any.
    public let minor: MinorFunction?
    /// The kinds of data buffer it may carry, each explored when it is issued (Q6); empty when the
    /// model does not look at buffers (`Program.tracksBuffers`) or the request has none.
    public let buffers: [BufferKind]

    /// Request `number` of `group`; `buffers`: the group's buffer kinds when buffers are tracked.
    init(_ group: RequestsIR, number: Int, buffers: [BufferKind]) {
        major = group.major
        kind = group.kind
        synchronous = group.kind == .fastIo ? true : group.synchronous
        paging = group.paging
        topLevelIrp = group.topLevelIrp
        fileSystemTiming = group.fileSystemTiming
        fileSystemStatuses = group.fileSystemStatuses
        cancellable = group.cancellable && group.kind == .irp
        self.number = number
        minor = group.minor
        self.buffers = buffers
    }

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
    var teardownStart: Int?
    var teardownComplete: Int?
    /// Whether, and when, the workload tears this filter's instance down.
    var teardown: TeardownTiming?
    /// The workload's teardown is a manual detach, which InstanceQueryTeardown may veto (T9).
    var manualDetach = false
    var queryTeardown: Int?
    var unloadCallback: Int?
    /// DriverEntry (T13): when present, the filter starts unregistered and runs it first.
    var driverEntry: Int?
    /// Whether the workload unloads this filter, and whether mandatorily.
    var unloadMandatory: Bool?
}

/// A cancel-safe queue, compiled.
struct StackQueue: Sendable {
    let name: String
    /// The owning filter's stack index.
    let filter: Int
    let insertStatus: NTStatus
    /// Code index of the cancel callback.
    let cancelCode: Int
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
    let queues: [StackQueue]
    /// Code whose behaviour can depend on the IRQL it runs at (waits, locks, resumes, queue calls,
    /// `Irql.current`). Only their post-ops are explored at DISPATCH_LEVEL as well as PASSIVE_LEVEL:
    /// for other code the IRQL is unobservable, and leaving it out keeps state spaces small.
    let irqlSensitive: Set<Int>
    /// Per variable: its slot among a thread's locals, or nil for a shared variable.
    let localSlot: [Int?]
    /// The system cancel spin lock, if the model takes it (`Lock.ioCancelSpinLock()`).
    let cancelSpinLock: Int?
    /// Whether a filter declares a DriverEntry (T13).
    let hasDriverEntry: Bool
    /// Whether any code can jump backwards (a `While`): only then can the state graph have cycles.
    public let hasLoops: Bool
    /// Whether the model has bit-vector data (states then carry terms and a path condition).
    public let usesData: Bool
    /// Whether IoStatus.Information can matter: only the Q9 checks read it, after code that writes
    /// IoStatus or calls FltCancelFileOpen. Without such code the state key leaves it out, so
    /// states that differ only there are one state (FilterStack N=2: 2,467 -> 2,214 states).
    let tracksInformation: Bool
    /// Whether the model looks at data buffers (Q6): it touches or locks one, tests `Op.hasMdl` or
    /// `Op.isSystemBuffer`, or a request lists `buffers:`. Only then does a request carry a buffer
    /// kind, chosen when it is issued; otherwise buffers are untracked and no state changes.
    public let tracksBuffers: Bool
    /// The `BitVector` variables, in declaration order.
    let bitVectorVariables: [Int]
    /// The symbolic inputs: symbolic `BitVector`s, then symbolic request parameters.
    public let dataInputs: [DataInput]
    let dataAssumptions: [DataAssumption]
    /// Per request: the Length and ByteOffset it gives.
    let requestParameters: [[OperationField: RequestParameter]]
    /// Per filter (stack index): the variables counting its FltObjectReference references (T8, T11).
    let rundownCounters: [[Int]]
    /// Per filter (stack index): the state variables of its `AsyncIo`s (C13, C14, T4).
    let asyncIoStates: [[Int]]

    public var filterNames: [String] { filters.map(\.name) }

    /// Validates the IR and compiles it. Throws the first problem found, located in the model.
    public init(_ model: ModelIR) throws(ModelError) {
        self.model = model
        try Validator(model: model).validate()

        let compiler = Compiler(typer: DataTyper(
            variables: model.variables, statusIsData: model.workload.requests.contains { $0.fileSystemStatus != nil }))
        let order = model.filters.indices.sorted { model.filters[$0].altitude > model.filters[$1].altitude }
        var filters: [StackFilter] = []
        var code: [CompiledCode] = []
        var stackIndexOfName: [String: Int] = [:]
        for declared in order {
            let filter = model.filters[declared]
            var stacked = StackFilter(name: filter.name, altitude: filter.altitude)
            for callback in filter.callbacks {
                let name = "\(filter.name) \(callback.kind == .pre ? "Pre" : "Post")\(callback.major.callbackName)"
                code.append(try compiler.compile(callback.body, name: name, endingAt: nil))
                if callback.kind == .pre { stacked.pre[callback.major] = code.count - 1 } else { stacked.post[callback.major] = code.count - 1 }
            }
            if let start = filter.teardownStart {
                code.append(try compiler.compile(start.body, name: "\(filter.name) InstanceTeardownStart", endingAt: start.location))
                stacked.teardownStart = code.count - 1
            }
            if let complete = filter.teardownComplete {
                code.append(try compiler.compile(complete.body, name: "\(filter.name) InstanceTeardownComplete", endingAt: complete.location))
                stacked.teardownComplete = code.count - 1
            }
            if let unload = filter.unload {
                code.append(try compiler.compile(unload.body, name: "\(filter.name) FilterUnload", endingAt: unload.location))
                stacked.unloadCallback = code.count - 1
            }
            if let query = filter.queryTeardown {
                code.append(try compiler.compile(query.body, name: "\(filter.name) InstanceQueryTeardown", endingAt: query.location))
                stacked.queryTeardown = code.count - 1
            }
            if let entry = filter.driverEntry {
                code.append(try compiler.compile(entry.body, name: "\(filter.name) DriverEntry", endingAt: nil))
                stacked.driverEntry = code.count - 1
            }
            stacked.teardown = model.workload.teardowns.first { $0.filter == filter.name }?.timing
            stacked.manualDetach = model.workload.teardowns.first { $0.filter == filter.name }?.manual ?? false
            stacked.unloadMandatory = model.workload.unloads.first { $0.filter == filter.name }?.mandatory
            stackIndexOfName[filter.name] = filters.count
            filters.append(stacked)
        }
        var workItemCode: [Int] = []
        var workItemFilter: [Int] = []
        for item in model.workItems {
            code.append(try compiler.compile(item.body, name: "\(item.owner) work item \(item.name)", endingAt: item.location))
            workItemCode.append(code.count - 1)
            workItemFilter.append(stackIndexOfName[item.owner] ?? 0)
        }
        var queues: [StackQueue] = []
        for queue in model.queues {
            code.append(try compiler.compile(queue.cancelCallback, name: "\(queue.owner) \(queue.name) cancel callback", endingAt: queue.location))
            queues.append(StackQueue(
                name: queue.name, filter: stackIndexOfName[queue.owner] ?? 0, insertStatus: queue.insertStatus, cancelCode: code.count - 1))
        }
        let tracksBuffers = model.workload.requests.contains { $0.buffers != nil } || code.contains { compiled in
            compiled.instructions.contains { instruction in
                switch instruction {
                case .accessBuffer, .lockUserBuffer: true
                default: instruction.expressions.contains { $0.mentions(.hasMdl) || $0.mentions(.isSystemBuffer) }
                }
            }
        }
        var requests: [Request] = []
        for group in model.workload.requests {
            for _ in 0..<group.count {
                requests.append(Request(group, number: requests.count + 1, buffers: tracksBuffers ? group.bufferKinds : []))
            }
        }
        self.tracksBuffers = tracksBuffers
        self.filters = filters
        self.hasDriverEntry = filters.contains { $0.driverEntry != nil }
        var slots: [Int?] = []
        var nextSlot = 0
        for variable in model.variables {
            slots.append(variable.threadLocal ? nextSlot : nil)
            if variable.threadLocal { nextSlot += 1 }
        }
        self.localSlot = slots
        self.code = code.map { compiled in
            var marked = compiled
            marked.threadLocal = compiled.instructions.map { $0.isThreadLocal(localSlot: slots) }
            return marked
        }
        self.requests = requests
        self.workItemCode = workItemCode
        self.workItemFilter = workItemFilter
        self.queues = queues
        self.irqlSensitive = Set(code.indices.filter { code[$0].instructions.contains(where: \.isIrqlSensitive) })
        self.cancelSpinLock = model.locks.firstIndex(where: \.isCancelSpinLock)
        let typer = compiler.typer
        var inputs: [DataInput] = []
        var assumptions: [DataAssumption] = []
        for (index, variable) in model.variables.enumerated() where variable.symbolic {
            guard case .bitVector(let width, let signed) = variable.type else {
                throw ModelError("\(variable.name): only a BitVector can be symbolic", at: variable.location)
            }
            inputs.append(DataInput(name: variable.name, width: width, signed: signed, source: .variable(index)))
            if let assumption = variable.assumption {
                assumptions.append(DataAssumption(condition: try typer.condition(assumption, at: variable.location), operation: -1))
            }
        }
        var parameters: [[OperationField: RequestParameter]] = []
        var request = 0
        for group in model.workload.requests {
            for _ in 0..<group.count {
                var given: [OperationField: RequestParameter] = [:]
                let fields = [(OperationField.length, group.length, 32, false), (.byteOffset, group.byteOffset, 64, true), (.status, group.fileSystemStatus, 32, false)]
                for (field, value, width, signed) in fields {
                    switch value {
                    case .value(let number)?:
                        given[field] = .value(UInt64(bitPattern: Int64(number)) & mask(width), width: width)
                    case .symbolic(let assumption)?:
                        given[field] = .input(inputs.count)
                        let name = switch field {
                        case .length: "Length"
                        case .byteOffset: "ByteOffset"
                        default: "FileSystemStatus"
                        }
                        inputs.append(DataInput(
                            name: "\(requests[request].label).\(name)", width: width, signed: signed,
                            source: .parameter(request: request, field: field)))
                        if let assumption {
                            assumptions.append(DataAssumption(condition: try typer.condition(assumption, at: group.location), operation: request))
                        }
                    case nil: break
                    }
                }
                parameters.append(given)
                request += 1
            }
        }
        self.dataInputs = inputs
        self.dataAssumptions = assumptions
        self.requestParameters = parameters
        self.bitVectorVariables = model.variables.indices.filter { if case .bitVector = model.variables[$0].type { true } else { false } }
        self.usesData = !bitVectorVariables.isEmpty || parameters.contains { !$0.isEmpty }
        self.tracksInformation = code.contains { compiled in
            compiled.instructions.contains { instruction in
                switch instruction {
                case .setStatus, .setIoStatus, .cancelFileOpen: true
                default: false
                }
            }
        }
        try Self.checkParametersGiven(model, filters: filters, code: code, parameters: parameters, requests: requests)
        var counters = [[Int]](repeating: [], count: filters.count)
        for compiled in code {
            for case .objectReference(let counter, _, _) in compiled.instructions {
                if let owner = model.variables[counter].owner, let index = stackIndexOfName[owner], !counters[index].contains(counter) {
                    counters[index].append(counter)
                }
            }
        }
        self.rundownCounters = counters
        var asyncIo = [[Int]](repeating: [], count: filters.count)
        for item in model.workItems {
            if let state = item.asyncIoState, let index = stackIndexOfName[item.owner] { asyncIo[index].append(state) }
        }
        self.asyncIoStates = asyncIo
        self.hasLoops = code.contains { compiled in
            compiled.instructions.enumerated().contains { pc, instruction in
                if case .jump(let target) = instruction { target <= pc } else { false }
            }
        }
    }
}

extension Program {
    /// `Op.length` / `Op.byteOffset` read by code that runs for a request that does not give it is a
    /// model error: say where the request is.
    fileprivate static func checkParametersGiven(
        _ model: ModelIR, filters: [StackFilter], code: [CompiledCode], parameters: [[OperationField: RequestParameter]], requests: [Request]
    ) throws(ModelError) {
        var callbackCode = Set<Int>()
        for filter in filters { callbackCode.formUnion(filter.pre.values); callbackCode.formUnion(filter.post.values) }
        for (index, request) in requests.enumerated() {
            for field in [OperationField.length, .byteOffset] where parameters[index][field] == nil {
                let readers = filters.flatMap { [$0.pre[request.major], $0.post[request.major]].compactMap { $0 } }
                    + code.indices.filter { !callbackCode.contains($0) }
                guard let reader = readers.first(where: { code[$0].reads(field) }) else { continue }
                let groupLocation = model.workload.requests.first { $0.major == request.major }?.location
                throw ModelError(
                    "\(code[reader].name) reads Op.\(field.rawValue), but \(request.label) gives none: add `\(field.rawValue): 4096` or `\(field.rawValue): .symbolic` to its Requests",
                    at: groupLocation)
            }
        }
    }
}

extension CompiledCode {
    func reads(_ field: OperationField) -> Bool {
        instructions.contains { instruction in
            switch instruction {
            case .assignData(_, let value, _), .loadData(let value, _), .branchData(let value, _, _), .assertData(let value, _, _), .assume(let value, _):
                value.reads(field)
            default: false
            }
        }
    }
}

extension DataExpr {
    func reads(_ field: OperationField) -> Bool {
        switch self {
        case .parameter(let read): read == field
        case .condition, .literal, .variable, .status: false
        case .unary(_, let operand), .resize(let operand, _, _): operand.reads(field)
        case .binary(_, let lhs, let rhs): lhs.reads(field) || rhs.reads(field)
        }
    }
}

/// Turns structured statements into instructions with jump targets.
struct Compiler {
    let typer: DataTyper
    var instructions: [Instruction] = []
    var locations: [SourceLocation] = []

    init(typer: DataTyper) { self.typer = typer }

    /// Compiles a body; code that returns no status ends in `.end` at `endingAt`.
    func compile(_ body: [StatementIR], name: String, endingAt end: SourceLocation?) throws(ModelError) -> CompiledCode {
        var compiler = Compiler(typer: typer)
        try compiler.compile(body)
        if let end { compiler.emit(.end, body.last?.location ?? end) }
        return CompiledCode(instructions: compiler.instructions, locations: compiler.locations, name: name)
    }

    /// A call that goes on at the next instruction or at a target: `make(target)`, then `first`, a
    /// jump over `second`, then `second` (the target).
    private mutating func compileTwoWay(
        _ make: (Int) -> Instruction, _ first: [StatementIR], _ second: [StatementIR], _ at: SourceLocation
    ) throws(ModelError) {
        let call = instructions.count
        emit(make(-1), at)
        try compile(first)
        let jumpOverSecond = instructions.count
        emit(.jump(-1), at)
        instructions[call] = make(instructions.count)
        try compile(second)
        instructions[jumpOverSecond] = .jump(instructions.count)
    }

    /// A branch on `condition`, over data if it involves bit-vectors.
    private func branch(_ condition: ExprIR, elseTarget: Int, at location: SourceLocation) throws(ModelError) -> Instruction {
        guard typer.mentionsData(condition) else { return .branch(condition: condition, elseTarget: elseTarget) }
        return .branchData(condition: try typer.condition(condition, at: location), source: condition, elseTarget: elseTarget)
    }

    private func isBitVector(_ variable: Int) -> Bool {
        if case .bitVector = typer.variables[variable].type { true } else { false }
    }

    /// Expressions FltMgr calls take (handles, statuses, waits) and integer variables hold no data.
    private func integer(_ expression: ExprIR, for what: String, at location: SourceLocation) throws(ModelError) -> ExprIR {
        try typer.requireInteger(expression, for: what, at: location)
        return expression
    }

    mutating func emit(_ instruction: Instruction, _ location: SourceLocation) {
        instructions.append(instruction)
        locations.append(location)
    }

    mutating func compile(_ body: [StatementIR]) throws(ModelError) {
        for statement in body { try compile(statement) }
    }

    mutating func compile(_ statement: StatementIR) throws(ModelError) {
        let at = statement.location
        if let handle = statement.kind.operationHandle { _ = try integer(handle, for: "an operation handle", at: at) }
        switch statement.kind {
        case .assign(let variable, let value):
            if isBitVector(variable) {
                emit(.assignData(variable: variable, value: try typer.value(value, for: variable, at: at), source: value), at)
            } else {
                emit(.assign(variable: variable, value: try integer(value, for: typer.variables[variable].name, at: at)), at)
            }
        case .readThenWrite(let variable, let value):
            if isBitVector(variable) {
                emit(.loadData(try typer.value(value, for: variable, at: at), source: value), at)
            } else {
                emit(.load(try integer(value, for: typer.variables[variable].name, at: at)), at)
            }
            emit(.store(variable: variable), at)
        case .ifElse(let condition, let then, let otherwise):
            let branch = instructions.count
            emit(try self.branch(condition, elseTarget: -1, at: at), at)
            try compile(then)
            if otherwise.isEmpty {
                instructions[branch] = try self.branch(condition, elseTarget: instructions.count, at: at)
            } else {
                let jumpOverElse = instructions.count
                emit(.jump(-1), at)
                instructions[branch] = try self.branch(condition, elseTarget: instructions.count, at: at)
                try compile(otherwise)
                instructions[jumpOverElse] = .jump(instructions.count)
            }
        case .choose(let branches):
            let choose = instructions.count
            emit(.choose([]), at)
            var starts: [Int] = []
            var exits: [Int] = []
            for branch in branches {
                starts.append(instructions.count)
                try compile(branch)
                exits.append(instructions.count)
                emit(.jump(-1), at)
            }
            instructions[choose] = .choose(starts)
            for exit in exits { instructions[exit] = .jump(instructions.count) }
        case .assert(let condition, let message):
            if typer.mentionsData(condition) {
                emit(.assertData(try typer.condition(condition, at: at), source: condition, message: message), at)
            } else {
                emit(.assert(condition, message: message), at)
            }
        case .assume(let condition): emit(.assume(try typer.condition(condition, at: at), source: condition), at)
        case .atomic(let body):
            emit(.atomicBegin, at)
            try compile(body)
            emit(.atomicEnd, at)
        case .step: emit(.step, at)
        case .returnPre(let outcome): emit(.returnPre(outcome), at)
        case .returnPost(let outcome): emit(.returnPost(outcome), at)
        case .completePendedPre(let operation, let outcome): emit(.completePendedPre(operation: operation, outcome: outcome), at)
        case .completePendedPost(let operation): emit(.completePendedPost(operation: operation), at)
        case .queueDeferredWorkItem(let workItem, let operation, let onSuccess, let onFailure):
            try compileTwoWay({ .queueDeferredWorkItem(workItem: workItem, operation: operation, failureTarget: $0) }, onSuccess, onFailure, at)
        case .setStatus(let status): emit(.setStatus(try integer(status, for: "SetStatus", at: at)), at)
        case .whileLoop(let condition, let body):
            let top = instructions.count
            emit(try branch(condition, elseTarget: -1, at: at), at)
            try compile(body)
            emit(.jump(top), at)
            instructions[top] = try branch(condition, elseTarget: instructions.count, at: at)
        case .waitUntil(let condition): emit(.waitUntil(try integer(condition, for: "WaitUntil", at: at)), at)
        case .cbdqInsert(let queue, let operation, let status, let onSuccess, let onFailure):
            try compileTwoWay({ .cbdqInsert(queue: queue, operation: operation, status: status, failureTarget: $0) }, onSuccess, onFailure, at)
        case .cbdqRemoveNext(let queue, let into): emit(.cbdqRemoveNext(queue: queue, into: into), at)
        case .cbdqRemove(let queue, let operation, let into): emit(.cbdqRemove(queue: queue, operation: operation, into: into), at)
        case .cbdqDisable(let queue): emit(.cbdqDisable(queue: queue), at)
        case .cbdqEnable(let queue): emit(.cbdqEnable(queue: queue), at)
        case .queueGenericWorkItem(let workItem, let onSuccess, let onFailure):
            try compileTwoWay({ .queueGenericWorkItem(workItem: workItem, failureTarget: $0) }, onSuccess, onFailure, at)
        case .unregisterFilter: emit(.unregisterFilter, at)
        case .driverEntryCall(let call, let onSuccess, let onFailure):
            try compileTwoWay({ .driverEntryCall(call, failureTarget: $0) }, onSuccess, onFailure, at)
        case .performAsyncIo(let state, let completion, let onIssued, let onFailure):
            try compileTwoWay({ .performAsyncIo(state: state, completion: completion, failureTarget: $0) }, onIssued, onFailure, at)
        case .cancelAsyncIo(let state): emit(.cancelAsyncIo(state: state), at)
        case .freeAsyncIo(let state): emit(.freeAsyncIo(state: state), at)
        case .openHandle(let variable): emit(.openHandle(variable: variable), at)
        case .closeHandle(let variable): emit(.closeHandle(variable: variable), at)
        case .setCancelCompletion(let routine, let operation): emit(.setCancelCompletion(routine: routine, operation: operation), at)
        case .acquire(let lock): emit(.acquire(lock: lock), at)
        case .contextReference(let context): emit(.contextReference(context: context), at)
        case .contextRelease(let context): emit(.contextRelease(context: context), at)
        case .setCompletionContext: emit(.setCompletionContext, at)
        case .modifyParameters: emit(.modifyParameters, at)
        case .setCallbackDataDirty: emit(.setCallbackDataDirty, at)
        case .whenSafe(let callback, let onFalse):
            emit(.whenSafe(callback: callback), at)
            try compile(onFalse)
        case .checkOplock(let operation, let waitCompletion, let onSuccess, let onPending, let onComplete):
            let check = instructions.count
            emit(.checkOplock(operation: operation, waitCompletion: waitCompletion, pendingTarget: -1, completeTarget: -1), at)
            try compile(onSuccess)
            var exits = [instructions.count]
            emit(.jump(-1), at)
            let pendingTarget = instructions.count
            try compile(onPending)
            exits.append(instructions.count)
            emit(.jump(-1), at)
            let completeTarget = instructions.count
            try compile(onComplete)
            instructions[check] = .checkOplock(operation: operation, waitCompletion: waitCompletion, pendingTarget: pendingTarget, completeTarget: completeTarget)
            for exit in exits { instructions[exit] = .jump(instructions.count) }
        case .release(let lock): emit(.release(lock: lock), at)
        case .clearCancelCompletion(let operation, let onCleared, let onCancelled):
            try compileTwoWay({ .clearCancelCompletion(operation: operation, cancelledTarget: $0) }, onCleared, onCancelled, at)
        case .returnStatus(let status): emit(.returnStatus(status), at)
        case .objectReference(let counter, let target, let onSuccess, let onFailure):
            try compileTwoWay({ .objectReference(counter: counter, target: target, failureTarget: $0) }, onSuccess, onFailure, at)
        case .objectDereference(let counter, let target): emit(.objectDereference(counter: counter, target: target), at)
        case .allocateWorkItem(let workItem, let onSuccess, let onFailure):
            try compileTwoWay({ .allocateWorkItem(workItem: workItem, failureTarget: $0) }, onSuccess, onFailure, at)
        case .freeWorkItem(let workItem): emit(.freeWorkItem(workItem: workItem), at)
        case .setIoStatus(let status, let information):
            emit(.setIoStatus(status: try integer(status, for: "SetStatus", at: at), information: try integer(information, for: "SetStatus's information", at: at)), at)
        case .cancelFileOpen: emit(.cancelFileOpen, at)
        case .reissueSynchronousIo: emit(.reissueSynchronousIo, at)
        case .retarget: emit(.retarget, at)
        case .accessBuffer: emit(.accessBuffer, at)
        case .lockUserBuffer(let onSuccess, let onFailure):
            try compileTwoWay({ .lockUserBuffer(failureTarget: $0) }, onSuccess, onFailure, at)
        }
    }
}

extension StatementKind {
    /// The operation a FltMgr call is made for, if it takes one.
    var operationHandle: ExprIR? {
        switch self {
        case .completePendedPre(let operation, _), .completePendedPost(let operation), .queueDeferredWorkItem(_, let operation, _, _),
             .cbdqInsert(_, let operation, _, _, _), .cbdqRemove(_, let operation, _), .setCancelCompletion(_, let operation),
             .clearCancelCompletion(let operation, _, _), .checkOplock(let operation, _, _, _, _):
            operation
        default: nil
        }
    }
}

extension ExprIR {
    var mentionsIrql: Bool { mentions(.irql) }

    /// Whether it reads this field of the current operation.
    func mentions(_ field: OperationField) -> Bool {
        switch self {
        case .operation(let read): read == field
        case .constant, .variable: false
        case .not(let operand), .unary(_, let operand), .convert(let operand, _, _): operand.mentions(field)
        case .binary(_, let lhs, let rhs): lhs.mentions(field) || rhs.mentions(field)
        }
    }
}

extension MajorFunction {
    /// Whether its requests carry a data buffer a filter may touch (Q6): reads, writes, directory
    /// queries, device and file system controls (whichever buffering method the I/O uses), and query
    /// and set information (always buffered I/O).
    var hasDataBuffer: Bool {
        switch self {
        case .read, .write, .directoryControl, .deviceControl, .fileSystemControl, .queryInformation, .setInformation: true
        case .create, .close, .cleanup, .flushBuffers, .shutdown, .lockControl: false
        }
    }
}

extension RequestsIR {
    /// The buffer kinds explored for each request of the group in a model that tracks buffers (Q6):
    /// the ones it lists, else every kind it can have ("Accessing the User Buffers for an I/O
    /// Operation": an IRP-based operation has an MDL only, a buffer address only, or both, depending
    /// on the buffering method; a fast I/O operation only a user-space address, never an MDL; query
    /// and set information are buffered I/O). None for a major function without a data buffer.
    var bufferKinds: [BufferKind] {
        if let buffers { return buffers }
        guard major.hasDataBuffer else { return [] }
        if kind == .fastIo { return [.userWithoutMdl] }
        if major == .queryInformation || major == .setInformation { return [.system] }
        return [.system, .userWithMdl, .userWithoutMdl]
    }
}

/// Every instruction of a program in one block, with the two facts the step loop asks of each,
/// kept as long as the `Semantics` that built it. The loop reads an instruction in place: through
/// `program.code[c].instructions[pc]` it retained two arrays and copied the instruction, with the
/// references in its operands, for every instruction it ran (3.6% of exploring, FilterStack N=4).
final class InstructionTable: @unchecked Sendable {
    private let instructions: UnsafeMutablePointer<Instruction>
    /// Per instruction: bit 0 `isVisible`, bit 1 `CompiledCode.threadLocal`.
    private let flags: UnsafeMutablePointer<UInt8>
    /// Per code: where its instructions start, and how many it has.
    private let starts: UnsafeMutablePointer<Int>
    private let counts: UnsafeMutablePointer<Int>
    private let total: Int
    private let codeCount: Int

    init(_ code: [CompiledCode]) {
        codeCount = code.count
        total = code.reduce(0) { $0 + $1.instructions.count }
        instructions = .allocate(capacity: max(total, 1))
        flags = .allocate(capacity: max(total, 1))
        starts = .allocate(capacity: max(code.count, 1))
        counts = .allocate(capacity: max(code.count, 1))
        var next = 0
        for (index, compiled) in code.enumerated() {
            starts[index] = next
            counts[index] = compiled.instructions.count
            for (pc, instruction) in compiled.instructions.enumerated() {
                (instructions + next).initialize(to: instruction)
                flags[next] = (instruction.isVisible ? 1 : 0) | (compiled.threadLocal[pc] ? 2 : 0)
                next += 1
            }
        }
    }

    deinit {
        instructions.deinitialize(count: total)
        instructions.deallocate()
        flags.deallocate()
        starts.deallocate()
        counts.deallocate()
    }

    @inline(__always) private func index(_ code: Int, _ pc: Int) -> Int {
        precondition(code >= 0 && code < codeCount && pc >= 0 && pc < counts[code], "no instruction \(pc) in code \(code)")
        return starts[code] + pc
    }

    /// Instruction `pc` of code `code`, valid while the table lives.
    @inline(__always) func instruction(_ code: Int, _ pc: Int) -> UnsafePointer<Instruction> { UnsafePointer(instructions + index(code, pc)) }
    @inline(__always) func isVisible(_ code: Int, _ pc: Int) -> Bool { flags[index(code, pc)] & 1 != 0 }
    @inline(__always) func isThreadLocal(_ code: Int, _ pc: Int) -> Bool { flags[index(code, pc)] & 2 != 0 }
}
