/// States a search keeps without expanding them yet (an expansion's new successors, the next BFS
/// level, the fair-cycle graph's states), as bytes back to back: `StateWriter.plain`'s encoding,
/// which holds every field of a state, read back by `StateReader`. A `SystemState` is some fifteen
/// arrays: roughly 1-2 KB of heap blocks for a FilterStack state (estimated from the arrays'
/// sizes), against 75-141 bytes here for the repository's models.
///
/// Appended to by one thread; read (`subscript`) by any number of threads while none appends.
public final class EncodedStates: @unchecked Sendable {
    private var bytes: ByteSink
    private var ends: [Int] = []
    private let shape: StateShape

    /// For states of the model `like` is a state of (the counts the encoding leaves out), with
    /// room for `capacity` bytes before it grows.
    public init(like state: SystemState, capacity: Int = 4096) {
        shape = StateShape(state)
        bytes = ByteSink(capacity: capacity)
    }

    /// For states of the same model as `other`'s.
    public init(sameShapeAs other: EncodedStates) {
        shape = other.shape
        bytes = ByteSink(capacity: 4096)
    }

    deinit { bytes.deallocate() }

    public var count: Int { ends.count }
    public var isEmpty: Bool { ends.isEmpty }

    /// The bytes of the encodings.
    public var encodedBytes: Int { bytes.count }

    /// The heap bytes the encodings take.
    public var byteCount: Int { bytes.count + ends.count * MemoryLayout<Int>.stride }

    public func append(_ state: SystemState) {
        StateWriter.plain.write(state, into: &bytes)
        ends.append(bytes.count)
        assert(self[count - 1] == state, "a state does not survive its encoding: StateWriter or StateReader misses a field")
    }

    /// Appends state `index` of `other` (of the same model), copying its bytes.
    public func append(_ other: EncodedStates, _ index: Int) {
        precondition(other.shape == shape, "states of another model")
        bytes.append(other.bytes.slice(other.range(of: index)))
        ends.append(bytes.count)
    }

    private func range(of index: Int) -> Range<Int> { (index == 0 ? 0 : ends[index - 1])..<ends[index] }

    /// Decodes state `index` into `state`, reusing its buffers: a state of the same model, or nil
    /// for a new one.
    public func read(_ index: Int, into state: inout SystemState?) {
        var reader = StateReader(shape: shape, bytes: bytes.slice(range(of: index)))
        guard var reused = state.take() else {
            state = reader.read()
            return
        }
        reader.read(into: &reused)
        state = reused
    }

    public subscript(index: Int) -> SystemState {
        var reader = StateReader(shape: shape, bytes: bytes.slice(range(of: index)))
        return reader.read()
    }

    public func removeAll() {
        bytes.removeAll()
        ends.removeAll(keepingCapacity: true)
    }
}

/// The sizes every state of a model shares, which the encoding does not write.
struct StateShape: Equatable, Sendable {
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
        var state = SystemState(
            variables: [], operations: [], slots: [], instances: [], filterStages: [], queues: [], contextReferences: [])
        read(into: &state)
        return state
    }

    /// Reads into `state`'s own buffers: without an allocation when they are not shared and have
    /// room (an expanding thread decodes every state it expands into the same one).
    mutating func read(into state: inout SystemState) {
        state.variables.removeAll(keepingCapacity: true)
        state.variables.reserveCapacity(shape.variables)
        for _ in 0..<shape.variables { state.variables.append(varint()) }
        state.instances.removeAll(keepingCapacity: true)
        for _ in 0..<shape.instances { state.instances.append(decode(InstanceStage.self)) }
        state.filterStages.removeAll(keepingCapacity: true)
        for _ in 0..<shape.filterStages { state.filterStages.append(decode(FilterStage.self)) }
        state.contextReferences.removeAll(keepingCapacity: true)
        for _ in 0..<shape.contextReferences { state.contextReferences.append(varint()) }
        if state.queues.count != shape.queues { state.queues = Array(repeating: QueueState(), count: shape.queues) }
        for queue in 0..<shape.queues {
            state.queues[queue].enabled = byte() != 0
            state.queues[queue].items.removeAll(keepingCapacity: true)
            for _ in 0..<Int(byte()) { state.queues[queue].items.append(Int(byte())) }
        }
        state.pathCondition.removeAll(keepingCapacity: true)
        for _ in 0..<varint() { state.pathCondition.append(varint()) }
        state.operations.removeAll(keepingCapacity: true)
        state.operations.reserveCapacity(shape.operations)
        state.slots.removeAll(keepingCapacity: true)
        state.slots.reserveCapacity(shape.operations * shape.instances)
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
                state.slots.append(Slot(packed: low | middle << 8 | high << 16))
            }
            operation.information = byte() != 0
            state.operations.append(operation)
        }
        let threadCount = Int(byte())
        state.replaceThreads { threads in
            for _ in 0..<threadCount { readThread(into: &threads) }
        }
        precondition(next == bytes.count, "an encoded state has \(bytes.count - next) bytes left over")
    }

    private mutating func readThread(into threads: inout ThreadPools) {
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
        threads.addThread(role: role)
        for _ in 0..<Int(byte()) { threads.appendLocal(varint()) }
        for _ in 0..<Int(byte()) { threads.appendHeld(Int(byte())) }
        for _ in 0..<Int(byte()) { threads.appendFrame(frame()) }
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
