import FltExplorer
import FltModel
import FltProperties
import FltSemantics
import Foundation

/// The `fltcheck-result` JSON document (`--format json`): the outcome of one `verify`, every
/// property's status and each counterexample as a replayable trace. docs/json-format.md documents
/// every field; a change that breaks readers bumps `version`.
public struct ResultDocument: Codable, Sendable, Equatable {
    public static let schemaName = "fltcheck-result"
    public static let currentVersion = 1

    /// Always `fltcheck-result`.
    public var schema: String
    public var version: Int
    public var tool: ToolInfo
    public var model: ModelInfo
    public var bounds: ResultBounds
    /// The whole reachable state space was explored (no bound was hit).
    public var exhaustive: Bool
    public var statistics: ResultStatistics
    /// `holds`, `violated`, `inconclusive` or `modelError`.
    public var verdict: String
    public var exitCode: Int32
    /// Why the model could not be checked (`verdict` is `modelError`), else nil.
    public var error: String?
    /// Every property fltcheck checks, in `fltcheck list` order (empty on a model error).
    public var properties: [PropertyResult]
    /// The shortest counterexample of each violated property, in the order found (with random
    /// search: the first found, shrunk, not necessarily a shortest one).
    public var counterexamples: [TraceDocument]

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(schema, forKey: .schema)
        try container.encode(version, forKey: .version)
        try container.encode(tool, forKey: .tool)
        try container.encode(model, forKey: .model)
        try container.encode(bounds, forKey: .bounds)
        try container.encode(exhaustive, forKey: .exhaustive)
        try container.encode(statistics, forKey: .statistics)
        try container.encode(verdict, forKey: .verdict)
        try container.encode(exitCode, forKey: .exitCode)
        try container.encode(error, forKey: .error)
        try container.encode(properties, forKey: .properties)
        try container.encode(counterexamples, forKey: .counterexamples)
    }
}

public struct ToolInfo: Codable, Sendable, Equatable {
    /// Always `fltcheck`.
    public var name: String
    public var version: String
}

public struct ModelInfo: Codable, Sendable, Equatable {
    /// The model's name (`Model("Name")`), nil when it could not be loaded.
    public var name: String?
    /// The model file as given, relative to the working directory when it is under it.
    public var path: String
    /// The model file's absolute path, for `fltcheck replay` run from elsewhere.
    public var absolutePath: String
    /// Filter names in declaration order.
    public var filters: [String]
    /// Request labels (`READ #1`), indexed by operation number.
    public var requests: [String]
    /// The model's parameters and the values checked (`--param`), absent when it declares none.
    public var parameters: [String: String]? = nil

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(path, forKey: .path)
        try container.encode(absolutePath, forKey: .absolutePath)
        try container.encode(filters, forKey: .filters)
        try container.encode(requests, forKey: .requests)
        try container.encodeIfPresent(parameters, forKey: .parameters)
    }
}

public struct ResultBounds: Codable, Sendable, Equatable {
    /// `--max-depth`, nil when not given.
    public var maxDepth: Int?
    /// `--max-states`, nil when not given.
    public var maxStates: Int?
    /// The bound that stopped the exploration, nil when it was exhaustive.
    public var hit: BoundHitInfo?

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(maxDepth, forKey: .maxDepth)
        try container.encode(maxStates, forKey: .maxStates)
        try container.encode(hit, forKey: .hit)
    }
}

public struct BoundHitInfo: Codable, Sendable, Equatable {
    /// `depth`, `states` or `randomSearch` (`limit` is then the number of walks done).
    public var kind: String
    public var limit: Int
    public var description: String
    /// Random search only (absent otherwise): its seed, in decimal. A string, because not every
    /// JSON reader keeps a 64-bit integer exact.
    public var seed: String?
    /// Random search only (absent otherwise): the `verify` options that repeat the run exactly.
    public var repeatArguments: [String]?
}

public struct ResultStatistics: Codable, Sendable, Equatable {
    public var states: Int
    public var transitions: Int
    public var endStates: Int
    public var depth: Int
    public var seconds: Double
    /// Bytes held by the visited set and parent links.
    public var storeBytes: Int?
    /// Peak resident memory of the fltcheck process, bytes.
    public var peakMemoryBytes: Int?
    public var search: SearchInfo?
    /// Statements that touch only their thread's locals joined the step before them (partial-order
    /// reduction); a trace replays with the same setting. Absent in documents older than this field,
    /// which were made without it.
    public var localStepsMerged: Bool?
    /// Models with symbolic data: Z3's work.
    public var solver: SolverInfo?
}

