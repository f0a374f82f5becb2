import FltReport
import Foundation
import Testing

@Suite struct ConfigParsing {
    func parse(_ text: String) throws(ConfigError) -> RepositoryConfig {
        try RepositoryConfig.parse(Data(text.utf8), path: "fltcheck.json", baseDirectory: "/repo", checkFiles: false)
    }

    func problems(_ text: String) -> [String] {
        do {
            _ = try parse(text)
            return []
        } catch {
            return error.problems
        }
    }

    @Test func aValidConfigWithDefaultsAndRelativePaths() throws {
        let config = try parse("""
            {"version": 1, "models": [
              {"path": "Models/A.swift"},
              {"path": "/abs/B.swift", "expect": {"violated": ["NoDoubleCompletion", "Assertion"]}, "maxStates": 100, "maxDepth": 0}
            ]}
            """)
        #expect(config.models.count == 2)
        #expect(config.models[0].expect == .holds)
        #expect(config.models[0].resolvedPath == "/repo/Models/A.swift")
        #expect(config.models[0].maxStates == nil && config.models[0].maxDepth == nil)
        #expect(config.models[1].expect == .violated(["NoDoubleCompletion", "Assertion"]))
        #expect(config.models[1].resolvedPath == "/abs/B.swift")
        #expect(config.models[1].maxStates == 100 && config.models[1].maxDepth == 0)
    }

    @Test func parametersMakeAnotherEntryOfTheSameModel() throws {
        let config = try parse("""
            {"version": 1, "models": [
              {"path": "Models/F.swift"},
              {"path": "Models/F.swift", "parameters": {"N": 3, "VARIANT": "bug"}, "expect": {"violated": ["Assertion"]}}
            ]}
            """)
        #expect(config.models.count == 2)
        #expect(config.models[0].parameters.isEmpty)
        #expect(config.models[1].parameters == ["N": "3", "VARIANT": "bug"])
    }

