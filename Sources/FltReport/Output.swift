import FltExplorer
import FltProperties
import Foundation

/// What `fltcheck verify --format` writes.
public enum OutputFormat: String, CaseIterable, Sendable {
    case text, json, sarif, junit, html
}

/// Why a report could not be written.
public enum ReportWriteError: Error, CustomStringConvertible, Sendable {
    case cannotWrite(path: String, reason: String)
    case cannotEncode(format: String, reason: String)

    public var description: String {
        switch self {
        case .cannotWrite(let path, let reason): "error: cannot write the report to \(path): \(reason)"
        case .cannotEncode(let format, let reason): "error: cannot encode the \(format) report: \(reason)"
        }
    }
}

/// Writes `text` to `path` atomically: to a temporary file beside it, then renamed over it, so a
/// reader never sees half a report.
public func writeAtomically(_ text: String, to path: String) throws(ReportWriteError) {
    let url = URL(fileURLWithPath: path)
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
        throw .cannotWrite(path: path, reason: "it is a directory")
    }
    let directory = url.deletingLastPathComponent().path
    if !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) || !isDirectory.boolValue {
        throw .cannotWrite(path: path, reason: "no such directory \(directory)")
    }
    do {
        try Data(text.utf8).write(to: url, options: .atomic)
    } catch {
        throw .cannotWrite(path: path, reason: error.localizedDescription)
    }
}

/// The one-line verdict, as the text report ends (`verdict: VIOLATED: NoDoubleCompletion (exit 1)`).
public func verdictLine(_ result: ExplorationResult) -> String {
    switch Verdict(result) {
    case .holds: "verdict: all \(Property.all.count) properties hold for every interleaving (exit 0)"
    case .violated: "verdict: VIOLATED: \(result.counterexamples.filter { $0.violation.property.severity == .error }.map(\.violation.property.id).joined(separator: ", ")) (exit 1)"
    case .inconclusive:
        if let search = result.randomSearch {
            "verdict: inconclusive: random search found no violation in \(search.walks) walk\(search.walks == 1 ? "" : "s") (seed \(search.seed)), which proves nothing (exit 2)"
        } else {
            "verdict: inconclusive: no violation found within the bounds (exit 2)"
        }
    case .modelError: "verdict: model error (exit 3)"
    }
}
