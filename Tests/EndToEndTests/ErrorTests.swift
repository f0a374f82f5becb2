import Foundation
import Testing

/// Model and usage errors: exit 3 and a message that says which case it is.
@Suite struct ModelErrors {
    static let fixtures = "Tests/EndToEndTests/Fixtures"

    /// The line of a fixture marked `// expected-error-line`.
    func markedLine(_ fixture: String) throws -> Int {
        let source = try String(contentsOfFile: FltCheck.packageRoot + "/" + fixture, encoding: .utf8)
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
        let index = try #require(lines.firstIndex { $0.contains("// expected-error-line") }, "\(fixture) marks no line")
        return index + 1
    }

    /// Common to every model error: exit 3, no report, no verdict.
    func expectModelError(_ outcome: Outcome) {
        #expect(outcome.status == 3, "\(outcome)")
        #expect(!outcome.output.contains("verdict:"), "\(outcome)")
        #expect(!outcome.output.contains("explored"), "\(outcome)")
    }

    @Test func compileErrorShowsTheDiagnosticAtTheModelsLine() throws {
        let fixture = "\(Self.fixtures)/CompileError.swift"
        let line = try markedLine(fixture)
        let outcome = try FltCheck.verify(fixture)
        expectModelError(outcome)
        #expect(outcome.output.contains("\(fixture):\(line):"), "the diagnostic does not point at \(fixture):\(line): \(outcome)")
        #expect(outcome.output.contains("error:"), "\(outcome)")
        #expect(outcome.output.contains("does not compile"), "\(outcome)")
    }

    @Test func modelThatDeclaresNoModel() throws {
        let fixture = "\(Self.fixtures)/NoModel.swift"
        let outcome = try FltCheck.verify(fixture)
        expectModelError(outcome)
        #expect(outcome.output.contains("declares no model"), "\(outcome)")
        #expect(outcome.output.contains(fixture), "\(outcome)")
    }

    @Test(arguments: ["CrashInBuilder.swift", "CrashBeforeModel.swift"])
    func modelThatCrashes(_ name: String) throws {
        let fixture = "\(Self.fixtures)/\(name)"
        let outcome = try FltCheck.verify(fixture)
        expectModelError(outcome)
        #expect(outcome.output.contains("crashed"), "\(outcome)")
        #expect(outcome.output.contains(fixture), "\(outcome)")
        // The model's own message is passed on.
        #expect(outcome.output.contains("boom"), "\(outcome)")
    }

    @Test(arguments: [
        ("MissingReturn.swift", "can reach its end without a Return"),
        ("SameAltitude.swift", "same altitude"),
    ])
    func modelWhoseIRFailsValidation(_ name: String, _ reason: String) throws {
        let fixture = "\(Self.fixtures)/\(name)"
        let line = try markedLine(fixture)
        let outcome = try FltCheck.verify(fixture)
        expectModelError(outcome)
        #expect(outcome.output.contains("\(fixture):\(line)"), "the error does not point at \(fixture):\(line): \(outcome)")
        #expect(outcome.output.contains(reason), "\(outcome)")
        #expect(outcome.output.contains("error:"), "\(outcome)")
    }

    @Test func modelWithTwoModels() throws {
        let fixture = "\(Self.fixtures)/TwoModels.swift"
        let outcome = try FltCheck.verify(fixture)
        expectModelError(outcome)
        #expect(outcome.output.contains("declares 2 models"), "\(outcome)")
        #expect(outcome.output.contains(fixture), "\(outcome)")
    }

    @Test func missingFile() throws {
        let missing = "\(Self.fixtures)/DoesNotExist.swift"
        #expect(!FileManager.default.fileExists(atPath: FltCheck.packageRoot + "/" + missing))
        let outcome = try FltCheck.verify(missing)
        expectModelError(outcome)
        #expect(outcome.lines.count == 1, "expected one line: \(outcome)")
        #expect(outcome.output.contains("no such file"), "\(outcome)")
        #expect(outcome.output.contains(missing), "\(outcome)")
    }

    @Test func directoryGivenAsTheModel() throws {
        let outcome = try FltCheck.verify(Self.fixtures)
        expectModelError(outcome)
        #expect(outcome.lines.count == 1, "expected one line: \(outcome)")
        #expect(outcome.output.contains("directory"), "\(outcome)")
    }

    @Test func dumpIRReportsModelErrorsToo() throws {
        let outcome = try FltCheck.run(["dump-ir", "\(Self.fixtures)/SameAltitude.swift"])
        expectModelError(outcome)
        #expect(outcome.stdout.isEmpty, "\(outcome)")
        #expect(outcome.output.contains("same altitude"), "\(outcome)")
    }
}