    @Test(arguments: [
        (#"{"version": 1, "models": [{"path": "A.swift", "parameters": [1]}]}"#, "\"parameters\" must be an object"),
        (#"{"version": 1, "models": [{"path": "A.swift", "parameters": {"N": true}}]}"#, "parameter \"N\" must be a string or an integer"),
        (#"{"version": 1, "models": [{"path": "A.swift", "parameters": {"N": 1}}, {"path": "A.swift", "parameters": {"N": "1"}}]}"#,
         "models[1] (A.swift): the same model and parameters as models[0]"),
        (#"[]"#, "the top level must be an object"),
        (#"{"models": [{"path": "A.swift"}]}"#, "missing \"version\": 1"),
        (#"{"version": 2, "models": [{"path": "A.swift"}]}"#, "\"version\" must be 1"),
        (#"{"version": true, "models": [{"path": "A.swift"}]}"#, "\"version\" must be 1"),
        (#"{"version": 1}"#, "missing \"models\""),
        (#"{"version": 1, "models": []}"#, "\"models\" is empty"),
        (#"{"version": 1, "models": [{"path": "A.swift", "expect": "violated"}]}"#, "models[0] (A.swift): bad \"expect\": \"violated\""),
        (#"{"version": 1, "models": [{"path": "A.swift", "expect": {"violated": []}}]}"#, "must list at least one property id"),
        (#"{"version": 1, "models": [{"path": "A.swift", "expect": {"violated": ["Nope"]}}]}"#, "no property \"Nope\""),
        (#"{"version": 1, "models": [{"path": "A.swift", "expect": {"violated": ["NoSyncCreate"]}}]}"#, "\"NoSyncCreate\" is an advisory"),
        (#"{"version": 1, "models": [{"path": "A.swift", "expect": {"violated": ["Assertion", "Assertion"]}}]}"#, "listed twice"),
        (#"{"version": 1, "models": [{"path": "A.swift", "expect": {"holds": true}}]}"#, "bad \"expect\""),
        (#"{"version": 1, "models": [{"path": "A.swift", "maxStates": 0}]}"#, "\"maxStates\" must be an integer of at least 1"),
        (#"{"version": 1, "models": [{"path": "A.swift", "maxDepth": 1.5}]}"#, "\"maxDepth\" must be an integer of at least 0"),
        (#"{"version": 1, "models": [{"path": "A.swift", "maxDepth": true}]}"#, "\"maxDepth\" must be an integer of at least 0"),
        (#"{"version": 1, "models": [{"path": "A.swift", "bound": 3}]}"#, "models[0] (A.swift): unknown key \"bound\""),
        (#"{"version": 1, "models": [{"path": "A.swift"}, {"path": "./A.swift"}]}"#, "models[1] (./A.swift): the same model as models[0]"),
        (#"{"version": 1, "models": [{"expect": "holds"}]}"#, "models[0]: missing \"path\""),
        (#"{"version": 1, "models": ["A.swift"]}"#, "models[0]: must be an object"),
    ])
    func invalidConfigsAreReported(_ text: String, _ expected: String) {
        let found = problems(text)
        #expect(found.contains { $0.contains(expected) }, "\(found) does not mention \(expected)")
    }

    @Test func aMissingModelFileIsReported() {
        do {
            _ = try RepositoryConfig.parse(Data(#"{"version": 1, "models": [{"path": "Nowhere.swift"}]}"#.utf8), path: "c.json", baseDirectory: "/nonexistent-dir")
            Issue.record("a missing file was accepted")
        } catch {
            #expect(error.description == "error: c.json: models[0] (Nowhere.swift): no such file /nonexistent-dir/Nowhere.swift")
        }
    }
}

@Suite struct ExpectationMatching {
    func document(verdict: String, violated: [(String, String)] = []) -> ResultDocument {
        var document = JSONReport().errorDocument(path: "M.swift", message: "")
        document.verdict = verdict
        document.error = nil
        document.counterexamples = violated.compactMap { id, severity in
            let json = """
                {"property": {"id": "\(id)", "catalogIds": [], "kind": "safety", "severity": "\(severity)", "rule": "", "source": ""},
                 "message": "", "location": null, "atEndState": false, "steps": 0, "path": [], "trace": []}
                """
            return try? JSONDecoder().decode(TraceDocument.self, from: Data(json.utf8))
        }
        #expect(document.counterexamples.count == violated.count)
        return document
    }

    @Test func verdictsAgainstExpectations() {
        let holds = document(verdict: "holds")
        let violated = document(verdict: "violated", violated: [("NoDoubleCompletion", "error"), ("NoSyncCreate", "advisory"), ("NoDoubleCompletion", "error")])
        let inconclusive = document(verdict: "inconclusive")
        #expect(ExpectationMatch.compare(holds, with: .holds) == .asExpected)
        #expect(ExpectationMatch.compare(holds, with: .violated(["NoDoubleCompletion"])) == .mismatch)
        #expect(ExpectationMatch.compare(violated, with: .violated(["NoDoubleCompletion"])) == .asExpected)
        #expect(ExpectationMatch.compare(violated, with: .violated(["NoDoubleCompletion", "Assertion"])) == .mismatch)
        #expect(ExpectationMatch.compare(violated, with: .holds) == .mismatch)
        #expect(ExpectationMatch.compare(inconclusive, with: .holds) == .inconclusive)
        #expect(ExpectationMatch.compare(inconclusive, with: .violated(["Assertion"])) == .inconclusive)
        #expect(ExpectationMatch.compare(document(verdict: "modelError"), with: .holds) == .error)
        #expect(ExpectationMatch.violatedIds(violated) == ["NoDoubleCompletion"])
        // The worst outcome decides the exit code: a mismatch is not hidden behind inconclusive.
        let worst = [ExpectationMatch.asExpected, .inconclusive, .mismatch].max { $0.severity < $1.severity }
        #expect(worst?.exitCode == 1)
    }
}

@Suite struct VerdictCacheStore {
    @Test func storeLookupAndDamage() throws {
        let directory = NSTemporaryDirectory() + "fltcheck-verdict-cache-unit-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let cache = VerdictCache(cacheDirectory: directory)
        var document = JSONReport().errorDocument(path: "M.swift", message: "")
        document.verdict = "holds"
        document.exitCode = 0
        document.error = nil
        let json = try JSONReport().render(document)
        var reports = Dictionary(uniqueKeysWithValues: OutputFormat.allCases.map { ($0.rawValue, "\($0.rawValue) report\n") })
        reports["json"] = json
        reports["text"] = "fltcheck: model \"M\" (M.swift): 1 filter, 1 request; compiled model built\nmore\n"
        let key = String(repeating: "ab", count: 32)
        #expect(cache.store(CachedVerdict(key: key, summary: "verdict: ok (exit 0)", document: document, reports: reports)))
        let entry = try #require(cache.lookup(key))
        #expect(entry.document == document && entry.exitCode == 0)
        #expect(entry.textReport?.hasPrefix("fltcheck: model \"M\" (M.swift): 1 filter, 1 request; verdict taken from the cache (checked ") == true)
        #expect(entry.textReport?.hasSuffix("\nmore\n") == true)
        #expect(cache.lookup(String(repeating: "cd", count: 32)) == nil)
        // Missing a format, or a json report that disagrees with the document: not trusted.
        var partial = reports
        partial["html"] = nil
        cache.store(CachedVerdict(key: key, summary: "", document: document, reports: partial))
        #expect(cache.lookup(key) == nil)
        var other = document
        other.exitCode = 1
        cache.store(CachedVerdict(key: key, summary: "", document: other, reports: reports))
        #expect(cache.lookup(key) == nil)
        try Data("{".utf8).write(to: URL(fileURLWithPath: cache.path(for: key)))
        #expect(cache.lookup(key) == nil)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: cache.directory)
        #expect(leftovers == [key + ".json"], "\(leftovers)")
    }
}
