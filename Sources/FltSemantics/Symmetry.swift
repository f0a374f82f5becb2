import FltModel

#if canImport(Glibc)
import Glibc
#endif

/// Symmetry reduction over identical requests: the requests of one `Requests(..., count: n)` group
/// are interchangeable (same major function, kind, flags and file-system behaviour), so states that
/// differ only by which of them is which are one state up to renaming. The visited set stores one
/// representative per such orbit (and threads in a canonical order), which divides the state space
/// by up to n! per group without changing any verdict: every property is about "some request",
/// never about request #2 in particular.
///
/// Not applied (and the reason is reported) when the model can tell requests apart — `Op.requestNumber`,
/// arithmetic or ordering on operation handles, an operation handle stored in an integer variable,
/// a non-atomic write to an operation variable — or when it has loops (the fair-cycle liveness check
/// needs the unreduced graph: a cycle up to renaming need not be a cycle).
public struct StateCanonicalizer: Sendable {
    /// Operation indices per interchangeable group of at least two.
    let groups: [[Int]]
    let operationVariables: [Int]
    let operationLocalSlots: [Int]
    /// States carry a path condition (symbolic data).
    let pathCondition: Bool
    /// States' IoStatus.Information is part of the key (`Program.tracksInformation`).
    let information: Bool
    /// Whether states are reduced at all (threads sorted, requests renamed).
    public let reduces: Bool
    /// Why symmetry reduction is off although asked for, nil when it is on or not asked for.
    public let offReason: String?
    /// Whether completed requests that nothing refers to any more are written as "completed" alone
    /// (see `forgottenOperations`).
    public let forgetsCompleted: Bool

    /// `enabled: false` gives the plain encoding (no reduction), as `SystemState.encoded()`.
    /// `safetyOnly`: the search checks no fair cycles (prove, BMC), so loops do not switch it off.
    /// `forgetCompleted`: the completed-request reduction (`forgottenOperations`), where it is sound.
    public init(program: Program, enabled: Bool, safetyOnly: Bool = false, forgetCompleted: Bool = true) {
        var groups: [[Int]] = []
        var next = 0
        for group in program.model.workload.requests {
            if group.count >= 2 { groups.append(Array(next..<next + group.count)) }
            next += group.count
        }
        operationVariables = program.model.variables.indices.filter {
            program.model.variables[$0].type == .operation && program.localSlot[$0] == nil
        }
        pathCondition = program.usesData
        information = program.tracksInformation
        operationLocalSlots = program.model.variables.indices.compactMap {
            program.model.variables[$0].type == .operation ? program.localSlot[$0] : nil
        }
        let reason = enabled ? Self.symmetryBreaker(program, safetyOnly: safetyOnly) : nil
        // Sound only where every reference to a request is one the scan sees: no symbolic data (a
        // completed request's status term may still be in the path condition), and no handle that
        // escapes into numbers (the same analysis symmetry needs, loops aside: merging states that
        // differ only in data nothing reads keeps every cycle).
        forgetsCompleted = forgetCompleted && program.requests.count <= 64 && !program.usesData
            && Self.symmetryBreaker(program, safetyOnly: true) == nil
        self.groups = groups
        reduces = enabled && reason == nil
        offReason = reason
    }

    /// What in the model tells requests apart, if anything.
    static func symmetryBreaker(_ program: Program, safetyOnly: Bool = false) -> String? {
        if program.hasLoops && !safetyOnly { return "the model has loops: the fair-cycle liveness check needs every state" }
        if program.dataInputs.contains(where: { if case .parameter = $0.source { true } else { false } }) {
            return "requests have symbolic inputs of their own (Length, ByteOffset or the file system's status)"
        }
        let variables = program.model.variables
        func isHandle(_ expression: ExprIR) -> Bool {
            switch expression {
            case .operation(.handle): true
            case .variable(let index): variables[index].type == .operation
            default: false
            }
        }
        func breaker(_ expression: ExprIR) -> String? {
            switch expression {
            case .operation(.requestNumber): return "it reads Op.requestNumber"
            case .constant, .variable, .operation: return nil
            case .not(let operand), .unary(_, let operand), .convert(let operand, _, _): return breaker(operand)
            case .binary(let op, let lhs, let rhs):
                if (isHandle(lhs) || isHandle(rhs)) && op != .equal && op != .notEqual {
                    return "it computes with or orders operation handles (\(op.rawValue))"
                }
                if op == .equal || op == .notEqual, isHandle(lhs) != isHandle(rhs) {
                    let other = isHandle(lhs) ? rhs : lhs
                    if other != .constant(0) { return "it compares an operation handle with a number" }
                }
                return breaker(lhs) ?? breaker(rhs)
            }
        }
        for code in program.code {
            for instruction in code.instructions {
                switch instruction {
                case .assign(let variable, let value):
                    if isHandle(value) && variables[variable].type != .operation { return "it stores an operation handle in a number variable" }
                    if let reason = breaker(value) { return reason }
                case .load(let value):
                    if isHandle(value) { return "it writes an operation variable non-atomically" }
                    if let reason = breaker(value) { return reason }
                default:
                    for expression in instruction.expressions {
                        if let reason = breaker(expression) { return reason }
                    }
                }
            }
        }
        return nil
    }

