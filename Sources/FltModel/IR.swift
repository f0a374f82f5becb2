// The model IR: plain, versioned, Codable data. The DSL in this module builds it; fltcheck decodes
// it, validates it and hands it to the semantics and the engines. Nothing here is a closure, so one
// IR can feed every engine, be cached, diffed and replayed (DESIGN.md §2).

/// The IR schema version. A model compiled against another version is rejected on load.
public let irSchemaVersion = 1

/// A place in the model's own source file.
public struct SourceLocation: Codable, Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }
    public var description: String { "\(file):\(line)" }
}

/// The whole model: the filter stack, the workload and the options.
public struct ModelIR: Codable, Sendable {
    public var schemaVersion: Int
    public var name: String
    public var location: SourceLocation
    public var variables: [VariableIR]
    /// Ordered as declared; the semantics orders them by altitude.
    public var filters: [FilterIR]
    public var workItems: [WorkItemIR]
    public var queues: [CancelSafeQueueIR]
    public var locks: [LockIR]
    public var contexts: [ContextIR]
    /// The parameters the model declared and the values this build used (absent in IR saved before
    /// parameters existed).
    public var parameters: [ParameterIR]?
    public var workload: WorkloadIR
    public var options: OptionsIR
    public init(
        name: String, location: SourceLocation, variables: [VariableIR], filters: [FilterIR],
        workItems: [WorkItemIR], queues: [CancelSafeQueueIR] = [], locks: [LockIR] = [], contexts: [ContextIR] = [],
        parameters: [ParameterIR] = [], workload: WorkloadIR, options: OptionsIR
    ) {
        self.parameters = parameters.isEmpty ? nil : parameters
        self.locks = locks
        self.contexts = contexts
        self.schemaVersion = irSchemaVersion
        self.name = name
        self.location = location
        self.variables = variables
        self.filters = filters
        self.workItems = workItems
        self.queues = queues
        self.workload = workload
        self.options = options
    }
}

/// How finely the explorer interleaves filter code.
public enum Interleaving: String, Codable, Sendable {
    /// Another thread may run between any two statements (outside `Atomic`). The default: real code
    /// can be preempted anywhere.
    case everyStatement
    /// A callback or work item runs to its end in one step, except at an explicit `Step()`.
    case explicitSteps
}

/// Which statuses complete IRP_MJ_CLEANUP and IRP_MJ_CLOSE legally (catalog P5). The docs disagree:
/// I:complete says STATUS_SUCCESS, S2 says any success status other than STATUS_PENDING.
public enum CleanupCloseStatusRule: String, Codable, Sendable {
    /// Any NT_SUCCESS status other than STATUS_PENDING (S2). The default.
    case anySuccess
    /// STATUS_SUCCESS only (I:complete).
    case statusSuccessOnly
}

/// Which operations FltMgr drains (calls the post-op with FLTFL_POST_OPERATION_DRAINING) at instance
/// teardown. The docs say every operation awaiting a post-op (I:drain, D:post); the WDK samples
/// swapBuffers and delete assert that SYNCHRONIZE'd operations are never drained, while docs issue
/// #3067 shows a drained post-create. The catalog leaves it open (§1.9).
public enum DrainRule: String, Codable, Sendable {
    /// Every operation awaiting a post-op at the instance (the docs; the default).
    case allAwaitingPostOp
    /// Every operation awaiting a post-op except SYNCHRONIZE'd ones, which complete normally.
    case exceptSynchronized
}

/// What InstanceTeardownComplete waits for besides operations (catalog §1.9, DESIGN.md §2). The docs
/// say teardown complete comes once every operation is completed or drained (T4; D:teardown,
/// I:load) and that an FltObjectReference rundown reference does not delay it (T8); whether a work
/// item of the filter that is still running does (a generic work item queued on the instance, or a
/// deferred work item whose routine goes on after resuming its operation) is undocumented.
public enum TeardownWaitRule: String, Codable, Sendable {
    /// Operations only: pended, running in a callback, or owed a post-op (the docs; the default). A
    /// work item still running may see teardown complete begin (and break T6 if it then touches the
    /// instance).
    case operations
    /// Operations, and every work item of the filter (deferred or generic) until its routine
    /// returns, as if each held a rundown reference on the instance.
    case operationsAndWorkItems
}

/// What IoStatus.Status a post-op called with FLTFL_POST_OPERATION_DRAINING sees. D:post says it gets
/// a copy of the callback data; I:drain that the operation may not have been completed yet, and the
/// docs do not say what the copy's status is then. The WDK delete sample (DfPostCreateCallback, "this
/// status check handles the draining scenario") assumes it is a failure.
public enum DrainedStatusRule: String, Codable, Sendable {
    /// The operation's IoStatus as it is when drained (a copy of the callback data, D:post; the
    /// default): the file system's status once it completed the operation, else the status before it
    /// was sent down (STATUS_SUCCESS unless filter code set one).
    case operationStatus
    /// As `operationStatus` for an operation already completed below the filter; an operation still
    /// in the file system or in a lower filter shows STATUS_UNSUCCESSFUL (what the delete sample
    /// assumes).
    case failureUntilCompleted
}

/// A property the model switches off, and the written reason the report repeats.
public struct DisabledPropertyIR: Codable, Sendable {
    public var property: String
    public var reason: String
    public var location: SourceLocation
    public init(property: String, reason: String, location: SourceLocation) {
        self.property = property
        self.reason = reason
        self.location = location
    }
}

