import FltModel

/// Writes a state as bytes. With a renumbering of operations (symmetry reduction) every reference
/// to an operation — the operations array itself, operation-handle variables, queue entries, thread
/// roles and frames — is written as its new number.
struct StateWriter {
    /// New number of each operation when `renumbers` (else empty). Not an optional: binding one
    /// copies the array, a retain and release for every operation number written.
    let renumbering: [Int]
    let renumbers: Bool
    /// Global variables and thread-local slots that hold operation handles (value k ≥ 1 is request k).
    let operationVariables: [Int]
    let operationLocalSlots: [Int]
    /// Whether states carry a path condition (models with bit-vector data); fixed per model, so
    /// keys stay unambiguous.
    let pathCondition: Bool
    /// Whether IoStatus.Information is written (`Program.tracksInformation`); fixed per model.
    let information: Bool

    init(renumbering: [Int]?, operationVariables: [Int] = [], operationLocalSlots: [Int] = [], pathCondition: Bool, information: Bool = true) {
        self.information = information
        self.renumbering = renumbering ?? []
        renumbers = renumbering != nil
        self.operationVariables = operationVariables
        self.operationLocalSlots = operationLocalSlots
        self.pathCondition = pathCondition
    }

    /// Every field of a state, nothing renumbered: `SystemState.encoded()`, and what `StateReader`
    /// reads back.
    static let plain = StateWriter(renumbering: nil, pathCondition: true, information: true)

    @inline(__always) func number(_ operation: Int) -> Int {
        guard operation >= 0, renumbers else { return operation }
        return renumbering[operation]
    }

    @inline(__always) func handle(_ value: Int) -> Int {
        guard value >= 1, renumbers, value <= renumbering.count else { return value }
        return renumbering[value - 1] + 1
    }

    /// The whole state, in array order.
    func write(_ state: SystemState, into bytes: inout ByteSink) {
        writeGlobals(state, into: &bytes)
        state.slots.withUnsafeBufferPointer { slots in
            var operation = 0
            state.operations.forEachInPlace {
                write($0, slots: state.slots(of: operation, in: slots), into: &bytes)
                operation += 1
            }
        }
        bytes.append(UInt8(truncatingIfNeeded: state.threads.count))
        state.forEachThreadInPlace { write($0, into: &bytes) }
    }

    func writeGlobals(_ state: SystemState, into bytes: inout ByteSink) {
        if operationVariables.isEmpty || !renumbers {
            for value in state.variables { appendVarint(&bytes, value) }
        } else {
            for (index, value) in state.variables.enumerated() {
                appendVarint(&bytes, operationVariables.contains(index) ? handle(value) : value)
            }
        }
        for instance in state.instances { bytes.append(instance.rawValue) }
        for stage in state.filterStages { bytes.append(stage.rawValue) }
        for references in state.contextReferences { appendVarint(&bytes, references) }
        for queue in state.queues {
            bytes.append(queue.enabled ? 1 : 0)
            bytes.append(UInt8(truncatingIfNeeded: queue.items.count))
            for item in queue.items { bytes.append(UInt8(truncatingIfNeeded: number(item))) }
        }
        if pathCondition {
            appendVarint(&bytes, state.pathCondition.count)
            for condition in state.pathCondition { appendVarint(&bytes, condition) }
        }
    }

    /// Through a pointer, fields read in place (see `Array.forEachInPlace`); `slots` are its slots.
    func write(_ operation: UnsafePointer<OperationState>, slots: UnsafeBufferPointer<Slot>, into bytes: inout ByteSink) {
        bytes.writing(atMost: 2 + 5 * maxVarintBytes + 3 * slots.count) { write(operation, slots: slots, into: &$0) }
    }

