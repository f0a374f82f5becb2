import FltProperties
import Foundation

/// What a model in `fltcheck.json` is expected to give.
public enum ExpectedVerdict: Sendable, Equatable, CustomStringConvertible {
    /// Every property holds, exhaustively (exit 0).
    case holds
    /// Exactly these error-severity properties are violated (advisories do not count).
    case violated([String])

    public var description: String {
        switch self {
        case .holds: "holds"
        case .violated(let ids): "violated \(ids.joined(separator: " "))"
        }
    }
}

/// One model of `fltcheck.json`.
public struct ConfiguredModel: Sendable, Equatable {
    /// As written in the config: relative to the config file's directory, or absolute.
    public var path: String
    /// `path` resolved against the config file's directory.
    public var resolvedPath: String
    public var expect: ExpectedVerdict
    public var maxDepth: Int?
    public var maxStates: Int?
    /// `--param` values for the model's `Parameter`s (strings, as on the command line).
    public var parameters: [String: String] = [:]

}

/// A repository's `fltcheck.json`: the models `fltcheck verify` (with no MODEL) checks, their bounds
/// and their expected verdicts.
///
/// ```json
/// {"version": 1, "models": [
///   {"path": "Models/PassThrough.swift", "expect": "holds"},
///   {"path": "Models/Bugs/X.swift", "expect": {"violated": ["NoDoubleCompletion"]}},
///   {"path": "Models/Big.swift", "expect": "holds", "maxStates": 100000, "maxDepth": 50},
///   {"path": "Models/Family.swift", "parameters": {"N": 3}, "expect": "holds"}]}
/// ```
public struct RepositoryConfig: Sendable, Equatable {
    public static let fileName = "fltcheck.json"
    public static let currentVersion = 1
    public static let modelKeys = ["path", "expect", "maxDepth", "maxStates", "parameters"]

    public var models: [ConfiguredModel]

    /// Reads and validates the config at `path`; every problem found is in the error, each located by
    /// model index and path.
    public static func load(_ path: String) throws(ConfigError) -> RepositoryConfig {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ConfigError(path: path, problems: ["no such file; write one (see `fltcheck help verify`) or name a model: fltcheck verify MODEL.swift"])
        }
        guard !isDirectory.boolValue, let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(path: path, problems: ["cannot read it"])
        }
        let base = URL(fileURLWithPath: path).standardizedFileURL.deletingLastPathComponent()
        return try parse(data, path: path, baseDirectory: base.path)
    }

    /// Validates `data` as a config; model paths are resolved against `baseDirectory`.
    public static func parse(_ data: Data, path: String, baseDirectory: String, checkFiles: Bool = true) throws(ConfigError) -> RepositoryConfig {
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw ConfigError(path: path, problems: ["not valid JSON: \(error.localizedDescription)"])
        }
        guard let object = root as? [String: Any] else {
            throw ConfigError(path: path, problems: ["the top level must be an object {\"version\": 1, \"models\": [...]}"])
        }
        var problems: [String] = []
        for key in object.keys.sorted() where key != "version" && key != "models" {
            problems.append("unknown key \"\(key)\" at the top level; known: version, models")
        }
        if let version = object["version"] {
            if integer(version) != currentVersion {
                problems.append("\"version\" must be \(currentVersion) (this fltcheck reads version \(currentVersion))")
            }
        } else {
            problems.append("missing \"version\": 1")
        }
        guard let entries = object["models"] as? [Any] else {
            problems.append(object["models"] == nil ? "missing \"models\": [...]" : "\"models\" must be an array")
            throw ConfigError(path: path, problems: problems)
        }
        if entries.isEmpty { problems.append("\"models\" is empty: list at least one model") }
        var models: [ConfiguredModel] = []
        var seen: [String: Int] = [:]
        for (index, entry) in entries.enumerated() {
            guard let fields = entry as? [String: Any] else {
                problems.append("models[\(index)]: must be an object {\"path\": ..., \"expect\": ...}")
                continue
            }
            guard let modelPath = fields["path"] as? String, !modelPath.isEmpty else {
                problems.append("models[\(index)]: \(fields["path"] == nil ? "missing" : "bad") \"path\": the model file, relative to the config's directory")
                continue
            }
            let at = "models[\(index)] (\(modelPath))"
            for key in fields.keys.sorted() where !modelKeys.contains(key) {
                problems.append("\(at): unknown key \"\(key)\"; known: \(modelKeys.joined(separator: ", "))")
            }
            let resolved = URL(fileURLWithPath: modelPath, relativeTo: URL(fileURLWithPath: baseDirectory, isDirectory: true)).standardizedFileURL.path
            var parameters: [String: String] = [:]
            if let value = fields["parameters"] {
                if let object = value as? [String: Any] {
                    for (name, given) in object {
                        if let text = given as? String {
                            parameters[name] = text
                        } else if let number = integer(given) {
                            parameters[name] = String(number)
                        } else {
                            problems.append("\(at): parameter \"\(name)\" must be a string or an integer")
                        }
                    }
                } else {
                    problems.append("\(at): \"parameters\" must be an object such as {\"N\": 3}")
                }
            }
            let identity = ([resolved] + parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }).joined(separator: " ")
            if let first = seen[identity] {
                problems.append("\(at): the same model\(parameters.isEmpty ? "" : " and parameters") as models[\(first)]")
            } else {
                seen[identity] = index
            }
            if checkFiles {
                var isDirectory: ObjCBool = false
                if !FileManager.default.fileExists(atPath: resolved, isDirectory: &isDirectory) {
                    problems.append("\(at): no such file \(resolved)")
                } else if isDirectory.boolValue {
                    problems.append("\(at): \(resolved) is a directory")
                }
            }
            var expect = ExpectedVerdict.holds
            if let value = fields["expect"] {
                switch parseExpectation(value) {
                case .success(let parsed): expect = parsed
                case .failure(let problem): problems.append("\(at): bad \"expect\": \(problem.message)")
                }
            }
            var bounds: [String: Int] = [:]
            for (key, minimum) in [("maxDepth", 0), ("maxStates", 1)] {
                guard let value = fields[key] else { continue }
                if let number = integer(value), number >= minimum {
                    bounds[key] = number
                } else {
                    problems.append("\(at): \"\(key)\" must be an integer of at least \(minimum)")
                }
            }
            models.append(ConfiguredModel(
                path: modelPath, resolvedPath: resolved, expect: expect, maxDepth: bounds["maxDepth"], maxStates: bounds["maxStates"],
                parameters: parameters))
        }
        if !problems.isEmpty { throw ConfigError(path: path, problems: problems) }
        return RepositoryConfig(models: models)
    }

    private struct Problem: Error { var message: String }

    private static func parseExpectation(_ value: Any) -> Result<ExpectedVerdict, Problem> {
        let shape = "write \"holds\" or {\"violated\": [\"PropertyId\", ...]}"
        if let text = value as? String {
            return text == "holds" ? .success(.holds) : .failure(Problem(message: "\"\(text)\"; \(shape)"))
        }
        guard let object = value as? [String: Any], object.count == 1, let ids = object["violated"] else {
            return .failure(Problem(message: shape))
        }
        guard let list = ids as? [Any], !list.isEmpty else {
            return .failure(Problem(message: "\"violated\" must list at least one property id"))
        }
        var names: [String] = []
        for id in list {
            guard let name = id as? String else { return .failure(Problem(message: "\"violated\" must list property ids (strings)")) }
            guard let property = Property.named(name) else {
                return .failure(Problem(message: "no property \"\(name)\" (`fltcheck list` shows them all)"))
            }
            guard property.severity == .error else {
                return .failure(Problem(message: "\"\(name)\" is an advisory: it warns and never makes a verdict violated"))
            }
            if names.contains(name) { return .failure(Problem(message: "\"\(name)\" is listed twice")) }
            names.append(name)
        }
        return .success(.violated(names))
    }

    private static func integer(_ value: Any) -> Int? {
        // JSONSerialization gives true and false as NSNumbers too; only their class tells them apart.
        if String(describing: type(of: value)).contains("Boolean") || type(of: value) == Bool.self { return nil }
        if let number = value as? Int { return number }
        if let number = value as? Double, number == number.rounded(), abs(number) < 1e15 { return Int(number) }
        return nil
    }
}