public struct OptionsIR: Codable, Sendable {
    public var interleaving: Interleaving
    public var cleanupCloseStatus: CleanupCloseStatusRule
    public var drain: DrainRule
    /// Absent in IR saved before the option existed: `.operations`.
    public var teardownWaitsFor: TeardownWaitRule?
    /// Absent in IR saved before the option existed: `.operationStatus`.
    public var drainedStatus: DrainedStatusRule?
    public var disabled: [DisabledPropertyIR]
    public init(
        interleaving: Interleaving = .everyStatement, cleanupCloseStatus: CleanupCloseStatusRule = .anySuccess,
        drain: DrainRule = .allAwaitingPostOp, teardownWaitsFor: TeardownWaitRule = .operations,
        drainedStatus: DrainedStatusRule = .operationStatus, disabled: [DisabledPropertyIR] = []
    ) {
        self.interleaving = interleaving
        self.cleanupCloseStatus = cleanupCloseStatus
        self.drain = drain
        self.teardownWaitsFor = teardownWaitsFor
        self.drainedStatus = drainedStatus
        self.disabled = disabled
    }
}

/// The type of a filter variable. Every value is stored as an integer.
public enum VariableType: Codable, Hashable, Sendable {
    case bool
    /// Values are the case indices.
    case enumeration(cases: [String])
    case int(min: Int, max: Int)
    /// A handle to an operation (its callback data), or none (0). Value k ≥ 1 is request k.
    case operation
    /// A fixed-width integer as C has them (UCHAR ... ULONGLONG, CHAR ... LONGLONG): arithmetic wraps
    /// around, comparisons are signed or unsigned by the type. Its value may be symbolic (decided by
    /// Z3); `initial` holds the bit pattern of a concrete one.
    case bitVector(width: Int, signed: Bool)
}

/// The value of a data input (a `BitVector` variable or a request parameter such as Length):
/// concrete, or symbolic (any value, optionally constrained by an assumption, decided by Z3).
public enum InputValueIR: Codable, Hashable, Sendable {
    case value(Int)
    /// `assumption` is a condition over the input itself (the variable, or `Op.length` ...).
    case symbolic(assumption: ExprIR?)
}

public struct VariableIR: Codable, Sendable {
    public var name: String
    /// The filter that declared it, or nil for a model-wide variable.
    public var owner: String?
    public var type: VariableType
    public var initial: Int
    /// Each thread has its own copy (a local variable of the code), starting at `initial`.
    public var threadLocal: Bool
    /// A bit-vector variable that starts symbolic: any value its assumption allows (Z3 decides).
    public var symbolic: Bool
    /// With `symbolic`: a condition the starting value satisfies (over this variable).
    public var assumption: ExprIR?
    /// Set when the variable says whether a handle the filter owns is open (`CommunicationPort`,
    /// `FilterFile`); nil for the model's own variables.
    public var handle: HandleKind?
    public var location: SourceLocation
    public init(
        name: String, owner: String?, type: VariableType, initial: Int, threadLocal: Bool = false, symbolic: Bool = false,
        assumption: ExprIR? = nil, handle: HandleKind? = nil, location: SourceLocation
    ) {
        self.handle = handle
        self.name = name
        self.owner = owner
        self.type = type
        self.initial = initial
        self.threadLocal = threadLocal
        self.symbolic = symbolic
        self.assumption = assumption
        self.location = location
    }
}

/// Where the callback data of an `AsyncIo` is: the cases of its state variable `<name>.io`.
public enum AsyncIoState: Int, CaseIterable, Sendable {
    /// Allocated (FltAllocateCallbackData at instance setup), never issued.
    case idle
    /// FltPerformAsynchronousIo was called; the I/O has not completed.
    case inFlight
    /// The I/O completed: its completion callback is running.
    case completing
    /// The completion callback returned: the callback data can be reused or freed.
    case done
    /// FltFreeCallbackData was called.
    case freed

    public static var names: [String] { ["idle", "inFlight", "completing", "done", "freed"] }
}

/// A handle a filter owns and must close by a given point.
public enum HandleKind: String, Codable, Sendable {
    /// A communication server port (FltCreateCommunicationPort, in DriverEntry): closed with
    /// FltCloseCommunicationPort before FltUnregisterFilter (T10).
    case communicationPort
    /// A file the filter opened on its instance (FltCreateFile): closed with FltClose by the time
    /// InstanceTeardownComplete returns (T7).
    case file
}

/// IRP_MJ_* major function codes, with their real values.
public enum MajorFunction: String, Codable, CaseIterable, Sendable {
    case create = "CREATE"
    case close = "CLOSE"
    case read = "READ"
    case write = "WRITE"
    case queryInformation = "QUERY_INFORMATION"
    case setInformation = "SET_INFORMATION"
    case flushBuffers = "FLUSH_BUFFERS"
    case directoryControl = "DIRECTORY_CONTROL"
    case fileSystemControl = "FILE_SYSTEM_CONTROL"
    case deviceControl = "DEVICE_CONTROL"
    case shutdown = "SHUTDOWN"
    case lockControl = "LOCK_CONTROL"
    case cleanup = "CLEANUP"

    /// The callback name part, e.g. `Read` in `PreRead`.
    public var callbackName: String {
        switch self {
        case .create: "Create"
        case .close: "Close"
        case .read: "Read"
        case .write: "Write"
        case .queryInformation: "QueryInformation"
        case .setInformation: "SetInformation"
        case .flushBuffers: "FlushBuffers"
        case .directoryControl: "DirectoryControl"
        case .fileSystemControl: "FileSystemControl"
        case .deviceControl: "DeviceControl"
        case .shutdown: "Shutdown"
        case .lockControl: "LockControl"
        case .cleanup: "Cleanup"
        }
    }
}