    @inline(__always) private func write(_ operation: UnsafePointer<OperationState>, slots: UnsafeBufferPointer<Slot>, into bytes: inout ByteCursor) {
        // The stage takes bits 0-1 and the buffer (Q6, 0 when untracked) bits 2-4.
        bytes.append(operation.pointee.stage.rawValue | operation.pointee.buffer << 2 | (operation.pointee.cancelled ? 0x80 : 0))
        appendVarint(&bytes, operation.pointee.cancelRoutine)
        appendVarint(&bytes, operation.pointee.cancelRoutineFilter)
        appendVarint(&bytes, Int(operation.pointee.status))
        if pathCondition { appendVarint(&bytes, operation.pointee.statusTerm + 1) }
        for slot in slots {
            let packed = slot.packed
            bytes.append(UInt8(truncatingIfNeeded: packed))
            bytes.append(UInt8(truncatingIfNeeded: packed >> 8))
            bytes.append(UInt8(truncatingIfNeeded: packed >> 16))
        }
        if information { bytes.append(operation.pointee.information ? 1 : 0) }
    }

    /// A completed request nothing refers to any more (`StateCanonicalizer.forgottenOperations`):
    /// one byte no other request's first byte can be (stage and buffer bits stay below 0x7F).
    func writeForgotten(into bytes: inout ByteSink) {
        bytes.append(OperationState.forgottenByte)
    }

    /// Its fields read in place (`SystemState.forEachThreadInPlace`).
    func write(_ thread: ThreadPointers, into bytes: inout ByteSink) {
        // A role, the three counts, and at most seven numbers and a byte per local, lock and frame.
        let bound = 4 + 2 * maxVarintBytes + (thread.locals.count + thread.held.count + thread.frames.count) * (2 + 7 * maxVarintBytes)
        bytes.writing(atMost: bound) { write(thread, into: &$0) }
    }

    @inline(__always) private func write(_ thread: ThreadPointers, into bytes: inout ByteCursor) {
        switch thread.role {
        case .originator(let operation): bytes.append(0); appendVarint(&bytes, number(operation))
        case .worker(let item, let operation): bytes.append(1); appendVarint(&bytes, item); appendVarint(&bytes, number(operation))
        case .fileSystem(let operation): bytes.append(2); appendVarint(&bytes, number(operation))
        case .teardown(let filter): bytes.append(3); appendVarint(&bytes, filter)
        case .canceller(let operation): bytes.append(4); appendVarint(&bytes, number(operation))
        case .unloader(let filter): bytes.append(5); appendVarint(&bytes, filter)
        case .oplockBreak(let operation): bytes.append(6); appendVarint(&bytes, number(operation))
        case .driverEntry(let filter): bytes.append(7); appendVarint(&bytes, filter)
        }
        bytes.append(UInt8(truncatingIfNeeded: thread.locals.count))
        for slot in thread.locals.indices {
            let value = thread.locals[slot]
            appendVarint(&bytes, renumbers && operationLocalSlots.contains(slot) ? handle(value) : value)
        }
        bytes.append(UInt8(truncatingIfNeeded: thread.held.count))
        for lock in thread.held.indices { bytes.append(UInt8(truncatingIfNeeded: thread.held[lock])) }
        bytes.append(UInt8(truncatingIfNeeded: thread.frames.count))
        for frame in thread.frames.indices {
            switch thread.frames[frame] {
            case .code(let frame):
                bytes.append(frame.draining ? 9 : 0)
                appendVarint(&bytes, frame.code)
                appendVarint(&bytes, frame.pc)
                appendVarint(&bytes, number(frame.operation))
                appendVarint(&bytes, frame.filter)
                appendVarint(&bytes, frame.atomic)
                appendVarint(&bytes, frame.register)
                bytes.append(UInt8(truncatingIfNeeded: frame.irql) | (frame.wroteStatus ? 0x80 : 0))
            case .teardown(let filter, let step):
                bytes.append(2)
                appendVarint(&bytes, filter)
                switch step {
                case .begin: bytes.append(0)
                case .inStart: bytes.append(1)
                case .drain: bytes.append(2)
                case .inComplete: bytes.append(3)
                }
            case .unload(let filter, let step):
                bytes.append(3)
                appendVarint(&bytes, filter)
                switch step {
                case .begin: bytes.append(0)
                case .inCallback: bytes.append(1)
                case .returned(let status): bytes.append(2); appendVarint(&bytes, Int(status))
                }
            case .unregister(let filter, let step):
                bytes.append(4)
                appendVarint(&bytes, filter)
                bytes.append(step == .instances ? 0 : 1)
            case .dispatch(let operation, let step):
                bytes.append(1)
                appendVarint(&bytes, number(operation))
                switch step {
                case .issue: bytes.append(1)
                case .preDown(let index): bytes.append(2); appendVarint(&bytes, index)
                case .inPre(let index): bytes.append(3); appendVarint(&bytes, index)
                case .fileSystem: bytes.append(4)
                case .fileSystemCompletes: bytes.append(5)
                case .postUp(let index): bytes.append(6); appendVarint(&bytes, index)
                case .inPost(let index): bytes.append(7); appendVarint(&bytes, index)
                case .waitSync(let index): bytes.append(8); appendVarint(&bytes, index)
                case .cancel: bytes.append(9)
                case .inCancelCallback(let queue): bytes.append(10); appendVarint(&bytes, queue)
                case .inCancelRoutine: bytes.append(11)
                case .oplockBreak(let routine): bytes.append(12); appendVarint(&bytes, routine)
                case .inOplockWaitCompletion: bytes.append(13)
                case .inPostedSafeCallback(let filter): bytes.append(14); appendVarint(&bytes, filter)
                case .reissue(let filter): bytes.append(15); appendVarint(&bytes, filter)
                }
            }
        }
    }
}


