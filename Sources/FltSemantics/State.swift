import FltModel

/// Where a filter is with one operation's pre-operation callback.
enum PreStage: UInt8, Sendable {
    case notCalled
    case running
    /// Returned FLT_PREOP_PENDING; FltMgr holds the operation until FltCompletePendedPreOperation.
    case pended
    /// Pended, then resumed with FltCompletePendedPreOperation.
    case resumed
    /// Returned a status other than PENDING.
    case returned
}

/// Where a filter is with one operation's post-operation callback.
enum PostStage: UInt8, Sendable {
    case notCalled
    case running
    /// Returned FLT_POSTOP_MORE_PROCESSING_REQUIRED; completion waits for FltCompletePendedPostOperation.
    case pended
    case resumed
    case finished
}

/// One filter's relation to one operation (one slot of FltMgr's per-instance callback data), packed
/// in one word: copying, hashing and writing a state's slots is then a word each. Bits 0-2 hold the
/// pre-op stage, 3-5 the post-op stage, 8-23 one flag each (the layout `packed` writes to keys).
struct Slot: Hashable, Sendable {
    private var bits: UInt32 = 0

    /// Every field in 24 bits.
    var packed: UInt32 { bits }

    init() {}

    /// The slot whose `packed` is `packed`.
    init(packed: UInt32) { bits = packed }

    @inline(__always) private func flag(_ bit: UInt32) -> Bool { bits & (1 << bit) != 0 }
    @inline(__always) private mutating func setFlag(_ bit: UInt32, _ value: Bool) {
        if value { bits |= 1 << bit } else { bits &= ~(1 << bit) }
    }

    var pre: PreStage {
        get { PreStage(rawValue: UInt8(truncatingIfNeeded: bits & 7)) ?? .notCalled }
        set { bits = bits & ~7 | UInt32(newValue.rawValue) }
    }
    var post: PostStage {
        get { PostStage(rawValue: UInt8(truncatingIfNeeded: bits >> 3 & 7)) ?? .notCalled }
        set { bits = bits & ~(7 << 3) | UInt32(newValue.rawValue) << 3 }
    }

    /// FltCompletePendedPreOperation ran while the pre-op was still running (R8).
    var preResumedEarly: Bool { get { flag(8) } set { setFlag(8, newValue) } }

    /// The filter asked for its post-operation callback.
    var postOwed: Bool { get { flag(9) } set { setFlag(9, newValue) } }

    /// The pre-op returned FLT_PREOP_SYNCHRONIZE: the post-op runs in the pre-op's thread (Q12).
    var synchronized: Bool { get { flag(10) } set { setFlag(10, newValue) } }

    /// The completion walk reached this synchronized filter: its waiting thread may run the post-op.
    var syncSignalled: Bool { get { flag(11) } set { setFlag(11, newValue) } }

    var postResumedEarly: Bool { get { flag(12) } set { setFlag(12, newValue) } }

    /// A deferred work item was queued for the operation in the running callback (Q1).
    var queuedWorkItem: Bool { get { flag(13) } set { setFlag(13, newValue) } }

    /// The last FltQueueDeferredIoWorkItem in the running callback failed (W2).
    var queueFailed: Bool { get { flag(14) } set { setFlag(14, newValue) } }

    /// The last FltCbdqInsertIo in the running callback failed (C3).
    var insertFailed: Bool { get { flag(15) } set { setFlag(15, newValue) } }

    /// FltMgr called the post-op with FLTFL_POST_OPERATION_DRAINING at instance teardown (Q3).
    var drained: Bool { get { flag(16) } set { setFlag(16, newValue) } }

    /// FltCheckOplock returned FLT_PREOP_PENDING in the running pre-op: the oplock package owns it (O1).
    var oplockPending: Bool { get { flag(17) } set { setFlag(17, newValue) } }

    /// FltCheckOplock returned FLT_PREOP_COMPLETE in the running pre-op (O4).
    var oplockComplete: Bool { get { flag(18) } set { setFlag(18, newValue) } }

    /// The running pre-op set *CompletionContext (P2).
    var completionContext: Bool { get { flag(19) } set { setFlag(19, newValue) } }

