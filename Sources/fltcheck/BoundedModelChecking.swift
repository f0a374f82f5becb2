import FltExplorer
import FltProver
import FltSemantics
import Foundation

/// `verify --engine bmc --depth K` as an exploration result, so every report format shows it: Z3
/// decides which safety properties some run of at most K steps breaks (BoundedModelChecker), and
/// the explicit search, bounded to the depth BMC found, gives each one's trace. Never a pass: runs
/// longer than K are not checked.
func boundedModelCheck(
    _ program: Program, depth: Int, limits: Limits, mergeLocalSteps: Bool, solverTimeout: UInt32
) -> Result<ExplorationResult, ModelFailure> {
    let abstract: Semantics
    do {
        abstract = try Semantics.abstracting(program, mergeLocalSteps: mergeLocalSteps)
    } catch {
        return .failure(ModelFailure(message: error.description))
    }
    let bmc: BMCResult
    do {
        bmc = try BoundedModelChecker(
            semantics: abstract, depth: depth, maxStates: limits.maxStates ?? 200_000, queryTimeoutMilliseconds: solverTimeout).run()
    } catch {
        return .failure(ModelFailure(message: "Z3 failed: \(error)"))
    }
    var counterexamples: [Counterexample] = []
    var missing: [String] = []
    for finding in bmc.findings {
        let explicit = Explorer(
            semantics: Semantics(program, solverTimeoutMilliseconds: solverTimeout, mergeLocalSteps: mergeLocalSteps), limits: Limits(maxDepth: finding.steps, maxStates: limits.maxStates),
            options: SearchOptions(symmetry: false, jobs: defaultJobs)).run()
        if let example = explicit.counterexamples.first(where: { $0.violation.property.id == finding.property.id }) {
            counterexamples.append(example)
        } else {
            missing.append("\(finding.property.id) at step \(finding.steps) (\(finding.values.joined(separator: ", "))) has no explicit trace")
        }
    }
    let notes = [bmc.incomplete] + missing.map { Optional($0) }
    let note = notes.compactMap { $0 }.joined(separator: "; ")
    var result = ExplorationResult(
        statesStored: bmc.controlStates, transitions: bmc.edges, endStates: 0, depth: depth, seconds: bmc.seconds,
        counterexamples: counterexamples, bound: .bmc(depth: depth, note: note.isEmpty ? nil : note), storeBytes: 0,
        options: SearchOptions(symmetry: false, jobs: 1), symmetryApplied: false, symmetryOffReason: nil, omissionProbability: 0,
        peakMemory: 0)
    result.localStepsMerged = abstract.mergesLocalSteps
    result.bmcSummary = "bounded model checking in Z3 to depth \(depth): \(bmc.controlStates) control states and \(bmc.edges) steps unrolled \(depth) times, safety properties only (the explicit search gives the traces)"
    return .success(result)
}
