import FltModel
import FltProperties
import FltSemantics

#if canImport(Glibc)
import Glibc
#endif

/// Bounds on an exploration. Hitting one makes the verdict inconclusive, never a pass.
public struct Limits: Sendable {
    /// Transitions from the initial state beyond which states are not expanded.
    public var maxDepth: Int?
    /// Distinct states stored beyond which exploration stops.
    public var maxStates: Int?
    public init(maxDepth: Int? = nil, maxStates: Int? = nil) {
        self.maxDepth = maxDepth
        self.maxStates = maxStates
    }
}

/// Which bound stopped an exploration before it was exhaustive.
public enum BoundHit: Sendable, CustomStringConvertible {
    case depth(Int)
    case states(Int)
    /// The search was random (RandomSearch.swift): it never covers every interleaving.
    case randomSearch(RandomSearchSummary)
    public var description: String {
        switch self {
        case .depth(let depth): "--max-depth \(depth) reached with states left unexpanded"
        case .states(let states): "--max-states \(states) reached"
        case .randomSearch(let summary): summary.description
        }
    }
}

/// One line of a counterexample.
public struct TraceLine: Sendable {
    /// The transition (interleaving step) this event happened in, 1-based.
    public let step: Int
    public let event: Event
}

/// A run that violates a property, shortest among those of the property (BFS order).
public struct Counterexample: Sendable {
    public let violation: Violation
    /// Transitions from the initial state, the violating one included.
    public let steps: Int
    public let trace: [TraceLine]
    /// The transitions from the initial state, in order (`steps` of them): enough to replay the
    /// run with `Semantics.replay`. The last one is the violating step unless `atEndState`.
    public let path: [Transition]
    /// The violation is one of the state `path` ends in (a liveness property, judged where no
    /// thread can make progress), not of its last step.
    public let atEndState: Bool
}

/// What an exploration found and how much it covered.
public struct ExplorationResult: Sendable {
    public let statesStored: Int
    public let transitions: Int
    public let endStates: Int
    /// The greatest depth reached.
    public let depth: Int
    public let seconds: Double
    /// The first (shortest) counterexample of each violated property, in the order found.
    public let counterexamples: [Counterexample]
    /// Nil when the whole reachable state space was explored.
    public let bound: BoundHit?
    /// Bytes held by the visited-state encodings.
    public let encodedBytes: Int

    public var exhaustive: Bool { bound == nil }
}

/// Exhaustive breadth-first search of a model's state space: the first counterexample found for a
/// property is a shortest one. Visited states are kept as their compact byte encodings, with a
/// parent link and the transition that reached them so traces can be rebuilt by replay.
public struct Explorer: Sendable {
    public let semantics: Semantics
    public let limits: Limits

    public init(semantics: Semantics, limits: Limits = Limits()) {
        self.semantics = semantics
        self.limits = limits
    }

    private struct Node {
        let parent: Int32
        let transition: Transition?
    }

    private struct Found {
        let violation: Violation
        /// The node the violation happened from (step violation) or at (end state).
        let node: Int
        /// The violating transition, for a step violation.
        let transition: Transition?
        /// For a fair cycle: transitions from `node` back to it, repeated forever.
        var cycle: [Transition] = []
    }

