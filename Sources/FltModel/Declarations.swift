#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

// Building a model: declarations register themselves in one build context while the model file's
// top-level code runs (it runs on one thread, once), and `Model` takes what was registered. When the
// model program exits, the model is written as JSON IR for fltcheck to read.

/// A mistake in how the DSL was used, found while the model was being built.
public struct BuildError: Codable, Sendable {
    public var message: String
    public var location: SourceLocation
}

/// What a model program writes for fltcheck.
public struct ModelEnvelope: Codable, Sendable {
    public var schemaVersion: Int
    public var models: [ModelIR]
    public var errors: [BuildError]

    public init(schemaVersion: Int = irSchemaVersion, models: [ModelIR], errors: [BuildError]) {
        self.schemaVersion = schemaVersion
        self.models = models
        self.errors = errors
    }
}

extension ModelEnvelope {
    /// The JSON a model program writes: what `JSONEncoder` writes with `.sortedKeys` and
    /// `.withoutEscapingSlashes`, made without Foundation (see JSON.swift for why).
    public func jsonBytes() throws -> [UInt8] { try JSONWriter.encode(self) }
}

/// The environment variable through which fltcheck tells a model program where to write its IR.
public let irOutputEnvironmentVariable = "FLTCHECK_IR_OUT"

final class BuildContext {
    var variables: [VariableIR] = []
    var workItems: [WorkItemIR] = []
    var filters: [FilterIR] = []
    var requests: [RequestsIR] = []
    var teardowns: [TeardownIR] = []
    var unloads: [UnloadIR] = []
    var queues: [CancelSafeQueueIR] = []
    var locks: [LockIR] = []
    var contexts: [ContextIR] = []
    var parameters: [ParameterIR] = []
    /// `--param` values; nil until read from the environment.
    var suppliedParameters: [String: String]?
    var currentFilter: String?
    var models: [ModelIR] = []
    var errors: [BuildError] = []
    /// Set while `captureModels` runs: models are returned, not written at exit.
    var capturing = false

    func error(_ message: String, _ location: SourceLocation) {
        errors.append(BuildError(message: message, location: location))
    }
}

// The model program is single-threaded top-level code; nothing else touches this.
nonisolated(unsafe) let buildContext = BuildContext()
private let captureLock = Mutex(())

private func writeModelAtExit() {
    let envelope = ModelEnvelope(
        schemaVersion: irSchemaVersion, models: buildContext.models, errors: buildContext.errors)
    let bytes: [UInt8]
    do {
        bytes = try envelope.jsonBytes()
    } catch {
        writeToStandardError("fltcheck model: could not encode the model IR: \(error)\n")
        return
    }
    guard let path = environmentValue(irOutputEnvironmentVariable) else {
        writeToStandardError("This is an fltcheck model. Check it with: fltcheck verify <this file>.swift\n")
        return
    }
    guard let file = fopen(path, "wb") else {
        writeToStandardError("fltcheck model: could not write \(path): \(String(cString: strerror(errno)))\n")
        return
    }
    let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
    if fclose(file) != 0 || written != bytes.count {
        writeToStandardError("fltcheck model: could not write \(path): \(String(cString: strerror(errno)))\n")
    }
}

func environmentValue(_ name: String) -> String? {
    getenv(name).map { String(cString: $0) }
}

private func writeToStandardError(_ text: String) {
    var text = text
    text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}

/// Runs `declarations` (which declare a `Model`) and returns what they built instead of writing it
/// at exit: for tools and tests that build models in-process. Calls are serialized. `parameters`
/// play the part of `--param` values.
public func captureModels(parameters: [String: String] = [:], _ declarations: () -> Void) -> ModelEnvelope {
    captureLock.withLock { _ in capture(parameters: parameters, declarations) }
}

private func capture(parameters: [String: String], _ declarations: () -> Void) -> ModelEnvelope {
    let context = buildContext
    context.variables = []
    context.workItems = []
    context.filters = []
    context.requests = []
    context.teardowns = []
    context.unloads = []
    context.queues = []
    context.locks = []
    context.contexts = []
    context.parameters = []
    context.suppliedParameters = parameters
    context.currentFilter = nil
    context.models = []
    context.errors = []
    context.capturing = true
    declarations()
    context.capturing = false
    return ModelEnvelope(schemaVersion: irSchemaVersion, models: context.models, errors: context.errors)
}

func location(_ file: String, _ line: Int) -> SourceLocation { SourceLocation(file: file, line: line) }

/// Declares the model: its filters and workload. A model file declares exactly one.
///
/// ```swift
/// let model = Model("PassThrough") {
///     Workload { Requests(.read, count: 2) }
///     Filter("PassThrough", altitude: 370_000) { ... }
/// }
/// ```
public struct Model {
    public let name: String

    public init(
        _ name: String, interleaving: Interleaving = .everyStatement,
        cleanupCloseStatus: CleanupCloseStatusRule = .anySuccess,
        drain: DrainRule = .allAwaitingPostOp,
        teardownWaitsFor: TeardownWaitRule = .operations,
        drainedStatus: DrainedStatusRule = .operationStatus,
        disabling disabled: [Disable] = [],
        file: String = #filePath, line: Int = #line,
        @ModelBuilder _ content: () -> Void
    ) {
        self.name = name
        content()
        let context = buildContext
        let ir = ModelIR(
            name: name, location: location(file, line), variables: context.variables,
            filters: context.filters, workItems: context.workItems, queues: context.queues, locks: context.locks,
            contexts: context.contexts, parameters: context.parameters,
            workload: WorkloadIR(requests: context.requests, teardowns: context.teardowns, unloads: context.unloads),
            options: OptionsIR(
                interleaving: interleaving, cleanupCloseStatus: cleanupCloseStatus, drain: drain,
                teardownWaitsFor: teardownWaitsFor, drainedStatus: drainedStatus, disabled: disabled.map(\.ir)))
        if context.models.isEmpty && !context.capturing { atexit { writeModelAtExit() } }
        context.models.append(ir)
        // A further model (an error the loader reports) starts from nothing.
        context.variables = []
        context.workItems = []
        context.filters = []
        context.requests = []
        context.teardowns = []
        context.unloads = []
        context.queues = []
        context.locks = []
        context.contexts = []
        context.parameters = []
    }
}

