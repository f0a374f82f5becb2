import FltExplorer
import FltModel
import FltProperties
import FltSemantics
import FltSymbolic
import Foundation
import Synchronization

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
public struct Prover: Sendable {
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

    /// `progress`, when given, records each outcome as it is decided (see `runEnforcingTimeLimit`).
    public func run(progress: ProofProgress? = nil) throws -> ProofResult {
        let start = Date()
        let graph = ControlGraph(semantics, maxStates: maxStates, maxDepth: nil, deadline: start.addingTimeInterval(timeLimitSeconds))
        let states = graph.states
        let edges = graph.edges
        progress?.graphBuilt(controlStates: states.count, edges: edges.count)
        if let stopped = graph.stopped {
            return ProofResult(outcomes: [], controlStates: states.count, edges: edges.count, invariant: [], seconds: Date().timeIntervalSince(start), stopped: stopped)
        }
        let initialValues = graph.initialValues
        let assumptions = graph.assumptions
        let context = try Z3Context()
        let inputs = semantics.proverInputs
        // One Z3 constant per input; state variables stand for their value in the source state.
        let symbols = try inputs.map { try context.bitVectorVariable($0.name, width: UInt32($0.width)) }
        var badOrder: [Property] = []
        for edge in edges {
            if let property = edge.violation?.property, !badOrder.contains(where: { $0.id == property.id }) { badOrder.append(property) }
        }
        let reachedWhateverTheData = try violatedWhateverTheData(graph, context: context, inputs: symbols)
        progress?.planned(badOrder)
        let queried = badOrder.filter { !reachedWhateverTheData.contains($0.id) }
        guard !queried.isEmpty else {
            return ProofResult(
                outcomes: badOrder.map { ($0, .violated(nil)) }, controlStates: states.count, edges: edges.count, invariant: [],
                seconds: Date().timeIntervalSince(start), stopped: nil)
        }

        // The Horn clauses.
        let rigid = inputs.indices.filter { if case .rigid = inputs[$0].role { true } else { false } }
        let initialOnly = inputs.indices.filter { if case .initialValue = inputs[$0].role { true } else { false } }
        let stateSymbols = inputs.indices.filter { graph.uses(inputs[$0].role) }
        let rigidSymbols = rigid.map { symbols[$0] }
        let dataWidths = stateSymbols.map { UInt32(inputs[$0].width) } + rigid.map { UInt32(inputs[$0].width) }
        let stateWidth = graph.stateWidth
        let control = try context.bitVectorVariable("control state", width: stateWidth)
        // Usually one relation `Reach(control state, data)`. When threads carry data (thread-local
        // `BitVector`s, values read by an `atomic: false` write), one relation per control state:
        // which thread a slot belongs to changes with the control state, and with a single relation
        // Spacer must split every lemma on the control state (measured: ScannedBytesUnderLock, 38
        // control states, 64 s with one relation, 0.3 s with one per state). Its invariant is read
        // per relation, so none may be sliced (Z3 crashes on that) or inlined away (it would read
        // as `true`).
        let perState = semantics.threadsCarryData
        let fixedpoint = try Z3Fixedpoint(context: context, keepingEveryRelation: perState)
        let reach: (Int, [Z3Expr]) throws -> Z3Expr
        var relations: [Z3Relation] = []
        if perState {
            for state in states.indices {
                let relation = try context.relation("Reach\(state)", widths: dataWidths)
                try fixedpoint.register(relation)
                relations.append(relation)
            }
            reach = { state, values in try relations[state](values + rigidSymbols) }
        } else {
            let single = try context.relation("Reach", widths: [stateWidth] + dataWidths)
            try fixedpoint.register(single)
            relations.append(single)
            reach = { state, values in try single([context.bitVector(UInt64(state), width: stateWidth)] + values + rigidSymbols) }
        }
        func encode(_ term: Int) throws -> Z3Expr { try semantics.encode(term, in: context, inputs: symbols) }
        func conjunction(_ terms: [Int]) throws -> Z3Expr { try context.and(terms.map(encode)) }

        // A slot whose value does not matter gets a variable of its own, bound by nothing.
        let anyValues = try stateSymbols.map { try context.bitVectorVariable("any \(inputs[$0].name)", width: UInt32(inputs[$0].width)) }
        func slotValues(_ terms: [Int]) throws -> [Z3Expr] {
            try terms.enumerated().map { slot, term in term == AbstractStep.anyValue ? anyValues[slot] : try encode(term) }
        }
        let initialRule = try conjunction(assumptions).implies(reach(0, slotValues(initialValues)))
        try fixedpoint.addRule(try context.forAll(initialOnly.map { symbols[$0] } + rigidSymbols + anyValues, initialRule), name: "initial")
        let stepVariables = stateSymbols.map { symbols[$0] } + rigidSymbols + anyValues
        let current = stateSymbols.map { symbols[$0] }
        var bad: [String: Z3Relation] = [:]
        for property in queried {
            let relation = try context.relation("Bad_\(property.id)", widths: [])
            try fixedpoint.register(relation)
            bad[property.id] = relation
        }
        for (number, edge) in edges.enumerated() {
            let conclusion: Z3Expr
            if let violation = edge.violation {
                guard let relation = bad[violation.property.id] else { continue }
                conclusion = try relation([])
            } else {
                conclusion = try reach(edge.target ?? 0, slotValues(edge.updates))
            }
            let premise = try reach(edge.source, current).and(conjunction(edge.guardTerms))
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
        var outcomes: [(property: Property, outcome: ProofOutcome)] = [] {
            didSet { if let last = outcomes.last { progress?.decided(last.property, last.outcome) } }
        }
        var provedAny = false
        for property in badOrder {
            guard let relation = bad[property.id] else {
                outcomes.append((property, .violated(nil)))
                continue
            }
            guard DispatchTime.now() < deadline else {
                outcomes.append((property, .unknown("the time limit of \(Int(timeLimitSeconds)) s ran out")))
                continue
            }
            let timedOut = "the time limit of \(Int(timeLimitSeconds)) s ran out"
            do {
                switch try fixedpoint.query(relation) {
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
        if provedAny, !dataWidths.isEmpty {
            invariant = try describe(fixedpoint, relations, states: states, context: context, control: perState ? nil : control, names: current + rigidSymbols)
        }
        return ProofResult(
            outcomes: outcomes, controlStates: states.count, edges: edges.count, invariant: invariant,
            seconds: Date().timeIntervalSince(start), stopped: nil)
    }

    /// The properties a step breaks at the end of a path on which every guard is `true`: such a run
    /// exists whatever the data (once the inputs' assumptions can hold), so no Horn query is needed.
    /// A graph search answers at once what Spacer can take minutes to derive on a large graph with
    /// little or no data: measured on Samples/SwapBuffers (42,582 control states, no `BitVector`),
    /// Spacer had not derived its Assertion violation after 120 s and did not stop at the time limit.
    private func violatedWhateverTheData(_ graph: ControlGraph, context: Z3Context, inputs: [Z3Expr]) throws -> Set<String> {
        if !graph.assumptions.allSatisfy(semantics.isTrue) {
            let solver = try Z3Solver(context: context)
            for term in graph.assumptions { try solver.assert(try semantics.encode(term, in: context, inputs: inputs)) }
            guard case .satisfiable = try solver.check(timeoutMilliseconds: 10_000) else { return [] }
        }
        var successors = [[Int]](repeating: [], count: graph.states.count)
        var breaking = [[String]](repeating: [], count: graph.states.count)
        for edge in graph.edges where edge.guardTerms.allSatisfy(semantics.isTrue) {
            if let violation = edge.violation {
                breaking[edge.source].append(violation.property.id)
            } else if let target = edge.target {
                successors[edge.source].append(target)
            }
        }
        var reached = [Bool](repeating: false, count: graph.states.count)
        reached[0] = true
        var pending = [0]
        var violated: Set<String> = []
        while let state = pending.popLast() {
            violated.formUnion(breaking[state])
            for next in successors[state] where !reached[next] {
                reached[next] = true
                pending.append(next)
            }
        }
        return violated
    }

    /// The invariant per control state, simplified, where it is not just `true`: each state's own
    /// relation, or the single relation with `control` set to the state's number.
    private func describe(
        _ fixedpoint: Z3Fixedpoint, _ relations: [Z3Relation], states: [SystemState], context: Z3Context, control: Z3Expr?, names: [Z3Expr]
    ) throws -> [String] {
        let single = try control.map { try context.substituteVariables(fixedpoint.interpretation(of: relations[0]), [$0] + names) }
        var lines: [String] = []
        var seen: Set<String> = []
        for (number, state) in states.enumerated() {
            let formula: Z3Expr
            if let control, let single {
                formula = try context.substitute(single, control, context.bitVector(UInt64(number), width: control.bitWidth() ?? 32))
            } else {
                formula = try context.substituteVariables(fixedpoint.interpretation(of: relations[number]), names)
            }
            let text = semantics.namingThreadSlots(try Z3Infix.render(formula.simplified()), in: state)
            if text == "true" || seen.contains(text) { continue }
            seen.insert(text)
            lines.append("\(semantics.describe(state)): \(text)")
        }
        return lines
    }
}

/// What a proof has decided so far, for another thread to read while it runs.
public final class ProofProgress: Sendable {
    private struct Snapshot {
        var controlStates = 0
        var edges = 0
        /// Every property a step can break, in the order the queries run; nil until known.
        var planned: [Property]?
        var decided: [(property: Property, outcome: ProofOutcome)] = []
    }

    private let snapshot = Mutex(Snapshot())
    private let start = Date()

    public init() {}

    public func graphBuilt(controlStates: Int, edges: Int) {
        snapshot.withLock {
            $0.controlStates = controlStates
            $0.edges = edges
        }
    }

    public func planned(_ properties: [Property]) { snapshot.withLock { $0.planned = properties } }

    public func decided(_ property: Property, _ outcome: ProofOutcome) { snapshot.withLock { $0.decided.append((property, outcome)) } }

    /// The result of a proof given up on: what was decided, every other property unknown for
    /// `reason`; when the control graph was not finished, nothing is proved.
    public func abandoned(reason: String) -> ProofResult {
        snapshot.withLock { snapshot in
            let seconds = Date().timeIntervalSince(start)
            guard snapshot.controlStates > 0 else {
                return ProofResult(outcomes: [], controlStates: 0, edges: 0, invariant: [], seconds: seconds, stopped: reason)
            }
            guard let planned = snapshot.planned else {
                return ProofResult(
                    outcomes: [], controlStates: snapshot.controlStates, edges: snapshot.edges, invariant: [], seconds: seconds,
                    stopped: "\(reason) before the properties some step can break were known")
            }
            let decided = Set(snapshot.decided.map(\.property.id))
            let rest = planned.filter { !decided.contains($0.id) }.map { (property: $0, outcome: ProofOutcome.unknown(reason)) }
            return ProofResult(
                outcomes: snapshot.decided + rest, controlStates: snapshot.controlStates, edges: snapshot.edges, invariant: [], seconds: seconds,
                stopped: nil)
        }
    }
}

extension Prover {
    /// How long past its time limit a proof may take to stop before it is abandoned.
    public static let stopGraceSeconds = 5.0

    /// `run()` on a thread of its own, given up `stopGraceSeconds` after the time limit: Z3's
    /// Spacer does not look at `Z3_interrupt` in every phase (measured on Samples/SwapBuffers before
    /// the graph shortcut: a 5 s limit, and the query ran 268 s). `abandoned` says the result was
    /// built from what had been decided (the rest unknown); the thread is then still inside Z3 and
    /// the caller should end the process once it has reported.
    public func runEnforcingTimeLimit() throws -> (result: ProofResult, abandoned: Bool) {
        let progress = ProofProgress()
        return try Self.wait(seconds: timeLimitSeconds + Self.stopGraceSeconds, progress: progress, reason: "the time limit of \(Int(timeLimitSeconds)) s ran out (Z3 did not stop when interrupted; its query was abandoned)") {
            try run(progress: progress)
        }
    }

    /// Runs `proof` on a new thread and waits at most `seconds` for it; past that, returns
    /// `progress.abandoned(reason:)` and leaves the thread running.
    public static func wait(
        seconds: Double, progress: ProofProgress, reason: String, _ proof: @escaping @Sendable () throws -> ProofResult
    ) throws -> (result: ProofResult, abandoned: Bool) {
        let outcome = Mutex<Result<ProofResult, any Error>?>(nil)
        let finished = DispatchSemaphore(value: 0)
        let thread = Thread {
            let result = Result { try proof() }
            outcome.withLock { $0 = result }
            finished.signal()
        }
        // As much stack as the main thread: Z3 recurses deeply on large terms.
        thread.stackSize = 8 << 20
        thread.start()
        guard finished.wait(timeout: .now() + seconds) == .success, let result = outcome.withLock({ $0 }) else {
            return (progress.abandoned(reason: reason), true)
        }
        return (try result.get(), false)
    }
}
