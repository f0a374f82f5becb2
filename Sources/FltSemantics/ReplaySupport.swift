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
