import FltExplorer
import FltModel
import FltProperties
import FltSemantics
import FltSymbolic
import Foundation

/// What `fltcheck prove` concluded about one safety property.
public enum ProofOutcome: Sendable {
    /// No run, of any length and with any data, breaks it.
    case proved
    /// Some run breaks it; `counterexample` is the explicit search's trace of one, when it found one
    /// within its bounds.
    case violated(Counterexample?)
    /// Z3 could not decide (time limit, or it gave up).
    case unknown(String)
}

/// The result of a proof attempt.
public struct ProofResult: Sendable {
    /// Per safety property that some step can break in the control graph; every other safety
    /// property holds because no step of any run can break it.
    public let outcomes: [(property: Property, outcome: ProofOutcome)]
    /// The control states and steps of the abstract search.
    public let controlStates: Int
    public let edges: Int
    /// The inductive invariant, one line per control state where it says more than `true`, in the
    /// model's own terms (empty when no data is involved).
    public let invariant: [String]
    public let seconds: Double
    /// Why the abstract search stopped before it covered the control graph (`maxStates`, the time
    /// limit): nothing is proved then.
    public let stopped: String?
}

/// Unbounded proofs of the safety properties: the model's control graph (FltMgr's semantics
/// included) is explored explicitly with its data left abstract, then given to Z3's Spacer engine as
/// constrained Horn clauses: `Reach(state, variables, inputs)` holds initially, each step maps it
/// forward under its guard, and a step that breaks property P derives `Bad_P`. Spacer either proves
/// `Bad_P` underivable, with an inductive invariant as the certificate, or derives it.
public struct Prover {
    public let semantics: Semantics
    public let program: Program
    public let maxStates: Int
    public let timeLimitSeconds: Double

    public init(program: Program, semantics: Semantics, maxStates: Int = 200_000, timeLimitSeconds: Double = 60) {
        self.program = program
        self.semantics = semantics
        self.maxStates = maxStates
        self.timeLimitSeconds = timeLimitSeconds
    }

