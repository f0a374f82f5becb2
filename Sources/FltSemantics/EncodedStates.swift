/// States a search keeps without expanding them yet (the next BFS level, the fair-cycle graph's
/// states), as bytes back to back: `StateWriter.plain`'s encoding, which holds every field of a
/// state, read back by `StateReader`. A `SystemState` is a dozen arrays plus three per thread:
/// roughly 1-2 KB of heap blocks for a FilterStack state (estimated from the arrays' sizes), against
/// 75-141 bytes here for the repository's models.
///
/// Appended to by one thread; read (`subscript`) by any number of threads while none appends.
public final class EncodedStates: @unchecked Sendable {
    private var bytes = ByteSink(capacity: 4096)
    private var ends: [Int] = []
    private let shape: StateShape

    /// For states of the model `like` is a state of (the counts the encoding leaves out).
    public init(like state: SystemState) { shape = StateShape(state) }

    deinit { bytes.deallocate() }

    public var count: Int { ends.count }
    public var isEmpty: Bool { ends.isEmpty }

    /// The heap bytes the encodings take.
    public var byteCount: Int { bytes.count + ends.count * MemoryLayout<Int>.stride }

    public func append(_ state: SystemState) {
        StateWriter.plain.write(state, into: &bytes)
        ends.append(bytes.count)
        assert(self[count - 1] == state, "a state does not survive its encoding: StateWriter or StateReader misses a field")
    }

    public subscript(index: Int) -> SystemState {
        let start = index == 0 ? 0 : ends[index - 1]
        var reader = StateReader(shape: shape, bytes: bytes.slice(start..<ends[index]))
        return reader.read()
    }

    public func removeAll() {
        bytes.removeAll()
        ends.removeAll(keepingCapacity: true)
    }
}

/// The sizes every state of a model shares, which the encoding does not write.
struct StateShape: Sendable {
    let variables: Int
    let operations: Int
    let instances: Int
    let filterStages: Int
    let contextReferences: Int
    let queues: Int

    init(_ state: SystemState) {
        variables = state.variables.count
        operations = state.operations.count
        instances = state.instances.count
        filterStages = state.filterStages.count
        contextReferences = state.contextReferences.count
        queues = state.queues.count
    }
}

/// Reads what `StateWriter.plain` wrote, the same fields in the same order. An encoding it cannot
/// read is a bug in one of the two, so it traps.
struct StateReader {
    let shape: StateShape
    let bytes: UnsafeBufferPointer<UInt8>
    private var next = 0

    init(shape: StateShape, bytes: UnsafeBufferPointer<UInt8>) {
        self.shape = shape
        self.bytes = bytes
    }

    mutating func read() -> SystemState {
        let variables = (0..<shape.variables).map { _ in varint() }
        let instances = (0..<shape.instances).map { _ in decode(InstanceStage.self) }
        let filterStages = (0..<shape.filterStages).map { _ in decode(FilterStage.self) }
        let contextReferences = (0..<shape.contextReferences).map { _ in varint() }
        let queues = (0..<shape.queues).map { _ in
            let enabled = byte() != 0
            return QueueState(enabled: enabled, items: (0..<Int(byte())).map { _ in Int(byte()) })
        }
        let pathCondition = (0..<varint()).map { _ in varint() }
        var operations: [OperationState] = []
        operations.reserveCapacity(shape.operations)
        var slots: [Slot] = []
        slots.reserveCapacity(shape.operations * shape.instances)
        for _ in 0..<shape.operations {
            let first = byte()
            var operation = OperationState()
            operation.stage = decode(OperationStage.self, first & 3)
            operation.buffer = first >> 2 & 0x1F
            operation.cancelled = first & 0x80 != 0
            operation.cancelRoutine = varint()
            operation.cancelRoutineFilter = varint()
            operation.status = UInt32(truncatingIfNeeded: varint())
            operation.statusTerm = varint() - 1
            for _ in 0..<shape.instances {
                let low = UInt32(byte()), middle = UInt32(byte()), high = UInt32(byte())
                slots.append(Slot(packed: low | middle << 8 | high << 16))
            }
            operation.information = byte() != 0
            operations.append(operation)
        }
        let threads = (0..<Int(byte())).map { _ in thread() }
        precondition(next == bytes.count, "an encoded state has \(bytes.count - next) bytes left over")
        return SystemState(
            variables: variables, operations: operations, slots: slots, instances: instances, filterStages: filterStages,
            queues: queues, contextReferences: contextReferences, threads: threads, pathCondition: pathCondition)
    }

