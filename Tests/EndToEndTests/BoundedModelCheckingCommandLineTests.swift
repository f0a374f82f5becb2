import Foundation
import Testing

/// `fltcheck verify --engine bmc --depth K`: the real binary, as a user runs it.
@Suite struct BoundedModelCheckingCommandLine {
    @Test func aViolationWithinTheDepthHasTheUsualTrace() throws {
        let outcome = try FltCheck.verify("Models/Bugs/WarningStatusCompletedTwice.swift", ["--engine", "bmc", "--depth", "8", "--no-cache"])
        #expect(outcome.status == 1, "\(outcome)")
        #expect(outcome.lines.contains { $0.hasPrefix("search: bounded model checking in Z3 to depth 8: ") }, "\(outcome)")
        let trace = try #require(counterexample(of: "NoDoubleCompletion", in: outcome.lines), "\(outcome)")
        #expect(trace.contains { $0.contains("headerStatus = 0x80000000") }, "\(outcome)")
        #expect(outcome.lines.last == "verdict: VIOLATED: NoDoubleCompletion (exit 1)", "\(outcome)")
    }

    @Test func noViolationWithinTheDepthIsInconclusiveNeverHolds() throws {
        let outcome = try FltCheck.verify("Models/SwapBufferRounding.swift", ["--engine", "bmc", "--depth", "8", "--no-cache"])
        #expect(outcome.status == 2, "\(outcome)")
        #expect(outcome.output.contains("bounded model checking covers runs of up to 8 steps"), "\(outcome)")
        #expect(!outcome.lines.contains { $0.hasPrefix("  holds") }, "\(outcome)")
    }

    @Test func bmcOptionsAreCheckedTogether() throws {
        for (options, message) in [
            (["--engine", "bmc"], "--engine bmc needs --depth K"),
            (["--depth", "5"], "--depth goes with --engine bmc"),
            (["--engine", "bmc", "--depth", "5", "--strategy", "dfs"], "--strategy applies to the explicit search"),
            (["--engine", "bmc", "--depth", "5", "--max-depth", "5"], "with --engine bmc, --depth bounds the runs"),
        ] {
            let outcome = try FltCheck.verify("Models/SwapBufferRounding.swift", options)
            #expect(outcome.status == 3, "\(options): \(outcome)")
            #expect(outcome.output.contains(message), "\(options): \(outcome)")
        }
    }
}