/// A request's minor function (IRP_MN_*), or for IRP_MJ_FILE_SYSTEM_CONTROL the FSCTL code
/// (FsControlCode, under IRP_MN_USER_FS_REQUEST). Only the ones a rule depends on are listed: P12
/// forbids FLT_PREOP_SYNCHRONIZE for oplock FSCTLs, IRP_MN_NOTIFY_CHANGE_DIRECTORY and IRP_MN_LOCK
/// (I:sync), and the others are their ordinary neighbours, for models that mix them.
public enum MinorFunction: String, Codable, CaseIterable, Sendable, CustomStringConvertible {
    // IRP_MJ_DIRECTORY_CONTROL
    case queryDirectory = "IRP_MN_QUERY_DIRECTORY"
    case notifyChangeDirectory = "IRP_MN_NOTIFY_CHANGE_DIRECTORY"
    // IRP_MJ_LOCK_CONTROL
    case lock = "IRP_MN_LOCK"
    case unlockSingle = "IRP_MN_UNLOCK_SINGLE"
    case unlockAll = "IRP_MN_UNLOCK_ALL"
    // IRP_MJ_FILE_SYSTEM_CONTROL, IRP_MN_USER_FS_REQUEST with this FsControlCode
    case requestOplockLevel1 = "FSCTL_REQUEST_OPLOCK_LEVEL_1"
    case requestOplockLevel2 = "FSCTL_REQUEST_OPLOCK_LEVEL_2"
    case requestBatchOplock = "FSCTL_REQUEST_BATCH_OPLOCK"
    case requestFilterOplock = "FSCTL_REQUEST_FILTER_OPLOCK"
    case lockVolume = "FSCTL_LOCK_VOLUME"
    case dismountVolume = "FSCTL_DISMOUNT_VOLUME"

    /// The major function it belongs to.
    public var major: MajorFunction {
        switch self {
        case .queryDirectory, .notifyChangeDirectory: .directoryControl
        case .lock, .unlockSingle, .unlockAll: .lockControl
        case .requestOplockLevel1, .requestOplockLevel2, .requestBatchOplock, .requestFilterOplock, .lockVolume, .dismountVolume:
            .fileSystemControl
        }
    }

    /// The real value: IRP_MN_* for directory and lock control, the FSCTL code (CTL_CODE of
    /// FILE_DEVICE_FILE_SYSTEM, METHOD_BUFFERED) for file system control.
    public var code: Int {
        switch self {
        case .queryDirectory: 0x01
        case .notifyChangeDirectory: 0x02
        case .lock: 0x01
        case .unlockSingle: 0x02
        case .unlockAll: 0x03
        case .requestOplockLevel1: 0x0009_0000
        case .requestOplockLevel2: 0x0009_0004
        case .requestBatchOplock: 0x0009_0008
        case .requestFilterOplock: 0x0009_005C
        case .lockVolume: 0x0009_0018
        case .dismountVolume: 0x0009_0020
        }
    }

    /// I:sync: these operations can stay pending indefinitely, so FLT_PREOP_SYNCHRONIZE cannot be
    /// returned for them (P12).
    public var cannotBeSynchronized: Bool {
        switch self {
        case .requestOplockLevel1, .requestOplockLevel2, .requestBatchOplock, .requestFilterOplock, .notifyChangeDirectory, .lock: true
        default: false
        }
    }

    public var description: String { rawValue }
}

/// An NTSTATUS, kept as its 32-bit value so models and traces use real codes.
public struct NTStatus: Codable, Hashable, Sendable, CustomStringConvertible {
    public var value: UInt32
    public init(_ value: UInt32) { self.value = value }

    public static let success = NTStatus(0x0000_0000)
    public static let pending = NTStatus(0x0000_0103)
    public static let reparse = NTStatus(0x0000_0104)
    public static let moreProcessingRequired = NTStatus(0xC000_0016)
    public static let unsuccessful = NTStatus(0xC000_0001)
    public static let notImplemented = NTStatus(0xC000_0002)
    public static let invalidParameter = NTStatus(0xC000_000D)
    public static let endOfFile = NTStatus(0xC000_0011)
    public static let accessDenied = NTStatus(0xC000_0022)
    public static let objectNameNotFound = NTStatus(0xC000_0034)
    public static let sharingViolation = NTStatus(0xC000_0043)
    public static let insufficientResources = NTStatus(0xC000_009A)
    public static let deviceNotReady = NTStatus(0xC000_00A3)
    public static let notSupported = NTStatus(0xC000_00BB)
    public static let cancelled = NTStatus(0xC000_0120)
    public static let virusInfected = NTStatus(0xC000_0906)
    public static let fltDisallowFastIo = NTStatus(0xC01C_0004)
    public static let fltNotSafeToPostOperation = NTStatus(0xC01C_0006)
    public static let fltCbdqDisabled = NTStatus(0xC01C_000E)
    public static let fltDoNotDetach = NTStatus(0xC01C_0010)
    public static let fltDeletingObject = NTStatus(0xC01C_000B)

