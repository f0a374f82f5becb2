import Foundation
import Testing

/// `fltcheck prove`: the real binary, as a user runs it.
@Suite struct ProveCommandLine {
    @Test func aCorrectModelIsProvedWithItsInvariant() throws {
        let outcome = try FltCheck.run(["prove", "Tests/EndToEndTests/Fixtures/ChunkedScanAnyLength.swift"])
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.lines.contains { $0.hasPrefix("  proved       Assertion") }, "\(outcome)")
        #expect(outcome.lines.contains("inductive invariant (Spacer), where it says more than true:"), "\(outcome)")
        #expect(outcome.lines.last == "verdict: every safety property proved for runs of every length and every value of the symbolic data (exit 0)", "\(outcome)")
        #expect(outcome.output.contains("not checked  PendedOperationsResumed"), "liveness must be named as not covered: \(outcome)")
    }

    @Test func aBugIsViolatedWithATraceAndItsValues() throws {
        let outcome = try FltCheck.run(["prove", "Models/Bugs/SwapBufferRoundingOverflow.swift"])
        #expect(outcome.status == 1, "\(outcome)")
        #expect(outcome.lines.contains { $0.hasPrefix("  VIOLATED     Assertion") }, "\(outcome)")
        #expect(outcome.output.contains("READ #1.Length = 0xFFFFFE01"), "\(outcome)")
        #expect(outcome.lines.last == "verdict: VIOLATED: Assertion (exit 1)", "\(outcome)")
    }

    @Test func aTimeLimitGivesUnknownNeverProved() throws {
        let outcome = try FltCheck.run(["prove", "Tests/EndToEndTests/Fixtures/FactoringBranch.swift", "--time-limit", "2s"])
        #expect(outcome.status == 2, "\(outcome)")
        #expect(outcome.lines.contains { $0.hasPrefix("  unknown      Assertion: the time limit of 2 s ran out") }, "\(outcome)")
        #expect(!outcome.lines.contains { $0.hasPrefix("  proved       Assertion") }, "\(outcome)")
    }

    @Test func badOptionsAreUsageErrors() throws {
        let outcome = try FltCheck.run(["prove", "Models/SwapBufferRounding.swift", "--time-limit", "forever"])
        #expect(outcome.status == 3, "\(outcome)")
        #expect(outcome.output.contains("--time-limit takes a duration"), "\(outcome)")
    }
}