/// Switches a property off for this model, with the reason (which every report repeats):
/// `Model("X", disabling: [Disable("PendOnlyIrp", because: "...")])`.
public struct Disable: Sendable {
    let ir: DisabledPropertyIR
    public init(_ property: String, because reason: String, file: String = #filePath, line: Int = #line) {
        ir = DisabledPropertyIR(property: property, reason: reason, location: location(file, line))
    }
}

/// Something a `Model { }` body may contain: `Workload` and `Filter`.
public protocol ModelComponent {}

@resultBuilder public enum ModelBuilder {
    public static func buildExpression(_ component: some ModelComponent) {}
    public static func buildBlock(_ components: Void...) {}
    public static func buildOptional(_ component: Void?) {}
    public static func buildEither(first: Void) {}
    public static func buildEither(second: Void) {}
    public static func buildArray(_ components: [Void]) {}
}

/// What happens to the stack: the requests that arrive, and teardowns.
public struct Workload: ModelComponent {
    public init(@WorkloadBuilder _ content: () -> [WorkloadItem]) {
        for item in content() {
            switch item {
            case .requests(let requests): buildContext.requests.append(requests)
            case .teardown(let teardown): buildContext.teardowns.append(teardown)
            case .unload(let unload): buildContext.unloads.append(unload)
            }
        }
    }
}

/// One entry of a `Workload`.
public enum WorkloadItem {
    case requests(RequestsIR)
    case teardown(TeardownIR)
    case unload(UnloadIR)
}

/// A request to unload the named filter, which may come at any step. A non-mandatory unload can be
/// vetoed by FilterUnloadCallback returning STATUS_FLT_DO_NOT_DETACH (T9).
public struct Unload: WorkloadComponent {
    public let item: WorkloadItem
    public init(_ filter: String, mandatory: Bool = false, file: String = #filePath, line: Int = #line) {
        item = .unload(UnloadIR(filter: filter, mandatory: mandatory, location: location(file, line)))
    }
}

/// Something a `Workload { }` may contain: `Requests`, `InstanceTeardown`, `Detach` and `Unload`.
public protocol WorkloadComponent {
    var item: WorkloadItem { get }
}

@resultBuilder public enum WorkloadBuilder: ListBuilder {
    public typealias Element = WorkloadItem
    public static func buildExpression(_ component: some WorkloadComponent) -> [WorkloadItem] { [component.item] }
}

/// Teardown of the named filter's instance (a detach or a dismount), which may race the requests.
public struct InstanceTeardown: WorkloadComponent {
    public let item: WorkloadItem
    public init(_ filter: String, when timing: TeardownTiming = .anytime, file: String = #filePath, line: Int = #line) {
        item = .teardown(TeardownIR(filter: filter, timing: timing, location: location(file, line)))
    }
}

/// A manual detach of the named filter's instance (`fltmc detach`, FilterDetach), which may race the
/// requests. FltMgr first calls the filter's `InstanceQueryTeardown`: returning
/// STATUS_FLT_DO_NOT_DETACH vetoes it, and without that callback there is no manual detach (T9).
public struct Detach: WorkloadComponent {
    public let item: WorkloadItem
    public init(_ filter: String, when timing: TeardownTiming = .anytime, file: String = #filePath, line: Int = #line) {
        item = .teardown(TeardownIR(filter: filter, timing: timing, manual: true, location: location(file, line)))
    }
}

/// How the file system below the stack completes the requests that reach it.
public struct FileSystem: Sendable {
    let timing: FileSystemTiming
    let statuses: [NTStatus]
    /// Completes in the thread that sent the request down.
    public static func inline(_ statuses: NTStatus...) -> FileSystem {
        FileSystem(timing: .inline, statuses: statuses.isEmpty ? [.success] : statuses)
    }
    /// Completes later from its own thread (the sender sees STATUS_PENDING).
    public static func asynchronous(_ statuses: NTStatus...) -> FileSystem {
        FileSystem(timing: .asynchronous, statuses: statuses.isEmpty ? [.success] : statuses)
    }
    /// Inline or asynchronously: both are explored.
    public static func either(_ statuses: NTStatus...) -> FileSystem {
        FileSystem(timing: .either, statuses: statuses.isEmpty ? [.success] : statuses)
    }
}