    static let names: [UInt32: String] = [
        0x0000_0000: "STATUS_SUCCESS", 0x0000_0103: "STATUS_PENDING", 0x0000_0104: "STATUS_REPARSE",
        0xC000_0016: "STATUS_MORE_PROCESSING_REQUIRED", 0xC000_0001: "STATUS_UNSUCCESSFUL",
        0xC000_0002: "STATUS_NOT_IMPLEMENTED", 0xC000_000D: "STATUS_INVALID_PARAMETER",
        0xC000_0011: "STATUS_END_OF_FILE", 0xC000_0022: "STATUS_ACCESS_DENIED",
        0xC000_0034: "STATUS_OBJECT_NAME_NOT_FOUND", 0xC000_0043: "STATUS_SHARING_VIOLATION",
        0xC000_009A: "STATUS_INSUFFICIENT_RESOURCES", 0xC000_00A3: "STATUS_DEVICE_NOT_READY",
        0xC000_00BB: "STATUS_NOT_SUPPORTED", 0xC000_0120: "STATUS_CANCELLED",
        0xC000_0906: "STATUS_VIRUS_INFECTED", 0xC01C_0004: "STATUS_FLT_DISALLOW_FAST_IO",
        0xC01C_0006: "STATUS_FLT_NOT_SAFE_TO_POST_OPERATION", 0xC01C_000B: "STATUS_FLT_DELETING_OBJECT",
        0xC01C_000E: "STATUS_FLT_CBDQ_DISABLED", 0xC01C_0010: "STATUS_FLT_DO_NOT_DETACH",
    ]

    /// NT_SUCCESS: severity success or informational.
    public var isSuccess: Bool { value & 0x8000_0000 == 0 }

    public var description: String {
        NTStatus.names[value] ?? "0x" + String(value, radix: 16, uppercase: true)
    }
}

/// FLT_PREOP_CALLBACK_STATUS, with COMPLETE's status.
public enum PreOutcome: Codable, Hashable, Sendable, CustomStringConvertible {
    case successNoCallback
    case successWithCallback
    case pending
    case synchronize
    case complete(NTStatus)
    case disallowFastIo

    public var description: String {
        switch self {
        case .successNoCallback: "FLT_PREOP_SUCCESS_NO_CALLBACK"
        case .successWithCallback: "FLT_PREOP_SUCCESS_WITH_CALLBACK"
        case .pending: "FLT_PREOP_PENDING"
        case .synchronize: "FLT_PREOP_SYNCHRONIZE"
        case .complete(let status): "FLT_PREOP_COMPLETE (\(status))"
        case .disallowFastIo: "FLT_PREOP_DISALLOW_FASTIO"
        }
    }
}

/// FLT_POSTOP_CALLBACK_STATUS.
public enum PostOutcome: String, Codable, Hashable, Sendable, CustomStringConvertible {
    case finishedProcessing
    case moreProcessingRequired

    public var description: String {
        switch self {
        case .finishedProcessing: "FLT_POSTOP_FINISHED_PROCESSING"
        case .moreProcessingRequired: "FLT_POSTOP_MORE_PROCESSING_REQUIRED"
        }
    }
}

public enum CallbackKind: String, Codable, Sendable {
    case pre
    case post
}

public struct CallbackIR: Codable, Sendable {
    public var kind: CallbackKind
    public var major: MajorFunction
    public var body: [StatementIR]
    public var location: SourceLocation
    public init(kind: CallbackKind, major: MajorFunction, body: [StatementIR], location: SourceLocation) {
        self.kind = kind
        self.major = major
        self.body = body
        self.location = location
    }
}

/// A filter's InstanceTeardownStartCallback or InstanceTeardownCompleteCallback.
public struct TeardownCallbackIR: Codable, Sendable {
    public var body: [StatementIR]
    public var location: SourceLocation
    public init(body: [StatementIR], location: SourceLocation) {
        self.body = body
        self.location = location
    }
}

public struct FilterIR: Codable, Sendable {
    public var name: String
    public var altitude: Int
    public var callbacks: [CallbackIR]
    public var teardownStart: TeardownCallbackIR?
    public var teardownComplete: TeardownCallbackIR?
    /// FilterUnloadCallback. Without one the filter cannot be unloaded (T9).
    public var unload: TeardownCallbackIR?
    /// InstanceQueryTeardownCallback: asked before a manual detach, which it may veto with
    /// STATUS_FLT_DO_NOT_DETACH. Without one there is no manual detach (T9).
    public var queryTeardown: TeardownCallbackIR?
    /// DriverEntry, run before any request. Without one the model starts with the filter
    /// registered, filtering and its communication ports created.
    public var driverEntry: TeardownCallbackIR?
    public var location: SourceLocation
    public init(
        name: String, altitude: Int, callbacks: [CallbackIR], teardownStart: TeardownCallbackIR? = nil,
        teardownComplete: TeardownCallbackIR? = nil, location: SourceLocation
    ) {
        self.name = name
        self.altitude = altitude
        self.callbacks = callbacks
        self.teardownStart = teardownStart
        self.teardownComplete = teardownComplete
        self.location = location
    }
}

/// A call DriverEntry makes that can fail (T13, I:deret).
public enum DriverEntryCall: Codable, Sendable, Equatable {
    /// FltRegisterFilter.
    case registerFilter
    /// FltStartFiltering.
    case startFiltering
    /// FltCreateCommunicationPort for the port whose `.open` variable this is.
    case createPort(variable: Int)
}

/// A lock of a filter. A spin lock raises the IRQL to DISPATCH_LEVEL; a fast mutex to APC_LEVEL; an
/// ERESOURCE (in a critical region) leaves it at PASSIVE_LEVEL but may not be taken at DISPATCH.
public enum LockKind: String, Codable, Sendable {
    case spinLock
    case fastMutex
    case resource

    /// The IRQL a thread holding it runs at, at least (0 PASSIVE, 1 APC, 2 DISPATCH).
    public var irql: Int {
        switch self {
        case .spinLock: 2
        case .fastMutex: 1
        case .resource: 0
        }
    }
}

