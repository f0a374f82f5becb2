import FltExplorer
import FltModel
import FltProperties
import FltSemantics
import Foundation

/// SARIF 2.1.0 (`--format sarif`), for code-scanning tools: one result per violated property,
/// located at the model line of the violation, with the counterexample as a code flow.
///
/// - Rules: every property, in `fltcheck list` order, in `tool.driver.rules` (so `ruleIndex` is
///   stable): the rule sentence, the catalog ids, and help naming the Microsoft doc pages.
/// - Paths under the working directory are relative URIs with `uriBaseId` `%SRCROOT%`, which
///   `originalUriBaseIds` maps to the working directory; other paths are absolute `file://` URIs.
public struct SARIFReport: Sendable {
    public static let schemaURI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    public static let sourceRoot = "%SRCROOT%"
    /// The Microsoft doc paths in a property's source are relative to this.
    public static let docsBase = "https://learn.microsoft.com/windows-hardware/drivers"

    public let workingDirectory: String

    public init(workingDirectory: String = FileManager.default.currentDirectoryPath) {
        self.workingDirectory = workingDirectory
    }

    private var text: TextReport { TextReport(workingDirectory: workingDirectory) }

    public func render(model: ModelIR, path: String, program: Program, result: ExplorationResult, limits: Limits) -> String {
        document(model: model, path: path, program: program, result: result, limits: limits).rendered()
    }

    public func document(model: ModelIR, path: String, program: Program, result: ExplorationResult, limits: Limits) -> JSONValue {
        let verdict = Verdict(result)
        let ruleIndex = Dictionary(uniqueKeysWithValues: Property.all.enumerated().map { ($1.id, $0) })
        let results: [JSONValue] = result.counterexamples.map { example in
            self.result(example, model: model, program: program, ruleIndex: ruleIndex[example.violation.property.id])
        }
        var notifications: [JSONValue] = []
        if let bound = result.bound {
            notifications.append([
                "level": verdict == .inconclusive ? "warning" : "note",
                "message": ["text": .string("inconclusive: \(bound); \"holds\" is claimed for no property. \(coverMore(bound))")],
            ])
        }
        var invocation: [(String, JSONValue)] = [
            ("executionSuccessful", true),
            ("exitCode", .int(Int(verdict.rawValue))),
        ]
        if !notifications.isEmpty { invocation.append(("toolExecutionNotifications", .array(notifications))) }
        invocation.append(("properties", [
            "verdict": .string(verdictName(verdict)),
            "commandLine": .string(commandLine(path: path, limits: limits, search: result.randomSearch)),
        ]))
        return envelope(run: run(
            automationId: model.name,
            invocation: .object(invocation),
            results: results,
            properties: [
                "model": .string(model.name),
                "modelPath": .string(text.display(path: absolute(path))),
                "verdict": .string(verdictName(verdict)),
                "exitCode": .int(Int(verdict.rawValue)),
                "exhaustive": .bool(result.exhaustive),
                "states": .int(result.statesStored),
                "transitions": .int(result.transitions),
                "depth": .int(result.depth),
                "seconds": .double((result.seconds * 1000).rounded() / 1000),
                "maxDepth": limits.maxDepth.map { .int($0) } ?? .null,
                "maxStates": limits.maxStates.map { .int($0) } ?? .null,
                "propertyStatus": .object(Property.all.map { ($0.id, .string(PropertyStatus.of($0, in: result).rawValue)) }),
            ]))
    }

    /// A model that could not be checked: no results, an unsuccessful invocation saying why.
    public func renderError(path: String, message: String) -> String {
        envelope(run: run(
            automationId: URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent,
            invocation: [
                "executionSuccessful": false,
                "exitCode": .int(Int(Verdict.modelError.rawValue)),
                "toolExecutionNotifications": [[
                    "level": "error",
                    "message": ["text": .string(message)],
                    "locations": [["physicalLocation": ["artifactLocation": artifactLocation(path)]]],
                ]],
            ],
            results: [],
            properties: ["modelPath": .string(text.display(path: absolute(path))), "verdict": "modelError", "exitCode": 3]))
            .rendered()
    }

    private func envelope(run: JSONValue) -> JSONValue {
        ["$schema": .string(SARIFReport.schemaURI), "version": "2.1.0", "runs": [run]]
    }

    private func run(automationId: String, invocation: JSONValue, results: [JSONValue], properties: JSONValue) -> JSONValue {
        let root = workingDirectory.hasSuffix("/") ? workingDirectory : workingDirectory + "/"
        return [
            "tool": ["driver": [
                "name": "fltcheck",
                "semanticVersion": .string(fltcheckVersion),
                "version": .string(fltcheckVersion),
                "rules": .array(Property.all.map(rule)),
            ]],
            "automationDetails": ["id": .string("fltcheck/\(automationId)/")],
            "originalUriBaseIds": [SARIFReport.sourceRoot: ["uri": .string(URL(fileURLWithPath: root, isDirectory: true).absoluteString)]],
            "invocations": [invocation],
            "results": .array(results),
            "columnKind": "unicodeCodePoints",
            "properties": properties,
        ]
    }

