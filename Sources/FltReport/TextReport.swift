import FltExplorer
import FltModel
import FltProperties
import FltSemantics
import Foundation

/// The overall outcome of a check, and the process exit code that goes with it.
public enum Verdict: Int32, Sendable {
    /// Every property holds within an exhaustive exploration.
    case holds = 0
    /// At least one error-severity property is violated.
    case violated = 1
    /// Nothing violated, but a bound stopped the exploration: nothing is proved.
    case inconclusive = 2
    /// The model or the command line is wrong.
    case modelError = 3

    public init(_ result: ExplorationResult) {
        if result.counterexamples.contains(where: { $0.violation.property.severity == .error }) {
            self = .violated
        } else if !result.exhaustive {
            self = .inconclusive
        } else {
            self = .holds
        }
    }
}

/// Renders results for a terminal.
public struct TextReport {
    /// Paths under this directory are shown relative to it.
    public let workingDirectory: String

    public init(workingDirectory: String = FileManager.default.currentDirectoryPath) {
        self.workingDirectory = workingDirectory
    }

    public func display(_ location: SourceLocation) -> String {
        "\(display(path: location.file)):\(location.line)"
    }

    /// The model options for what the docs leave open (README "Options where the docs leave a choice
    /// open") that the model sets to other than their defaults, as `Model(...)` spells them.
    public static func nonDefaultReadings(_ options: OptionsIR) -> [String] {
        var readings: [String] = []
        if options.cleanupCloseStatus != .anySuccess { readings.append("cleanupCloseStatus: .\(options.cleanupCloseStatus.rawValue)") }
        if options.drain != .allAwaitingPostOp { readings.append("drain: .\(options.drain.rawValue)") }
        if let wait = options.teardownWaitsFor, wait != .operations { readings.append("teardownWaitsFor: .\(wait.rawValue)") }
        if let status = options.drainedStatus, status != .operationStatus { readings.append("drainedStatus: .\(status.rawValue)") }
        return readings
    }

    public func display(path: String) -> String {
        let prefix = workingDirectory.hasSuffix("/") ? workingDirectory : workingDirectory + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }

    /// The whole report of one `verify`.
    public func render(model: ModelIR, path: String, cached: Bool, program: Program, result: ExplorationResult, limits: Limits) -> String {
        var out: [String] = []
        let verdict = Verdict(result)
        let parameters = (model.parameters ?? []).map { "\($0.name)=\($0.value)" }.joined(separator: " ")
        out.append("fltcheck: model \"\(model.name)\" (\(display(path: path))\(parameters.isEmpty ? "" : ", " + parameters)): \(count(model.filters.count, "filter")), \(count(program.requests.count, "request")); \(path.hasSuffix(".json") ? "IR read from JSON" : cached ? "compiled model taken from the cache" : "compiled model built")")
        let rate = result.seconds > 0 ? Int(Double(result.statesStored) / result.seconds) : result.statesStored
        out.append("explored \(grouped(result.statesStored)) states, \(grouped(result.transitions)) transitions, \(grouped(result.endStates)) end states, depth \(result.depth), in \(String(format: "%.2f", result.seconds)) s (\(grouped(rate)) states/s); \(coverage(result, limits))")
        if let search = result.randomSearch {
            out.append(contentsOf: render(search, path: path))
        } else {
            out.append("search: \(result.bmcSummary ?? searchSummary(result))")
        }
        if let solver = result.solver {
            out.append("symbolic data: \(count(program.dataInputs.count, "symbolic input")), \(grouped(solver.queries)) Z3 quer\(solver.queries == 1 ? "y" : "ies") in \(String(format: "%.2f", solver.seconds)) s\(solver.unknowns > 0 ? ", \(solver.unknowns) undecided (inconclusive)" : "")")
        }
        let readings = Self.nonDefaultReadings(model.options)
        if !readings.isEmpty {
            out.append("FltMgr readings: \(readings.joined(separator: ", ")) (where the docs leave FltMgr's behaviour open, this model does not take the default)")
        }
        out.append("")
        let violated = Dictionary(result.counterexamples.map { ($0.violation.property.id, $0) }, uniquingKeysWith: { first, _ in first })
        let width = Property.all.map(\.id.count).max() ?? 20
        let disabled = Dictionary(model.options.disabled.map { ($0.property, $0.reason) }, uniquingKeysWith: { first, _ in first })
        for property in Property.all {
            let status: String
            if disabled[property.id] != nil {
                status = "disabled"
            } else if violated[property.id] != nil {
                status = property.severity == .error ? "VIOLATED" : "warning"
            } else {
                status = result.exhaustive ? "holds" : "inconclusive"
            }
            let ids = property.catalogIds.isEmpty ? "-" : property.catalogIds.joined(separator: ",")
            out.append("  \(pad(status, 12)) \(pad(property.id, width + 2)) \(pad(ids, 7)) \(property.kind.rawValue)")
        }
        for switchedOff in model.options.disabled {
            out.append("  disabled by the model: \(switchedOff.property), because: \(switchedOff.reason) (\(display(switchedOff.location)))")
        }
        if !result.exhaustive {
            out.append("")
            out.append("inconclusive: \(result.bound.map(\.description) ?? "a bound was hit"); \"holds\" is claimed for no property. \(coverMore(result.bound))")
        }
        if !result.counterexamples.isEmpty && result.exhaustive {
            out.append("")
            out.append("note: paths end where a property is violated, so the properties that hold were checked on every path that reaches no violation.")
        }
        for example in result.counterexamples {
            out.append("")
            out.append(contentsOf: render(example, program: program, search: result.randomSearch, depthFirst: result.options.strategy == .dfs))
        }
        out.append("")
        switch verdict {
        case .holds:
            let warnings = result.counterexamples.map(\.violation.property).filter { $0.severity == .advisory }
            let checked = Property.all.count - disabled.count - warnings.count
            let advisories = warnings.isEmpty ? "" : ", \(count(warnings.count, "advisory warning")): \(warnings.map(\.id).joined(separator: ", "))"
            let off = disabled.isEmpty ? "" : ", \(disabled.count) disabled"
            out.append("verdict: all \(checked) \(warnings.isEmpty && disabled.isEmpty ? "" : "other ")properties hold for every interleaving\(advisories)\(off) (exit 0)")
        case .violated: out.append("verdict: VIOLATED: \(result.counterexamples.filter { $0.violation.property.severity == .error }.map(\.violation.property.id).joined(separator: ", ")) (exit 1)")
        case .inconclusive: out.append(verdictLine(result))
        case .modelError: break
        }
        return out.joined(separator: "\n")
    }