extension Array {
    /// Calls `body` with a pointer to each element in turn, which stays in the array: passing a
    /// thread or a request by value copies it, a retain and release of each of its arrays (5% of all
    /// instructions when the state key was written so).
    @inline(__always) func forEachInPlace(_ body: (UnsafePointer<Element>) -> Void) {
        withUnsafeBufferPointer { elements in
            guard let first = elements.baseAddress else { return }
            for index in elements.indices { body(first + index) }
        }
    }
}

extension Slot {
    /// What `Semantics.hasOutstanding` and the drain rule (`Semantics.drainable`) read of a slot:
    /// 0 when they find nothing in it.
    var teardownView: UInt8 {
        var bits: UInt8 = 0
        if pre == .pended { bits |= 1 }
        if pre == .running { bits |= 2 }
        if post == .pended { bits |= 4 }
        if post == .running { bits |= 8 }
        if postOwed && post == .notCalled { bits |= synchronized ? 0x30 : 0x10 }
        return bits
    }
}

extension OperationState {
    /// The key byte of a forgotten request (`StateWriter.writeForgotten`).
    static let forgottenByte: UInt8 = 0x7F
    /// `contentHash` of a forgotten request.
    static let forgottenHash = mix64(UInt64(forgottenByte))

    /// A hash of everything but the operation's number (which it does not hold), with its `slots`;
    /// IoStatus.Information only when the model tracks it.
    func contentHash(slots: UnsafeBufferPointer<Slot>, information tracked: Bool) -> UInt64 {
        var hash = mix64(UInt64(stage.rawValue) | (cancelled ? 0x100 : 0) | UInt64(UInt32(bitPattern: Int32(truncatingIfNeeded: cancelRoutine))) << 16)
        hash = mix64(hash &+ UInt64(status) &+ UInt64(UInt32(bitPattern: Int32(truncatingIfNeeded: cancelRoutineFilter))) << 32)
        for slot in slots { hash = mix64(hash &+ UInt64(slot.packed)) }
        if tracked && information { hash = mix64(hash &+ 0x1F0) }
        return hash
    }
}

