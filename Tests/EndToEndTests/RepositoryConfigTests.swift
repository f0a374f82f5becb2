import FltProperties
import Foundation
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Writes `text` to `directory/name` and returns the path.
@discardableResult
func writeFile(_ text: String, _ directory: String, _ name: String) throws -> String {
    let path = directory + "/" + name
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    return path
}

/// The model lines of `verify` with no MODEL: `  <path>  <status> ...`, by path.
func configLines(_ outcome: Outcome) -> [String: String] {
    var lines: [String: String] = [:]
    for line in outcome.lines where line.hasPrefix("  ") {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if let path = trimmed.split(separator: " ").first { lines[String(path)] = trimmed }
    }
    return lines
}

@Suite struct RepositoryConfigFile {
    /// fltcheck.json at the package root lists every model under Models/ once without parameters,
    /// with the expectation of its `// fltcheck-expect:` header (which is about the parameters'
    /// defaults); entries with parameters come on top. Not generated: add a model there when you add
    /// it under Models/.
    @Test func fltcheckJsonListsEveryModelWithItsHeaderExpectation() throws {
        let data = try #require(FileManager.default.contents(atPath: FltCheck.packageRoot + "/fltcheck.json"), "no fltcheck.json at the package root")
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "fltcheck.json is not an object")
        #expect((root["version"] as? Int) == 1)
        let entries = try #require(root["models"] as? [[String: Any]], "fltcheck.json has no models array")
        var listed: [String: Expectation] = [:]
        for (index, entry) in entries.enumerated() {
            let path = try #require(entry["path"] as? String, "models[\(index)] has no path")
            if entry["parameters"] != nil { continue }
            #expect(listed[path] == nil, "\(path) is listed twice")
            switch entry["expect"] {
            case let text as String where text == "holds": listed[path] = .holds
            case let object as [String: Any]:
                let ids = try #require(object["violated"] as? [String], "models[\(index)] (\(path)): bad expect \(object)")
                listed[path] = .violated(ids)
            default: Issue.record("models[\(index)] (\(path)): bad or missing expect")
            }
        }
        let models = modelFiles()
        #expect(models.contains("Models/PassThrough.swift"), "model enumeration is broken: \(models)")
        for model in models {
            let source = try String(contentsOfFile: FltCheck.packageRoot + "/" + model, encoding: .utf8)
            let header = try #require(Expectation.read(source), "\(model) has no fltcheck-expect header")
            guard let configured = listed[model] else {
                Issue.record("\(model) is not in fltcheck.json; add {\"path\": \"\(model)\", \"expect\": ...}")
                continue
            }
            switch (header, configured) {
            case (.holds, .holds): break
            case (.violated(let a), .violated(let b)) where Set(a) == Set(b): break
            default: Issue.record("\(model): fltcheck.json expects \(configured), its header \(header)")
            }
        }
        for path in listed.keys where !models.contains(path) {
            Issue.record("fltcheck.json lists \(path), which is not a model under Models/")
        }
    }
}

@Suite struct VerifyWithConfig {
    let root = FltCheck.packageRoot