    /// A random search's lines under the statistics: what it did, and the command that repeats it.
    public func render(_ search: RandomSearchSummary, path: String) -> [String] {
        let stopped = switch search.stop {
        case .violation(let walk): "stopped at the first violation, in walk \(walk)"
        case .walks: "did the walks asked for"
        case .time: "the time budget ran out"
        case .interrupted: "interrupted (Ctrl-C)"
        }
        let cut = search.walksCut == 0 ? "" : " (\(grouped(search.walksCut)) cut there)"
        let states = grouped(search.distinctStates) + (search.distinctStatesCapped ? "+" : "")
        return [
            "random search: seed \(search.seed), \(count(search.walks, "walk")) of at most \(grouped(search.maxWalkLength)) steps\(cut), \(grouped(search.steps)) steps, \(states) distinct states; swarm weights per walk; \(stopped)",
            "repeat exactly: " + (["fltcheck", "verify", display(path: path)] + search.repeatArguments).map(shellQuoted).joined(separator: " "),
        ]
    }

    /// One counterexample: the property, its rule, what went wrong and the numbered trace. `search`
    /// is the random search that found it, nil for a breadth-first one (whose traces are shortest).
    public func render(_ example: Counterexample, program: Program, search: RandomSearchSummary? = nil, depthFirst: Bool = false) -> [String] {
        let property = example.violation.property
        var out: [String] = []
        let ids = property.catalogIds.isEmpty ? "" : " (\(property.catalogIds.joined(separator: ", ")))"
        out.append("\(property.severity == .error ? "VIOLATED" : "WARNING") \(property.id)\(ids), \(property.kind.rawValue)")
        out.append("  rule:   \(property.rule)")
        out.append("  source: \(property.source)")
        out.append("  found:  \(example.violation.message)")
        if let location = example.violation.location { out.append("  at:     \(display(location))") }
        if let search, let shrink = search.shrinkReport(for: property.id) {
            let spent = shrink.budgetExhausted ? ", shrinking budget spent" : ""
            out.append("  trace (walk \(shrink.walk)'s \(count(shrink.walkSteps, "step")) shrunk to \(shrink.shrunkSteps)\(spent); not necessarily a shortest one):")
        } else {
            out.append("  trace (\(depthFirst ? "found depth-first, not necessarily a shortest one" : "a shortest one"): \(count(example.steps, "step"))):")
        }
        let label = { (operation: Int?) in operation.map { program.requests[$0].label } ?? "" }
        // The operation column already names the request: `READ #1 originator` shows as `originator`.
        let actor = { (event: Event) -> String in
            let op = label(event.operation)
            return !op.isEmpty && event.actor.hasPrefix(op + " ") ? String(event.actor.dropFirst(op.count + 1)) : event.actor
        }
        let opWidth = example.trace.map { label($0.event.operation).count }.max() ?? 0
        let actorWidth = min(32, example.trace.map { actor($0.event).count }.max() ?? 10)
        var lastStep = 0
        for line in example.trace {
            let number = line.step == lastStep ? "" : "\(line.step)."
            lastStep = line.step
            let event = line.event
            let op = label(event.operation)
            var text = "  \(pad(number, 5, right: true)) \(pad(op, opWidth)) \(pad(actor(event), actorWidth))  \(event.text)"
            if !event.changes.isEmpty { text += "  {\(event.changes.joined(separator: ", "))}" }
            if let location = event.location { text += "  @ \(display(location))" }
            out.append(text)
        }
        return out
    }