    /// Parameters changed and FltSetCallbackDataDirty not called since (P15).
    var modifiedNotDirty: Bool { get { flag(20) } set { setFlag(20, newValue) } }

    /// This filter's post-create called FltCancelFileOpen: the file object is FO_FILE_OPEN_CANCELLED
    /// (Q10, D:cfo), and the create must be failed (Q9) and never reissued (Q11).
    var cancelledFileOpen: Bool { get { flag(21) } set { setFlag(21, newValue) } }

    /// The running pre-op changed TargetInstance / TargetFileObject (P16).
    var retargeted: Bool { get { flag(22) } set { setFlag(22, newValue) } }

    /// This filter's post-op is in FltReissueSynchronousIo: the completion walk of the reissued
    /// operation stops here and wakes it (Q11, D:reissue).
    var reissuing: Bool { get { flag(23) } set { setFlag(23, newValue) } }
}

enum OperationStage: UInt8, Sendable {
    case notIssued
    case inFlight
    /// Completed to its originator.
    case completed
}

struct OperationState: Hashable, Sendable {
    var stage: OperationStage = .notIssued
    /// The originator cancelled it (IoCancelIrp); FltIsIoCanceled is true.
    var cancelled = false
    /// The cancel routine set with FltSetCancelCompletion (a work item index), or -1.
    var cancelRoutine = -1
    /// The filter that set it.
    var cancelRoutineFilter = -1
    /// IoStatus.Status.
    var status: UInt32 = 0
    /// IoStatus.Status as a symbolic term (a file system's symbolic status), or -1 when `status` holds it.
    var statusTerm = -1
    /// IoStatus.Information may be non-zero (the file system completed it with a status that is not
    /// an error, so bytes transferred or a create disposition): a post-op failing it must set it to
    /// 0 (Q9, I:failpost).
    var information = false
    /// Its data buffer (Q6), `BufferBits`: 0 when buffers are untracked or it has none (then nothing
    /// about it is in the state key beyond this 0).
    var buffer: UInt8 = 0
}

/// The bits of `OperationState.buffer` (Q6, I:bufpost).
enum BufferBits {
    /// A system buffer (FLTFL_CALLBACK_DATA_SYSTEM_BUFFER).
    static let system: UInt8 = 1
    /// A user buffer (a user-space address).
    static let user: UInt8 = 2
    /// It has an MDL: the request's own, or one FltLockUserBuffer made.
    static let mdl: UInt8 = 4

    static func of(_ kind: BufferKind) -> UInt8 {
        switch kind {
        case .system: system
        case .userWithMdl: user | mdl
        case .userWithoutMdl: user
        }
    }

    /// How a trace names it.
    static func text(_ bits: UInt8) -> String {
        switch (bits & system != 0, bits & mdl != 0) {
        case (true, false): "a system buffer"
        case (true, true): "a system buffer with an MDL"
        case (false, true): "a user buffer with an MDL"
        case (false, false): "a user buffer without an MDL"
        }
    }
}

/// What FltMgr is doing for one operation in one thread.
enum DispatchStep: Hashable, Sendable {
    /// The originator is about to issue the request.
    case issue
    /// Calling pre-operation callbacks from this stack index down.
    case preDown(Int)
    /// A pre-op of the filter at this index is running (the code frame above this one).
    case inPre(Int)
    /// Sending the request to the file system.
    case fileSystem
    /// The file system's completion thread, about to complete the request.
    case fileSystemCompletes
    /// Calling post-operation callbacks of the filters above this stack index, lowest first.
    case postUp(Int)
    /// A post-op of the filter at this index is running.
    case inPost(Int)
    /// Blocked in the pre-op's thread of a SYNCHRONIZE'd filter until the completion walk reaches it.
    case waitSync(Int)
    /// A cancellable request's originator, able to cancel it while it is in flight.
    case cancel
    /// A queue's cancel callback (CbdqCompleteCanceledIo) for the operation is running above.
    case inCancelCallback(queue: Int)
    /// A cancel routine set with FltSetCancelCompletion is running above.
    case inCancelRoutine
    /// The oplock break for the operation completes: FltMgr calls this WaitCompletionRoutine.
    case oplockBreak(routine: Int)
    /// An oplock WaitCompletionRoutine is running above.
    case inOplockWaitCompletion
    /// A SafePostCallback posted by FltDoCompletionProcessingWhenSafe is running above, on a worker.
    case inPostedSafeCallback(Int)
    /// The post-op of the filter at this index (the code frame below) is in FltReissueSynchronousIo,
    /// blocked until the reissued operation has completed below it (Q11, D:reissue).
    case reissue(Int)
}

