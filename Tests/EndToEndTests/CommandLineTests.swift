import FltProperties
import Foundation
import Testing

/// Every property id fltcheck reports: the hard-coded ones and whatever the catalog has gained.
let allPropertyIds = Set(breakableProperties).union(Property.all.map(\.id))

@Suite struct DumpIR {
    @Test func printsDecodableJSONWithSchemaVersionAndName() throws {
        let outcome = try FltCheck.run(["dump-ir", "Models/PassThrough.swift"])
        #expect(outcome.status == 0, "\(outcome)")
        let json = try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8))
        let ir = try #require(json as? [String: Any], "not a JSON object: \(outcome)")
        #expect(ir["schemaVersion"] as? Int == 1, "\(outcome)")
        #expect(ir["name"] as? String == "PassThrough", "\(outcome)")
        let filters = try #require(ir["filters"] as? [[String: Any]], "\(outcome)")
        #expect(filters.map { $0["name"] as? String } == ["PassThrough"])
    }
}

@Suite struct CompileCache {
    func firstLine(_ outcome: Outcome) throws -> String {
        try #require(outcome.lines.first { $0.hasPrefix("fltcheck: model") }, "no header line: \(outcome)")
    }

    @Test func secondRunTakesTheModelFromTheCacheAndAnEditRebuildsIt() throws {
        let cache = FltCheck.makeTemporaryDirectory("cache-test")
        let scratch = FltCheck.makeTemporaryDirectory("model-copy")
        defer {
            try? FileManager.default.removeItem(atPath: cache)
            try? FileManager.default.removeItem(atPath: scratch)
        }

        let first = try FltCheck.verify("Models/PassThrough.swift", ["--no-cache"], cache: cache)
        #expect(first.status == 0, "\(first)")
        #expect(try firstLine(first).hasSuffix("compiled model built"), "\(first)")
        let second = try FltCheck.verify("Models/PassThrough.swift", ["--no-cache"], cache: cache)
        #expect(second.status == 0, "\(second)")
        #expect(try firstLine(second).hasSuffix("compiled model taken from the cache"), "\(second)")

        // A copy elsewhere: a new entry, then cached, then rebuilt once its text changes.
        let copy = scratch + "/PassThrough.swift"
        try FileManager.default.copyItem(atPath: FltCheck.packageRoot + "/Models/PassThrough.swift", toPath: copy)
        let copied = try FltCheck.verify(copy, ["--no-cache"], cache: cache)
        #expect(try firstLine(copied).hasSuffix("compiled model built"), "\(copied)")
        let copiedAgain = try FltCheck.verify(copy, ["--no-cache"], cache: cache)
        #expect(try firstLine(copiedAgain).hasSuffix("compiled model taken from the cache"), "\(copiedAgain)")

        let handle = try #require(FileHandle(forWritingAtPath: copy))
        handle.seekToEndOfFile()
        handle.write(Data("// an edit that changes nothing but the text\n".utf8))
        try handle.close()
        let edited = try FltCheck.verify(copy, ["--no-cache"], cache: cache)
        #expect(edited.status == 0, "\(edited)")
        #expect(try firstLine(edited).hasSuffix("compiled model built"), "\(edited)")
        #expect(edited.lines.last?.hasPrefix("verdict: all") == true, "\(edited)")
    }
}

@Suite struct Bounds {
    /// The status column of each property's row in the summary table.
    func statuses(_ outcome: Outcome) -> [String: String] {
        var result: [String: String] = [:]
        for line in outcome.lines where line.hasPrefix("  ") {
            let words = line.split(separator: " ")
            if words.count >= 2, allPropertyIds.contains(String(words[1])) {
                result[String(words[1])] = String(words[0])
            }
        }
        return result
    }

    @Test(arguments: [["--max-states", "50"], ["--max-depth", "3"]])
    func hittingABoundIsInconclusive(_ bound: [String]) throws {
        let outcome = try FltCheck.verify("Models/PendResume.swift", bound)
        #expect(outcome.status == 2, "\(outcome)")
        #expect(outcome.output.contains("inconclusive"), "\(outcome)")
        let table = statuses(outcome)
        #expect(Set(table.keys) == allPropertyIds, "the summary table lists \(table.keys.sorted()): \(outcome)")
        for (property, status) in table {
            #expect(status == "inconclusive", "\(property) is \(status) under \(bound): \(outcome)")
        }
        #expect(!outcome.lines.contains { $0.hasPrefix("  holds") }, "`holds` is claimed: \(outcome)")
        #expect(outcome.lines.last?.hasPrefix("verdict: inconclusive") == true, "\(outcome)")
    }

    @Test func aLargeEnoughBoundStillFindsTheViolation() throws {
        let outcome = try FltCheck.verify(
            "Models/Bugs/WatchdogDoubleResume.swift", ["--max-states", "5000", "--max-depth", "100"])
        #expect(outcome.status == 1, "\(outcome)")
        #expect(outcome.lines.last.flatMap(violatedIds(inVerdict:)) == ["NoDoubleCompletion"], "\(outcome)")
    }
}

@Suite struct HelpAndList {
    @Test func helpDocumentsEveryExitCode() throws {
        let outcome = try FltCheck.run(["--help"])
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.output.contains("Exit codes"), "\(outcome)")
        for code in 0...3 {
            let documented = outcome.lines.contains { line in
                let trimmed = line.drop(while: { $0 == " " })
                return trimmed.hasPrefix("\(code) ") && trimmed.dropFirst(2).contains { $0.isLetter }
            }
            #expect(documented, "exit code \(code) is not documented: \(outcome)")
        }
    }

    @Test func listPrintsEveryProperty() throws {
        let outcome = try FltCheck.run(["list"])
        #expect(outcome.status == 0, "\(outcome)")
        for property in allPropertyIds.sorted() {
            #expect(
                outcome.lines.contains { $0.split(separator: " ").first.map(String.init) == property },
                "`fltcheck list` does not list \(property): \(outcome)")
        }
    }
}