/// A filter context (stream, stream handle, instance...) whose references the filter takes and
/// releases (T14).
public struct ContextIR: Codable, Sendable {
    public var name: String
    public var owner: String
    public var location: SourceLocation
    public init(name: String, owner: String, location: SourceLocation) {
        self.name = name
        self.owner = owner
        self.location = location
    }
}

public struct LockIR: Codable, Sendable {
    public var name: String
    public var owner: String
    public var kind: LockKind
    /// The system's cancel spin lock (IoAcquireCancelSpinLock): a cancel (IoCancelIrp) takes it too.
    public var isCancelSpinLock: Bool
    public var location: SourceLocation
    public init(name: String, owner: String, kind: LockKind, isCancelSpinLock: Bool = false, location: SourceLocation) {
        self.name = name
        self.owner = owner
        self.kind = kind
        self.isCancelSpinLock = isCancelSpinLock
        self.location = location
    }
}

/// A cancel-safe callback data queue (FltCbdqInitialize), initialized at instance setup and enabled.
public struct CancelSafeQueueIR: Codable, Sendable {
    public var name: String
    public var owner: String
    /// The lock its CbdqAcquire/CbdqRelease callbacks take: a mutex or resource means every FltCbdq*
    /// call must be at IRQL <= APC_LEVEL (C8).
    public var lock: LockKind
    /// What the queue's CbdqInsertIo callback returns on success (catalog C3):
    /// FltCbdqInsertIo passes it through. STATUS_SUCCESS or STATUS_PENDING.
    public var insertStatus: NTStatus
    /// CbdqCompleteCanceledIo: runs with the cancelled operation as `Op.current`.
    public var cancelCallback: [StatementIR]
    public var location: SourceLocation
    public init(name: String, owner: String, lock: LockKind = .fastMutex, insertStatus: NTStatus, cancelCallback: [StatementIR], location: SourceLocation) {
        self.name = name
        self.owner = owner
        self.lock = lock
        self.insertStatus = insertStatus
        self.cancelCallback = cancelCallback
        self.location = location
    }
}

/// A request to unload a filter (`fltmc unload`, a service stop, or a mandatory unload).
public struct UnloadIR: Codable, Sendable {
    public var filter: String
    /// A mandatory unload cannot be vetoed (FLTFL_FILTER_UNLOAD_MANDATORY, T9).
    public var mandatory: Bool
    public var location: SourceLocation
    public init(filter: String, mandatory: Bool, location: SourceLocation) {
        self.filter = filter
        self.mandatory = mandatory
        self.location = location
    }
}

/// When an instance's teardown may start.
public enum TeardownTiming: String, Codable, Sendable {
    /// At any step, racing every request (the default).
    case anytime
    /// Only once every request has completed to its originator.
    case afterRequestsComplete
}

/// Instance teardown of one filter's instance (a detach, or a volume dismount).
public struct TeardownIR: Codable, Sendable {
    public var filter: String
    public var timing: TeardownTiming
    /// A manual detach (`fltmc detach`, FilterDetach): FltMgr first calls InstanceQueryTeardown,
    /// which may veto it (T9). Absent or false: a teardown that cannot be vetoed (a dismount).
    public var manual: Bool?
    public var location: SourceLocation
    public init(filter: String, timing: TeardownTiming, manual: Bool = false, location: SourceLocation) {
        self.filter = filter
        self.timing = timing
        self.manual = manual ? true : nil
        self.location = location
    }
}

/// What FltObjectReference takes a rundown reference on.
public enum RundownTarget: String, Codable, Sendable {
    /// The filter's instance (PFLT_INSTANCE): it does not delay InstanceTeardownComplete, only the
    /// instance's free (T8).
    case instance
    /// The filter (PFLT_FILTER): FltUnregisterFilter waits until it is dereferenced (T11).
    case filter
}

/// A deferred I/O work item routine (FltQueueDeferredIoWorkItem). It runs on its own system worker
/// thread with the operation it was queued for as the current operation.
public enum WorkItemKind: String, Codable, Sendable {
    /// FltQueueDeferredIoWorkItem: runs for the operation it was queued for.
    case deferredIo
    /// FltQueueGenericWorkItem: runs for no operation and holds a rundown reference on the filter
    /// until it returns (W5).
    case generic
    /// A cancel routine set with FltSetCancelCompletion: runs, in the cancelling thread, for the
    /// operation being cancelled.
    case cancelRoutine
    /// An oplock WaitCompletionRoutine for FltCheckOplock: runs when the oplock break completes,
    /// for the operation the oplock package took.
    case oplockWaitCompletion
    /// A SafePostCallback for FltDoCompletionProcessingWhenSafe: post-op code that returns a
    /// FLT_POSTOP_* status, run inline at IRQL <= APC_LEVEL or posted to a worker thread.
    case safePostCallback
    /// The completion callback of FltPerformAsynchronousIo (`AsyncIo`): runs for no operation, on
    /// a worker thread, once the I/O completes (C14).
    case asyncIoCompletion
}

public struct WorkItemIR: Codable, Sendable {
    public var name: String
    public var owner: String
    public var kind: WorkItemKind
    public var body: [StatementIR]
    /// With explicit allocation (`AllocateWorkItem`/`FreeWorkItem`, W3): the variable counting the
    /// work items allocated and not yet freed. Nil: allocation is implicit in queueing.
    public var allocationCounter: Int?
    /// For an `.asyncIoCompletion`: the `AsyncIo`'s state variable (`AsyncIoState`).
    public var asyncIoState: Int?
    public var location: SourceLocation
    public init(name: String, owner: String, kind: WorkItemKind = .deferredIo, body: [StatementIR], location: SourceLocation) {
        self.name = name
        self.owner = owner
        self.kind = kind
        self.body = body
        self.location = location
    }
}