/// What Z3 did for a model with symbolic data.
public struct SolverInfo: Codable, Sendable, Equatable {
    /// Satisfiability checks (cached answers not counted).
    public var queries: Int
    /// Checks Z3 could not decide; any makes the verdict inconclusive.
    public var unknowns: Int
    /// Seconds spent in Z3.
    public var seconds: Double
}

/// How the state space was searched.
public struct SearchInfo: Codable, Sendable, Equatable {
    /// `bfs` or `dfs`.
    public var strategy: String
    public var jobs: Int
    /// Symmetry reduction over identical requests was applied.
    public var symmetry: Bool
    /// Why symmetry reduction is off although it was asked for.
    public var symmetryOffReason: String?
    /// Completed requests that nothing refers to were stored as "completed" alone (absent in
    /// documents older than this field).
    public var completedForgotten: Bool?
    /// Steps of a thread symmetric to another thread were left out (absent in documents older than
    /// this field).
    public var symmetricThreadsSkipped: Bool?
    /// `exact` or `hashCompaction`.
    public var storage: String
    /// Hash compaction: an upper bound on the probability that a state was missed (0 when exact).
    public var omissionProbability: Double
}

/// A property as `fltcheck list` describes it.
public struct PropertyInfo: Codable, Sendable, Equatable {
    public var id: String
    public var catalogIds: [String]
    /// `safety` or `liveness`.
    public var kind: String
    /// `error` or `advisory`.
    public var severity: String
    public var rule: String
    public var source: String

    public init(_ property: Property) {
        id = property.id
        catalogIds = property.catalogIds
        kind = property.kind.rawValue
        severity = property.severity.rawValue
        rule = property.rule
        source = property.source
    }
}

public struct PropertyResult: Codable, Sendable, Equatable {
    public var property: PropertyInfo
    /// `holds`, `violated` or `inconclusive`.
    public var status: String
    /// Index into `counterexamples` when violated, else nil.
    public var counterexample: Int?

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(property, forKey: .property)
        try container.encode(status, forKey: .status)
        try container.encode(counterexample, forKey: .counterexample)
    }
}

public struct LocationInfo: Codable, Sendable, Equatable {
    /// Relative to the working directory when under it, else absolute.
    public var file: String
    public var line: Int
}

/// One transition of a counterexample: which thread ran and how its nondeterministic choices went.
public struct TransitionInfo: Codable, Sendable, Equatable {
    /// 1-based step number.
    public var step: Int
    /// Index of the thread in the state the step starts from.
    public var thread: Int
    /// The name of that thread (`originator`, `worker DeQueue(READ #1)`, `file system`).
    public var actor: String
    /// The branch taken at each nondeterministic choice of the step, 0-based, in order.
    public var choices: [Int]
}

/// A variable (or IoStatus) change of one event.
public struct ChangeInfo: Codable, Sendable, Equatable {
    public var name: String
    public var from: String
    public var to: String

    /// Splits the semantics' `name: old → new`; nil when the text has another shape.
    init?(_ text: String) {
        guard let colon = text.range(of: ": ") else { return nil }
        let rest = text[colon.upperBound...]
        let parts = rest.components(separatedBy: " → ")
        guard parts.count == 2 else { return nil }
        name = String(text[..<colon.lowerBound])
        from = parts[0]
        to = parts[1]
    }
}

/// One line of a trace: one event.
public struct TraceStep: Codable, Sendable, Equatable {
    /// The step (transition) it happened in, 1-based; several events can share a step.
    public var step: Int
    public var actor: String
    /// The request it concerns (`READ #2`), or nil.
    public var operation: String?
    /// 0-based request index, or nil.
    public var operationIndex: Int?
    public var event: String
    /// Changes split into name, from and to.
    public var changes: [ChangeInfo]
    /// The changes as the text report shows them (`name: old → new`); kept whole when they
    /// cannot be split.
    public var changesText: [String]
    public var location: LocationInfo?
    /// The transition of `step` (see `path`), nil for the closing line of a liveness violation.
    public var transition: TransitionRef?

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(step, forKey: .step)
        try container.encode(actor, forKey: .actor)
        try container.encode(operation, forKey: .operation)
        try container.encode(operationIndex, forKey: .operationIndex)
        try container.encode(event, forKey: .event)
        try container.encode(changes, forKey: .changes)
        try container.encode(changesText, forKey: .changesText)
        try container.encode(location, forKey: .location)
        try container.encode(transition, forKey: .transition)
    }
}

