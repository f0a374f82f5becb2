import FltProperties
import Foundation
import Testing

/// Every property a bug model under Models/Bugs/ must break. A bug model that is deleted, or whose
/// header stops naming its property, makes `violatedModelsCoverEveryProperty` fail.
let breakableProperties = [
    "NoDoubleCompletion", "ResumeOnlyWhatYouPended", "ResumeStatusValid", "CallbackRequiresPostOp",
    "PendOnlyIrp", "CompleteStatusFinal", "CleanupCloseNeverFail", "DisallowFastIoOnlyFastIo",
    "MoreProcessingOnlyWhenPosted", "HandleDeferredQueueFailure", "PendedOperationsResumed",
    "Assertion", "ModelIntegrity",
]

@Suite struct ModelVerdicts {
    /// Runs `fltcheck verify` on every model and compares the verdict with its header.
    @Test(arguments: modelFiles())
    func everyModelHasItsExpectedVerdict(_ model: String) throws {
        let source = try String(contentsOfFile: FltCheck.packageRoot + "/" + model, encoding: .utf8)
        guard let expectation = Expectation.read(source) else {
            Issue.record("\(model) has no valid `\(Expectation.marker) holds` or `\(Expectation.marker) violated <PropertyId>...` header in its leading comment")
            return
        }
        let outcome = try FltCheck.verify(model)
        let lines = outcome.lines
        let verdict = try #require(lines.last, "no output: \(outcome)")
        switch expectation {
        case .holds:
            #expect(outcome.status == 0, "\(outcome)")
            #expect(verdict.hasPrefix("verdict: all"), "\(outcome)")
            #expect(!lines.contains { $0.hasPrefix("VIOLATED") }, "\(outcome)")
        case .violated(let expected):
            #expect(outcome.status == 1, "\(outcome)")
            let parsed = violatedIds(inVerdict: verdict)
            let listed = try #require(parsed, "the last line is not a VIOLATED verdict: \(outcome)")
            #expect(listed.sorted() == expected.sorted(), "verdict lists \(listed), the header expects \(expected)")
            let modelLineCount = source.split(separator: "\n", omittingEmptySubsequences: false).count
            for property in expected {
                let found = counterexample(of: property, in: lines)
                let block = try #require(found, "no `VIOLATED \(property)` counterexample: \(outcome)")
                let traceStart = try #require(
                    block.firstIndex { $0.trimmingCharacters(in: .whitespaces).hasPrefix("trace (") },
                    "the \(property) counterexample has no trace section:\n\(block.joined(separator: "\n"))")
                let steps = traceSteps(Array(block[(traceStart + 1)...]))
                #expect(!steps.isEmpty, "the \(property) trace has no numbered step:\n\(block.joined(separator: "\n"))")
                // A step that ran the model's code at one of its lines (fltcheck's own closing
                // `violates ...` / `end state: ...` line does not count).
                let pointing = steps.filter { step in
                    step.contains { line in
                        if line.contains(" violates ") || line.contains(" end state: ") { return false }
                        let targets = pointedLines(line, file: model)
                        return !targets.isEmpty && targets.allSatisfy { (1...modelLineCount).contains($0) }
                    }
                }
                #expect(!pointing.isEmpty, "no numbered step of the \(property) trace points into \(model) with `@ \(model):<line>`:\n\(block.joined(separator: "\n"))")
            }
        }
    }

    /// The models' headers, together, break every property in `breakableProperties`.
    @Test func violatedModelsCoverEveryProperty() throws {
        let models = modelFiles()
        #expect(models.contains("Models/PassThrough.swift"), "model enumeration is broken: \(models)")
        var covered: [String: [String]] = [:]
        var violatedModels = 0
        for model in models {
            let source = try String(contentsOfFile: FltCheck.packageRoot + "/" + model, encoding: .utf8)
            guard case .violated(let ids) = Expectation.read(source) else { continue }
            violatedModels += 1
            for id in ids { covered[id, default: []].append(model) }
        }
        #expect(violatedModels >= breakableProperties.count, "only \(violatedModels) models expect a violation")
        for property in breakableProperties {
            #expect(covered[property] != nil, "no model under Models/ has a `violated \(property)` header")
        }
        let unknown = covered.keys.filter { Property.named($0) == nil }
        #expect(unknown.isEmpty, "headers name properties fltcheck does not have: \(unknown.sorted())")
        // The hard-coded list must name real properties (a rename is noticed), and every property of
        // the catalog needs a model that breaks it.
        for property in breakableProperties {
            #expect(Property.named(property) != nil, "\(property) is no longer in the property catalog")
        }
        for property in Property.all where property.severity == .error && covered[property.id] == nil {
            Issue.record("no model under Models/ breaks \(property.id) (\(property.catalogIds.joined(separator: ", ")))")
        }
    }
}
