import FltProperties
import FltSemantics
import FltSymbolic
import Foundation

/// A property BMC found broken, and how.
public struct BMCFinding: Sendable {
    public let property: Property
    /// Steps from the initial state, the breaking one included (as a trace counts them).
    public let steps: Int
    /// The values Z3 chose for the symbolic inputs, as `name = value`.
    public let values: [String]
}

/// What bounded model checking found within its depth.
public struct BMCResult: Sendable {
    public let depth: Int
    public let findings: [BMCFinding]
    public let controlStates: Int
    public let edges: Int
    public let seconds: Double
    /// Why not every run up to `depth` was decided: the control graph was cut (`--max-states`, time),
    /// or Z3 answered unknown. Nil when the bounded check is complete.
    public let incomplete: String?
}

/// Bounded model checking: the model's transition relation unrolled `depth` times as one Z3
/// formula. The control part comes from the control graph (FltMgr's semantics and the filters'
/// code, enumerated up to `depth` steps); per step i the formula has the control state `pc_i` and the
/// value of every `BitVector` `v_i`, and says that some edge leads from step i to step i+1: its
/// source is `pc_i`, its guard holds on `v_i`, `pc_{i+1}` is its target and `v_{i+1}` its updates.
/// Z3 then decides, for each depth from 0 up, whether some run reaches a step that breaks a safety
/// property, so each finding's depth is the shortest.
public struct BoundedModelChecker {
    public let semantics: Semantics
    public let depth: Int
    public let maxStates: Int
    /// The limit on each of Z3's checks (one per depth and property).
    public let queryTimeoutMilliseconds: UInt32

    public init(semantics: Semantics, depth: Int, maxStates: Int = 200_000, queryTimeoutMilliseconds: UInt32 = 60_000) {
        self.semantics = semantics
        self.depth = depth
        self.maxStates = maxStates
        self.queryTimeoutMilliseconds = queryTimeoutMilliseconds
    }

    public func run() throws -> BMCResult {
        let start = Date()
        let graph = ControlGraph(semantics, maxStates: maxStates, maxDepth: depth, deadline: .distantFuture)
        func result(_ findings: [BMCFinding], _ incomplete: String?) -> BMCResult {
            BMCResult(depth: depth, findings: findings, controlStates: graph.states.count, edges: graph.edges.count,
                      seconds: Date().timeIntervalSince(start), incomplete: incomplete)
        }
        if let stopped = graph.stopped { return result([], stopped) }

        let context = try Z3Context()
        let solver = try Z3Solver(context: context)
        let inputs = semantics.proverInputs
        let width = graph.stateWidth
        // Inputs that do not change along a run, and one copy of the state variables per step.
        let fixed = try inputs.map { try context.bitVectorVariable($0.name, width: UInt32($0.width)) }
        let stateInputs = inputs.indices.filter { graph.uses(inputs[$0].role) }
        var control: [Z3Expr] = []
        var values: [[Z3Expr]] = []
        func addStep(_ step: Int) throws {
            control.append(try context.bitVectorVariable("control state @\(step)", width: width))
            values.append(try stateInputs.map { try context.bitVectorVariable("\(inputs[$0].name) @\(step)", width: UInt32(inputs[$0].width)) })
        }
        /// The inputs as seen from step `step`: state variables are that step's copies.
        func symbols(at step: Int) -> [Z3Expr] {
            var symbols = fixed
            for (position, input) in stateInputs.enumerated() { symbols[input] = values[step][position] }
            return symbols
        }
        func stateNumber(_ number: Int) throws -> Z3Expr { try context.bitVector(UInt64(number), width: width) }

        try addStep(0)
        try solver.assert(control[0].eq(stateNumber(0)))
        for (position, value) in graph.initialValues.enumerated() where value != AbstractStep.anyValue {
            try solver.assert(values[0][position].eq(semantics.encode(value, in: context, inputs: fixed)))
        }
        for assumption in graph.assumptions { try solver.assert(semantics.encode(assumption, in: context, inputs: fixed)) }

        var findings: [BMCFinding] = []
        var found = Set<String>()
        let violating = Dictionary(grouping: graph.edges.filter { $0.violation != nil }, by: { $0.violation!.property.id })
        let properties = violating.keys.sorted()
        for step in 0..<depth {
            let here = symbols(at: step)
            let reachable = Set(graph.depths.indices.filter { graph.depths[$0] <= step })
            // Does a step breaking P leave a state reachable in exactly `step` steps?
            for property in properties where !found.contains(property) {
                let candidates = violating[property, default: []].filter { reachable.contains($0.source) }
                if candidates.isEmpty { continue }
                let breaks = try context.or(candidates.map { edge in
                    try control[step].eq(stateNumber(edge.source)).and(context.and(edge.guardTerms.map { try semantics.encode($0, in: context, inputs: here) }))
                })
                try solver.push()
                try solver.assert(breaks)
                switch try solver.check(timeoutMilliseconds: queryTimeoutMilliseconds) {
                case .satisfiable:
                    let shown = try inputs.indices.filter { if case .stateVariable = inputs[$0].role { false } else { true } }.map {
                        "\(inputs[$0].name) = \(Self.literal(try solver.value(of: fixed[$0])))"
                    }
                    findings.append(BMCFinding(property: candidates[0].violation!.property, steps: step + 1, values: shown))
                    found.insert(property)
                case .unsatisfiable:
                    break
                case .unknown(let reason):
                    try solver.pop()
                    return result(findings, "Z3 could not decide \(property) at depth \(step) (\(reason)); deeper runs were not checked")
                }
                try solver.pop()
            }
            if found.count == properties.count { break }
            // One more step: some edge from a state reachable in `step` steps.
            try addStep(step + 1)
            let moves = graph.edges.filter { $0.target != nil && reachable.contains($0.source) }
            let transition = try context.or(moves.map { edge in
                var parts = [try control[step].eq(stateNumber(edge.source)), try control[step + 1].eq(stateNumber(edge.target ?? 0))]
                parts += try edge.guardTerms.map { try semantics.encode($0, in: context, inputs: here) }
                for (position, update) in edge.updates.enumerated() where update != AbstractStep.anyValue {
                    parts.append(try values[step + 1][position].eq(semantics.encode(update, in: context, inputs: here)))
                }
                return try context.and(parts)
            })
            try solver.assert(transition)
        }
        return result(findings, nil)
    }

    private static func literal(_ value: UInt64) -> String { value <= 9 ? String(value) : "0x" + String(value, radix: 16, uppercase: true) }
}
