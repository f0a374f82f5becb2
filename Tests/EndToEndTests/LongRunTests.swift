import Foundation
import Testing

/// Long runs stop cleanly and say so: --max-memory and Ctrl-C give an inconclusive verdict with the
/// bound reached, never "holds". Model parameters are checked like any other input.
@Suite struct LongRuns {
    let bench = "Models/Bench/FilterStack.swift"

    @Test func maxMemoryStopsWithAnInconclusiveVerdict() throws {
        // Far below what fltcheck itself needs: the first check (after half a second) stops it.
        let outcome = try FltCheck.verify(bench, ["--param", "N=5", "--max-memory", "1M", "--no-cache"])
        #expect(outcome.status == 2, "\(outcome)")
        #expect(outcome.stdout.contains("NOT exhaustive: --max-memory 1 MiB reached"), "\(outcome)")
        #expect(!outcome.stdout.contains("  holds "), "a stopped run claimed that a property holds: \(outcome)")

        let json = try FltCheck.verify(bench, ["--param", "N=5", "--max-memory", "1M", "--no-cache", "--format", "json"])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let hit = try #require((document["bounds"] as? [String: Any])?["hit"] as? [String: Any])
        #expect(hit["kind"] as? String == "memory")
        #expect(document["verdict"] as? String == "inconclusive")
    }

    @Test func ctrlCStopsWithTheSummary() throws {
        // N=6: over 10 s on this kind of machine, so the interrupt comes first.
        let outcome = try FltCheck.run(["verify", bench, "--param", "N=6", "--no-cache"], interruptAfter: 2)
        #expect(outcome.status == 2, "\(outcome)")
        #expect(outcome.stdout.contains("interrupted (Ctrl-C) before the exploration finished"), "\(outcome)")
        #expect(outcome.stdout.contains("verdict: inconclusive"), "\(outcome)")
    }

    @Test func theSearchLineNamesTheSearch() throws {
        let bfs = try FltCheck.verify(bench, ["--no-cache", "--jobs", "1"])
        #expect(bfs.status == 0, "\(bfs)")
        #expect(bfs.stdout.contains("search: BFS on 1 thread, symmetry reduction over identical requests and their threads, completed requests forgotten, exact store ("), "\(bfs)")
        let dfs = try FltCheck.verify(bench, ["--no-cache", "--strategy", "dfs", "--no-symmetry", "--hash-compaction"])
        #expect(dfs.status == 0, "\(dfs)")
        #expect(dfs.stdout.contains("search: DFS on 1 thread, no symmetry reduction, completed requests forgotten, hash compaction ("), "\(dfs)")
        let kept = try FltCheck.verify(bench, ["--no-cache", "--jobs", "1", "--keep-completed"])
        #expect(kept.status == 0, "\(kept)")
        #expect(kept.stdout.contains("search: BFS on 1 thread, symmetry reduction over identical requests and their threads, exact store ("), "\(kept)")
        let allThreads = try FltCheck.verify(bench, ["--no-cache", "--jobs", "1", "--all-symmetric-threads"])
        #expect(allThreads.status == 0, "\(allThreads)")
        #expect(allThreads.stdout.contains("search: BFS on 1 thread, symmetry reduction over identical requests, completed requests forgotten, exact store ("), "\(allThreads)")
        // The model has a While loop: symmetry is off and the report says why.
        let loops = try FltCheck.verify("Models/WorkerWokenAtTeardown.swift", ["--no-cache"])
        #expect(loops.stdout.contains("no symmetry reduction (the model has loops"), "\(loops)")
    }

    @Test func parametersAreChecked() throws {
        let outOfRange = try FltCheck.verify(bench, ["--param", "N=0"])
        #expect(outOfRange.status == 3, "\(outOfRange)")
        #expect(outOfRange.stderr.contains("--param N=0: N is an integer in 1...6"), "\(outOfRange)")
        #expect(outOfRange.stderr.contains("FilterStack.swift:"), "the error points at the Parameter line: \(outOfRange)")

        let unknown = try FltCheck.verify(bench, ["--param", "M=1"])
        #expect(unknown.status == 3, "\(unknown)")
        #expect(unknown.stderr.contains("has no parameter for --param M (it declares N, VARIANT)"), "\(unknown)")

        let badChoice = try FltCheck.verify(bench, ["--param", "VARIANT=nope"])
        #expect(badChoice.status == 3, "\(badChoice)")
        #expect(badChoice.stderr.contains("VARIANT is one of correct|doubleCompletion|teardownNeverCompletes"), "\(badChoice)")

        let malformed = try FltCheck.verify(bench, ["--param", "N"])
        #expect(malformed.status == 3, "\(malformed)")
        #expect(malformed.stderr.contains("write --param NAME=VALUE"), "\(malformed)")

        let chosen = try FltCheck.verify(bench, ["--param", "N=1", "--param", "VARIANT=doubleCompletion", "--no-cache"])
        #expect(chosen.status == 1, "\(chosen)")
        #expect(chosen.stdout.contains("N=1 VARIANT=doubleCompletion"), "the report names the parameters: \(chosen)")
        #expect(chosen.stdout.contains("VIOLATED NoDoubleCompletion"), "\(chosen)")
    }

    @Test func aSavedTraceReplaysWithItsParameters() throws {
        let scratch = FltCheck.makeTemporaryDirectory("params")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let saved = scratch + "/trace.json"
        let outcome = try FltCheck.verify(bench, ["--param", "N=1", "--param", "VARIANT=doubleCompletion", "--no-cache", "--format", "json", "-o", saved])
        #expect(outcome.status == 1, "\(outcome)")
        let replay = try FltCheck.run(["replay", saved])
        #expect(replay.status == 1, "the violation comes back only with the saved parameters: \(replay)")
        #expect(replay.stdout.contains("reproduced: NoDoubleCompletion"), "\(replay)")
    }

    /// A trace found with or without the partial-order reduction replays with the steps it was
    /// found with: the JSON records which (`statistics.localStepsMerged`).
    @Test(arguments: [[], ["--no-partial-order"]])
    func aSavedTraceReplaysWithItsPartialOrderSetting(_ options: [String]) throws {
        let scratch = FltCheck.makeTemporaryDirectory("por")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let saved = scratch + "/trace.json"
        let outcome = try FltCheck.verify("Models/Bugs/CancelOpenOfFailedCreate.swift", options + ["--no-cache", "--format", "json", "-o", saved])
        #expect(outcome.status == 1, "\(outcome)")
        let written = try String(contentsOfFile: saved, encoding: .utf8)
        #expect(written.contains("\"localStepsMerged\" : \(options.isEmpty)"), "\(written.prefix(2000))")
        let replay = try FltCheck.run(["replay", saved])
        #expect(replay.status == 1 && replay.stdout.contains("reproduced: CancelFileOpenOnlyPostCreate"), "\(replay)")
    }
}