/// `count` identical requests of one major function, each issued by its own originating thread.
/// A `cancellable` request may be cancelled by its originator at any step while it is in flight.
/// `minor` gives the minor function (`.notifyChangeDirectory`, `.lock`) or, for
/// `.fileSystemControl`, the FSCTL code (`.requestBatchOplock`); the code reads it as
/// `Op.minorFunction` (P12).
/// `buffers` lists the kinds of data buffer the request may carry (`.system`, `.userWithMdl`,
/// `.userWithoutMdl`); fltcheck explores each (Q6). Without it, a model that looks at buffers
/// (`AccessBuffer()`, `LockUserBuffer`, `Op.hasMdl`, `Op.isSystemBuffer`) gets every kind the
/// request can have: all three for an IRP read, write, directory, device or file system control,
/// a system buffer for query and set information, a user buffer without an MDL for fast I/O.
public struct Requests: WorkloadComponent {
    public let item: WorkloadItem
    public init(
        _ major: MajorFunction, count: Int = 1, kind: RequestKind = .irp, synchronous: Bool = true,
        paging: Bool = false, topLevelIrp: Bool = false, cancellable: Bool = false,
        fileSystem: FileSystem = .inline(.success), length: InputValue? = nil, byteOffset: InputValue? = nil,
        fileSystemStatus: InputValue? = nil, minor: MinorFunction? = nil, buffers: [BufferKind]? = nil,
        file: String = #filePath, line: Int = #line
    ) {
        item = .requests(RequestsIR(
            major: major, count: count, kind: kind, synchronous: synchronous, paging: paging,
            topLevelIrp: topLevelIrp, cancellable: cancellable, fileSystemTiming: fileSystem.timing,
            fileSystemStatuses: fileSystem.statuses, length: length?.ir(Op.length), byteOffset: byteOffset?.ir(Op.byteOffset),
            fileSystemStatus: fileSystemStatus?.ir(Op.status), location: location(file, line), minor: minor, buffers: buffers))
    }
}

/// A data input: a concrete value (`4096`, `.value(4096)`) or `.symbolic`: every value, optionally
/// only those an assumption allows (`.symbolic(where: { $0 <= 0x10000 })`). fltcheck asks Z3
/// which branches a symbolic value can take and shows the values of a counterexample.
public struct InputValue: ExpressibleByIntegerLiteral, Sendable {
    enum Kind: Sendable {
        case value(Int)
        /// The assumption refers to the input itself as `InputValue.placeholder`.
        case symbolic(assumption: ExprIR?)
    }
    let kind: Kind
    public init(integerLiteral value: Int) { kind = .value(value) }
    private init(kind: Kind) { self.kind = kind }
    /// A concrete value (the bit pattern, for signed types).
    public static func value(_ value: Int) -> InputValue { InputValue(kind: .value(value)) }
    /// Any value.
    public static var symbolic: InputValue { InputValue(kind: .symbolic(assumption: nil)) }
    /// Any value for which `assumption` holds; the closure gets the input itself.
    public static func symbolic(where assumption: (Expr) -> Expr) -> InputValue {
        InputValue(kind: .symbolic(assumption: assumption(Expr(placeholder)).ir))
    }
    private static let placeholder = ExprIR.variable(-1)

    func ir(_ input: Expr) -> InputValueIR {
        switch kind {
        case .value(let value): .value(value)
        case .symbolic(let assumption): .symbolic(assumption: assumption.map { Self.substitute($0, input.ir) })
        }
    }

    private static func substitute(_ expression: ExprIR, _ input: ExprIR) -> ExprIR {
        switch expression {
        case placeholder: input
        case .constant, .variable, .operation: expression
        case .not(let operand): .not(substitute(operand, input))
        case .unary(let op, let operand): .unary(op, substitute(operand, input))
        case .convert(let operand, let width, let signed): .convert(substitute(operand, input), width: width, signed: signed)
        case .binary(let op, let lhs, let rhs): .binary(op, substitute(lhs, input), substitute(rhs, input))
        }
    }
}

/// A fixed-width integer variable, as C has them: `BitVector("Length", .uint32)`. Arithmetic
/// (`+ - * & | ^ ~ << >>`) wraps around at the width; comparisons are signed or unsigned by the
/// type. Its starting value may be `.symbolic`: fltcheck then explores it for every value at once,
/// asking Z3 which way each branch can go.
public struct BitVector: AssignableVariable {
    public let index: Int
    /// `threadLocal`: each thread has its own copy (a local variable of the code that uses it).
    public init(
        _ name: String, _ type: BitType, initial: InputValue = 0, threadLocal: Bool = false,
        file: String = #filePath, line: Int = #line
    ) {
        let context = buildContext
        let at = location(file, line)
        if ![8, 16, 32, 64].contains(type.bits) { context.error("\(name): a BitVector is 8, 16, 32 or 64 bits wide", at) }
        let index = context.variables.count
        self.index = index
        var variable = VariableIR(
            name: name, owner: context.currentFilter, type: .bitVector(width: type.bits, signed: type.signed), initial: 0,
            threadLocal: threadLocal, location: at)
        switch initial.ir(Expr(.variable(index))) {
        case .value(let value): variable.initial = value
        case .symbolic(let assumption):
            if threadLocal { context.error("\(name): a thread-local variable cannot start symbolic", at) }
            variable.symbolic = true
            variable.assumption = assumption
        }
        context.variables.append(variable)
    }
}

