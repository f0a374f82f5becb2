import Foundation
import Testing

/// The verdict cache entries in `cache`.
func verdictEntries(_ cache: String) -> [String] {
    let directory = cache + "/verdicts"
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    return names.filter { $0.hasSuffix(".json") }.map { directory + "/" + $0 }.sorted()
}

let cacheNote = "verdict taken from the cache"

@Suite struct VerdictCache {
    func header(_ outcome: Outcome) -> String {
        outcome.lines.first { $0.hasPrefix("fltcheck: model") } ?? ""
    }

    /// The second run says the verdict is cached and gives the same exit code and the same JSON;
    /// --no-cache checks again.
    @Test(arguments: [("Models/PassThrough.swift", Int32(0)), ("Models/Bugs/WatchdogDoubleResume.swift", Int32(1))])
    func theSecondRunIsCachedWithTheSameExitCodeAndJSON(_ model: String, _ status: Int32) throws {
        let cache = FltCheck.makeTemporaryDirectory("verdict-cache")
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let first = try FltCheck.verify(model, ["--format", "json"], cache: cache)
        #expect(first.status == status, "\(first)")
        #expect(!first.output.contains(cacheNote), "\(first)")
        #expect(verdictEntries(cache).count == 1)
        let second = try FltCheck.verify(model, ["--format", "json"], cache: cache)
        #expect(second.status == status, "\(second)")
        #expect(second.stdout == first.stdout, "the cached JSON differs")
        #expect(second.stderr.hasPrefix("fltcheck: \(cacheNote)"), "\(second)")

        let text = try FltCheck.verify(model, [], cache: cache)
        #expect(text.status == status, "\(text)")
        #expect(header(text).contains("; \(cacheNote) (checked "), "\(text)")
        #expect(text.lines.first == header(text), "\(text)")

        let forced = try FltCheck.verify(model, ["--no-cache"], cache: cache)
        #expect(forced.status == status, "\(forced)")
        #expect(header(forced).hasSuffix("compiled model taken from the cache"), "\(forced)")
        #expect(!forced.output.contains(cacheNote), "\(forced)")
        // Besides the first line and the timing, the cached text report is the report of a run.
        let body = { (outcome: Outcome) in outcome.lines.dropFirst().filter { !$0.hasPrefix("explored ") } }
        #expect(body(text) == body(forced), "\(text)\n\(forced)")
    }

    /// Every format comes out of the cache exactly as the run that filled it wrote it.
    @Test(arguments: ["text", "json", "sarif", "junit", "html"])
    func everyFormatComesOutTheSameFromTheCache(_ format: String) throws {
        let cache = FltCheck.makeTemporaryDirectory("verdict-cache-format")
        let scratch = FltCheck.makeTemporaryDirectory("verdict-cache-reports")
        defer {
            try? FileManager.default.removeItem(atPath: cache)
            try? FileManager.default.removeItem(atPath: scratch)
        }
        let model = "Models/Bugs/WatchdogDoubleResume.swift"
        let fresh = try FltCheck.verify(model, ["--format", format, "-o", scratch + "/fresh"], cache: cache)
        let cached = try FltCheck.verify(model, ["--format", format, "-o", scratch + "/cached"], cache: cache)
        #expect(fresh.status == 1 && cached.status == 1, "\(fresh)\n\(cached)")
        #expect(!fresh.stdout.contains(cacheNote), "\(fresh)")
        #expect(cached.stdout.hasPrefix(cacheNote), "\(cached)")
        #expect(cached.stdout.hasSuffix("verdict: VIOLATED: NoDoubleCompletion (exit 1); \(format) report written to \(scratch)/cached\n"), "\(cached)")
        let a = try String(contentsOfFile: scratch + "/fresh", encoding: .utf8)
        let b = try String(contentsOfFile: scratch + "/cached", encoding: .utf8)
        if format == "text" {
            // Only the first line says where the verdict came from.
            #expect(Array(a.split(separator: "\n").dropFirst()) == Array(b.split(separator: "\n").dropFirst()))
            #expect(b.split(separator: "\n").first?.contains(cacheNote) == true, "\(b)")
        } else {
            #expect(a == b, "the cached \(format) report differs")
        }
    }