/// An invalid `fltcheck.json` (exit 3).
public struct ConfigError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var problems: [String]

    public var description: String {
        problems.map { "error: \(path): \($0)" }.joined(separator: "\n")
    }
}

/// How one configured model's result compares with its expectation.
public enum ExpectationMatch: Sendable, Equatable {
    /// The verdict is the expected one (exit 0 for this model).
    case asExpected
    /// A definite verdict other than the expected one (exit 1).
    case mismatch
    /// No violation found, but a bound was hit: nothing is claimed (exit 2), whatever was expected.
    case inconclusive
    /// The model could not be checked (exit 3).
    case error

    /// The exit code this outcome contributes.
    public var exitCode: Int32 {
        switch self {
        case .asExpected: 0
        case .mismatch: 1
        case .inconclusive: 2
        case .error: 3
        }
    }

    /// How bad it is: error > mismatch > inconclusive > as expected. A mismatch is worse than an
    /// inconclusive model (it is a definite failure), so exit 1 is not hidden behind exit 2.
    public var severity: Int {
        switch self {
        case .asExpected: 0
        case .inconclusive: 1
        case .mismatch: 2
        case .error: 3
        }
    }

    /// Compares a result document with an expectation: `holds` matches verdict holds; `violated`
    /// matches verdict violated with exactly those error-severity properties violated. A verdict
    /// violated with other properties, or holds when a violation was expected, is a mismatch; an
    /// inconclusive verdict (no violation within the bounds) is inconclusive.
    public static func compare(_ document: ResultDocument, with expect: ExpectedVerdict) -> ExpectationMatch {
        switch document.verdict {
        case "holds": return expect == .holds ? .asExpected : .mismatch
        case "violated":
            guard case .violated(let ids) = expect else { return .mismatch }
            return Set(ids) == Set(violatedIds(document)) ? .asExpected : .mismatch
        case "inconclusive": return .inconclusive
        default: return .error
        }
    }

    /// The error-severity properties a document reports violated, in the order found, once each.
    public static func violatedIds(_ document: ResultDocument) -> [String] {
        var ids: [String] = []
        for example in document.counterexamples where example.property.severity == "error" && !ids.contains(example.property.id) {
            ids.append(example.property.id)
        }
        return ids
    }
}
