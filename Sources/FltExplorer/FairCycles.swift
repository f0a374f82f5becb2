import FltSemantics

/// The explored state graph of a model with loops, for liveness under fairness: a request left
/// pended (or a teardown or unload left waiting) forever on a cycle that every thread able to run
/// keeps taking part in is a liveness violation even though no state is stuck.
struct StateGraph {
    /// Encoded: a model with loops keeps every state it reaches here (see `EncodedStates`).
    private var states: EncodedStates?
    /// Per state: (successor, transition, moving thread's name id).
    private var edges: [[(to: Int32, transition: Transition, thread: Int32)]] = []
    private var threadIds: [String: Int32] = [:]

    mutating func add(_ state: SystemState) {
        if states == nil { states = EncodedStates(like: state) }
        states?.append(state)
        edges.append([])
    }

    /// Adds state `index` of `source`.
    mutating func add(_ source: EncodedStates, _ index: Int) {
        if states == nil { states = EncodedStates(sameShapeAs: source) }
        states?.append(source, index)
        edges.append([])
    }

    mutating func connect(_ from: Int, _ to: Int, _ transition: Transition, _ thread: String) {
        let id = threadIds[thread] ?? Int32(threadIds.count)
        threadIds[thread] = id
        edges[from].append((Int32(to), transition, id))
    }

    struct FairCycle {
        let violation: Violation
        /// The cycle's first state in BFS order (so the prefix to it is a shortest one).
        let node: Int
        let transitions: [Transition]
    }

    /// Strongly connected components with an internal edge where something stays undone forever
    /// and that are fair: every thread able to make progress in all their states moves inside.
    func fairCycles(_ semantics: Semantics) -> [FairCycle] {
        guard let states else { return [] }
        var cycles: [FairCycle] = []
        for component in stronglyConnectedComponents() {
            let members = Set(component)
            let inside = component.flatMap { from in edges[from].filter { members.contains(Int($0.to)) } }
            guard !inside.isEmpty, let first = component.min() else { continue }
            let firstState = states[first]
            guard let violation = semantics.foreverUndone(firstState) else { continue }
            var alwaysAble = Set(semantics.progressThreads(firstState))
            for member in component { alwaysAble.formIntersection(semantics.progressThreads(states[member])) }
            let moving = Set(inside.map(\.thread))
            guard alwaysAble.allSatisfy({ threadIds[$0].map(moving.contains) ?? false }) else { continue }
            cycles.append(FairCycle(violation: violation, node: first, transitions: tour(from: first, within: members)))
        }
        return cycles
    }

    /// A closed walk from `start` through the component that takes every internal edge's thread at
    /// least once: shortest paths from edge to edge, stitched together.
    private func tour(from start: Int, within members: Set<Int>) -> [Transition] {
        var walk: [Transition] = []
        var at = start
        var needed = Set(members.flatMap { from in edges[from].filter { members.contains(Int($0.to)) }.map(\.thread) })
        while !needed.isEmpty {
            guard let (path, last) = shortestPath(from: at, within: members, until: { edge in needed.contains(edge.thread) }) else { break }
            walk += path
            needed.remove(last.thread)
            at = Int(last.to)
        }
        if let (back, _) = shortestPath(from: at, within: members, until: { Int($0.to) == start }) { walk += back }
        return walk
    }

    private func shortestPath(
        from start: Int, within members: Set<Int>, until done: ((to: Int32, transition: Transition, thread: Int32)) -> Bool
    ) -> ([Transition], (to: Int32, transition: Transition, thread: Int32))? {
        var previous: [Int: (Int, Transition)] = [:]
        var queue = [start]
        var seen: Set<Int> = [start]
        var head = 0
        while head < queue.count {
            let node = queue[head]
            head += 1
            for edge in edges[node] where members.contains(Int(edge.to)) {
                if done(edge) {
                    var path = [edge.transition]
                    var cursor = node
                    while cursor != start, let (parent, transition) = previous[cursor] {
                        path.append(transition)
                        cursor = parent
                    }
                    return (path.reversed(), edge)
                }
                if seen.insert(Int(edge.to)).inserted {
                    previous[Int(edge.to)] = (node, edge.transition)
                    queue.append(Int(edge.to))
                }
            }
        }
        return nil
    }

    /// Tarjan's algorithm, iterative so deep graphs do not overflow the stack.
    private func stronglyConnectedComponents() -> [[Int]] {
        let count = states?.count ?? 0
        var index = [Int](repeating: -1, count: count)
        var low = [Int](repeating: 0, count: count)
        var onStack = [Bool](repeating: false, count: count)
        var stack: [Int] = []
        var components: [[Int]] = []
        var nextIndex = 0
        for root in 0..<count where index[root] < 0 {
            var work: [(node: Int, edge: Int)] = [(root, 0)]
            index[root] = nextIndex; low[root] = nextIndex; nextIndex += 1
            stack.append(root); onStack[root] = true
            while let (node, edge) = work.last {
                if edge < edges[node].count {
                    work[work.count - 1].edge += 1
                    let next = Int(edges[node][edge].to)
                    if index[next] < 0 {
                        index[next] = nextIndex; low[next] = nextIndex; nextIndex += 1
                        stack.append(next); onStack[next] = true
                        work.append((next, 0))
                    } else if onStack[next] {
                        low[node] = min(low[node], index[next])
                    }
                    continue
                }
                work.removeLast()
                if let parent = work.last { low[parent.node] = min(low[parent.node], low[node]) }
                if low[node] == index[node] {
                    var component: [Int] = []
                    while let member = stack.popLast() {
                        onStack[member] = false
                        component.append(member)
                        if member == node { break }
                    }
                    components.append(component)
                }
            }
        }
        return components
    }
}