    /// Every model as expected (a violated model with exactly its ids counts as expected): exit 0.
    @Test func everyModelAsExpectedExits0() throws {
        let scratch = FltCheck.makeTemporaryDirectory("config-ok")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let config = try writeFile("""
            {"version": 1, "models": [
              {"path": "\(root)/Models/PassThrough.swift", "expect": "holds"},
              {"path": "\(root)/Models/Bugs/WatchdogDoubleResume.swift", "expect": {"violated": ["NoDoubleCompletion"]}}
            ]}
            """, scratch, "fltcheck.json")
        let outcome = try FltCheck.run(["verify", "--config", config])
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.lines.first?.hasPrefix("fltcheck: checking 2 models from") == true, "\(outcome)")
        let lines = configLines(outcome)
        #expect(lines["Models/PassThrough.swift"]?.contains("ok        holds") == true, "\(outcome)")
        #expect(lines["Models/Bugs/WatchdogDoubleResume.swift"]?.contains("ok        violated NoDoubleCompletion") == true, "\(outcome)")
        #expect(outcome.lines.last == "verdict: 2 as expected (exit 0)", "\(outcome)")
    }

    /// Models not yet compiled are compiled several at once before the first is checked; the
    /// reports still say which were built by this run, and a model that does not compile is
    /// reported where it is checked.
    @Test func modelsAreCompiledTogetherFirst() throws {
        let scratch = FltCheck.makeTemporaryDirectory("config-compile")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let cache = FltCheck.makeTemporaryDirectory("config-compile-cache")
        defer { try? FileManager.default.removeItem(atPath: cache) }
        try writeFile("import FltModel\nlet model = Model(\"Broken\") { Workload { Requests(.read) } Filter(\"F\", altitude: 1) { Undeclared() } }\n", scratch, "Broken.swift")
        let config = try writeFile("""
            {"version": 1, "models": [
              {"path": "\(root)/Models/PassThrough.swift", "expect": "holds"},
              {"path": "\(root)/Models/Bugs/WatchdogDoubleResume.swift", "expect": {"violated": ["NoDoubleCompletion"]}},
              {"path": "Broken.swift", "expect": "holds"}
            ]}
            """, scratch, "fltcheck.json")
        // swiftc through a wrapper that logs what it compiles: a model that fails to compile ahead
        // is reported from that compile, not compiled again when its turn comes.
        let swiftc = try #require(
            (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/swiftc" }
                .first { FileManager.default.isExecutableFile(atPath: $0) }, "swiftc is not on PATH")
        let compiles = scratch + "/compiles.log"
        let wrapper = try writeFile("#!/bin/sh\necho \"$*\" >> '\(compiles)'\nexec '\(swiftc)' \"$@\"\n", scratch, "swiftc")
        #expect(chmod(wrapper, 0o755) == 0)
        let report = scratch + "/report.txt"
        let first = try FltCheck.run(["verify", "--config", config, "-o", report], cache: cache, environment: ["FLTCHECK_SWIFTC": wrapper])
        #expect(first.status == 3, "\(first)")
        let logged = try String(contentsOfFile: compiles, encoding: .utf8).split(separator: "\n")
        #expect(logged.filter { $0.contains("Broken.swift") }.count == 1, "\(logged)")
        #expect(logged.filter { $0.contains("PassThrough.swift") }.count == 1, "\(logged)")
        #expect(first.lines.dropFirst().first?.hasPrefix("fltcheck: compiling 3 models, ") == true, "\(first)")
        #expect(configLines(first)["Models/PassThrough.swift"]?.contains("ok        holds") == true, "\(first)")
        let broken = try #require(first.lines.firstIndex { $0.contains("Broken.swift  ") && $0.contains("ERROR     model error: ") }, "\(first)")
        #expect(first.lines[..<broken].contains { $0.hasPrefix("    ") && $0.contains("Undeclared") }, "swiftc's error is shown above the model's line: \(first)")
        let built = try String(contentsOfFile: report, encoding: .utf8)
        #expect(built.components(separatedBy: "compiled model built").count - 1 == 2, "\(built)")

        // Everything compiled now: nothing is compiled ahead, and the programs come from the cache.
        let again = try FltCheck.run(["verify", "--config", config, "-o", report, "--no-cache"], cache: cache, environment: ["FLTCHECK_SWIFTC": wrapper])
        #expect(again.status == 3, "\(again)")
        #expect(!again.output.contains("fltcheck: compiling"), "\(again)")
        let reused = try String(contentsOfFile: report, encoding: .utf8)
        #expect(reused.components(separatedBy: "compiled model taken from the cache").count - 1 == 2, "\(reused)")
    }

    /// A verdict other than the expected one (or other ids) is exit 1, and it outranks an
    /// inconclusive model (exit 2); paths are relative to the config's directory.
    @Test func aMismatchExits1EvenBesideAnInconclusiveModel() throws {
        let scratch = FltCheck.makeTemporaryDirectory("config-mismatch")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        for model in ["PassThrough", "PendResume"] {
            try FileManager.default.copyItem(atPath: "\(root)/Models/\(model).swift", toPath: "\(scratch)/\(model).swift")
        }
        try FileManager.default.copyItem(atPath: "\(root)/Models/Bugs/WatchdogDoubleResume.swift", toPath: "\(scratch)/Watchdog.swift")
        let inconclusive = try writeFile("""
            {"version": 1, "models": [
              {"path": "PassThrough.swift", "expect": "holds"},
              {"path": "PendResume.swift", "expect": "holds", "maxStates": 10}
            ]}
            """, scratch, "inconclusive.json")
        let two = try FltCheck.run(["verify", "--config", inconclusive])
        #expect(two.status == 2, "\(two)")
        #expect(two.output.contains("INCONCL.  inconclusive (--max-states 10 reached)"), "\(two)")

        let mismatch = try writeFile("""
            {"version": 1, "models": [
              {"path": "PendResume.swift", "expect": "holds", "maxStates": 10},
              {"path": "Watchdog.swift", "expect": {"violated": ["NoDoubleCompletion", "Assertion"]}},
              {"path": "PassThrough.swift", "expect": {"violated": ["NoDoubleCompletion"]}}
            ]}
            """, scratch, "mismatch.json")
        let one = try FltCheck.run(["verify", "--config", mismatch])
        #expect(one.status == 1, "\(one)")
        let lines = configLines(one)
        #expect(lines.values.contains { $0.contains("MISMATCH  violated NoDoubleCompletion (expected violated NoDoubleCompletion Assertion)") }, "\(one)")
        #expect(lines.values.contains { $0.contains("MISMATCH  holds (expected violated NoDoubleCompletion)") }, "\(one)")
        #expect(one.lines.last == "verdict: 2 not as expected, 1 inconclusive (exit 1)", "\(one)")
    }

    /// A model that does not compile is exit 3, whatever else happened.
    @Test func aModelErrorExits3() throws {
        let scratch = FltCheck.makeTemporaryDirectory("config-model-error")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let config = try writeFile("""
            {"version": 1, "models": [
              {"path": "\(root)/Tests/EndToEndTests/Fixtures/CompileError.swift"},
              {"path": "\(root)/Models/PassThrough.swift", "expect": {"violated": ["NoDoubleCompletion"]}}
            ]}
            """, scratch, "fltcheck.json")
        let outcome = try FltCheck.run(["verify", "--config", config])
        #expect(outcome.status == 3, "\(outcome)")
        #expect(configLines(outcome)["Tests/EndToEndTests/Fixtures/CompileError.swift"]?.contains("ERROR     model error:") == true, "\(outcome)")
        #expect(outcome.lines.last == "verdict: 1 not as expected, 1 in error (exit 3)", "\(outcome)")
    }

    /// Unknown keys, bad expectations, bad bounds and missing files are all reported, each at its
    /// model's index and path, and nothing is checked.
    @Test func anInvalidConfigIsReportedByModelIndexAndPath() throws {
        let scratch = FltCheck.makeTemporaryDirectory("config-invalid")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let config = try writeFile("""
            {"version": 1, "extra": true, "models": [
              {"path": "\(root)/Models/PassThrough.swift", "expect": "holds", "maxState": 5},
              {"path": "\(root)/Models/PendResume.swift", "expect": "violated"},
              {"path": "\(root)/Models/PendResume.swift", "expect": {"violated": ["NoSuchProperty"]}},
              {"path": "Missing.swift", "expect": "holds", "maxDepth": -1},
              {"expect": "holds"}
            ]}
            """, scratch, "fltcheck.json")
        let outcome = try FltCheck.run(["verify", "--config", config])
        #expect(outcome.status == 3, "\(outcome)")
        #expect(!outcome.output.contains("verdict:"), "\(outcome)")
        let expected = [
            "unknown key \"extra\" at the top level",
            "models[0] (\(root)/Models/PassThrough.swift): unknown key \"maxState\"; known: path, expect, maxDepth, maxStates, parameters",
            "models[1] (\(root)/Models/PendResume.swift): bad \"expect\": \"violated\"; write \"holds\" or {\"violated\": [\"PropertyId\", ...]}",
            "models[2] (\(root)/Models/PendResume.swift): the same model as models[1]",
            "models[2] (\(root)/Models/PendResume.swift): bad \"expect\": no property \"NoSuchProperty\"",
            "models[3] (Missing.swift): no such file \(scratch)/Missing.swift",
            "models[3] (Missing.swift): \"maxDepth\" must be an integer of at least 0",
            "models[4]: missing \"path\"",
        ]
        for message in expected {
            #expect(outcome.stderr.contains("error: \(config): \(message)"), "missing \(message): \(outcome)")
        }
        let missing = try FltCheck.run(["verify", "--config", scratch + "/nothing.json"])
        #expect(missing.status == 3 && missing.stderr.contains("nothing.json: no such file"), "\(missing)")
        let notJSON = try writeFile("{\"version\": 1, \"models\": [", scratch, "broken.json")
        let broken = try FltCheck.run(["verify", "--config", notJSON])
        #expect(broken.status == 3 && broken.stderr.contains("not valid JSON"), "\(broken)")
    }

    /// `--format sarif -o FILE` with a config: one SARIF log with a run per model.
    @Test func sarifForEveryModelInOneLog() throws {
        let scratch = FltCheck.makeTemporaryDirectory("config-sarif")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let config = try writeFile("""
            {"version": 1, "models": [
              {"path": "\(root)/Models/PassThrough.swift", "expect": "holds"},
              {"path": "\(root)/Models/Bugs/WatchdogDoubleResume.swift", "expect": {"violated": ["NoDoubleCompletion"]}}
            ]}
            """, scratch, "fltcheck.json")
        let sarif = scratch + "/fltcheck.sarif"
        let outcome = try FltCheck.run(["verify", "--config", config, "--format", "sarif", "-o", sarif])
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.lines.last == "verdict: 2 as expected (exit 0); sarif report written to \(sarif)", "\(outcome)")
        let data = try #require(FileManager.default.contents(atPath: sarif))
        let log = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(log["version"] as? String == "2.1.0")
        let runs = try #require(log["runs"] as? [[String: Any]])
        #expect(runs.count == 2)
        let results = runs.compactMap { $0["results"] as? [Any] }.map(\.count)
        #expect(results == [0, 1], "results per run: \(results)")

        let junit = scratch + "/fltcheck.xml"
        let xml = try FltCheck.run(["verify", "--config", config, "--format", "junit", "-o", junit])
        #expect(xml.status == 0, "\(xml)")
        let text = try String(contentsOfFile: junit, encoding: .utf8)
        #expect(text.components(separatedBy: "<testsuite ").count == 3, "\(text)")
        #expect(text.contains("<testsuites name=\"fltcheck\" tests=\"\(2 * Property.all.count)\" failures=\"1\""), "\(text)")
        _ = try XMLDocument(data: Data(text.utf8))

        let json = try FltCheck.run(["verify", "--config", config, "--format", "json"])
        #expect(json.status == 0, "\(json)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any], "\(json)")
        #expect(document["schema"] as? String == "fltcheck-config-result")
        #expect((document["models"] as? [Any])?.count == 2)
    }
}