public struct TransitionRef: Codable, Sendable, Equatable {
    public var thread: Int
    public var choices: [Int]
}

/// A counterexample: the violated property and the run that breaks it.
public struct TraceDocument: Codable, Sendable, Equatable {
    public var property: PropertyInfo
    /// What went wrong, as the text report's `found:` line.
    public var message: String
    /// Where in the model, if known.
    public var location: LocationInfo?
    /// True for a liveness violation judged in the state `path` ends in; false when the last step
    /// of `path` is itself the violating step.
    public var atEndState: Bool
    /// Number of transitions.
    public var steps: Int
    /// The transitions to replay, in order.
    public var path: [TransitionInfo]
    public var trace: [TraceStep]

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(property, forKey: .property)
        try container.encode(message, forKey: .message)
        try container.encode(location, forKey: .location)
        try container.encode(atEndState, forKey: .atEndState)
        try container.encode(steps, forKey: .steps)
        try container.encode(path, forKey: .path)
        try container.encode(trace, forKey: .trace)
    }
}

/// The verdict's name in the JSON document.
public func verdictName(_ verdict: Verdict) -> String {
    switch verdict {
    case .holds: "holds"
    case .violated: "violated"
    case .inconclusive: "inconclusive"
    case .modelError: "modelError"
    }
}

/// The status of each property, as every report format states it.
public enum PropertyStatus: String, Sendable {
    case holds, violated, inconclusive

    public static func of(_ property: Property, in result: ExplorationResult) -> PropertyStatus {
        if result.counterexamples.contains(where: { $0.violation.property.id == property.id }) { return .violated }
        return result.exhaustive ? .holds : .inconclusive
    }
}

public let fltcheckVersion = "0.1.0"

/// Builds the JSON result document of one `verify`.
public struct JSONReport: Sendable {
    public let workingDirectory: String

    public init(workingDirectory: String = FileManager.default.currentDirectoryPath) {
        self.workingDirectory = workingDirectory
    }

    private var text: TextReport { TextReport(workingDirectory: workingDirectory) }

    public func location(_ location: SourceLocation) -> LocationInfo {
        LocationInfo(file: text.display(path: location.file), line: location.line)
    }

    public func modelInfo(name: String?, path: String, program: Program?) -> ModelInfo {
        ModelInfo(
            name: name, path: text.display(path: absolute(path)), absolutePath: absolute(path),
            filters: program?.model.filters.map(\.name) ?? [],
            requests: program?.requests.map(\.label) ?? [],
            parameters: program?.model.parameters.map { Dictionary(uniqueKeysWithValues: $0.map { ($0.name, $0.value) }) })
    }