    /// `BFS on 2 threads, symmetry reduction over identical requests, completed requests forgotten,
    /// thread-local steps merged, exact store (38 bytes/state)`.
    func searchSummary(_ result: ExplorationResult) -> String {
        var parts = ["\(result.options.strategy.rawValue.uppercased()) on \(count(result.options.jobs, "thread"))"]
        if result.symmetryApplied {
            parts.append("symmetry reduction over identical requests" + (result.symmetricThreadsSkipped ? " and their threads" : ""))
        } else if let reason = result.symmetryOffReason {
            parts.append("no symmetry reduction (\(reason))")
        } else {
            parts.append("no symmetry reduction")
        }
        if result.completedForgotten { parts.append("completed requests forgotten") }
        if result.localStepsMerged { parts.append("thread-local steps merged") }
        let perState = result.statesStored > 0 ? result.storeBytes / result.statesStored : 0
        if result.options.hashCompaction {
            parts.append("hash compaction (\(perState) bytes/state; probability a state was missed ≤ \(String(format: "%.1e", result.omissionProbability)))")
        } else {
            parts.append("exact store (\(perState) bytes/state)")
        }
        return parts.joined(separator: ", ")
    }

    private func coverage(_ result: ExplorationResult, _ limits: Limits) -> String {
        if let bound = result.bound { return "NOT exhaustive: \(bound)" }
        var bounds: [String] = []
        if let depth = limits.maxDepth { bounds.append("--max-depth \(depth)") }
        if let states = limits.maxStates { bounds.append("--max-states \(states)") }
        return "exhaustive" + (bounds.isEmpty ? "" : " (within \(bounds.joined(separator: ", ")), not reached)")
    }
}

/// What covers more than an inconclusive run did.
func coverMore(_ bound: BoundHit?) -> String {
    switch bound {
    case .randomSearch?: return "More walks (--walks, --budget) or other seeds cover more; only --strategy bfs or dfs can show that a property holds."
    case .interrupted?: return "Run it to the end to cover the rest."
    case .memory?: return "Give it more memory (--max-memory), or use --hash-compaction or --strategy dfs."
    case .storeFull?: return "Use --hash-compaction."
    case .firstViolation?: return "Run without --stop-at-first to check every property to the end."
    default: return "Raise the bound to cover more."
    }
}

/// `word` as a POSIX shell reads it back: as is when it is plain, else in single quotes.
func shellQuoted(_ word: String) -> String {
    let plain = !word.isEmpty && word.unicodeScalars.allSatisfy { scalar in
        scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "-_./=:,+@%".unicodeScalars.contains(scalar))
    }
    return plain ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
}

func count(_ value: Int, _ noun: String) -> String { "\(value) \(noun)\(value == 1 ? "" : "s")" }

public func grouped(_ value: Int) -> String {
    let digits = String(value)
    var out = ""
    for (index, digit) in digits.enumerated() {
        if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
        out.append(digit)
    }
    return out
}

func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
    let padding = String(repeating: " ", count: max(0, width - text.count))
    return right ? padding + text : text + padding
}
