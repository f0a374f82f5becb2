import Foundation
import Testing

/// The text report names the model options for what the docs leave open when a model does not take
/// their defaults, so a verdict under another reading says so.
@Suite struct ReadingsLine {
    @Test func aModelWithAnotherReadingSaysSo() throws {
        let outcome = try FltCheck.verify("Models/Bugs/ScavengerHoldsTeardown.swift")
        #expect(outcome.lines.contains("FltMgr readings: teardownWaitsFor: .operationsAndWorkItems (where the docs leave FltMgr's behaviour open, this model does not take the default)"), "\(outcome)")
        let failure = try FltCheck.verify("Models/DrainedCreateFailureStatus.swift")
        #expect(failure.lines.contains { $0.hasPrefix("FltMgr readings: drainedStatus: .failureUntilCompleted") }, "\(failure)")
    }

    @Test func aModelWithTheDefaultsHasNoReadingsLine() throws {
        let outcome = try FltCheck.verify("Models/ScavengerAfterTeardown.swift")
        #expect(!outcome.lines.contains { $0.hasPrefix("FltMgr readings:") }, "\(outcome)")
    }
}
