import FltSemantics
import Foundation

/// The model's control states and steps with its data abstract (`Semantics.abstracting`), breadth
/// first from the initial state: what `prove` and BMC give to Z3.
struct ControlGraph {
    struct Edge {
        let source: Int
        /// Nil for a step that breaks a property (it ends the run).
        let target: Int?
        let guardTerms: [Int]
        let updates: [Int]
        let violation: Violation?
    }

    private(set) var states: [SystemState] = []
    /// Steps from the initial state to each state.
    private(set) var depths: [Int] = []
    private(set) var edges: [Edge] = []
    /// The state variables' starting values and the inputs' assumptions.
    private(set) var initialValues: [Int]
    let assumptions: [Int]
    /// Why the search stopped before covering the graph, if it did.
    private(set) var stopped: String?
    /// The data slots any state uses (`Semantics.dataSlotsUsed`): the state variables Z3 is given.
    /// Slots of threads that never hold data would only be columns Spacer has to carry.
    private(set) var dataSlots = 0

    /// States `maxDepth` steps away are not expanded. States equal up to interchanging identical
    /// requests are one (symmetry reduction, as `verify` does; sound here because every property is
    /// about some request, and data that tells requests apart switches it off, as do threads that
    /// carry data: their slots follow thread positions).
    init(_ semantics: Semantics, maxStates: Int, maxDepth: Int?, deadline: Date) {
        let (initial, values, assumptions) = semantics.abstractInitial()
        initialValues = values
        self.assumptions = assumptions
        // Without the completed-request reduction: measured on Samples/SwapBuffers, its 40,186
        // control states (60,676 without it) took Spacer over 100 s where the full graph takes
        // about 60 s; Spacer's time does not follow the graph's size.
        let canonicalizer = StateCanonicalizer(
            program: semantics.program, enabled: semantics.abstractStatesMayBeRenamed, safetyOnly: true, forgetCompleted: false)
        let scratch = CanonicalScratch()
        func key(_ state: SystemState) -> [UInt8] { Array(canonicalizer.key(state, scratch: scratch)) }
        var index: [[UInt8]: Int] = [key(initial): 0]
        states = [initial]
        depths = [0]
        dataSlots = semantics.dataSlotsUsed(by: initial)
        var next = 0
        while next < states.count {
            if states.count > maxStates {
                stopped = "the control graph has more than \(maxStates) states (--max-states)"
                return
            }
            if next % 1024 == 0, Date() > deadline {
                stopped = "the time limit ran out while exploring the control graph"
                return
            }
            if let maxDepth, depths[next] >= maxDepth {
                next += 1
                continue
            }
            for step in semantics.abstractSteps(from: states[next]) {
                var target: Int?
                if step.violation == nil {
                    if let overflow = semantics.abstractionOverflow(step.state) {
                        stopped = overflow
                        return
                    }
                    let key = key(step.state)
                    if let known = index[key] {
                        target = known
                    } else {
                        states.append(step.state)
                        depths.append(depths[next] + 1)
                        dataSlots = max(dataSlots, semantics.dataSlotsUsed(by: step.state))
                        index[key] = states.count - 1
                        target = states.count - 1
                    }
                }
                edges.append(Edge(source: next, target: target, guardTerms: step.guardTerms, updates: step.updates, violation: step.violation))
            }
            next += 1
        }
        initialValues = Array(initialValues.prefix(dataSlots))
        edges = edges.map { Edge(source: $0.source, target: $0.target, guardTerms: $0.guardTerms, updates: Array($0.updates.prefix(dataSlots)), violation: $0.violation) }
    }

    /// Whether input `role` is a data slot the graph uses.
    func uses(_ role: ProverInput.Role) -> Bool {
        if case .stateVariable(let slot) = role { slot < dataSlots } else { false }
    }

    /// Bits to number every state.
    var stateWidth: UInt32 { UInt32(max(1, Int.bitWidth - (states.count - 1).leadingZeroBitCount)) }
}