    /// Writes the state's key for the visited set: equal for states equal up to renaming
    /// interchangeable requests and reordering threads (when reducing), else the plain encoding.
    /// The bytes are valid until the next call with the same scratch; `scratch.componentEnds` says
    /// where its components (the globals, each request, the thread count, each thread) end.
    public func key(_ state: SystemState, scratch: CanonicalScratch) -> UnsafeBufferPointer<UInt8> {
        // One exclusive access to the scratch for the whole key (not one per buffer touched).
        scratch.withBuffers { key(state, into: &$0) }
    }

    private func key(_ state: SystemState, into buffers: inout CanonicalScratch.Buffers) -> UnsafeBufferPointer<UInt8> {
        let forgotten = forgetsCompleted ? forgottenOperations(state) : 0
        buffers.forgotten = forgotten
        let renamed = reduces && !groups.isEmpty
        if renamed { renumber(state, forgotten: forgotten, into: &buffers) }
        return write(state, forgotten: forgotten, renamed: renamed, into: &buffers)
    }

    /// Writes the key with the numbering in `buffers.numbers` and `buffers.order` (when `renamed`).
    /// When reducing, leaves each thread's bytes in `buffers.threads`, thread by thread in state
    /// order from `buffers.starts`.
    private func write(_ state: SystemState, forgotten: UInt64, renamed: Bool, into buffers: inout CanonicalScratch.Buffers) -> UnsafeBufferPointer<UInt8> {
        buffers.key.removeAll()
        buffers.ends.removeAll()
        let writer = StateWriter(
            renumbering: renamed ? buffers.numbers : nil, operationVariables: operationVariables, operationLocalSlots: operationLocalSlots,
            pathCondition: pathCondition, information: information)
        writer.writeGlobals(state, into: &buffers.key)
        buffers.ends.append(UInt16(truncatingIfNeeded: buffers.key.count))
        state.slots.withUnsafeBufferPointer { slots in
            state.operations.withUnsafeBufferPointer { operations in
                guard let first = operations.baseAddress else { return }
                for position in operations.indices {
                    let operation = renamed ? buffers.order[position] : position
                    if forgotten & 1 << operation != 0 {
                        writer.writeForgotten(into: &buffers.key)
                    } else {
                        writer.write(first + operation, slots: state.slots(of: operation, in: slots), into: &buffers.key)
                    }
                    buffers.ends.append(UInt16(truncatingIfNeeded: buffers.key.count))
                }
            }
        }
        buffers.key.append(UInt8(truncatingIfNeeded: state.threads.count))
        buffers.ends.append(UInt16(truncatingIfNeeded: buffers.key.count))
        guard reduces else {
            state.forEachThreadInPlace { thread in
                writer.write(thread, into: &buffers.key)
                buffers.ends.append(UInt16(truncatingIfNeeded: buffers.key.count))
            }
            return buffers.key.elements
        }
        // Threads as a multiset: each written apart, then appended in byte order.
        buffers.threads.removeAll()
        buffers.starts.removeAll()
        state.forEachThreadInPlace { thread in
            buffers.starts.append(buffers.threads.count)
            writer.write(thread, into: &buffers.threads)
        }
        buffers.starts.append(buffers.threads.count)
        buffers.threadOrder.removeAll()
        for thread in state.threads.indices { buffers.threadOrder.append(thread) }
        let written = buffers.threads.base
        let starts = buffers.starts.elements
        insertionSort(buffers.threadOrder.mutableElements) { bytesPrecede(written, starts[$0], starts[$0 + 1], starts[$1], starts[$1 + 1]) }
        for thread in buffers.threadOrder.elements {
            buffers.key.append(buffers.threads.slice(starts[thread]..<starts[thread + 1]))
            buffers.ends.append(UInt16(truncatingIfNeeded: buffers.key.count))
        }
        return buffers.key.elements
    }

