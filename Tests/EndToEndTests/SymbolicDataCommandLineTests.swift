import Foundation
import Testing

/// `fltcheck verify` on models with symbolic data: the real binary, as a user runs it.
@Suite struct SymbolicDataCommandLine {
    @Test func aCounterexampleShowsTheValuesZ3Found() throws {
        let outcome = try FltCheck.verify("Models/Bugs/SwapBufferRoundingOverflow.swift", ["--no-cache"])
        #expect(outcome.status == 1, "\(outcome)")
        #expect(outcome.lines.contains { $0.hasPrefix("symbolic data: 2 symbolic inputs, ") }, "\(outcome)")
        let trace = try #require(counterexample(of: "Assertion", in: outcome.lines), "\(outcome)")
        #expect(trace.contains { $0.contains("Z3") && $0.contains("READ #1.Length = 0xFFFFFE01") && $0.contains("SwapBuffers.allocated = 0") }, "\(outcome)")
    }

    @Test func theJSONReportCountsZ3sWork() throws {
        let outcome = try FltCheck.verify("Models/SwapBufferRounding.swift", ["--no-cache", "--format", "json"])
        #expect(outcome.status == 0, "\(outcome)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        let statistics = try #require(document["statistics"] as? [String: Any])
        let solver = try #require(statistics["solver"] as? [String: Any], "\(statistics)")
        #expect((solver["queries"] as? Int ?? 0) > 0, "\(solver)")
        #expect(solver["unknowns"] as? Int == 0, "\(solver)")
    }

    @Test func aSavedCounterexampleReplaysExactly() throws {
        let saved = NSTemporaryDirectory() + "fltcheck-symbolic-replay-\(getpid()).json"
        defer { try? FileManager.default.removeItem(atPath: saved) }
        let outcome = try FltCheck.verify("Models/Bugs/WarningStatusCompletedTwice.swift", ["--no-cache", "--format", "json", "-o", saved])
        #expect(outcome.status == 1, "\(outcome)")
        let replayed = try FltCheck.run(["replay", saved])
        #expect(replayed.status == 1, "\(replayed)")
        #expect(replayed.output.contains("reproduced: NoDoubleCompletion at step 5"), "\(replayed)")
        #expect(!replayed.output.contains("differ"), "\(replayed)")
    }

    @Test func aSolverTimeoutIsInconclusiveNeverAPass() throws {
        let outcome = try FltCheck.verify("Tests/EndToEndTests/Fixtures/FactoringBranch.swift", ["--no-cache", "--solver-timeout", "50ms"])
        #expect(outcome.status == 2, "\(outcome)")
        #expect(outcome.output.contains("Z3 could not decide"), "\(outcome)")
        #expect(!outcome.lines.contains { $0.hasPrefix("verdict: all") }, "\(outcome)")
    }

    @Test func aBadSolverTimeoutIsAUsageError() throws {
        let outcome = try FltCheck.verify("Models/SwapBufferRounding.swift", ["--solver-timeout", "soon"])
        #expect(outcome.status == 3, "\(outcome)")
        #expect(outcome.output.contains("--solver-timeout takes a duration"), "\(outcome)")
    }
}