/// Where FltMgr is in tearing down one filter's instance.
enum TeardownStep: Hashable, Sendable {
    /// Teardown may start now.
    case begin
    /// InstanceTeardownStartCallback is running above.
    case inStart
    /// Draining post-ops and waiting for outstanding operations (T4).
    case drain
    /// InstanceTeardownCompleteCallback is running above.
    case inComplete
}

/// Where FltMgr is in unloading a filter.
enum UnloadStep: Hashable, Sendable {
    /// The unload request may come now.
    case begin
    /// FilterUnloadCallback is running above.
    case inCallback
    /// FilterUnloadCallback returned this status.
    case returned(UInt32)
}

/// Where FltUnregisterFilter is.
enum UnregisterStep: Hashable, Sendable {
    /// Tearing down the filter's instance (or waiting for a teardown under way).
    case instances
    /// Waiting until no rundown reference is left (T11).
    case rundown
}

/// The life of a filter's registration.
enum FilterStage: UInt8, Sendable {
    /// Its DriverEntry runs and has not registered it (T13).
    case loading
    case registered
    /// FilterUnloadCallback is running.
    case unloading
    /// FltUnregisterFilter has been called: generic work items can no longer be queued (W4).
    case unregistering
    case unloaded
    /// Its DriverEntry failed: the driver is gone and FltMgr never calls its FilterUnloadCallback
    /// (T13, I:unloadcb).
    case notLoaded
}

/// The life of a filter's instance.
enum InstanceStage: UInt8, Sendable {
    /// FltStartFiltering has not run (a filter with a DriverEntry): requests pass it by.
    case notAttached
    case attached
    /// Teardown has started: no new operations reach it (T5).
    case tearingDown
    /// InstanceTeardownCompleteCallback has begun (T6 from here on).
    case completing
    case tornDown
}

/// Filter code running: a callback, work item or queue callback, where it is, and for what.
struct CodeFrame: Hashable, Sendable {
    var code: Int
    var pc: Int
    /// The current operation, or -1 for code that runs for none (teardown callbacks).
    var operation: Int
    /// The owning filter's stack index.
    var filter: Int
    /// How many `Atomic` sections are open in this frame.
    var atomic: Int = 0
    /// A post-op called with FLTFL_POST_OPERATION_DRAINING.
    var draining = false
    /// A value read and not yet written back (`readThenWrite`).
    var register = 0
    /// The IRQL FltMgr called it at (0 PASSIVE, 1 APC, 2 DISPATCH).
    var irql = 0
    /// This code wrote IoStatus of its operation (P14).
    var wroteStatus = false

}

enum Frame: Hashable, Sendable {
    case code(CodeFrame)
    /// FltMgr processing an operation.
    case dispatch(operation: Int, step: DispatchStep)
    /// FltMgr tearing down a filter's instance.
    case teardown(filter: Int, step: TeardownStep)
    /// FltMgr unloading a filter.
    case unload(filter: Int, step: UnloadStep)
    /// FltUnregisterFilter running in this thread.
    case unregister(filter: Int, step: UnregisterStep)
}

/// Who a thread is.
enum ThreadRole: Hashable, Sendable {
    /// The thread that issued request `operation`.
    case originator(operation: Int)
    /// A system worker thread running a deferred work item for an operation.
    case worker(workItem: Int, operation: Int)
    /// The file system's completion thread for an operation it completes asynchronously.
    case fileSystem(operation: Int)
    /// The thread that tears down a filter's instance.
    case teardown(filter: Int)
    /// A cancellable request's originator, cancelling it (IoCancelIrp).
    case canceller(operation: Int)
    /// The thread that asks for a filter's unload.
    case unloader(filter: Int)
    /// The oplock package completing a break for an operation it took.
    case oplockBreak(operation: Int)
    /// The I/O manager running a filter's DriverEntry (T13). Created before every other thread,
    /// so while any runs, the first thread is one.
    case driverEntry(filter: Int)
}