    /// The key as an array.
    public func key(_ state: SystemState) -> [UInt8] {
        Array(key(state, scratch: CanonicalScratch()))
    }

    /// The threads (bit k for thread k) whose successors need not be taken because another thread
    /// of the state has the same ones up to renaming requests. When swapping two interchangeable
    /// requests maps the state to itself (its key, which sorts threads, stays the same), every
    /// thread's image under the swap is a thread of the state, and the successors of the image are
    /// the swapped successors of the thread: the same states up to renaming, at the same depth,
    /// with the same violations. Of each thread and its image the one with the smaller key bytes
    /// stays; as the kept image is smaller, following kept images from any skipped thread ends at
    /// a thread that is taken (the composition of swaps is again a renaming). 0 when not reducing.
    /// `keyed`: the last use of `scratch` was `key(state, scratch:)`, whose numbering and bytes
    /// this starts from instead of working them out again.
    public func redundantThreads(_ state: SystemState, scratch: CanonicalScratch, keyed: Bool = false) -> UInt64 {
        guard reduces, !groups.isEmpty, state.threads.count <= 64 else { return 0 }
        return scratch.withBothBuffers { buffers, swapped in
            let forgotten: UInt64
            if keyed {
                forgotten = buffers.forgotten
            } else {
                forgotten = forgetsCompleted ? forgottenOperations(state) : 0
                renumber(state, forgotten: forgotten, into: &buffers)
            }
            var redundant: UInt64 = 0
            var written = keyed
            for group in groups {
                // Members in their new order: equal signatures are next to each other.
                var runStart = 0
                for position in 1..<group.count {
                    let first = buffers.order[group[runStart]], operation = buffers.order[group[position]]
                    guard buffers.signatures[first] == buffers.signatures[operation] else {
                        runStart = position
                        continue
                    }
                    if !written {
                        _ = write(state, forgotten: forgotten, renamed: true, into: &buffers)
                        written = true
                    }
                    // Copied element by element: assigning the arrays shares them, and the swap
                    // then copies them anew (appending the contents costs 6M instructions more at N=4).
                    if swapped.numbers.count != buffers.numbers.count {
                        swapped.numbers = Array(repeating: 0, count: buffers.numbers.count)
                        swapped.order = swapped.numbers
                    }
                    for index in buffers.numbers.indices {
                        swapped.numbers[index] = buffers.numbers[index]
                        swapped.order[index] = buffers.order[index]
                    }
                    swapped.numbers.swapAt(first, operation)
                    swapped.order.swapAt(group[runStart], group[position])
                    _ = write(state, forgotten: forgotten, renamed: true, into: &swapped)
                    guard swapped.key.count == buffers.key.count, memcmp(swapped.key.base, buffers.key.base, buffers.key.count) == 0 else { continue }
                    for thread in state.threads.indices
                    where bytesPrecede(swapped.threads.base, swapped.starts.elements[thread], swapped.starts.elements[thread + 1],
                                       buffers.threads.base, buffers.starts.elements[thread], buffers.starts.elements[thread + 1]) {
                        redundant |= 1 << thread
                    }
                }
            }
            return redundant
        }
    }

