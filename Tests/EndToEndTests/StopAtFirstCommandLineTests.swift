import Foundation
import Testing

/// `fltcheck verify MODEL --stop-at-first`, as a user runs it.
@Suite struct StopAtFirstCommandLine {
    @Test func aBugModelStopsAtItsFirstViolationAndSaysTheRestWasNotChecked() throws {
        let outcome = try FltCheck.verify("Models/Bugs/WatchdogDoubleResume.swift", ["--stop-at-first", "--no-cache"])
        #expect(outcome.status == 1, "\(outcome)")
        #expect(outcome.lines.contains { $0.hasPrefix("explored ") && $0.hasSuffix("NOT exhaustive: stopped at the first violation (--stop-at-first)") }, "\(outcome)")
        #expect(outcome.lines.contains { $0.hasPrefix("  inconclusive ") }, "\(outcome)")
        #expect(!outcome.lines.contains { $0.hasPrefix("  holds ") }, "`holds` is claimed: \(outcome)")
        #expect(outcome.lines.last == "verdict: VIOLATED: NoDoubleCompletion (exit 1)", "\(outcome)")
        #expect(counterexample(of: "NoDoubleCompletion", in: outcome.lines) != nil, "\(outcome)")
    }

    @Test func aModelThatHoldsStillHolds() throws {
        let outcome = try FltCheck.verify("Models/PassThrough.swift", ["--stop-at-first", "--no-cache"])
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.lines.contains { $0.hasPrefix("explored ") && $0.hasSuffix("; exhaustive") }, "\(outcome)")
    }

    @Test(arguments: [
        (["verify", "--stop-at-first"], "--stop-at-first checks one MODEL"),
        (["verify", "Models/PassThrough.swift", "--stop-at-first", "--strategy", "random", "--walks", "5"], "random walks always stop at the first violation"),
        (["verify", "Models/PassThrough.swift", "--stop-at-first", "--engine", "bmc", "--depth", "3"], "--stop-at-first applies to the explicit search"),
    ])
    func misuseIsAUsageError(_ arguments: [String], _ message: String) throws {
        let outcome = try FltCheck.run(arguments)
        #expect(outcome.status == 3, "\(outcome)")
        #expect(outcome.stderr.contains(message), "\(outcome)")
    }
}