/// How the file system below the stack completes a request that reaches it.
public enum FileSystemTiming: String, Codable, Sendable {
    /// In the thread that sent it down.
    case inline
    /// Later, from the file system's own completion thread; the sender gets STATUS_PENDING.
    case asynchronous
    /// Either way: both are explored.
    case either
}

public enum RequestKind: String, Codable, Sendable {
    case irp
    case fastIo
}

/// What a request's data buffer is (Q6; "Accessing the User Buffers for an I/O Operation",
/// /ifs/accessing-the-user-buffers-for-an-i-o-operation: an IRP-based operation gives an MDL only, a
/// buffer address only, or both; a fast I/O operation only a user-space address, never an MDL).
public enum BufferKind: String, Codable, CaseIterable, Sendable, CustomStringConvertible {
    /// Buffered I/O: a system buffer from nonpaged pool (FLTFL_CALLBACK_DATA_SYSTEM_BUFFER,
    /// FLT_IS_SYSTEM_BUFFER): locked down, safe to touch at DISPATCH_LEVEL in any thread.
    case system
    /// The buffer comes with an MDL (Parameters...MdlAddress != NULL: direct I/O, paging I/O): the
    /// filter maps it with MmGetSystemAddressForMdlSafe, which works at DISPATCH_LEVEL in any thread.
    case userWithMdl
    /// Only a user-space address (neither buffered nor direct I/O, every fast I/O operation): valid
    /// only in the originator's process and pageable, so it is touched only in the originator's
    /// thread below DISPATCH_LEVEL, or after FltLockUserBuffer gave it an MDL (I:bufpost).
    case userWithoutMdl

    public var description: String {
        switch self {
        case .system: "a system buffer"
        case .userWithMdl: "a user buffer with an MDL"
        case .userWithoutMdl: "a user buffer without an MDL"
        }
    }
}

/// N identical requests of one major function.
public struct RequestsIR: Codable, Sendable {
    public var major: MajorFunction
    public var count: Int
    public var kind: RequestKind
    public var synchronous: Bool
    public var paging: Bool
    public var topLevelIrp: Bool
    /// The originator may cancel it (IoCancelIrp) at any step while it is in flight.
    public var cancellable: Bool
    public var fileSystemTiming: FileSystemTiming
    /// The statuses the file system may complete with; every one is explored.
    public var fileSystemStatuses: [NTStatus]
    /// Parameters.Read/Write.Length (a ULONG) and ByteOffset (a LARGE_INTEGER), when the model gives them.
    public var length: InputValueIR?
    public var byteOffset: InputValueIR?
    /// The status the file system completes it with, when symbolic (then `fileSystemStatuses` is not used).
    public var fileSystemStatus: InputValueIR?
    public var location: SourceLocation
    /// Iopb->MinorFunction, or the FSCTL code of a FILE_SYSTEM_CONTROL request (P12); absent: not
    /// given (and in IR saved before it existed).
    public var minor: MinorFunction?
    /// The kinds of data buffer the request may carry, each explored (Q6). Absent: every kind its
    /// major function and request kind allow, when the model looks at buffers at all (and in IR
    /// saved before it existed).
    public var buffers: [BufferKind]?
    public init(
        major: MajorFunction, count: Int, kind: RequestKind, synchronous: Bool, paging: Bool,
        topLevelIrp: Bool, cancellable: Bool = false, fileSystemTiming: FileSystemTiming, fileSystemStatuses: [NTStatus],
        length: InputValueIR? = nil, byteOffset: InputValueIR? = nil, fileSystemStatus: InputValueIR? = nil, location: SourceLocation,
        minor: MinorFunction? = nil, buffers: [BufferKind]? = nil
    ) {
        self.buffers = buffers
        self.minor = minor
        self.fileSystemStatus = fileSystemStatus
        self.length = length
        self.byteOffset = byteOffset
        self.cancellable = cancellable
        self.major = major
        self.count = count
        self.kind = kind
        self.synchronous = synchronous
        self.paging = paging
        self.topLevelIrp = topLevelIrp
        self.fileSystemTiming = fileSystemTiming
        self.fileSystemStatuses = fileSystemStatuses
        self.location = location
    }
}

public struct WorkloadIR: Codable, Sendable {
    public var requests: [RequestsIR]
    public var teardowns: [TeardownIR]
    public var unloads: [UnloadIR]
    public init(requests: [RequestsIR], teardowns: [TeardownIR] = [], unloads: [UnloadIR] = []) {
        self.requests = requests
        self.teardowns = teardowns
        self.unloads = unloads
    }
}