/// A minifilter: a name, an altitude, and its callbacks, variables and work items.
public struct Filter: ModelComponent {
    public init(
        _ name: String, altitude: Int, file: String = #filePath, line: Int = #line,
        @FilterBuilder _ content: () -> [FilterPart]
    ) {
        let context = buildContext
        let outer = context.currentFilter
        if outer != nil { context.error("Filter \"\(name)\" is declared inside another filter", location(file, line)) }
        context.currentFilter = name
        var filter = FilterIR(name: name, altitude: altitude, callbacks: [], location: location(file, line))
        for part in content() {
            switch part {
            case .callback(let callback): filter.callbacks.append(callback)
            case .teardownStart(let callback):
                if filter.teardownStart != nil { context.error("\(name) declares InstanceTeardownStart twice", callback.location) }
                filter.teardownStart = callback
            case .teardownComplete(let callback):
                if filter.teardownComplete != nil { context.error("\(name) declares InstanceTeardownComplete twice", callback.location) }
                filter.teardownComplete = callback
            case .unload(let callback):
                if filter.unload != nil { context.error("\(name) declares FilterUnload twice", callback.location) }
                filter.unload = callback
            case .queryTeardown(let callback):
                if filter.queryTeardown != nil { context.error("\(name) declares InstanceQueryTeardown twice", callback.location) }
                filter.queryTeardown = callback
            case .driverEntry(let callback):
                if filter.driverEntry != nil { context.error("\(name) declares DriverEntry twice", callback.location) }
                filter.driverEntry = callback
            }
        }
        if filter.driverEntry != nil {
            // Its DriverEntry creates the ports (FltCreateCommunicationPort): closed until then.
            for index in context.variables.indices
            where context.variables[index].owner == name && context.variables[index].handle == .communicationPort {
                context.variables[index].initial = 0
            }
        }
        context.currentFilter = outer
        context.filters.append(filter)
    }
}

/// One registration of a filter.
public enum FilterPart {
    case callback(CallbackIR)
    case teardownStart(TeardownCallbackIR)
    case teardownComplete(TeardownCallbackIR)
    case unload(TeardownCallbackIR)
    case queryTeardown(TeardownCallbackIR)
    case driverEntry(TeardownCallbackIR)
}

/// The driver's DriverEntry: runs once, at PASSIVE_LEVEL, before any request is issued and before
/// any teardown or unload. It calls `RegisterFilter`, creates the filter's communication ports
/// (`port.create`) and calls `StartFiltering`, each of which can fail, and every path ends in
/// `Return(status:)`. If it returns a failure status after FltRegisterFilter succeeded, it must
/// first close every port it created and call `UnregisterFilter()`: FltMgr never calls
/// FilterUnloadCallback for a driver whose DriverEntry failed (T13, I:deret, I:unloadcb). Until
/// `StartFiltering` succeeds no instance is attached, so requests pass the filter by.
///
/// Without a DriverEntry the model starts where a successful one ends: registered, filtering, with
/// its ports open.
public struct DriverEntry: FilterComponent {
    public let part: FilterPart
    public init(file: String = #filePath, line: Int = #line, @Code _ body: () -> [StatementIR]) {
        part = .driverEntry(TeardownCallbackIR(body: body(), location: location(file, line)))
    }
}

/// InstanceQueryTeardownCallback: FltMgr calls it when a manual detach of the instance is requested
/// (`Detach` in the workload), never for a dismount or an unload. Every path returns
/// `Return(status: .success)` to allow the detach or `Return(status: .fltDoNotDetach)` to veto it
/// (T9). Runs for no operation.
public struct InstanceQueryTeardown: FilterComponent {
    public let part: FilterPart
    public init(file: String = #filePath, line: Int = #line, @Code _ body: () -> [StatementIR]) {
        part = .queryTeardown(TeardownCallbackIR(body: body(), location: location(file, line)))
    }
}

/// FilterUnloadCallback: must call `UnregisterFilter()`; `Return(status: .fltDoNotDetach)` vetoes a
/// non-mandatory unload (T9). Runs for no operation.
public struct FilterUnload: FilterComponent {
    public let part: FilterPart
    public init(file: String = #filePath, line: Int = #line, @Code _ body: () -> [StatementIR]) {
        part = .unload(TeardownCallbackIR(body: body(), location: location(file, line)))
    }
}

/// Something a `Filter { }` body may contain: `PreOperation`, `PostOperation`,
/// `InstanceTeardownStart`, `InstanceTeardownComplete`, `InstanceQueryTeardown`, `FilterUnload`.
public protocol FilterComponent {
    var part: FilterPart { get }
}

@resultBuilder public enum FilterBuilder: ListBuilder {
    public typealias Element = FilterPart
    public static func buildExpression(_ component: some FilterComponent) -> [FilterPart] { [component.part] }
}

/// The filter's pre-operation callback for a major function. Every path must end in `Return`.
public struct PreOperation: FilterComponent {
    public let part: FilterPart
    public init(_ major: MajorFunction, file: String = #filePath, line: Int = #line, @Code _ body: () -> [StatementIR]) {
        part = .callback(CallbackIR(kind: .pre, major: major, body: body(), location: location(file, line)))
    }
}

/// The filter's post-operation callback for a major function. Every path must end in `Return`.
/// `Op.isDraining` tells a drained call (instance teardown) from a normal completion.
public struct PostOperation: FilterComponent {
    public let part: FilterPart
    public init(_ major: MajorFunction, file: String = #filePath, line: Int = #line, @Code _ body: () -> [StatementIR]) {
        part = .callback(CallbackIR(kind: .post, major: major, body: body(), location: location(file, line)))
    }
}

/// InstanceTeardownStartCallback: runs when teardown of the filter's instance starts. It must
/// resume every operation the filter pended (catalog T1) and stop pending new ones (T2).
public struct InstanceTeardownStart: FilterComponent {
    public let part: FilterPart
    public init(file: String = #filePath, line: Int = #line, @Code _ body: () -> [StatementIR]) {
        part = .teardownStart(TeardownCallbackIR(body: body(), location: location(file, line)))
    }
}

