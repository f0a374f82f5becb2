// Additive API for saving and replaying traces (fltcheck replay, the JSON report).

extension Transition {
    /// A transition read back from a saved trace: `thread` indexes the state's threads, `choices`
    /// the branch taken at each nondeterministic choice of the step, in order.
    public init(savedThread thread: Int, choices: [Int]) {
        self.init(thread: thread, choices: choices)
    }
}

extension Semantics {
    /// The name traces give each thread of a state (`originator`, `worker DeQueue(READ #1)`, ...),
    /// by thread index.
    public func threadNames(_ state: SystemState) -> [String] {
        state.threads.map { threadName($0.role) }
    }
}

/// Who a thread is (the originator of a request, a worker for a work item and request, a teardown,
/// ...), independent of where it sits in the state's thread array. A `Transition` names its thread
/// by index, and indices shift as threads start and finish, so a step taken out of a path is found
/// again by identity (random search's shrinking, swarm weights).
public struct ThreadIdentity: Hashable, Sendable {
    let role: ThreadRole
}

extension Semantics {
    /// Each thread's identity, by thread index. Two threads can share one (the same work item
    /// queued twice for a request); tell them apart by their order among the threads of that identity.
    public func threadIdentities(_ state: SystemState) -> [ThreadIdentity] {
        state.threads.map { ThreadIdentity(role: $0.role) }
    }
}