/// A property of the current operation (the callback data the code is running for).
public enum OperationField: String, Codable, Sendable {
    case isIrp
    case isFastIo
    case isPaging
    case isSynchronous
    case isTopLevelIrp
    /// IoStatus.Status.
    case status
    /// The handle of the current operation, for operation variables.
    case handle
    /// The 1-based request number, as the trace shows it (`READ #2`).
    case requestNumber
    /// FLTFL_POST_OPERATION_DRAINING in the post-op's Flags.
    case isDraining
    /// FltIsIoCanceled: the originator has cancelled it.
    case isCancelled
    /// KeGetCurrentIrql of the running thread: 0 PASSIVE_LEVEL, 1 APC_LEVEL, 2 DISPATCH_LEVEL.
    case irql
    /// Parameters.Read/Write.Length: a 32-bit unsigned bit-vector (ULONG).
    case length
    /// Parameters.Read/Write.ByteOffset: a 64-bit signed bit-vector (LARGE_INTEGER).
    case byteOffset
    /// Iopb->MinorFunction, or for a FILE_SYSTEM_CONTROL request declared with an FSCTL code, that
    /// code (`MinorFunction.code`); 0 when the request gives none.
    case minorFunction
    /// The data buffer has an MDL (Parameters...MdlAddress != NULL, e.g. from FltDecodeParameters):
    /// one the request came with, or one FltLockUserBuffer made (Q6, I:bufpost).
    case hasMdl
    /// FLT_IS_SYSTEM_BUFFER: the buffer is a system buffer (buffered I/O, Q6, I:bufpost).
    case isSystemBuffer
}

public enum BinaryOperator: String, Codable, Sendable {
    case add, subtract, equal, notEqual, less, lessOrEqual, greater, greaterOrEqual, and, or
    /// Bit-vector only: `*`, `/`, `%`, `&`, `|`, `^`, `<<`, `>>` (arithmetic for a signed left side, as C).
    case multiply, divide, remainder, bitAnd, bitOr, bitXor, shiftLeft, shiftRight
}

/// Bit-vector only: `~x` and `-x`.
public enum UnaryOperator: String, Codable, Sendable {
    case bitNot, negate
}

/// An expression tree over variables, constants and the current operation.
public indirect enum ExprIR: Codable, Hashable, Sendable {
    case constant(Int)
    case variable(Int)
    case operation(OperationField)
    case not(ExprIR)
    case binary(BinaryOperator, ExprIR, ExprIR)
    case unary(UnaryOperator, ExprIR)
    /// A C cast of a bit-vector to another width and signedness: widening extends by the source's
    /// signedness, narrowing keeps the low bits.
    case convert(ExprIR, width: Int, signed: Bool)
}

/// One statement of filter code, with where it is in the model.
public struct StatementIR: Codable, Sendable {
    public var kind: StatementKind
    public var location: SourceLocation
    public init(_ kind: StatementKind, at location: SourceLocation) {
        self.kind = kind
        self.location = location
    }
}