/// InstanceTeardownCompleteCallback: FltMgr calls it once every operation at the instance has been
/// completed or drained (T4).
public struct InstanceTeardownComplete: FilterComponent {
    public let part: FilterPart
    public init(file: String = #filePath, line: Int = #line, @Code _ body: () -> [StatementIR]) {
        part = .teardownComplete(TeardownCallbackIR(body: body(), location: location(file, line)))
    }
}

/// A cancel-safe callback data queue of the enclosing filter (FltCbdqInitialize at instance setup;
/// the queue starts enabled). `cancelled` is CbdqCompleteCanceledIo: FltMgr has already removed
/// the cancelled operation (`Op.current`), and the callback must complete it (catalog C5).
public struct CancelSafeQueue {
    let index: Int
    /// `lock` is what its CbdqAcquire callback takes (cancelSafe uses a FAST_MUTEX, the default): with
    /// a mutex or resource every FltCbdq* call must be made at IRQL <= APC_LEVEL (C8).
    public init(
        _ name: String, insertReturns: NTStatus = .success, lock: LockKind = .fastMutex,
        file: String = #filePath, line: Int = #line, @Code cancelled: () -> [StatementIR]
    ) {
        let context = buildContext
        index = context.queues.count
        let owner = context.currentFilter
        if owner == nil { context.error("CancelSafeQueue \"\(name)\" must be declared inside a Filter", location(file, line)) }
        if insertReturns != .success && insertReturns != .pending {
            context.error("a CbdqInsertIo callback returns STATUS_SUCCESS or STATUS_PENDING on success (catalog C3)", location(file, line))
        }
        context.queues.append(CancelSafeQueueIR(
            name: name, owner: owner ?? "", lock: lock, insertStatus: insertReturns, cancelCallback: [], location: location(file, line)))
        context.queues[index].cancelCallback = cancelled()
    }

    /// FltCbdqInsertIo: queues the operation (by default the current one). `status`, if given,
    /// receives what it returned; `onSuccess` runs for a success status, `onFailure` otherwise
    /// (STATUS_FLT_CBDQ_DISABLED when the queue is disabled).
    public func insert(
        _ operation: some ExprConvertible = Op.current, status: IntVariable? = nil,
        file: String = #filePath, line: Int = #line,
        @Code onSuccess: () -> [StatementIR], @Code onFailure: () -> [StatementIR]
    ) -> CodeStatement {
        CodeStatement(StatementIR(
            .cbdqInsert(queue: index, operation: operation.expr.ir, status: status?.index, onSuccess: onSuccess(), onFailure: onFailure()),
            at: location(file, line)))
    }

    /// FltCbdqRemoveNextIo: takes the next operation that is not cancelled (C6) into `variable`,
    /// or none when the queue is empty. The remover owns what it took.
    public func removeNext(into variable: OperationVariable, file: String = #filePath, line: Int = #line) -> CodeStatement {
        CodeStatement(StatementIR(.cbdqRemoveNext(queue: index, into: variable.index), at: location(file, line)))
    }

    /// FltCbdqRemoveIo: takes a given operation out into `variable`, or none if it is no longer queued.
    public func remove(_ operation: some ExprConvertible, into variable: OperationVariable, file: String = #filePath, line: Int = #line) -> CodeStatement {
        CodeStatement(StatementIR(.cbdqRemove(queue: index, operation: operation.expr.ir, into: variable.index), at: location(file, line)))
    }

    /// FltCbdqDisable: inserts fail from now on.
    public func disable(file: String = #filePath, line: Int = #line) -> CodeStatement {
        CodeStatement(StatementIR(.cbdqDisable(queue: index), at: location(file, line)))
    }

    /// FltCbdqEnable.
    public func enable(file: String = #filePath, line: Int = #line) -> CodeStatement {
        CodeStatement(StatementIR(.cbdqEnable(queue: index), at: location(file, line)))
    }
}

/// A work item routine of the enclosing filter. A deferred I/O work item (`QueueDeferredIoWorkItem`)
/// runs on a system worker thread with the operation it was queued for as `Op.current`; a generic
/// one (`kind: .generic`, `QueueGenericWorkItem`) runs for no operation and holds the filter's
/// rundown until it returns.
public struct WorkItem {
    let index: Int
    /// `explicitAllocation`: the filter allocates and frees the work item itself
    /// (`AllocateWorkItem`, `FreeWorkItem`), and fltcheck checks that each allocation is freed
    /// exactly once (W3); its count is the filter variable `<name>.allocated` (0...16).
    public init(
        _ name: String, kind: WorkItemKind = .deferredIo, explicitAllocation: Bool = false,
        file: String = #filePath, line: Int = #line, @Code _ body: () -> [StatementIR]
    ) {
        let context = buildContext
        index = context.workItems.count
        let owner = context.currentFilter
        if owner == nil { context.error("WorkItem \"\(name)\" must be declared inside a Filter", location(file, line)) }
        // Registered before the body is built so the body's own location errors point here.
        context.workItems.append(WorkItemIR(name: name, owner: owner ?? "", kind: kind, body: [], location: location(file, line)))
        if explicitAllocation {
            context.workItems[index].allocationCounter = declare(name + ".allocated", .int(min: 0, max: 16), 0, false, file, line)
        }
        context.workItems[index].body = body()
    }
}

/// FltAllocateDeferredIoWorkItem / FltAllocateGenericWorkItem for a work item declared with
/// `explicitAllocation: true`: `onSuccess` when it is allocated, `onFailure` when the call returns
/// NULL (both are explored). Queue it, then free it exactly once: in its routine, or when queueing
/// fails (W3).
public struct AllocateWorkItem: Statement {
    public let ir: StatementIR
    public init(
        _ workItem: WorkItem, file: String = #filePath, line: Int = #line,
        @Code onSuccess: () -> [StatementIR], @Code onFailure: () -> [StatementIR]
    ) {
        ir = StatementIR(.allocateWorkItem(workItem: workItem.index, onSuccess: onSuccess(), onFailure: onFailure()), at: location(file, line))
    }
}

