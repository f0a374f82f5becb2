import Foundation
import Testing

/// The README's CI recipe: docs/fltcheck-workflow.yml, shown whole in the README, and the fltcheck
/// commands it runs, run here as the workflow runs them (not on GitHub).
@Suite struct CIRecipe {
    let root = FltCheck.packageRoot

    func workflow() throws -> String {
        try String(contentsOfFile: root + "/docs/fltcheck-workflow.yml", encoding: .utf8)
    }

    /// The `run:` commands of the workflow.
    func commands(_ text: String) -> [String] {
        text.split(separator: "\n").compactMap { line in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            return trimmed.hasPrefix("run: ") ? String(trimmed.dropFirst("run: ".count)) : nil
        }
    }

    @Test func theReadmeShowsTheWorkflowAsItIs() throws {
        let text = try workflow()
        let readme = try String(contentsOfFile: root + "/README.md", encoding: .utf8)
        #expect(readme.contains("## CI recipe"))
        #expect(readme.contains("```yaml\n" + text + "```"), "README's CI recipe differs from docs/fltcheck-workflow.yml")
        let runs = commands(text)
        #expect(runs.contains { $0.contains("apt-get install -y libz3-dev") }, "\(runs)")
        #expect(runs.contains("swift build -c release"), "\(runs)")
        #expect(text.contains("container: swift:6.3-noble"))
        #expect(text.contains("uses: github/codeql-action/upload-sarif@v3"))
        #expect(text.contains("sarif_file: fltcheck.sarif"))
        #expect(text.contains("security-events: write"))
    }

    /// Runs each fltcheck command of the workflow with the fltcheck under test (`.build/release/`
    /// becomes the built binary, the SARIF goes to a temporary directory): it must exit 0 on this
    /// repository's fltcheck.json and write a SARIF log with one run per model.
    @Test func theWorkflowsFltcheckCommandsPass() throws {
        let scratch = FltCheck.makeTemporaryDirectory("ci-recipe")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let invocations = commands(try workflow()).filter { $0.hasPrefix(".build/release/fltcheck ") }
        #expect(invocations == [".build/release/fltcheck verify --format sarif -o fltcheck.sarif"], "\(invocations)")
        let configData = try #require(FileManager.default.contents(atPath: root + "/fltcheck.json"))
        let config = try #require(try JSONSerialization.jsonObject(with: configData) as? [String: Any])
        let modelCount = try #require((config["models"] as? [Any])?.count)
        for invocation in invocations {
            var arguments = invocation.split(separator: " ").dropFirst().map(String.init)
            let sarif = scratch + "/fltcheck.sarif"
            if let flag = arguments.firstIndex(of: "-o"), arguments.indices.contains(flag + 1) {
                arguments[flag + 1] = sarif
            }
            let outcome = try FltCheck.run(arguments)
            #expect(outcome.status == 0, "\(outcome)")
            #expect(outcome.lines.last == "verdict: \(modelCount) as expected (exit 0); sarif report written to \(sarif)", "\(outcome)")
            let data = try #require(FileManager.default.contents(atPath: sarif), "no SARIF written: \(outcome)")
            let log = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            #expect(log["version"] as? String == "2.1.0")
            #expect((log["runs"] as? [Any])?.count == modelCount)
        }
    }
}