/// One thread: who it is and where its call stack, held locks and locals are in its state's pools
/// (`SystemState.frames(of:)`, `held(of:)`, `locals(of:)`). It holds no array of its own, so copying
/// and freeing a state's threads retains and releases nothing per thread.
struct ThreadState: Hashable, Sendable {
    var role: ThreadRole
    /// Its frames are `SystemState.threadFrames[frameStart..<frameStart + frameCount]`, innermost last.
    fileprivate(set) var frameStart: Int32 = 0
    fileprivate(set) var frameCount: Int32 = 0
    /// The locks it holds, in the order taken, in `SystemState.threadHeld`.
    fileprivate(set) var heldStart: Int32 = 0
    fileprivate(set) var heldCount: Int32 = 0
    /// Its thread-local variables by slot, in `SystemState.threadLocals`; a slot not yet written
    /// holds the variable's initial value.
    fileprivate(set) var localStart: Int32 = 0
    fileprivate(set) var localCount: Int32 = 0

    fileprivate init(role: ThreadRole) { self.role = role }

    var frameRange: Range<Int> { Int(frameStart)..<Int(frameStart + frameCount) }
    var heldRange: Range<Int> { Int(heldStart)..<Int(heldStart + heldCount) }
    var localRange: Range<Int> { Int(localStart)..<Int(localStart + localCount) }
}

/// One thread's frames, held locks or locals: a piece of one of its state's pools, indexed from 0.
struct ThreadItems<Element>: RandomAccessCollection {
    let items: ArraySlice<Element>

    var startIndex: Int { 0 }
    var endIndex: Int { items.count }
    subscript(position: Int) -> Element { items[items.startIndex + position] }
}

/// A thread's fields read through pointers into its state's pools, valid only inside
/// `SystemState.forEachThreadInPlace` (the state key's loops: a slice retains its array).
struct ThreadPointers {
    let role: ThreadRole
    let frames: UnsafeBufferPointer<Frame>
    let held: UnsafeBufferPointer<Int>
    let locals: UnsafeBufferPointer<Int>
}

/// A global state of the filter stack: FltMgr's, the filters' and every thread's.
public struct SystemState: Hashable, Sendable {
    var variables: [Int]
    var operations: [OperationState]
    /// Each request's slot at each filter, request by request in stack order (`self[slot:_:]`): one
    /// array for all, so that a request holds no array of its own and copying requests retains nothing.
    var slots: [Slot]
    /// Indexed by stack position.
    var instances: [InstanceStage]
    /// Indexed by stack position.
    var filterStages: [FilterStage]
    /// Each cancel-safe queue: enabled, and the queued operations in order.
    var queues: [QueueState]
    /// References the filter holds on each context.
    var contextReferences: [Int]
    /// In creation order; a finished thread is removed. Their frames, held locks and locals are
    /// in the three pools below, thread after thread in this order with no gaps (so equal states
    /// have equal pools, and the synthesized `==` and hash stay right); change them only through the
    /// methods of the extension below, which keep them so.
    private(set) var threads: [ThreadState] = []
    private(set) var threadFrames: [Frame] = []
    private(set) var threadHeld: [Int] = []
    private(set) var threadLocals: [Int] = []
    /// Symbolic data: the decisions taken on this path, as sorted Boolean term ids (DataTerms.swift).
    var pathCondition: [Int] = []

    /// A state without threads (`addThread` and `replaceThreads` add them).
    init(
        variables: [Int], operations: [OperationState], slots: [Slot], instances: [InstanceStage], filterStages: [FilterStage],
        queues: [QueueState], contextReferences: [Int], pathCondition: [Int] = []
    ) {
        self.variables = variables
        self.operations = operations
        self.slots = slots
        self.instances = instances
        self.filterStages = filterStages
        self.queues = queues
        self.contextReferences = contextReferences
        self.pathCondition = pathCondition
    }

