import Foundation
import Testing

/// The program fltcheck compiles from a model file: what its compile needs, and how it reads the
/// `--param` values fltcheck passes it.
@Suite struct ModelProgramTests {
    private let bench = "Models/Bench/FilterStack.swift"
    private let choices = "VARIANT is one of correct|doubleCompletion|teardownNeverCompletes"

    /// FltModel imports no Foundation: otherwise the first compile of a model on a fresh machine
    /// builds Foundation's clang modules (3.1 s instead of 0.7 s for FilterStack).
    @Test func aFreshCompileBuildsNoFoundationModules() throws {
        let cache = FltCheck.makeTemporaryDirectory("fresh-cache")
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let outcome = try FltCheck.verify(bench, ["--param", "N=1"], cache: cache)
        #expect(outcome.status == 0, "\(outcome)")
        let built = (FileManager.default.subpaths(atPath: cache + "/module-cache") ?? []).filter { $0.hasSuffix(".pcm") }
        #expect(!built.isEmpty, "the compile used the module cache in \(cache)")
        let foundation = built.filter { $0.contains("Foundation") || $0.contains("Dispatch") }
        #expect(foundation.isEmpty, "a model compile built \(foundation)")
    }

    @Test func parameterValuesArriveWithEveryCharacter() throws {
        let value = "𝄞 é \u{1}\"\\/x"
        let outcome = try FltCheck.verify(bench, ["--param", "VARIANT=\(value)"])
        #expect(outcome.status == 3, "\(outcome)")
        #expect(outcome.stderr.contains("--param VARIANT=\(value): \(choices)"), "\(outcome)")
    }

    /// The model program run by hand, with the environment fltcheck would give it.
    @Test func theModelProgramReportsMalformedParameters() throws {
        let cache = FltCheck.makeTemporaryDirectory("program-cache")
        defer { try? FileManager.default.removeItem(atPath: cache) }
        #expect(try FltCheck.verify(bench, ["--param", "N=1"], cache: cache).status == 0)
        let program = try #require(
            FileManager.default.subpaths(atPath: cache)?.first { $0.hasSuffix("/model") }.map { cache + "/" + $0 },
            "the compiled model in \(cache)")
        let scratch = FltCheck.makeTemporaryDirectory("program-ir")
        defer { try? FileManager.default.removeItem(atPath: scratch) }

        /// The messages of the build errors the program writes with `parameters`.
        func errors(_ parameters: String) throws -> [String] {
            let ir = scratch + "/ir.json"
            try? FileManager.default.removeItem(atPath: ir)
            let run = try FltCheck.run(
                [], executable: program, environment: ["FLTCHECK_IR_OUT": ir, "FLTCHECK_PARAMETERS": parameters])
            #expect(run.status == 0, "\(run)")
            let data = try #require(FileManager.default.contents(atPath: ir), "\(run)")
            let envelope = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let list = try #require(envelope["errors"] as? [[String: Any]])
            return list.compactMap { $0["message"] as? String }
        }

        #expect(try errors(#"{"N": "2"}"#) == [])
        // A character outside the BMP as a surrogate pair, and the other escapes JSON has.
        #expect(try errors(#" { "N" : "2" , "VARIANT" : "\ud834\udd1e\u00e9\b\f\n\r\t\"\\\/" } "#)
            == ["--param VARIANT=𝄞é\u{8}\u{C}\n\r\t\"\\/: \(choices)"])
        for malformed in [#"{"N": 2}"#, #"{"VARIANT": "\ud834"}"#, #"{"N": "2",}"#, #"{"N": "2"} x"#, #"["N"]"#, #"{"N": "\x"}"#] {
            #expect(try errors(malformed) == ["FLTCHECK_PARAMETERS is not a JSON object of strings: \(malformed)"], "\(malformed)")
        }
    }
}