    /// Changing the model or a bound checks again; an inconclusive verdict is cached and says so.
    @Test func aChangedModelOrBoundIsCheckedAgain() throws {
        let cache = FltCheck.makeTemporaryDirectory("verdict-cache-change")
        let scratch = FltCheck.makeTemporaryDirectory("verdict-cache-model")
        defer {
            try? FileManager.default.removeItem(atPath: cache)
            try? FileManager.default.removeItem(atPath: scratch)
        }
        let copy = scratch + "/PendResume.swift"
        try FileManager.default.copyItem(atPath: FltCheck.packageRoot + "/Models/PendResume.swift", toPath: copy)
        let first = try FltCheck.verify(copy, ["--max-states", "50"], cache: cache)
        #expect(first.status == 2 && !first.output.contains(cacheNote), "\(first)")
        let again = try FltCheck.verify(copy, ["--max-states", "50"], cache: cache)
        #expect(again.status == 2, "\(again)")
        #expect(header(again).contains(cacheNote) && header(again).contains("it is inconclusive"), "\(again)")

        let otherBound = try FltCheck.verify(copy, ["--max-states", "60"], cache: cache)
        #expect(otherBound.status == 2 && !otherBound.output.contains(cacheNote), "\(otherBound)")
        let depth = try FltCheck.verify(copy, ["--max-states", "50", "--max-depth", "40"], cache: cache)
        #expect(!depth.output.contains(cacheNote), "\(depth)")

        let handle = try #require(FileHandle(forWritingAtPath: copy))
        handle.seekToEndOfFile()
        handle.write(Data("// an edit\n".utf8))
        try handle.close()
        let edited = try FltCheck.verify(copy, ["--max-states", "50"], cache: cache)
        #expect(edited.status == 2 && !edited.output.contains(cacheNote), "\(edited)")
        #expect(header(edited).hasSuffix("compiled model built"), "\(edited)")
        let editedAgain = try FltCheck.verify(copy, ["--max-states", "50"], cache: cache)
        #expect(editedAgain.output.contains(cacheNote), "\(editedAgain)")

        // The same bytes at another path are another model (traces point at the path).
        let moved = scratch + "/Moved.swift"
        try FileManager.default.copyItem(atPath: copy, toPath: moved)
        let elsewhere = try FltCheck.verify(moved, ["--max-states", "50"], cache: cache)
        #expect(!elsewhere.output.contains(cacheNote), "\(elsewhere)")
    }

    /// A corrupt, truncated or foreign entry is ignored: the model is checked again and the entry
    /// replaced.
    @Test(arguments: ["garbage", "truncated", "tampered", "otherKey"])
    func aCorruptEntryIsIgnored(_ damage: String) throws {
        let cache = FltCheck.makeTemporaryDirectory("verdict-cache-corrupt")
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let model = "Models/Bugs/WatchdogDoubleResume.swift"
        let first = try FltCheck.verify(model, ["--format", "json"], cache: cache)
        #expect(first.status == 1, "\(first)")
        let entry = try #require(verdictEntries(cache).first, "no cache entry was written")
        let data = try #require(FileManager.default.contents(atPath: entry))
        let text = String(decoding: data, as: UTF8.self)
        let damaged: String
        switch damage {
        case "garbage": damaged = "not json at all"
        case "truncated": damaged = String(text.prefix(text.count / 2))
        case "tampered": damaged = text.replacingOccurrences(of: "\"exitCode\" : 1", with: "\"exitCode\" : 0")
        default:
            let key = URL(fileURLWithPath: entry).deletingPathExtension().lastPathComponent
            damaged = text.replacingOccurrences(of: key, with: String(repeating: "0", count: key.count))
        }
        #expect(damaged != text)
        try Data(damaged.utf8).write(to: URL(fileURLWithPath: entry))
        let second = try FltCheck.verify(model, ["--format", "json"], cache: cache)
        #expect(second.status == 1, "\(second)")
        #expect(!second.output.contains(cacheNote), "a damaged entry was trusted: \(second)")
        let third = try FltCheck.verify(model, ["--format", "json"], cache: cache)
        #expect(third.status == 1 && third.stderr.contains(cacheNote), "the entry was not replaced: \(third)")
    }

    /// Two runs at once with an empty cache: both give the verdict, and the entry they leave is
    /// whole (written to a temporary file and renamed).
    @Test func twoRunsAtOnce() async throws {
        let cache = FltCheck.makeTemporaryDirectory("verdict-cache-concurrent")
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let model = "Models/PendResume.swift"
        try #require(try FltCheck.run(["dump-ir", model], cache: cache).status == 0)
        async let a = FltCheck.verify(model, ["--format", "json"], cache: cache)
        async let b = FltCheck.verify(model, ["--format", "json"], cache: cache)
        let (first, second) = try await (a, b)
        #expect(first.status == 0 && second.status == 0, "\(first)\n\(second)")
        #expect(verdictEntries(cache).count == 1)
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: cache + "/verdicts")) ?? []
        #expect(leftovers.allSatisfy { $0.hasSuffix(".json") }, "temporary files left: \(leftovers)")
        let third = try FltCheck.verify(model, ["--format", "json"], cache: cache)
        #expect(third.status == 0 && third.stderr.contains(cacheNote), "\(third)")
        #expect(third.stdout == first.stdout || third.stdout == second.stdout)
    }
}