    private func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: workingDirectory, isDirectory: true)).standardizedFileURL.path
    }

    public func document(model: ModelIR, path: String, program: Program, result: ExplorationResult, limits: Limits) -> ResultDocument {
        let verdict = Verdict(result)
        var index: [String: Int] = [:]
        for (position, example) in result.counterexamples.enumerated() where index[example.violation.property.id] == nil {
            index[example.violation.property.id] = position
        }
        let properties = Property.all.map { property in
            PropertyResult(
                property: PropertyInfo(property), status: PropertyStatus.of(property, in: result).rawValue,
                counterexample: index[property.id])
        }
        return ResultDocument(
            schema: ResultDocument.schemaName, version: ResultDocument.currentVersion,
            tool: ToolInfo(name: "fltcheck", version: fltcheckVersion),
            model: modelInfo(name: model.name, path: path, program: program),
            bounds: ResultBounds(maxDepth: limits.maxDepth, maxStates: limits.maxStates, hit: result.bound.map(boundInfo)),
            exhaustive: result.exhaustive,
            statistics: ResultStatistics(
                states: result.statesStored, transitions: result.transitions, endStates: result.endStates,
                depth: result.depth, seconds: (result.seconds * 1000).rounded() / 1000,
                storeBytes: result.storeBytes, peakMemoryBytes: result.peakMemory,
                search: result.randomSearch != nil ? nil : SearchInfo(
                    strategy: result.bmcSummary != nil ? "bmc" : result.options.strategy.rawValue, jobs: result.options.jobs, symmetry: result.symmetryApplied,
                    symmetryOffReason: result.symmetryOffReason, completedForgotten: result.completedForgotten,
                    symmetricThreadsSkipped: result.symmetricThreadsSkipped,
                    storage: result.options.hashCompaction ? "hashCompaction" : "exact", omissionProbability: result.omissionProbability),
                localStepsMerged: result.localStepsMerged,
                solver: result.solver.map { SolverInfo(queries: $0.queries, unknowns: $0.unknowns, seconds: ($0.seconds * 1000).rounded() / 1000) }),
            verdict: verdictName(verdict), exitCode: verdict.rawValue, error: nil,
            properties: properties,
            counterexamples: result.counterexamples.map { trace($0, program: program, mergeLocalSteps: result.localStepsMerged) })
    }

    /// The document of a model that could not be checked (exit 3).
    public func errorDocument(path: String, message: String) -> ResultDocument {
        ResultDocument(
            schema: ResultDocument.schemaName, version: ResultDocument.currentVersion,
            tool: ToolInfo(name: "fltcheck", version: fltcheckVersion),
            model: modelInfo(name: nil, path: path, program: nil),
            bounds: ResultBounds(maxDepth: nil, maxStates: nil, hit: nil), exhaustive: false,
            statistics: ResultStatistics(states: 0, transitions: 0, endStates: 0, depth: 0, seconds: 0),
            verdict: verdictName(.modelError), exitCode: Verdict.modelError.rawValue, error: message,
            properties: [], counterexamples: [])
    }

    private func boundInfo(_ bound: BoundHit) -> BoundHitInfo {
        switch bound {
        case .depth(let limit): BoundHitInfo(kind: "depth", limit: limit, description: bound.description)
        case .states(let limit): BoundHitInfo(kind: "states", limit: limit, description: bound.description)
        case .memory(let limit): BoundHitInfo(kind: "memory", limit: limit, description: bound.description)
        case .interrupted: BoundHitInfo(kind: "interrupted", limit: 0, description: bound.description)
        case .storeFull: BoundHitInfo(kind: "storeFull", limit: 0, description: bound.description)
        case .firstViolation: BoundHitInfo(kind: "firstViolation", limit: 0, description: bound.description)
        case .solverUnknown(let count, _): BoundHitInfo(kind: "solverUnknown", limit: count, description: bound.description)
        case .bmc(let depth, _): BoundHitInfo(kind: "bmcDepth", limit: depth, description: bound.description)
        case .randomSearch(let summary):
            BoundHitInfo(
                kind: "randomSearch", limit: summary.walks, description: bound.description,
                seed: String(summary.seed), repeatArguments: summary.repeatArguments)
        }
    }

    public func trace(_ example: Counterexample, program: Program, mergeLocalSteps: Bool) -> TraceDocument {
        // Thread names come from replaying the path: a thread index means nothing without them.
        let semantics = Semantics(program, mergeLocalSteps: mergeLocalSteps)
        var state = semantics.initialState()
        var path: [TransitionInfo] = []
        for (number, transition) in example.path.enumerated() {
            let names = semantics.threadNames(state)
            let actor = names.indices.contains(transition.thread) ? names[transition.thread] : "thread \(transition.thread)"
            path.append(TransitionInfo(step: number + 1, thread: transition.thread, actor: actor, choices: transition.choices))
            state = semantics.replay(transition, from: state).state
        }
        let closing = example.atEndState ? example.trace.count - 1 : example.trace.count
        let steps = example.trace.enumerated().map { position, line in
            let event = line.event
            let isStepEvent = position < closing && event.actor != Semantics.dataValuesActor
            let transition = isStepEvent && example.path.indices.contains(line.step - 1) ? example.path[line.step - 1] : nil
            return TraceStep(
                step: line.step, actor: event.actor,
                operation: event.operation.flatMap { program.requests.indices.contains($0) ? program.requests[$0].label : nil },
                operationIndex: event.operation,
                event: event.text,
                changes: event.changes.compactMap(ChangeInfo.init),
                changesText: event.changes,
                location: event.location.map(location),
                transition: transition.map { TransitionRef(thread: $0.thread, choices: $0.choices) })
        }
        return TraceDocument(
            property: PropertyInfo(example.violation.property), message: example.violation.message,
            location: example.violation.location.map(location), atEndState: example.atEndState,
            steps: example.steps, path: path, trace: steps)
    }

    public func render(_ document: ResultDocument) throws -> String {
        try encodeJSON(document)
    }
}

/// Pretty, key-sorted JSON with unescaped slashes and a final newline.
public func encodeJSON<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
}