    /// Makes this state equal to `other` in its own buffers: without an allocation when they are
    /// not shared and have room (a step's working state, reset for each successor).
    mutating func assign(from other: SystemState) {
        Self.assign(&variables, from: other.variables)
        Self.assign(&operations, from: other.operations)
        Self.assign(&slots, from: other.slots)
        Self.assign(&instances, from: other.instances)
        Self.assign(&filterStages, from: other.filterStages)
        if queues.count == other.queues.count {
            for index in queues.indices {
                queues[index].enabled = other.queues[index].enabled
                Self.assign(&queues[index].items, from: other.queues[index].items)
            }
        } else {
            queues = other.queues
        }
        Self.assign(&contextReferences, from: other.contextReferences)
        Self.assign(&threads, from: other.threads)
        Self.assign(&threadFrames, from: other.threadFrames)
        Self.assign(&threadHeld, from: other.threadHeld)
        Self.assign(&threadLocals, from: other.threadLocals)
        Self.assign(&pathCondition, from: other.pathCondition)
    }

    /// An array the step did not change still shares `source`'s buffer: nothing to copy.
    @inline(__always) private static func assign<Element: BitwiseCopyable>(_ target: inout [Element], from source: [Element]) {
        source.withUnsafeBufferPointer { source in
            if target.withUnsafeBufferPointer({ $0.baseAddress == source.baseAddress }) { return }
            if target.count == source.count {
                guard let from = source.baseAddress else { return }
                target.withUnsafeMutableBufferPointer { target in target.baseAddress?.update(from: from, count: source.count) }
            } else {
                target.removeAll(keepingCapacity: true)
                target.append(contentsOf: source)
            }
        }
    }

    /// Request `operation`'s slot at stack position `filter`.
    subscript(slot operation: Int, filter: Int) -> Slot {
        get { slots[operation * instances.count + filter] }
        _modify { yield &slots[operation * instances.count + filter] }
    }

    /// Request `operation`'s slots, in stack order.
    func slots(of operation: Int) -> ArraySlice<Slot> { slots[slotRange(of: operation)] }

    /// The same within `all`, the buffer of `slots`, for the state key's loops (a slice retains the array).
    func slots(of operation: Int, in all: UnsafeBufferPointer<Slot>) -> UnsafeBufferPointer<Slot> {
        UnsafeBufferPointer(rebasing: all[slotRange(of: operation)])
    }

    private func slotRange(of operation: Int) -> Range<Int> { operation * instances.count..<(operation + 1) * instances.count }

    /// Whether every request has completed to its originator.
    public var allCompleted: Bool { operations.allSatisfy { $0.stage == .completed } }

    /// A compact byte encoding: equal states have equal encodings (and, as long as the model is the
    /// same, different states different ones).
    public func encoded() -> [UInt8] {
        var sink = ByteSink()
        defer { sink.deallocate() }
        StateWriter.plain.write(self, into: &sink)
        return Array(sink.elements)
    }
}

/// A state's threads: reading one's frames, locks and locals, and changing them in the pools.
extension SystemState {
    /// Thread `thread`'s frames, innermost last.
    func frames(of thread: Int) -> ThreadItems<Frame> { ThreadItems(items: threadFrames[threads[thread].frameRange]) }
    /// The locks thread `thread` holds, in the order taken.
    func held(of thread: Int) -> ThreadItems<Int> { ThreadItems(items: threadHeld[threads[thread].heldRange]) }
    /// Thread `thread`'s locals written so far, by slot.
    func locals(of thread: Int) -> ThreadItems<Int> { ThreadItems(items: threadLocals[threads[thread].localRange]) }

    /// Thread `thread`'s innermost frame; nil when it has finished.
    func topFrame(of thread: Int) -> Frame? {
        let record = threads[thread]
        return record.frameCount > 0 ? threadFrames[Int(record.frameStart + record.frameCount) - 1] : nil
    }

    func frameCount(of thread: Int) -> Int { Int(threads[thread].frameCount) }
    func localCount(of thread: Int) -> Int { Int(threads[thread].localCount) }

    /// Local slot `slot` of thread `thread` (below `localCount(of:)`).
    func local(_ slot: Int, of thread: Int) -> Int { threadLocals[Int(threads[thread].localStart) + slot] }