    /// Explores until exhaustion or a bound. `progress` is called now and then with
    /// (states stored, depth).
    public func run(progress: ((Int, Int) -> Void)? = nil) -> ExplorationResult {
        let start = monotonicSeconds()
        let initial = semantics.initialState()
        var visited: [StateKey: Int32] = [:]
        var nodes: [Node] = []
        var encodedBytes = 0
        let initialKey = StateKey(initial)
        visited[initialKey] = 0
        encodedBytes += initialKey.bytes.count
        nodes.append(Node(parent: -1, transition: nil))

        var found: [Found] = []
        var violated: Set<String> = []
        var transitions = 0
        var endStates = 0
        var depth = 0
        var bound: BoundHit?
        var frontier: [(SystemState, Int)] = [(initial, 0)]
        // With loops the graph can have cycles; keep what the fair-cycle check needs.
        let recordGraph = semantics.program.hasLoops
        var graph = StateGraph()
        if recordGraph { graph.add(initial) }

        search: while !frontier.isEmpty {
            var next: [(SystemState, Int)] = []
            for (state, index) in frontier {
                let successors = semantics.successors(of: state)
                if successors.isEmpty { endStates += 1 }
                if semantics.isQuiescent(state) {
                    for violation in semantics.endStateViolations(state) where violated.insert(violation.property.id).inserted {
                        found.append(Found(violation: violation, node: index, transition: nil))
                    }
                }
                if successors.isEmpty { continue }
                if let maxDepth = limits.maxDepth, depth >= maxDepth {
                    bound = .depth(maxDepth)
                    continue
                }
                for successor in successors {
                    transitions += 1
                    for warning in successor.warnings where violated.insert(warning.property.id).inserted {
                        found.append(Found(violation: warning, node: index, transition: successor.transition))
                    }
                    if let violation = successor.violation {
                        if violated.insert(violation.property.id).inserted {
                            found.append(Found(violation: violation, node: index, transition: successor.transition))
                        }
                        continue
                    }
                    let key = StateKey(successor.state)
                    if let known = visited[key] {
                        if recordGraph { graph.connect(index, Int(known), successor.transition, semantics.threadName(of: successor.transition, in: state)) }
                        continue
                    }
                    if let maxStates = limits.maxStates, nodes.count >= maxStates {
                        bound = .states(maxStates)
                        break search
                    }
                    if recordGraph {
                        graph.add(successor.state)
                        graph.connect(index, nodes.count, successor.transition, semantics.threadName(of: successor.transition, in: state))
                    }
                    visited[key] = Int32(nodes.count)
                    encodedBytes += key.bytes.count
                    next.append((successor.state, nodes.count))
                    nodes.append(Node(parent: Int32(index), transition: successor.transition))
                }
                if nodes.count & 0x3FFF == 0 { progress?(nodes.count, depth) }
            }
            frontier = next
            if !next.isEmpty { depth += 1 }
        }

        if recordGraph && bound == nil {
            for cycle in graph.fairCycles(semantics) where violated.insert(cycle.violation.property.id).inserted {
                found.append(Found(violation: cycle.violation, node: cycle.node, transition: nil, cycle: cycle.transitions))
            }
        }
        let counterexamples = found.map { counterexample($0, nodes: nodes, initial: initial) }
        return ExplorationResult(
            statesStored: nodes.count, transitions: transitions, endStates: endStates, depth: depth,
            seconds: monotonicSeconds() - start, counterexamples: counterexamples, bound: bound,
            encodedBytes: encodedBytes)
    }

    /// Rebuilds the path to a violation by replaying its transitions with events recorded.
    private func counterexample(_ found: Found, nodes: [Node], initial: SystemState) -> Counterexample {
        var path: [Transition] = []
        var cursor = found.node
        while cursor > 0, let transition = nodes[cursor].transition {
            path.append(transition)
            cursor = Int(nodes[cursor].parent)
        }
        path.reverse()
        if let last = found.transition { path.append(last) }
        var state = initial
        var trace: [TraceLine] = []
        for (number, transition) in path.enumerated() {
            let successor = semantics.replay(transition, from: state)
            trace += successor.events.map { TraceLine(step: number + 1, event: $0) }
            state = successor.state
        }
        if !found.cycle.isEmpty {
            let loopStart = path.count + 1
            for (offset, transition) in found.cycle.enumerated() {
                let successor = semantics.replay(transition, from: state)
                trace += successor.events.map { TraceLine(step: loopStart + offset, event: $0) }
                state = successor.state
            }
            path += found.cycle
            trace.append(TraceLine(step: path.count, event: Event(
                operation: nil, actor: "fltcheck",
                text: "steps \(loopStart)–\(path.count) repeat forever, and every thread that stays able to run keeps running (weak fairness; cancels, teardown and unload starts need not come). \(found.violation.message)",
                changes: [], location: found.violation.location)))
            return Counterexample(violation: found.violation, steps: path.count, trace: trace, path: path, atEndState: false)
        }
        if found.transition == nil {
            trace.append(TraceLine(step: path.count, event: Event(
                operation: nil, actor: "fltcheck", text: "no thread can make progress (a cancel or a teardown start could still come, but need not). \(found.violation.message)",
                changes: [], location: found.violation.location)))
        }
        return Counterexample(violation: found.violation, steps: path.count, trace: trace, path: path, atEndState: found.transition == nil)
    }
}

/// Seconds on a monotonic clock.
func monotonicSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}