    /// A property as a SARIF reportingDescriptor.
    func rule(_ property: Property) -> JSONValue {
        let catalog = property.catalogIds.isEmpty ? "" : " (catalog \(property.catalogIds.joined(separator: ", ")))"
        let sources = SARIFReport.sources(property.source)
        var helpText = "\(property.rule)\(catalog)\nKind: \(property.kind.rawValue); severity: \(property.severity.rawValue).\nSource: \(property.source)"
        var helpMarkdown = "**\(property.id)**\(catalog): \(property.rule)\n\nKind: \(property.kind.rawValue); severity: \(property.severity.rawValue).\n\nSource:\n"
        for source in sources {
            if let url = source.url {
                helpMarkdown += "- \(source.key): [\(source.path ?? url)](\(url))\n"
            } else {
                helpMarkdown += "- \(source.key)\n"
            }
        }
        helpText += "\n`fltcheck list` prints every rule."
        var members: [(String, JSONValue)] = [
            ("id", .string(property.id)),
            ("name", .string(property.id)),
            ("shortDescription", ["text": .string(property.rule)]),
            ("fullDescription", ["text": .string(property.rule + catalog)]),
            ("help", ["text": .string(helpText), "markdown": .string(helpMarkdown)]),
        ]
        if let url = sources.lazy.compactMap(\.url).first { members.append(("helpUri", .string(url))) }
        members.append(("defaultConfiguration", ["level": .string(level(property))]))
        members.append(("properties", [
            "catalogIds": .array(property.catalogIds.map { .string($0) }),
            "kind": .string(property.kind.rawValue),
            "severity": .string(property.severity.rawValue),
            "source": .string(property.source),
            "tags": .array((property.catalogIds + [property.kind.rawValue, "fltmgr"]).map { .string($0) }),
            "problem.severity": .string(property.severity == .error ? "error" : "warning"),
            "precision": "very-high",
        ]))
        return .object(members)
    }

    /// `KEY /path` entries of a property's source, `; `-separated.
    static func sources(_ source: String) -> [(key: String, path: String?, url: String?)] {
        source.components(separatedBy: "; ").map { entry in
            let words = entry.split(separator: " ").map(String.init)
            let path = words.first { $0.hasPrefix("/") }
            let key = words.filter { $0 != path }.joined(separator: " ")
            return (key.isEmpty ? entry : key, path, path.map { docsBase + $0 })
        }
    }

    private func level(_ property: Property) -> String { property.severity == .error ? "error" : "warning" }

    private func result(_ example: Counterexample, model: ModelIR, program: Program, ruleIndex: Int?) -> JSONValue {
        let property = example.violation.property
        let located = example.violation.location ?? example.trace.last(where: { $0.event.location != nil })?.event.location ?? model.location
        var members: [(String, JSONValue)] = [("ruleId", .string(property.id))]
        if let ruleIndex { members.append(("ruleIndex", .int(ruleIndex))) }
        members.append(("kind", "fail"))
        members.append(("level", .string(level(property))))
        let ids = property.catalogIds.isEmpty ? "" : " (\(property.catalogIds.joined(separator: ", ")))"
        members.append(("message", ["text": .string("\(property.id)\(ids) violated in model \(model.name): \(example.violation.message). Shortest interleaving: \(example.steps) steps (see the code flow).")]))
        members.append(("locations", [physicalLocation(located, message: nil)]))

        let label = { (operation: Int?) -> String? in
            operation.flatMap { program.requests.indices.contains($0) ? program.requests[$0].label : nil }
        }
        var flow: [JSONValue] = []
        for (order, line) in example.trace.enumerated() {
            guard let location = line.event.location else { continue }
            var stepProperties: [(String, JSONValue)] = [("step", .int(line.step)), ("actor", .string(line.event.actor))]
            if let op = label(line.event.operation) { stepProperties.append(("operation", .string(op))) }
            if !line.event.changes.isEmpty { stepProperties.append(("changes", .array(line.event.changes.map { .string($0) }))) }
            flow.append([
                "location": physicalLocation(location, message: line.event.text),
                "executionOrder": .int(order + 1),
                "properties": .object(stepProperties),
            ])
        }
        let summary = "Shortest interleaving that violates \(property.id): \(example.steps) steps"
        if !flow.isEmpty {
            members.append(("codeFlows", [[
                "message": ["text": .string(summary)],
                "threadFlows": [["id": "interleaving", "locations": .array(flow)]],
            ]]))
        }
        members.append(("partialFingerprints", ["fltcheck/v1": .string("\(model.name)/\(property.id)")]))
        members.append(("properties", [
            "steps": .int(example.steps),
            "atEndState": .bool(example.atEndState),
            "trace": .array(text.render(example, program: program).map { .string($0) }),
        ]))
        return .object(members)
    }

    private func physicalLocation(_ location: SourceLocation, message: String?) -> JSONValue {
        var members: [(String, JSONValue)] = [("physicalLocation", [
            "artifactLocation": artifactLocation(location.file),
            "region": ["startLine": .int(max(1, location.line))],
        ])]
        if let message { members.append(("message", ["text": .string(message)])) }
        return .object(members)
    }

    /// Relative to %SRCROOT% (the working directory) when under it, else an absolute file URI.
    func artifactLocation(_ path: String) -> JSONValue {
        let full = absolute(path)
        let shown = text.display(path: full)
        if !shown.hasPrefix("/") {
            let encoded = shown.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? shown
            return ["uri": .string(encoded), "uriBaseId": .string(SARIFReport.sourceRoot)]
        }
        return ["uri": .string(URL(fileURLWithPath: full).absoluteString)]
    }

    private func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: workingDirectory, isDirectory: true)).standardizedFileURL.path
    }

    private func commandLine(path: String, limits: Limits, search: RandomSearchSummary?) -> String {
        var words = ["fltcheck", "verify", text.display(path: absolute(path))] + (search?.repeatArguments ?? [])
        if let depth = limits.maxDepth { words += ["--max-depth", String(depth)] }
        if let states = limits.maxStates { words += ["--max-states", String(states)] }
        return (words + ["--format", "sarif"]).joined(separator: " ")
    }
}