extension ThreadState {
    /// A hash of the thread with every operation number erased (an operation-handle local counts only
    /// as set or not): the same for threads that differ only by which request they work for.
    /// Its fields read in place (`SystemState.forEachThreadInPlace`).
    static func erasedHash(_ thread: ThreadPointers, operationLocalSlots: [Int]) -> UInt64 {
        var hash: UInt64
        switch thread.role {
        case .originator: hash = 1
        case .worker(let item, _): hash = mix64(2 &+ UInt64(item) << 8)
        case .fileSystem: hash = 3
        case .teardown(let filter): hash = mix64(4 &+ UInt64(filter) << 8)
        case .canceller: hash = 5
        case .unloader(let filter): hash = mix64(6 &+ UInt64(filter) << 8)
        case .oplockBreak: hash = 7
        case .driverEntry(let filter): hash = mix64(8 &+ UInt64(filter) << 8)
        }
        for slot in thread.locals.indices {
            let value = thread.locals[slot]
            let erased = operationLocalSlots.contains(slot) ? (value == 0 ? 0 : 1) : value
            hash = mix64(hash &+ UInt64(bitPattern: Int64(erased)) &+ 0x10)
        }
        for lock in thread.held.indices { hash = mix64(hash &+ UInt64(thread.held[lock]) &+ 0x20) }
        for frame in thread.frames.indices {
            switch thread.frames[frame] {
            case .code(let code):
                hash = mix64(hash &+ UInt64(code.code) << 40 &+ UInt64(code.pc) << 16 &+ UInt64(code.filter) << 8 &+ UInt64(code.irql) << 4
                    &+ (code.draining ? 2 : 0) &+ (code.wroteStatus ? 1 : 0))
                hash = mix64(hash &+ UInt64(bitPattern: Int64(code.register)) &+ UInt64(code.atomic) << 48 &+ (code.operation >= 0 ? 1 << 60 : 0))
            case .dispatch(_, let step):
                hash = mix64(hash &+ 0x100 &+ UInt64(truncatingIfNeeded: step.code))
            case .teardown(let filter, let step):
                hash = mix64(hash &+ 0x200 &+ UInt64(filter) << 16 &+ UInt64(truncatingIfNeeded: step.code))
            case .unload(let filter, let step):
                hash = mix64(hash &+ 0x300 &+ UInt64(filter) << 16 &+ UInt64(truncatingIfNeeded: step.code))
            case .unregister(let filter, let step):
                hash = mix64(hash &+ 0x400 &+ UInt64(filter) << 16 &+ (step == .instances ? 0 : 1))
            }
        }
        return hash
    }
}

extension DispatchStep {
    /// Tag and payload in one number (the tags the key bytes use).
    var code: UInt64 {
        switch self {
        case .issue: 1
        case .preDown(let index): 2 | UInt64(index) << 8
        case .inPre(let index): 3 | UInt64(index) << 8
        case .fileSystem: 4
        case .fileSystemCompletes: 5
        case .postUp(let index): 6 | UInt64(index) << 8
        case .inPost(let index): 7 | UInt64(index) << 8
        case .waitSync(let index): 8 | UInt64(index) << 8
        case .cancel: 9
        case .inCancelCallback(let queue): 10 | UInt64(queue) << 8
        case .inCancelRoutine: 11
        case .oplockBreak(let routine): 12 | UInt64(routine) << 8
        case .inOplockWaitCompletion: 13
        case .inPostedSafeCallback(let filter): 14 | UInt64(filter) << 8
        case .reissue(let filter): 15 | UInt64(filter) << 8
        }
    }
}

extension TeardownStep {
    var code: UInt64 {
        switch self {
        case .begin: 0
        case .inStart: 1
        case .drain: 2
        case .inComplete: 3
        }
    }
}

extension UnloadStep {
    var code: UInt64 {
        switch self {
        case .begin: 0
        case .inCallback: 1
        case .returned(let status): 2 | UInt64(status) << 8
        }
    }
}