/// FltFreeDeferredIoWorkItem / FltFreeGenericWorkItem (W3): frees one allocation of the work item.
/// `FreeWorkItem()`, in a work item's own routine, frees the work item it runs for (the routine's
/// FltWorkItem parameter).
public struct FreeWorkItem: Statement {
    public let ir: StatementIR
    public init(_ workItem: WorkItem, file: String = #filePath, line: Int = #line) {
        ir = StatementIR(.freeWorkItem(workItem: workItem.index), at: location(file, line))
    }
    public init(file: String = #filePath, line: Int = #line) {
        ir = StatementIR(.freeWorkItem(workItem: nil), at: location(file, line))
    }
}

// MARK: Variables

private func declare(_ name: String, _ type: VariableType, _ initial: Int, _ threadLocal: Bool, _ file: String, _ line: Int) -> Int {
    let context = buildContext
    context.variables.append(VariableIR(
        name: name, owner: context.currentFilter, type: type, initial: initial, threadLocal: threadLocal, location: location(file, line)))
    return context.variables.count - 1
}

/// A variable that code can assign.
public protocol AssignableVariable: ExprConvertible {
    var index: Int { get }
}

extension AssignableVariable {
    public var expr: Expr { Expr(.variable(index)) }
    /// `variable = value`. By default one indivisible step; with `atomic: false` the value is read
    /// in one step and written in the next, as plain C `count++` is, so updates can be lost.
    public func set(_ value: some ExprConvertible, atomic: Bool = true, file: String = #filePath, line: Int = #line) -> Assignment {
        Assignment(variable: index, value: value.expr, atomic: atomic, location: location(file, line))
    }
}

/// A shared boolean (a flag in the filter's globals or context).
public struct BoolVariable: AssignableVariable {
    public let index: Int
    /// `threadLocal`: each thread has its own copy (a local variable of the code that uses it).
    public init(_ name: String, initial: Bool = false, threadLocal: Bool = false, file: String = #filePath, line: Int = #line) {
        index = declare(name, .bool, initial ? 1 : 0, threadLocal, file, line)
    }
}

/// A shared integer within `range`; assigning a value outside it is a model error.
public struct IntVariable: AssignableVariable {
    public let index: Int
    /// `threadLocal`: each thread has its own copy (a local variable of the code that uses it).
    public init(_ name: String, _ range: ClosedRange<Int>, initial: Int? = nil, threadLocal: Bool = false, file: String = #filePath, line: Int = #line) {
        if range.lowerBound < Int(Int32.min) || range.upperBound > Int(UInt32.max) {
            buildContext.error("\(name): integer variables range within 32 bits", location(file, line))
        }
        index = declare(name, .int(min: range.lowerBound, max: range.upperBound), initial ?? range.lowerBound, threadLocal, file, line)
    }
}

/// A shared variable with named states.
public struct EnumVariable: AssignableVariable {
    public let index: Int
    let cases: [String]
    let file: String
    let line: Int
    public init(_ name: String, cases: [String], initial: String? = nil, threadLocal: Bool = false, file: String = #filePath, line: Int = #line) {
        self.cases = cases
        self.file = file
        self.line = line
        let start = initial.flatMap { cases.firstIndex(of: $0) } ?? 0
        index = declare(name, .enumeration(cases: cases), start, threadLocal, file, line)
        if let initial, !cases.contains(initial) {
            buildContext.error("initial state \"\(initial)\" of \(name) is not one of \(cases)", location(file, line))
        }
    }
    /// The value of a named state, for comparisons and assignments.
    public func state(_ name: String) -> Expr {
        guard let value = cases.firstIndex(of: name) else {
            buildContext.error("\"\(name)\" is not a state of this variable (states: \(cases))", location(file, line))
            return Expr(.constant(0))
        }
        return Expr(.constant(value))
    }
    /// `variable = state`.
    public func set(_ state: String, file: String = #filePath, line: Int = #line) -> Assignment {
        Assignment(variable: index, value: self.state(state), atomic: true, location: location(file, line))
    }
    /// `variable == state`.
    public func `is`(_ state: String) -> Expr { self == self.state(state) }
}

/// A variable that holds a handle to an operation (a PFLT_CALLBACK_DATA the filter kept), or none.
public struct OperationVariable: AssignableVariable {
    public let index: Int
    /// `threadLocal`: each thread has its own copy (a local variable of the code that uses it).
    public init(_ name: String, threadLocal: Bool = false, file: String = #filePath, line: Int = #line) {
        index = declare(name, .operation, 0, threadLocal, file, line)
    }
    /// True when it holds no operation.
    public var isEmpty: Expr { self == Op.none }
}

/// A lock of the enclosing filter: a spin lock (KeAcquireSpinLock: raises to DISPATCH_LEVEL), a fast
/// mutex (raises to APC_LEVEL) or an ERESOURCE. A thread waits while another holds it.
public struct Lock {
    let index: Int
    public init(_ name: String, _ kind: LockKind, file: String = #filePath, line: Int = #line) {
        self.init(name, kind, isCancelSpinLock: false, file: file, line: line)
    }