    /// Whether thread `thread` holds `lock`.
    func holds(_ lock: Int, _ thread: Int) -> Bool { threadHeld[threads[thread].heldRange].contains(lock) }

    /// Whether thread `thread` is inside an `Atomic` section.
    func isAtomic(_ thread: Int) -> Bool {
        threadFrames[threads[thread].frameRange].contains { if case .code(let frame) = $0 { frame.atomic > 0 } else { false } }
    }

    /// Calls `body` with each thread's fields, in thread order, through pointers into the pools.
    @inline(__always) func forEachThreadInPlace(_ body: (ThreadPointers) -> Void) {
        threads.withUnsafeBufferPointer { threads in
            threadFrames.withUnsafeBufferPointer { frames in
                threadHeld.withUnsafeBufferPointer { held in
                    threadLocals.withUnsafeBufferPointer { locals in
                        for thread in threads {
                            body(ThreadPointers(
                                role: thread.role, frames: UnsafeBufferPointer(rebasing: frames[thread.frameRange]),
                                held: UnsafeBufferPointer(rebasing: held[thread.heldRange]),
                                locals: UnsafeBufferPointer(rebasing: locals[thread.localRange])))
                        }
                    }
                }
            }
        }
    }

    /// Replaces the threads with those `body` adds to the pools it is given: this state's own,
    /// emptied with their room kept.
    mutating func replaceThreads(_ body: (inout ThreadPools) -> Void) {
        var pools = ThreadPools()
        swap(&pools.threads, &threads)
        swap(&pools.frames, &threadFrames)
        swap(&pools.held, &threadHeld)
        swap(&pools.locals, &threadLocals)
        pools.threads.removeAll(keepingCapacity: true)
        pools.frames.removeAll(keepingCapacity: true)
        pools.held.removeAll(keepingCapacity: true)
        pools.locals.removeAll(keepingCapacity: true)
        body(&pools)
        swap(&pools.threads, &threads)
        swap(&pools.frames, &threadFrames)
        swap(&pools.held, &threadHeld)
        swap(&pools.locals, &threadLocals)
    }

    /// Adds a thread after the others, holding no locks and with no locals written yet.
    mutating func addThread(role: ThreadRole, frames: [Frame]) {
        var thread = ThreadState(role: role)
        thread.frameStart = Int32(threadFrames.count)
        thread.frameCount = Int32(frames.count)
        thread.heldStart = Int32(threadHeld.count)
        thread.localStart = Int32(threadLocals.count)
        threadFrames.append(contentsOf: frames)
        threads.append(thread)
    }

    /// Removes thread `thread` and what it has in the pools.
    mutating func removeThread(_ thread: Int) {
        let record = threads[thread]
        if record.frameCount > 0 { threadFrames.removeSubrange(record.frameRange) }
        if record.heldCount > 0 { threadHeld.removeSubrange(record.heldRange) }
        if record.localCount > 0 { threadLocals.removeSubrange(record.localRange) }
        threads.remove(at: thread)
        for later in thread..<threads.count {
            threads[later].frameStart -= record.frameCount
            threads[later].heldStart -= record.heldCount
            threads[later].localStart -= record.localCount
        }
    }

    /// Replaces thread `thread`'s innermost frame.
    mutating func setTopFrame(of thread: Int, to frame: Frame) {
        let record = threads[thread]
        threadFrames[Int(record.frameStart + record.frameCount) - 1] = frame
    }

    mutating func pushFrame(_ frame: Frame, on thread: Int) {
        let record = threads[thread]
        Self.insert(frame, at: Int(record.frameStart + record.frameCount), in: &threadFrames)
        threads[thread].frameCount += 1
        for later in thread + 1..<threads.count { threads[later].frameStart += 1 }
    }

    mutating func popFrame(of thread: Int) {
        let record = threads[thread]
        Self.remove(at: Int(record.frameStart + record.frameCount) - 1, in: &threadFrames)
        threads[thread].frameCount -= 1
        for later in thread + 1..<threads.count { threads[later].frameStart -= 1 }
    }