@Suite struct Scaffold {
    /// `fltcheck init` writes a model that verifies, and never overwrites a file.
    @Test func initWritesAModelThatVerifiesAndRefusesToOverwrite() throws {
        let scratch = FltCheck.makeTemporaryDirectory("init")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let path = scratch + "/MyFilter.swift"
        let written = try FltCheck.run(["init", path])
        #expect(written.status == 0, "\(written)")
        let source = try String(contentsOfFile: path, encoding: .utf8)
        #expect(source.hasPrefix("// fltcheck-expect: holds\n"), "\(source)")
        #expect(source.contains("The model language"), "\(source)")
        #expect(source.contains("PreOperation(.read)") && source.contains("PostOperation(.read)") && source.contains("Workload {"), "\(source)")

        let again = try FltCheck.run(["init", path])
        #expect(again.status == 3, "\(again)")
        #expect(again.stderr.contains("already exists"), "\(again)")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == source, "init overwrote the model")

        let verified = try FltCheck.verify(path, ["--no-cache"])
        #expect(verified.status == 0, "\(verified)")
        #expect(verified.lines.last?.hasPrefix("verdict: all") == true, "\(verified)")
        #expect(verified.lines.first?.contains("model \"MyFilter\"") == true, "\(verified)")

        let nowhere = try FltCheck.run(["init", scratch + "/no/such/dir/X.swift"])
        #expect(nowhere.status == 3, "\(nowhere)")
    }
}