    private init(_ name: String, _ kind: LockKind, isCancelSpinLock: Bool, file: String, line: Int) {
        let context = buildContext
        index = context.locks.count
        if context.currentFilter == nil { context.error("Lock \"\(name)\" must be declared inside a Filter", location(file, line)) }
        context.locks.append(LockIR(
            name: name, owner: context.currentFilter ?? "", kind: kind, isCancelSpinLock: isCancelSpinLock, location: location(file, line)))
    }

    /// The system cancel spin lock (IoAcquireCancelSpinLock / IoReleaseCancelSpinLock). A cancel
    /// (IoCancelIrp) takes it too, so a check of `Op.isCancelled` and FltSetCancelCompletion made
    /// while holding it cannot be split by a cancel (C12; NameChanger nchelper.c ~l.270).
    public static func ioCancelSpinLock(file: String = #filePath, line: Int = #line) -> Lock {
        Lock("IoCancelSpinLock", .spinLock, isCancelSpinLock: true, file: file, line: line)
    }

    /// Acquires it, waiting while another thread holds it.
    public func acquire(file: String = #filePath, line: Int = #line) -> CodeStatement {
        CodeStatement(StatementIR(.acquire(lock: index), at: location(file, line)))
    }

    public func release(file: String = #filePath, line: Int = #line) -> CodeStatement {
        CodeStatement(StatementIR(.release(lock: index), at: location(file, line)))
    }
}

/// Rundown references the enclosing filter takes on its instance or on itself with
/// `reference { } onFailure: { }` (FltObjectReference) and gives back with `dereference()`
/// (FltObjectDereference). A reference on the instance does not delay InstanceTeardownComplete (T8);
/// FltUnregisterFilter waits until every reference of either kind is given back (T11), so calling
/// it while holding one hangs (T12). FltObjectReference fails with STATUS_FLT_DELETING_OBJECT once
/// the object is being torn down. The count is the filter variable `<name>.references` (0...16).
public struct RundownReference {
    let counter: Int
    let target: RundownTarget
    public init(_ name: String, on target: RundownTarget, file: String = #filePath, line: Int = #line) {
        if buildContext.currentFilter == nil { buildContext.error("RundownReference \"\(name)\" must be declared inside a Filter", location(file, line)) }
        self.target = target
        counter = declare(name + ".references", .int(min: 0, max: 16), 0, false, file, line)
    }

    /// FltObjectReference: `onSuccess` with one more reference held, `onFailure` when the object is
    /// being torn down (STATUS_FLT_DELETING_OBJECT).
    public func reference(
        file: String = #filePath, line: Int = #line,
        @Code onSuccess: () -> [StatementIR], @Code onFailure: () -> [StatementIR]
    ) -> CodeStatement {
        CodeStatement(StatementIR(.objectReference(counter: counter, target: target, onSuccess: onSuccess(), onFailure: onFailure()), at: location(file, line)))
    }

    /// How many references the filter holds.
    public var references: Expr { Expr(.variable(counter)) }

    /// FltObjectDereference.
    public func dereference(file: String = #filePath, line: Int = #line) -> CodeStatement {
        CodeStatement(StatementIR(.objectDereference(counter: counter, target: target), at: location(file, line)))
    }
}

/// The communication server port of the enclosing filter (FltCreateCommunicationPort, called in
/// DriverEntry: open when the model starts, unless the filter declares a `DriverEntry`, which then
/// creates it with `create`). FilterUnloadCallback must `close()` it
/// (FltCloseCommunicationPort) before `UnregisterFilter()`, "to prevent the system from hanging"
/// (T10); after that the handle is invalid, so a second close is a bug too. `isOpen` reads the
/// filter variable `<name>.open`.
public struct CommunicationPort {
    let variable: Int
    public init(_ name: String, file: String = #filePath, line: Int = #line) {
        variable = declareHandle(name, .communicationPort, open: true, "CommunicationPort", file, line)
    }

    /// FltCloseCommunicationPort.
    public func close(file: String = #filePath, line: Int = #line) -> CodeStatement {
        CodeStatement(StatementIR(.closeHandle(variable: variable), at: location(file, line)))
    }

    /// FltCreateCommunicationPort, in `DriverEntry` after `RegisterFilter`: `onSuccess` with the port
    /// open, `onFailure` when the call fails (both are explored).
    public func create(
        file: String = #filePath, line: Int = #line,
        @Code onSuccess: () -> [StatementIR], @Code onFailure: () -> [StatementIR]
    ) -> CodeStatement {
        CodeStatement(StatementIR(
            .driverEntryCall(.createPort(variable: variable), onSuccess: onSuccess(), onFailure: onFailure()), at: location(file, line)))
    }

    public var isOpen: Expr { Expr(.variable(variable)) }
}

/// A file the enclosing filter opens on its instance (FltCreateFile), closed when it starts, as
/// after InstanceSetup. `open()` and `close()` (FltClose) it; every file must be closed by the time
/// InstanceTeardownComplete returns (T7: MetadataManager closes its metadata file there). Opening a
/// file that is open (the old handle leaks) or closing one that is closed is a bug too. `isOpen`
/// reads the filter variable `<name>.open`.
public struct FilterFile {
    let variable: Int
    public init(_ name: String, open: Bool = false, file: String = #filePath, line: Int = #line) {
        variable = declareHandle(name, .file, open: open, "FilterFile", file, line)
    }

    /// FltCreateFile (it succeeds).
    public func open(file: String = #filePath, line: Int = #line) -> CodeStatement {
        CodeStatement(StatementIR(.openHandle(variable: variable), at: location(file, line)))
    }

    /// FltClose.
    public func close(file: String = #filePath, line: Int = #line) -> CodeStatement {
        CodeStatement(StatementIR(.closeHandle(variable: variable), at: location(file, line)))
    }

