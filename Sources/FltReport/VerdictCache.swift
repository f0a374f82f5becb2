import Foundation

/// One cached verdict: the whole `fltcheck-result` document of a `verify` and every format's report
/// rendered from the same run, so any `--format` comes out of the cache exactly as it came out of
/// the run (only the text report's first line changes, to say the verdict is cached).
///
/// Stored as `<cache>/verdicts/<key>.json`, where the key is a SHA-256 of the model (bytes and
/// absolute path), the working directory (reports show paths relative to it), fltcheck itself (size
/// and modification time of the executable, the FltModel library and swiftc) and the bounds.
/// Model errors are not cached; inconclusive verdicts are (the same bounds give the same result).
public struct CachedVerdict: Codable, Sendable, Equatable {
    public static let schemaName = "fltcheck-verdict-cache"
    public static let currentVersion = 1

    public var schema: String
    public var version: Int
    /// The key the entry was stored under: an entry found under another name is not trusted.
    public var key: String
    /// When the verdict was computed (ISO 8601).
    public var checkedAt: String
    /// The one-line verdict (`verdict: ... (exit N)`).
    public var summary: String
    public var document: ResultDocument
    /// Each format's report by `OutputFormat` raw value: text, json, sarif, junit, html.
    public var reports: [String: String]

    public init(key: String, summary: String, document: ResultDocument, reports: [String: String], checkedAt: Date = Date()) {
        schema = CachedVerdict.schemaName
        version = CachedVerdict.currentVersion
        self.key = key
        self.checkedAt = ISO8601DateFormatter().string(from: checkedAt)
        self.summary = summary
        self.document = document
        self.reports = reports
    }

    public func report(_ format: OutputFormat) -> String? { reports[format.rawValue] }

    /// The exit code of the cached verdict.
    public var exitCode: Int32 { document.exitCode }

    /// The text report with its first line saying where the verdict comes from:
    /// `fltcheck: model "X" (path): ...; verdict taken from the cache (checked ...; --no-cache to check again)`.
    public var textReport: String? {
        guard let text = report(.text) else { return nil }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let first = lines.first else { return text }
        let head = first.range(of: "; ", options: .backwards).map { String(first[..<$0.lowerBound]) } ?? first
        lines[0] = head + "; " + cacheNote
        return lines.joined(separator: "\n")
    }

    /// `verdict taken from the cache (...)`; an inconclusive one says the bounds were hit then too.
    public var cacheNote: String {
        let inconclusive = document.verdict == "inconclusive"
            ? "; it is inconclusive: the same bounds were hit then, raise them to check further" : ""
        return "verdict taken from the cache (checked \(checkedAt)\(inconclusive); --no-cache to check again)"
    }

    /// Whether the entry is whole and consistent: anything else is ignored and the model checked
    /// again.
    func isValid(key expected: String) -> Bool {
        guard schema == CachedVerdict.schemaName, version == CachedVerdict.currentVersion, key == expected,
              document.schema == ResultDocument.schemaName, document.version == ResultDocument.currentVersion,
              (0...2).contains(document.exitCode), document.error == nil,
              OutputFormat.allCases.allSatisfy({ reports[$0.rawValue] != nil }),
              let json = reports[OutputFormat.json.rawValue],
              let decoded = try? JSONDecoder().decode(ResultDocument.self, from: Data(json.utf8)),
              decoded == document
        else { return false }
        return true
    }
}

/// The verdict cache: `<cache directory>/verdicts/<key>.json`, written atomically (a temporary file
/// beside it, then renamed), so concurrent runs see either no entry or a whole one; an entry that
/// does not decode or is inconsistent is ignored.
public struct VerdictCache: Sendable {
    public let directory: String

    public init(cacheDirectory: String) {
        directory = cacheDirectory + "/verdicts"
    }

    public func path(for key: String) -> String { directory + "/" + key + ".json" }

    /// The entry stored under `key`, or nil when there is none or it cannot be trusted.
    public func lookup(_ key: String) -> CachedVerdict? {
        guard let data = FileManager.default.contents(atPath: path(for: key)),
              let entry = try? JSONDecoder().decode(CachedVerdict.self, from: data),
              entry.isValid(key: key)
        else { return nil }
        return entry
    }

    /// Stores `entry`; failing to is not an error (the next run checks again), so it only returns
    /// whether it worked.
    @discardableResult
    public func store(_ entry: CachedVerdict) -> Bool {
        guard let text = try? encodeJSON(entry) else { return false }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            return false
        }
        let target = path(for: entry.key)
        let temporary = target + ".tmp-\(ProcessInfo.processInfo.processIdentifier)-\(UInt64.random(in: 0...UInt64.max))"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8)) else { return false }
        if rename(temporary, target) != 0 {
            try? FileManager.default.removeItem(atPath: temporary)
            return false
        }
        return true
    }
}