    /// New numbers for the operations: within each group, requests ordered by a signature that does
    /// not depend on their numbers (a hash of their own state, of the threads working for them with
    /// every operation number erased, of where they are queued and which variables hold them). Ties
    /// keep the old order: any renumbering within a group is sound, a canonical one only merges more
    /// states.
    /// Leaves in `buffers.numbers` the new number of each operation and in `buffers.order`,
    /// inversely, the old number at each new place.
    private func renumber(_ state: SystemState, forgotten: UInt64, into buffers: inout CanonicalScratch.Buffers) {
        // The buffers keep one entry per request from one state to the next: overwritten in place
        // (emptying and refilling an array costs more than the writes).
        let count = state.operations.count
        if buffers.signatures.count != count {
            buffers.signatures = Array(repeating: 0, count: count)
            buffers.numbers = Array(0..<count)
            buffers.order = Array(0..<count)
        }
        state.slots.withUnsafeBufferPointer { slots in
            for index in 0..<count {
                buffers.signatures[index] = forgotten & 1 << index != 0
                    ? OperationState.forgottenHash : state.operations[index].contentHash(slots: state.slots(of: index, in: slots), information: information)
            }
        }
        buffers.signatures.withUnsafeMutableBufferPointer { signatures in
            state.forEachThreadInPlace { addThread($0, to: signatures) }
            for (index, variable) in operationVariables.enumerated() {
                let value = state.variables[variable]
                if value >= 1 && value <= signatures.count { signatures[value - 1] = signatures[value - 1] &+ mix64(0x5641_5200 &+ UInt64(index)) }
            }
            for (index, queue) in state.queues.enumerated() {
                for (position, operation) in queue.items.enumerated() {
                    signatures[operation] = signatures[operation] &+ mix64(0x5155_0000 &+ UInt64(index) << 16 &+ UInt64(position))
                }
            }
        }
        for index in 0..<count {
            buffers.numbers[index] = index
            buffers.order[index] = index
        }
        let signatures = buffers.signatures
        if buffers.sortedGroup.count < count { buffers.sortedGroup = Array(repeating: 0, count: count) }
        for group in groups {
            signatures.withUnsafeBufferPointer { signatures in
                buffers.sortedGroup.withUnsafeMutableBufferPointer { scratch in
                    let sorted = UnsafeMutableBufferPointer(rebasing: scratch[0..<group.count])
                    for (position, operation) in group.enumerated() { sorted[position] = operation }
                    // Stable: ties keep the old (ascending) order.
                    insertionSort(sorted) { signatures[$0] < signatures[$1] }
                }
            }
            for position in group.indices {
                let operation = buffers.sortedGroup[position]
                buffers.numbers[operation] = group[position]
                buffers.order[group[position]] = operation
            }
        }
    }
}

extension StateCanonicalizer {
    /// Adds a thread to the signature of each request it works for (a sum: the threads of a request
    /// are a multiset). Read in place (`SystemState.forEachThreadInPlace`).
    private func addThread(_ thread: ThreadPointers, to signatures: UnsafeMutableBufferPointer<UInt64>) {
        let hash = ThreadState.erasedHash(thread, operationLocalSlots: operationLocalSlots)
        switch thread.role {
        case .originator(let own), .worker(_, let own), .fileSystem(let own), .canceller(let own), .oplockBreak(let own):
            if own >= 0 { signatures[own] = signatures[own] &+ mix64(hash &+ 1) }
        case .teardown, .unloader, .driverEntry:
            break
        }
        for frame in thread.frames.indices {
            switch thread.frames[frame] {
            case .code(let code) where code.operation >= 0:
                signatures[code.operation] = signatures[code.operation] &+ mix64(hash &+ 2)
            case .dispatch(let own, _):
                signatures[own] = signatures[own] &+ mix64(hash &+ 3)
            default:
                break
            }
        }
    }

    /// The completed requests that no thread, variable or queue refers to any more, as bits (bit k
    /// for request k). Nothing can read such a request's IoStatus, flags or callback state again:
    /// filter code reaches a request only through `Op.current` (its thread's frames) or a handle
    /// (an operation variable or a queue entry), FltMgr only through its own threads (roles and
    /// frames). The one global look at every request, the teardown's wait for what is outstanding
    /// at an instance (T4) and its drain (Q3), finds nothing in a request that completed through
    /// the whole stack (`Slot.teardownView`); a completed request where it would find something is
    /// not forgotten. So two states that differ only in what forgotten requests left behind have
    /// the same futures, and the key writes each of them as "completed" alone: the paths a
    /// completed request took no longer multiply the states.
    func forgottenOperations(_ state: SystemState) -> UInt64 {
        var completed: UInt64 = 0
        state.slots.withUnsafeBufferPointer { slots in
            for (index, operation) in state.operations.enumerated()
            where operation.stage == .completed && state.slots(of: index, in: slots).allSatisfy({ $0.teardownView == 0 }) {
                completed |= 1 << index
            }
        }
        guard completed != 0 else { return 0 }
        var referenced: UInt64 = 0
        @inline(__always) func refer(_ operation: Int) { if operation >= 0 { referenced |= 1 << operation } }
        @inline(__always) func referHandle(_ value: Int) { if value >= 1 && value <= 64 { referenced |= 1 << (value - 1) } }
        state.forEachThreadInPlace { thread in
            switch thread.role {
            case .originator(let own), .worker(_, let own), .fileSystem(let own), .canceller(let own), .oplockBreak(let own): refer(own)
            case .teardown, .unloader, .driverEntry: break
            }
            for frame in thread.frames {
                switch frame {
                case .code(let code): refer(code.operation)
                case .dispatch(let own, _): refer(own)
                case .teardown, .unload, .unregister: break
                }
            }
            for slot in operationLocalSlots where slot < thread.locals.count { referHandle(thread.locals[slot]) }
        }
        for variable in operationVariables { referHandle(state.variables[variable]) }
        for queue in state.queues {
            for item in queue.items { refer(item) }
        }
        return completed & ~referenced
    }
}

