import Foundation
import Testing

/// `fltcheck verify --strategy random`: the real binary, as a user runs it.
@Suite struct RandomSearchCommandLine {
    static let bugModel = "Models/Bugs/WatchdogDoubleResume.swift"
    static let holdingModel = "Models/PassThrough.swift"

    /// The options of the `repeat exactly: fltcheck verify MODEL ...` line, MODEL included.
    func repeatArguments(_ outcome: Outcome) throws -> [String] {
        let line = try #require(outcome.lines.first { $0.hasPrefix("repeat exactly: fltcheck verify ") }, "no repeat line: \(outcome)")
        return line.dropFirst("repeat exactly: fltcheck verify ".count).split(separator: " ").map(String.init)
    }

    /// What must be the same in two runs of one search: every line but the timing.
    func withoutTiming(_ outcome: Outcome) -> [String] {
        outcome.lines.filter { !$0.hasPrefix("explored ") && !$0.hasPrefix("fltcheck: model ") }
    }

    @Test func aBugModelIsViolatedWithAShrunkTraceAndTheLineThatRepeatsTheRun() throws {
        let outcome = try FltCheck.verify(Self.bugModel, ["--strategy", "random", "--seed", "1", "--walks", "200"])
        #expect(outcome.status == 1, "\(outcome)")
        #expect(outcome.lines.last.flatMap(violatedIds(inVerdict:)) == ["NoDoubleCompletion"], "\(outcome)")
        #expect(outcome.lines.contains { $0.hasPrefix("random search: seed 1, ") }, "\(outcome)")
        let trace = try #require(counterexample(of: "NoDoubleCompletion", in: outcome.lines), "\(outcome)")
        #expect(trace.contains { $0.contains("shrunk to") && $0.contains("not necessarily a shortest one") }, "\(outcome)")
        let arguments = try repeatArguments(outcome)
        #expect(arguments.prefix(5) == [Self.bugModel, "--strategy", "random", "--seed", "1"], "\(arguments)")

        let repeated = try FltCheck.verify(arguments[0], Array(arguments.dropFirst()))
        #expect(repeated.status == 1, "\(repeated)")
        #expect(withoutTiming(repeated) == withoutTiming(outcome), "\(outcome)\n\(repeated)")
    }

    @Test func aModelThatHoldsIsInconclusiveNeverHolds() throws {
        let outcome = try FltCheck.verify(Self.holdingModel, ["--strategy", "random", "--seed", "1", "--walks", "200"])
        #expect(outcome.status == 2, "\(outcome)")
        #expect(outcome.output.contains("200 walks found no violation; this is not a proof"), "\(outcome)")
        #expect(!outcome.lines.contains { $0.hasPrefix("  holds") }, "`holds` is claimed: \(outcome)")
        #expect(outcome.lines.last == "verdict: inconclusive: random search found no violation in 200 walks (seed 1), which proves nothing (exit 2)", "\(outcome)")
        #expect(try repeatArguments(outcome) == [Self.holdingModel, "--strategy", "random", "--seed", "1", "--walks", "200", "--max-walk-length", "10000"])
    }

    @Test func withoutASeedOneIsDrawnAndPrintedAndATimeBudgetIsRepeatedByItsWalkCount() throws {
        let outcome = try FltCheck.verify(Self.holdingModel, ["--strategy", "random", "--budget", "0.5s"])
        #expect(outcome.status == 2, "\(outcome)")
        let arguments = try repeatArguments(outcome)
        let seed = try #require(arguments.firstIndex(of: "--seed").map { arguments[$0 + 1] }, "\(arguments)")
        #expect(UInt64(seed) != nil, "\(arguments)")
        #expect(outcome.lines.contains { $0.hasPrefix("random search: seed \(seed), ") && $0.hasSuffix("the time budget ran out") }, "\(outcome)")
        let repeated = try FltCheck.verify(arguments[0], Array(arguments.dropFirst()))
        #expect(withoutTiming(repeated) == withoutTiming(outcome).map {
            $0.replacingOccurrences(of: "the time budget ran out", with: "did the walks asked for")
        }, "\(outcome)\n\(repeated)")
    }

    @Test func randomRunsAreNotCachedAndTheirJSONTraceReplays() throws {
        let cache = FltCheck.makeTemporaryDirectory("random-cache")
        let scratch = FltCheck.makeTemporaryDirectory("random-json")
        defer {
            try? FileManager.default.removeItem(atPath: cache)
            try? FileManager.default.removeItem(atPath: scratch)
        }
        let report = scratch + "/watchdog.json"
        let options = ["--strategy", "random", "--seed", "5", "--walks", "100", "--format", "json", "-o", report]
        for _ in 1...2 {
            let outcome = try FltCheck.verify(Self.bugModel, options, cache: cache)
            #expect(outcome.status == 1, "\(outcome)")
            #expect(!outcome.output.contains("from the cache"), "\(outcome)")
        }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: cache + "/verdicts")) ?? []
        #expect(entries.isEmpty, "random runs stored verdicts: \(entries)")

        let document = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as? [String: Any])
        let hit = try #require((document["bounds"] as? [String: Any])?["hit"] as? [String: Any], "\(document)")
        #expect(hit["kind"] as? String == "randomSearch")
        #expect(hit["seed"] as? String == "5")
        #expect((hit["repeatArguments"] as? [String])?.contains("--walks") == true)
        let replayed = try FltCheck.run(["replay", report], cache: cache)
        #expect(replayed.status == 1, "\(replayed)")
        #expect(replayed.output.contains("reproduced: NoDoubleCompletion"), "\(replayed)")
    }

    @Test(arguments: [
        (["--seed", "1"], "--seed needs --strategy random"),
        (["--walks", "10"], "--walks needs --strategy random"),
        (["--budget", "10s"], "--budget needs --strategy random"),
        (["--strategy", "bfs", "--max-walk-length", "5"], "--max-walk-length needs --strategy random"),
        (["--strategy", "random", "--max-states", "10"], "--max-depth and --max-states bound the exhaustive search"),
        (["--strategy", "random", "--jobs", "2"], "--jobs applies to --strategy bfs and dfs"),
        (["--strategy", "random", "--budget", "soon"], "--budget takes a positive duration such as 30s, 5m or 1h"),
        (["--strategy", "random", "--walks", "0"], "--walks must be at least 1"),
    ])
    func randomSearchOptionsAreUsageErrors(_ options: [String], _ message: String) throws {
        let outcome = try FltCheck.verify(Self.holdingModel, options)
        #expect(outcome.status == 3, "\(outcome)")
        #expect(outcome.stderr.contains(message), "\(outcome)")
        #expect(!outcome.output.contains("verdict:"), "\(outcome)")
    }

    @Test func randomSearchNeedsOneModel() throws {
        let outcome = try FltCheck.run(["verify", "--strategy", "random"])
        #expect(outcome.status == 3, "\(outcome)")
        #expect(outcome.stderr.contains("--strategy random checks one MODEL"), "\(outcome)")
    }
}