    public func run() throws -> ProofResult {
        let start = Date()
        let graph = ControlGraph(semantics, maxStates: maxStates, maxDepth: nil, deadline: start.addingTimeInterval(timeLimitSeconds))
        let states = graph.states
        let edges = graph.edges
        if let stopped = graph.stopped {
            return ProofResult(outcomes: [], controlStates: states.count, edges: edges.count, invariant: [], seconds: Date().timeIntervalSince(start), stopped: stopped)
        }
        let initialValues = graph.initialValues
        let assumptions = graph.assumptions

        // The Horn clauses.
        let context = try Z3Context()
        let inputs = semantics.proverInputs
        let variables = semantics.stateVariables
        let stateWidth = graph.stateWidth
        let rigid = inputs.indices.filter { if case .rigid = inputs[$0].role { true } else { false } }
        let initialOnly = inputs.indices.filter { if case .initialValue = inputs[$0].role { true } else { false } }
        let stateSymbols = inputs.indices.filter { if case .stateVariable = inputs[$0].role { true } else { false } }
        // One Z3 constant per input; state variables stand for their value in the source state.
        let symbols = try inputs.map { try context.bitVectorVariable($0.name, width: UInt32($0.width)) }
        let control = try context.bitVectorVariable("control state", width: stateWidth)
        let reachWidths = [stateWidth] + stateSymbols.map { UInt32(inputs[$0].width) } + rigid.map { UInt32(inputs[$0].width) }
        let reach = try context.relation("Reach", widths: reachWidths)
        let fixedpoint = try Z3Fixedpoint(context: context)
        try fixedpoint.register(reach)
        let rigidSymbols = rigid.map { symbols[$0] }
        func reachAt(_ state: Z3Expr, _ values: [Z3Expr]) throws -> Z3Expr { try reach([state] + values + rigidSymbols) }
        func encode(_ term: Int) throws -> Z3Expr { try semantics.encode(term, in: context, inputs: symbols) }
        func conjunction(_ terms: [Int]) throws -> Z3Expr { try context.and(terms.map(encode)) }
        func stateNumber(_ value: Int) throws -> Z3Expr { try context.bitVector(UInt64(value), width: stateWidth) }

        let initialRule = try conjunction(assumptions).implies(reachAt(stateNumber(0), initialValues.map(encode)))
        try fixedpoint.addRule(try context.forAll(initialOnly.map { symbols[$0] } + rigidSymbols, initialRule), name: "initial")
        let stepVariables = stateSymbols.map { symbols[$0] } + rigidSymbols
        let current = stateSymbols.map { symbols[$0] }
        var bad: [String: Z3Relation] = [:]
        var badOrder: [Property] = []
        for (number, edge) in edges.enumerated() {
            let premise = try reachAt(stateNumber(edge.source), current).and(conjunction(edge.guardTerms))
            let conclusion: Z3Expr
            if let violation = edge.violation {
                let id = violation.property.id
                if bad[id] == nil {
                    let relation = try context.relation("Bad_\(id)", widths: [])
                    try fixedpoint.register(relation)
                    bad[id] = relation
                    badOrder.append(violation.property)
                }
                conclusion = try bad[id]!([])
            } else {
                conclusion = try reachAt(stateNumber(edge.target ?? 0), edge.updates.map(encode))
            }
            try fixedpoint.addRule(try context.forAll(stepVariables, premise.implies(conclusion)), name: "step\(number)")
        }

        // One query per property some step can break, within the time limit.
        let interrupter = context.interrupter
        let deadline = DispatchTime.now() + max(0.001, timeLimitSeconds - Date().timeIntervalSince(start))
        let timer = DispatchSource.makeTimerSource()
        timer.schedule(deadline: deadline)
        timer.setEventHandler { interrupter.interrupt() }
        timer.resume()
        defer { timer.cancel() }
        var outcomes: [(property: Property, outcome: ProofOutcome)] = []
        var provedAny = false
        for property in badOrder {
            guard DispatchTime.now() < deadline else {
                outcomes.append((property, .unknown("the time limit of \(Int(timeLimitSeconds)) s ran out")))
                continue
            }
            let timedOut = "the time limit of \(Int(timeLimitSeconds)) s ran out"
            do {
                switch try fixedpoint.query(bad[property.id]!) {
                case .satisfiable: outcomes.append((property, .violated(nil)))
                case .unsatisfiable:
                    outcomes.append((property, .proved))
                    provedAny = true
                case .unknown(let reason):
                    outcomes.append((property, .unknown(DispatchTime.now() >= deadline ? timedOut : "Spacer: \(reason)")))
                }
            } catch {
                // An interrupted query reports "canceled" as an error.
                outcomes.append((property, .unknown(DispatchTime.now() >= deadline ? timedOut : "Z3: \(error)")))
            }
        }
        var invariant: [String] = []
        if provedAny, !variables.isEmpty || !rigid.isEmpty {
            invariant = try describe(fixedpoint.interpretation(of: reach), states: states, context: context, control: control,
                                     names: [control] + stateSymbols.map { symbols[$0] } + rigidSymbols)
        }
        return ProofResult(
            outcomes: outcomes, controlStates: states.count, edges: edges.count, invariant: invariant,
            seconds: Date().timeIntervalSince(start), stopped: nil)
    }

    /// The invariant per control state, simplified, where it is not just `true`.
    private func describe(_ interpretation: Z3Expr, states: [SystemState], context: Z3Context, control: Z3Expr, names: [Z3Expr]) throws -> [String] {
        let named = try context.substituteVariables(interpretation, names)
        var lines: [String] = []
        var seen: Set<String> = []
        let width = try control.bitWidth() ?? 32
        for (number, state) in states.enumerated() {
            let specialized = try context.substitute(named, control, context.bitVector(UInt64(number), width: width)).simplified()
            let text = try Z3Infix.render(specialized)
            if text == "true" || seen.contains(text) { continue }
            seen.insert(text)
            lines.append("\(semantics.describe(state)): \(text)")
        }
        return lines
    }
}