/// Sorts `items` in place, stably, by insertion: a state has a handful of threads and requests, most
/// already in order, and `sort(by:)` retained the arrays its comparator captured on every comparison.
@inline(__always) private func insertionSort(_ items: UnsafeMutableBufferPointer<Int>, by precedes: (Int, Int) -> Bool) {
    for index in items.indices.dropFirst() {
        let item = items[index]
        var place = index
        while place > 0, precedes(item, items[place - 1]) {
            items[place] = items[place - 1]
            place -= 1
        }
        items[place] = item
    }
}

/// Whether bytes `lhsStart..<lhsEnd` of `base` come before bytes `rhsStart..<rhsEnd` in lexicographic order.
@inline(__always) private func bytesPrecede(_ base: UnsafeMutablePointer<UInt8>, _ lhsStart: Int, _ lhsEnd: Int, _ rhsStart: Int, _ rhsEnd: Int) -> Bool {
    bytesPrecede(base, lhsStart, lhsEnd, base, rhsStart, rhsEnd)
}

/// The same for bytes of two buffers.
@inline(__always) private func bytesPrecede(
    _ lhsBase: UnsafeMutablePointer<UInt8>, _ lhsStart: Int, _ lhsEnd: Int, _ rhsBase: UnsafeMutablePointer<UInt8>, _ rhsStart: Int, _ rhsEnd: Int
) -> Bool {
    let lhsCount = lhsEnd - lhsStart
    let rhsCount = rhsEnd - rhsStart
    let order = memcmp(lhsBase + lhsStart, rhsBase + rhsStart, min(lhsCount, rhsCount))
    return order != 0 ? order < 0 : lhsCount < rhsCount
}

/// Buffers `StateCanonicalizer.key` reuses from one state to the next; one per thread.
public final class CanonicalScratch {
    struct Buffers {
        var key = ByteSink()
        var threads = ByteSink()
        var starts = Sink<Int>(capacity: 32)
        var threadOrder = Sink<Int>(capacity: 32)
        var ends = Sink<UInt16>(capacity: 64)
        var signatures: [UInt64] = []
        /// The renumbering: the new number of each operation, and the old number at each new place.
        var numbers: [Int] = []
        var order: [Int] = []
        var sortedGroup: [Int] = []
        /// The forgotten requests of the last key (`StateCanonicalizer.forgottenOperations`).
        var forgotten: UInt64 = 0

        func deallocate() {
            key.deallocate()
            threads.deallocate()
            starts.deallocate()
            threadOrder.deallocate()
            ends.deallocate()
        }
    }

    /// Unchecked: one thread uses a scratch, and the dynamic checks cost 1% of exploring.
    @exclusivity(unchecked) private var buffers = Buffers()
    /// The key under a swap of two requests (`StateCanonicalizer.redundantThreads`).
    @exclusivity(unchecked) private var swapped = Buffers()
    /// Where each component of the last key ends (keys are under 64 KiB); valid until the next key.
    public var componentEnds: UnsafeBufferPointer<UInt16> { buffers.ends.elements }
    public init() {}
    func withBuffers<Result>(_ body: (inout Buffers) -> Result) -> Result { body(&buffers) }
    func withBothBuffers<Result>(_ body: (inout Buffers, inout Buffers) -> Result) -> Result { body(&buffers, &swapped) }
    deinit {
        buffers.deallocate()
        swapped.deallocate()
    }
}

extension Instruction {
    /// The expressions it evaluates.
    var expressions: [ExprIR] {
        switch self {
        case .assign(_, let value), .load(let value), .setStatus(let value), .waitUntil(let value): [value]
        case .setIoStatus(let status, let information): [status, information]
        case .branch(let condition, _), .assert(let condition, _): [condition]
        case .assignData(_, _, let source), .loadData(_, let source), .branchData(_, let source, _), .assertData(_, let source, _),
             .assume(_, let source):
            [source]
        case .completePendedPre(let operation, _), .completePendedPost(let operation),
             .queueDeferredWorkItem(_, let operation, _), .cbdqInsert(_, let operation, _, _), .cbdqRemove(_, let operation, _),
             .setCancelCompletion(_, let operation), .clearCancelCompletion(let operation, _), .checkOplock(let operation, _, _, _):
            [operation]
        default: []
        }
    }
}