public indirect enum StatementKind: Codable, Sendable {
    case assign(variable: Int, value: ExprIR)
    /// `variable = value` as C compiles `x = x + 1` without a lock: the value is read in one step
    /// and written in the next, so another thread can update the variable in between.
    case readThenWrite(variable: Int, value: ExprIR)
    case ifElse(condition: ExprIR, then: [StatementIR], otherwise: [StatementIR])
    /// Nondeterministic choice: every branch is explored.
    case choose([[StatementIR]])
    /// The model's own assertion.
    case assert(ExprIR, message: String)
    /// Paths on which the condition is false are not explored (an assumption about the environment).
    case assume(ExprIR)
    /// No other thread runs between its statements.
    case atomic([StatementIR])
    /// An interleaving point (meaningful with `Interleaving.explicitSteps`).
    case step
    case returnPre(PreOutcome)
    case returnPost(PostOutcome)
    /// FltCompletePendedPreOperation(operation, outcome).
    case completePendedPre(operation: ExprIR, outcome: PreOutcome)
    /// FltCompletePendedPostOperation(operation).
    case completePendedPost(operation: ExprIR)
    /// FltQueueDeferredIoWorkItem for `operation` with routine `workItem` (an index into
    /// `ModelIR.workItems`), then `onSuccess` or `onFailure` in the caller.
    case queueDeferredWorkItem(workItem: Int, operation: ExprIR, onSuccess: [StatementIR], onFailure: [StatementIR])
    /// Writes IoStatus.Status of the current operation.
    case setStatus(ExprIR)
    /// Loops while `condition` holds (read in a step of its own, like `ifElse`).
    case whileLoop(condition: ExprIR, body: [StatementIR])
    /// Blocks the thread until `condition` holds (a wait on an event the model signals by
    /// changing variables).
    case waitUntil(ExprIR)
    /// FltCbdqInsertIo(queue, operation): `status` (a variable, optional) receives what it returned;
    /// `onSuccess` runs when that is a success status, `onFailure` otherwise.
    case cbdqInsert(queue: Int, operation: ExprIR, status: Int?, onSuccess: [StatementIR], onFailure: [StatementIR])
    /// FltCbdqRemoveNextIo(queue) into an operation variable (none when the queue is empty).
    case cbdqRemoveNext(queue: Int, into: Int)
    /// FltCbdqRemoveIo(queue, operation) into an operation variable (none when it is not queued).
    case cbdqRemove(queue: Int, operation: ExprIR, into: Int)
    case cbdqDisable(queue: Int)
    case cbdqEnable(queue: Int)
    /// FltQueueGenericWorkItem for a generic work item (an index into `ModelIR.workItems`); it fails
    /// with STATUS_FLT_DELETING_OBJECT once the filter is being unregistered (W4).
    case queueGenericWorkItem(workItem: Int, onSuccess: [StatementIR], onFailure: [StatementIR])
    /// FltUnregisterFilter: tears down every instance and waits for the rundown (T11).
    case unregisterFilter
    /// A fallible call of DriverEntry (T13): `onSuccess` when it returns STATUS_SUCCESS, `onFailure`
    /// when it fails.
    case driverEntryCall(DriverEntryCall, onSuccess: [StatementIR], onFailure: [StatementIR])
    /// FltPerformAsynchronousIo with the callback data of an `AsyncIo` (`state` is its state
    /// variable, `completion` its callback in `ModelIR.workItems`): `onIssued` when it returns
    /// success or STATUS_PENDING, `onFailure` when it fails; the callback runs either way (C14).
    case performAsyncIo(state: Int, completion: Int, onIssued: [StatementIR], onFailure: [StatementIR])
    /// FltCancelIo on an `AsyncIo`'s callback data (C13).
    case cancelAsyncIo(state: Int)
    /// FltFreeCallbackData on an `AsyncIo`'s callback data (C14).
    case freeAsyncIo(state: Int)
    /// Opens a handle the filter owns (FltCreateFile); `variable` is its `.open` flag.
    case openHandle(variable: Int)
    /// Closes it (FltCloseCommunicationPort, FltClose).
    case closeHandle(variable: Int)
    /// Returns a status from FilterUnloadCallback (STATUS_FLT_DO_NOT_DETACH vetoes a non-mandatory unload).
    case returnStatus(NTStatus)
    /// FltSetCancelCompletion(operation, routine): `routine` indexes `ModelIR.workItems`.
    case setCancelCompletion(routine: Int, operation: ExprIR)
    /// FltClearCancelCompletion(operation): `onCleared` when it returned STATUS_SUCCESS, `onCancelled`
    /// when STATUS_CANCELLED (the cancel routine has been or is being called: it owns the operation).
    case clearCancelCompletion(operation: ExprIR, onCleared: [StatementIR], onCancelled: [StatementIR])
    /// FltCheckOplock(operation, waitCompletion): `onSuccess` when the operation may go on
    /// (SUCCESS_WITH_CALLBACK), `onPending` when the oplock package took it (FLT_PREOP_PENDING: the
    /// routine resumes it when the break completes, O1/O2), `onComplete` when it failed with IoStatus
    /// set (FLT_PREOP_COMPLETE, O4). With no routine the call blocks instead of pending (O3).
    case checkOplock(operation: ExprIR, waitCompletion: Int?, onSuccess: [StatementIR], onPending: [StatementIR], onComplete: [StatementIR])
    /// FltDoCompletionProcessingWhenSafe(callback) in a post-op. TRUE: the post-op returns what it
    /// sets in RetPostOperationStatus (the callback's status when run inline,
    /// MORE_PROCESSING_REQUIRED when posted), so it ends the post-op. FALSE (not posted): `onFalse`,
    /// which must return (Q7).
    case whenSafe(callback: Int, onFalse: [StatementIR])
    /// Takes a reference on a context (FltGetStreamContext, FltAllocateContext, FltReferenceContext).
    case contextReference(context: Int)
    /// FltReleaseContext.
    case contextRelease(context: Int)
    /// Sets *CompletionContext in a pre-op (P2: only with SUCCESS_WITH_CALLBACK or SYNCHRONIZE).
    case setCompletionContext
    /// Changes the operation's parameters (buffer, length, offset...) in the callback data (P15).
    case modifyParameters
    /// FltSetCallbackDataDirty (P15).
    case setCallbackDataDirty
    /// FltObjectReference on the filter's instance or on the filter: `counter` (a variable index)
    /// counts the references held. `onFailure` when it fails with STATUS_FLT_DELETING_OBJECT (the
    /// object is being torn down).
    case objectReference(counter: Int, target: RundownTarget, onSuccess: [StatementIR], onFailure: [StatementIR])
    /// FltObjectDereference of one reference counted by `counter`.
    case objectDereference(counter: Int, target: RundownTarget)
    /// FltAllocateDeferredIoWorkItem / FltAllocateGenericWorkItem for a work item declared with
    /// explicit allocation: `onSuccess` with one more allocated, `onFailure` when it returns NULL.
    case allocateWorkItem(workItem: Int, onSuccess: [StatementIR], onFailure: [StatementIR])
    /// FltFreeDeferredIoWorkItem / FltFreeGenericWorkItem (W3). Nil: the work item whose routine
    /// is running (the routine's FltWorkItem parameter).
    case freeWorkItem(workItem: Int?)
    /// Acquires a lock (`ModelIR.locks` index), waiting while another thread holds it.
    case acquire(lock: Int)
    case release(lock: Int)
    /// Writes IoStatus.Status and IoStatus.Information of the current operation together (failing
    /// an operation in a post-op sets both: Q9, I:failpost).
    case setIoStatus(status: ExprIR, information: ExprIR)
    /// FltCancelFileOpen on the current operation's file object (Q10, D:cfo): closes the file a
    /// create opened; only in post-create, at PASSIVE_LEVEL, for a create that opened a file.
    case cancelFileOpen
    /// FltReissueSynchronousIo for the current operation (Q11, D:reissue): sends it again to the
    /// instances below the caller and the file system, and returns once it has completed there.
    case reissueSynchronousIo
    /// Changes Iopb->TargetInstance / TargetFileObject of the current operation (P16, I:modify): a
    /// parameter change (FltSetCallbackDataDirty is needed, P15) that must not be followed by
    /// completing the operation.
    case retarget
    /// Reads or writes the current operation's data buffer (Q6, I:bufpost): through its MDL's system
    /// address (MmGetSystemAddressForMdlSafe) when it has one, else through the buffer address.
    case accessBuffer
    /// FltLockUserBuffer on the current operation (Q5, Q6): at IRQL <= APC_LEVEL it gives the buffer
    /// an MDL; `onSuccess` on STATUS_SUCCESS, `onFailure` on STATUS_INSUFFICIENT_RESOURCES (it could
    /// not allocate the MDL).
    case lockUserBuffer(onSuccess: [StatementIR], onFailure: [StatementIR])
}