    private mutating func thread() -> ThreadState {
        let role: ThreadRole
        switch byte() {
        case 0: role = .originator(operation: varint())
        case 1:
            let item = varint()
            role = .worker(workItem: item, operation: varint())
        case 2: role = .fileSystem(operation: varint())
        case 3: role = .teardown(filter: varint())
        case 4: role = .canceller(operation: varint())
        case 5: role = .unloader(filter: varint())
        case 6: role = .oplockBreak(operation: varint())
        case 7: role = .driverEntry(filter: varint())
        case let tag: preconditionFailure("an encoded thread has role tag \(tag)")
        }
        let locals = (0..<Int(byte())).map { _ in varint() }
        let held = (0..<Int(byte())).map { _ in Int(byte()) }
        let frames = (0..<Int(byte())).map { _ in frame() }
        return ThreadState(role: role, frames: frames, held: held, locals: locals)
    }

    private mutating func frame() -> Frame {
        switch byte() {
        case let tag where tag == 0 || tag == 9:
            var frame = CodeFrame(code: varint(), pc: varint(), operation: varint(), filter: varint())
            frame.draining = tag == 9
            frame.atomic = varint()
            frame.register = varint()
            let last = byte()
            frame.irql = Int(last & 0x7F)
            frame.wroteStatus = last & 0x80 != 0
            return .code(frame)
        case 1:
            let operation = varint()
            return .dispatch(operation: operation, step: dispatchStep())
        case 2:
            let filter = varint()
            let step: TeardownStep
            switch byte() {
            case 0: step = .begin
            case 1: step = .inStart
            case 2: step = .drain
            case 3: step = .inComplete
            case let tag: preconditionFailure("an encoded teardown has step tag \(tag)")
            }
            return .teardown(filter: filter, step: step)
        case 3:
            let filter = varint()
            let step: UnloadStep
            switch byte() {
            case 0: step = .begin
            case 1: step = .inCallback
            case 2: step = .returned(UInt32(truncatingIfNeeded: varint()))
            case let tag: preconditionFailure("an encoded unload has step tag \(tag)")
            }
            return .unload(filter: filter, step: step)
        case 4:
            let filter = varint()
            return .unregister(filter: filter, step: byte() == 0 ? .instances : .rundown)
        case let tag: preconditionFailure("an encoded frame has tag \(tag)")
        }
    }

    private mutating func dispatchStep() -> DispatchStep {
        switch byte() {
        case 1: .issue
        case 2: .preDown(varint())
        case 3: .inPre(varint())
        case 4: .fileSystem
        case 5: .fileSystemCompletes
        case 6: .postUp(varint())
        case 7: .inPost(varint())
        case 8: .waitSync(varint())
        case 9: .cancel
        case 10: .inCancelCallback(queue: varint())
        case 11: .inCancelRoutine
        case 12: .oplockBreak(routine: varint())
        case 13: .inOplockWaitCompletion
        case 14: .inPostedSafeCallback(varint())
        case 15: .reissue(varint())
        case let tag: preconditionFailure("an encoded dispatch has step tag \(tag)")
        }
    }

    @inline(__always) private mutating func byte() -> UInt8 {
        let value = bytes[next]
        next += 1
        return value
    }

    /// The inverse of `appendVarint`.
    @inline(__always) private mutating func varint() -> Int {
        var zigzag: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let part = byte()
            zigzag |= UInt64(part & 0x7F) << shift
            if part < 0x80 { break }
            shift += 7
        }
        return Int(bitPattern: UInt(zigzag >> 1)) ^ -Int(zigzag & 1)
    }

    private mutating func decode<Stage: RawRepresentable<UInt8>>(_ type: Stage.Type) -> Stage {
        decode(type, byte())
    }

    private func decode<Stage: RawRepresentable<UInt8>>(_ type: Stage.Type, _ raw: UInt8) -> Stage {
        guard let stage = Stage(rawValue: raw) else { preconditionFailure("an encoded state has \(Stage.self) \(raw)") }
        return stage
    }
}