@Suite struct TraceFormat {
    @Test func doubleCompletionTraceShowsBothResumesFromWorkers() throws {
        let outcome = try FltCheck.verify("Models/Bugs/WatchdogDoubleResume.swift")
        #expect(outcome.status == 1, "\(outcome)")
        let found = counterexample(of: "NoDoubleCompletion", in: outcome.lines)
        let block = try #require(found, "no NoDoubleCompletion counterexample: \(outcome)")
        let fields = block.map { $0.trimmingCharacters(in: .whitespaces) }
        for field in ["rule:", "source:", "found:"] {
            #expect(fields.contains { $0.hasPrefix(field) && $0.count > field.count + 1 }, "no `\(field)` line:\n\(block.joined(separator: "\n"))")
        }
        #expect(fields.contains { $0.hasPrefix("found:") && $0.contains("READ #1") }, "\(block.joined(separator: "\n"))")
        let traceStart = try #require(block.firstIndex { $0.trimmingCharacters(in: .whitespaces).hasPrefix("trace (") })
        let trace = block[(traceStart + 1)...]
        // Each resume, with a worker in the actor column (before the event text): (who, line).
        let resumes: [(actor: Substring, line: String)] = trace.compactMap { line in
            guard let call = line.range(of: "FltCompletePendedPreOperation(READ #1") else { return nil }
            let before = line[..<call.lowerBound]
            return before.contains("worker") ? (before, line) : nil
        }
        #expect(resumes.count >= 2, "expected two FltCompletePendedPreOperation(READ #1, ...) calls by workers:\n\(block.joined(separator: "\n"))")
        #expect(resumes.contains { $0.actor.contains("Watchdog") }, "the Watchdog's resume is missing:\n\(block.joined(separator: "\n"))")
        #expect(resumes.contains { !$0.actor.contains("Watchdog") && $0.actor.contains("Scan") }, "the Scan worker's resume is missing:\n\(block.joined(separator: "\n"))")
        #expect(trace.contains { $0.contains("violates NoDoubleCompletion") }, "\(block.joined(separator: "\n"))")
    }
}

@Suite struct UsageErrors {
    @Test(arguments: [["verify", "--config", "no-such-fltcheck.json"], ["verify", "Models/PassThrough.swift", "--max-states", "0"], ["no-such-command"]])
    func usageErrorsExit3(_ arguments: [String]) throws {
        let outcome = try FltCheck.run(arguments)
        #expect(outcome.status == 3, "\(outcome)")
        #expect(outcome.stderr.contains("rror"), "no error message: \(outcome)")
        #expect(!outcome.output.contains("verdict:"), "\(outcome)")
    }
}

@Suite struct SavedIR {
    /// `dump-ir` output, saved as .json, verifies to the same verdict without the compiler.
    @Test func aDumpedIRVerifiesLikeItsModel() throws {
        let scratch = FltCheck.makeTemporaryDirectory("ir")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let model = "Models/Bugs/WatchdogDoubleResume.swift"
        let dumped = try FltCheck.run(["dump-ir", model])
        #expect(dumped.status == 0, "\(dumped)")
        let path = scratch + "/WatchdogDoubleResume.json"
        try Data(dumped.stdout.utf8).write(to: URL(fileURLWithPath: path))
        let fromJSON = try FltCheck.verify(path)
        let fromSwift = try FltCheck.verify(model)
        #expect(fromJSON.status == 1, "\(fromJSON)")
        #expect(fromJSON.lines.last == fromSwift.lines.last, "\(fromJSON)\n\(fromSwift)")
        let explored = { (outcome: Outcome) in outcome.lines.first { $0.hasPrefix("explored ") }?.split(separator: " ").dropFirst().first }
        #expect(explored(fromJSON) != nil && explored(fromJSON) == explored(fromSwift), "\(fromJSON)\n\(fromSwift)")
    }
}

@Suite struct Explain {
    @Test(arguments: Property.all.filter { $0.severity == .error }.map(\.id))
    func everyErrorPropertyIsExplainedWithAModelThatBreaksIt(_ id: String) throws {
        let outcome = try FltCheck.run(["explain", id])
        #expect(outcome.status == 0, "\(outcome)")
        let property = try #require(Property.named(id))
        #expect(outcome.stdout.contains(property.rule), "\(outcome)")
        let example = try #require(property.exampleModel, "\(id) has no example model")
        #expect(outcome.stdout.contains("a model that breaks it (\(example))"), "\(outcome)")
        let source = try String(contentsOfFile: FltCheck.packageRoot + "/" + example, encoding: .utf8)
        guard case .violated(let ids) = try #require(Expectation.read(source)) else {
            Issue.record("\(example) does not expect a violation")
            return
        }
        #expect(ids.contains(id), "\(example) does not break \(id)")
    }

    @Test func aCatalogIdWorksAndAnUnknownIdIsAUsageError() throws {
        let byCatalog = try FltCheck.run(["explain", "R2"])
        #expect(byCatalog.status == 0 && byCatalog.stdout.hasPrefix("NoDoubleCompletion"), "\(byCatalog)")
        let unknown = try FltCheck.run(["explain", "NoSuchRule"])
        #expect(unknown.status == 3, "\(unknown)")
    }
}