    /// Takes every frame off thread `thread` (it has finished).
    mutating func clearFrames(of thread: Int) {
        let record = threads[thread]
        threadFrames.removeSubrange(record.frameRange)
        threads[thread].frameCount = 0
        for later in thread + 1..<threads.count { threads[later].frameStart -= record.frameCount }
    }

    /// Records that thread `thread` took `lock`.
    mutating func hold(_ lock: Int, _ thread: Int) {
        let record = threads[thread]
        Self.insert(lock, at: Int(record.heldStart + record.heldCount), in: &threadHeld)
        threads[thread].heldCount += 1
        for later in thread + 1..<threads.count { threads[later].heldStart += 1 }
    }

    /// Removes the lock at `position` of `held(of: thread)`.
    mutating func removeHeld(at position: Int, of thread: Int) {
        Self.remove(at: Int(threads[thread].heldStart) + position, in: &threadHeld)
        threads[thread].heldCount -= 1
        for later in thread + 1..<threads.count { threads[later].heldStart -= 1 }
    }

    /// Appends the next local slot of thread `thread`.
    mutating func appendLocal(_ value: Int, of thread: Int) {
        let record = threads[thread]
        Self.insert(value, at: Int(record.localStart + record.localCount), in: &threadLocals)
        threads[thread].localCount += 1
        for later in thread + 1..<threads.count { threads[later].localStart += 1 }
    }

    // A pool holds a few dozen elements and most changes are at its end (the last thread's, or the
    // only one's): appending and moving the rest in one copy costs a fraction of `insert(_:at:)`.
    private static func insert<Element: BitwiseCopyable>(_ element: Element, at index: Int, in pool: inout [Element]) {
        pool.append(element)
        let moved = pool.count - 1 - index
        guard moved > 0 else { return }
        pool.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            // copyMemory is a memmove: the ranges overlap.
            UnsafeMutableRawPointer(base + index + 1).copyMemory(from: base + index, byteCount: moved * MemoryLayout<Element>.stride)
            base[index] = element
        }
    }

    private static func remove<Element: BitwiseCopyable>(at index: Int, in pool: inout [Element]) {
        let moved = pool.count - 1 - index
        if moved > 0 {
            pool.withUnsafeMutableBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return }
                UnsafeMutableRawPointer(base + index).copyMemory(from: base + index + 1, byteCount: moved * MemoryLayout<Element>.stride)
            }
        }
        pool.removeLast()
    }

    /// Sets local slot `slot` (below `localCount(of:)`) of thread `thread`.
    mutating func setLocal(_ slot: Int, of thread: Int, to value: Int) {
        threadLocals[Int(threads[thread].localStart) + slot] = value
    }
}

/// A state's threads and pools as `SystemState.replaceThreads` builds them, thread after thread,
/// each item appended to the last thread (how a decoded state's are read): appending only.
struct ThreadPools {
    fileprivate var threads: [ThreadState] = []
    fileprivate var frames: [Frame] = []
    fileprivate var held: [Int] = []
    fileprivate var locals: [Int] = []

    mutating func addThread(role: ThreadRole) {
        var thread = ThreadState(role: role)
        thread.frameStart = Int32(frames.count)
        thread.heldStart = Int32(held.count)
        thread.localStart = Int32(locals.count)
        threads.append(thread)
    }

    mutating func appendFrame(_ frame: Frame) {
        frames.append(frame)
        threads[threads.count - 1].frameCount += 1
    }

    mutating func appendHeld(_ lock: Int) {
        held.append(lock)
        threads[threads.count - 1].heldCount += 1
    }

    mutating func appendLocal(_ value: Int) {
        locals.append(value)
        threads[threads.count - 1].localCount += 1
    }
}

struct QueueState: Hashable, Sendable {
    var enabled = true
    var items: [Int] = []
}

/// A state's compact encoding as a hash-set key. Hashes its bytes in one call (the synthesized
/// array hash feeds the hasher one byte at a time, which dominated exploration time).
public struct StateKey: Hashable, Sendable {
    public let bytes: [UInt8]

    public init(_ state: SystemState) { bytes = state.encoded() }

    public static func == (lhs: StateKey, rhs: StateKey) -> Bool { lhs.bytes == rhs.bytes }

    public func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}
