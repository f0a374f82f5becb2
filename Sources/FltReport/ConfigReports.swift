import Foundation

extension ExpectationMatch {
    /// The name in the combined JSON document: `asExpected`, `mismatch`, `inconclusive`, `error`.
    public var name: String {
        switch self {
        case .asExpected: "asExpected"
        case .mismatch: "mismatch"
        case .inconclusive: "inconclusive"
        case .error: "error"
        }
    }
}

/// One model of `verify --format json` with no MODEL (the repository config).
public struct ConfigResultEntry: Codable, Sendable, Equatable {
    public var path: String
    /// `holds` or `violated A B`.
    public var expect: String
    /// `asExpected`, `mismatch`, `inconclusive` or `error`.
    public var match: String
    /// The verdict came from the verdict cache.
    public var cached: Bool
    /// The model's whole `fltcheck-result` document.
    public var result: ResultDocument

    public init(path: String, expect: String, match: String, cached: Bool, result: ResultDocument) {
        self.path = path
        self.expect = expect
        self.match = match
        self.cached = cached
        self.result = result
    }
}

/// `verify --format json` with no MODEL: schema `fltcheck-config-result`, version 1.
public struct ConfigResultDocument: Codable, Sendable, Equatable {
    public var schema = "fltcheck-config-result"
    public var version = 1
    public var config: String
    public var exitCode: Int32
    public var models: [ConfigResultEntry]

    public init(config: String, exitCode: Int32, models: [ConfigResultEntry]) {
        self.config = config
        self.exitCode = exitCode
        self.models = models
    }
}

/// One SARIF log with the runs of every report (one run per model); nil if one does not parse.
public func combineSARIF(_ reports: [String]) -> String? {
    var runs: [Any] = []
    var schema: Any = SARIFReport.schemaURI
    for report in reports {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(report.utf8))) as? [String: Any],
              let more = object["runs"] as? [Any] else { return nil }
        if let declared = object["$schema"] { schema = declared }
        runs += more
    }
    let log: [String: Any] = ["$schema": schema, "version": "2.1.0", "runs": runs]
    guard let data = try? JSONSerialization.data(withJSONObject: log, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]) else { return nil }
    return String(decoding: data, as: UTF8.self) + "\n"
}

/// One JUnit document with every report's test suites (one per model) and the summed counts.
public func combineJUnit(_ reports: [String]) -> String {
    var suites: [String] = []
    var totals: [String: Double] = ["tests": 0, "failures": 0, "errors": 0, "skipped": 0, "time": 0]
    for report in reports {
        let lines = report.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let open = lines.firstIndex(where: { $0.hasPrefix("<testsuites") }),
              let close = lines.lastIndex(where: { $0.hasPrefix("</testsuites>") }), open < close else { continue }
        for name in totals.keys {
            if let range = lines[open].range(of: " \(name)=\""),
               let value = Double(lines[open][range.upperBound...].prefix { $0 != "\"" }) {
                totals[name, default: 0] += value
            }
        }
        suites += lines[(open + 1)..<close]
    }
    let count = { (name: String) in String(Int(totals[name] ?? 0)) }
    let time = String(format: "%.3f", totals["time"] ?? 0)
    var out = ["<?xml version=\"1.0\" encoding=\"UTF-8\"?>"]
    out.append("<testsuites name=\"fltcheck\" tests=\"\(count("tests"))\" failures=\"\(count("failures"))\" errors=\"\(count("errors"))\" skipped=\"\(count("skipped"))\" time=\"\(time)\">")
    out += suites
    out.append("</testsuites>")
    return out.joined(separator: "\n") + "\n"
}