    public var isOpen: Expr { Expr(.variable(variable)) }
}

private func declareHandle(_ name: String, _ kind: HandleKind, open: Bool, _ what: String, _ file: String, _ line: Int) -> Int {
    let context = buildContext
    if context.currentFilter == nil { context.error("\(what) \"\(name)\" must be declared inside a Filter", location(file, line)) }
    context.variables.append(VariableIR(
        name: name + ".open", owner: context.currentFilter, type: .bool, initial: open ? 1 : 0, handle: kind, location: location(file, line)))
    return context.variables.count - 1
}

/// Asynchronous I/O the enclosing filter issues itself, with callback data it allocated at instance
/// setup (FltAllocateCallbackData): `perform { issued } onFailure: { failed }` is
/// FltPerformAsynchronousIo, and the `completion` callback runs on a worker thread once the I/O
/// completes, whether the call succeeded or failed (C14: a failure return does not mean the callback
/// will not run). `cancel()` is FltCancelIo, only for I/O the filter issued and has not freed (C13;
/// on I/O that already completed it returns FALSE, as documented); `free()` is
/// FltFreeCallbackData, valid when no I/O is in flight, or from the completion callback itself
/// (C14). Instance teardown completes only once the I/O is done (T4). The filter variable
/// `<name>.io` says where it is: `idle` (never issued), `inFlight`, `completing` (the callback
/// runs), `done` (it returned) or `freed`.
public struct AsyncIo {
    let stateVariable: Int
    let completion: Int
    public init(_ name: String, file: String = #filePath, line: Int = #line, @Code completion body: () -> [StatementIR]) {
        self.init(name, file, line, building: { _ in body() })
    }

    /// The completion callback gets the AsyncIo itself (to free its callback data there:
    /// `AsyncIo("Read") { io in io.free() }`).
    public init(_ name: String, file: String = #filePath, line: Int = #line, @Code completion body: (AsyncIo) -> [StatementIR]) {
        self.init(name, file, line, building: body)
    }

    private init(_ name: String, _ file: String, _ line: Int, building body: (AsyncIo) -> [StatementIR]) {
        let context = buildContext
        if context.currentFilter == nil { context.error("AsyncIo \"\(name)\" must be declared inside a Filter", location(file, line)) }
        stateVariable = declare(name + ".io", .enumeration(cases: AsyncIoState.names), AsyncIoState.idle.rawValue, false, file, line)
        completion = context.workItems.count
        // Registered before the body is built, as WorkItem does.
        var item = WorkItemIR(name: name + " completion", owner: context.currentFilter ?? "", kind: .asyncIoCompletion, body: [], location: location(file, line))
        item.asyncIoState = stateVariable
        context.workItems.append(item)
        context.workItems[completion].body = body(self)
    }

    /// FltPerformAsynchronousIo: `onIssued` when it returns success or STATUS_PENDING, `onFailure`
    /// when it returns an error (both are explored); the completion callback runs in either case.
    public func perform(
        file: String = #filePath, line: Int = #line,
        @Code onIssued: () -> [StatementIR], @Code onFailure: () -> [StatementIR]
    ) -> CodeStatement {
        CodeStatement(StatementIR(.performAsyncIo(state: stateVariable, completion: completion, onIssued: onIssued(), onFailure: onFailure()), at: location(file, line)))
    }

    /// FltCancelIo.
    public func cancel(file: String = #filePath, line: Int = #line) -> CodeStatement {
        CodeStatement(StatementIR(.cancelAsyncIo(state: stateVariable), at: location(file, line)))
    }

    /// FltFreeCallbackData.
    public func free(file: String = #filePath, line: Int = #line) -> CodeStatement {
        CodeStatement(StatementIR(.freeAsyncIo(state: stateVariable), at: location(file, line)))
    }

    /// Whether the callback data is in this state (`read.is(.inFlight)`).
    public func `is`(_ state: AsyncIoState) -> Expr {
        Expr(.binary(.equal, .variable(stateVariable), .constant(state.rawValue)))
    }
}

/// IRQL values for comparisons with `Irql.current`.
public enum Irql {
    /// KeGetCurrentIrql().
    public static var current: Expr { Expr(.operation(.irql)) }
    public static let passive: Expr = 0
    public static let apc: Expr = 1
    public static let dispatch: Expr = 2
}

/// A context of the enclosing filter (stream, stream handle, instance...). Every reference the
/// filter takes with `get()` (FltGetStreamContext, FltAllocateContext, FltReferenceContext) it gives
/// back once with `release()` (FltReleaseContext): an over-release is bug check 0xF5 (P1=0x6D), and a
/// reference still held when the instance is torn down or the filter unloads is a leak (T14).
public struct Context {
    let index: Int
    public init(_ name: String, file: String = #filePath, line: Int = #line) {
        let context = buildContext
        index = context.contexts.count
        if context.currentFilter == nil { context.error("Context \"\(name)\" must be declared inside a Filter", location(file, line)) }
        context.contexts.append(ContextIR(name: name, owner: context.currentFilter ?? "", location: location(file, line)))
    }

    /// Takes a reference (FltGetStreamContext and the like).
    public func get(file: String = #filePath, line: Int = #line) -> CodeStatement {
        CodeStatement(StatementIR(.contextReference(context: index), at: location(file, line)))
    }

    /// FltReleaseContext.
    public func release(file: String = #filePath, line: Int = #line) -> CodeStatement {
        CodeStatement(StatementIR(.contextRelease(context: index), at: location(file, line)))
    }
}
