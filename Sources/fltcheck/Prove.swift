import ArgumentParser
import FltExplorer
import FltProperties
import FltProver
import FltReport
import FltSemantics
import Foundation

/// `fltcheck prove`: unbounded proofs of the safety properties with Z3's Spacer engine.
struct Prove: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Prove the safety properties for runs of every length and all data (Z3 Spacer), or find a violation.",
        discussion: """
            Explores the model's control states with its bit-vector data left abstract, hands the \
            graph (FltMgr's semantics included) to Z3's Spacer engine as Horn clauses and asks, for \
            each safety property some step could break, whether a run reaches that step. Answers \
            proved (printing the inductive invariant), violated (with a trace from the explicit \
            search) or unknown. Liveness properties are not covered: use verify for them.

            Exit codes: 0 every safety property proved, 1 a property violated, 2 unknown (time \
            limit, Z3 gave up, --max-states reached, or a violation without a trace within the \
            explicit search's bounds), 3 model or usage error.
            """)

    @Argument(help: "The model file (Swift, importing FltModel).")
    var model: String

    @Option(name: .customLong("param"), help: ArgumentHelp("Set a parameter the model declares (repeatable).", valueName: "NAME=VALUE"))
    var parameterOptions: [String] = []

    @Option(help: ArgumentHelp(
        "Give up after this long: 60s (the default), 5m, 1h. A Z3 query that does not stop when interrupted is abandoned 5 s later.",
        valueName: "duration"))
    var timeLimit: String?

    @Option(help: "Stop (unknown) when the control graph has more states than this.")
    var maxStates: Int = 200_000

    func validate() throws {
        _ = try parseParameters(parameterOptions)
        _ = try seconds()
        if maxStates < 1 { throw ValidationError("--max-states must be at least 1") }
    }

    private func seconds() throws -> Double {
        guard let timeLimit else { return 60 }
        do {
            return try SearchArguments.seconds(timeLimit)
        } catch {
            throw ValidationError("--time-limit takes a duration such as 60s, 5m or 1h (got \"\(timeLimit)\")")
        }
    }

    func run() throws {
        let loaded = loadModel(model, parameters: try parseParameters(parameterOptions))
        let program = compile(loaded)
        let abstract: Semantics
        do {
            abstract = try Semantics.abstracting(program)
        } catch {
            failModel(error.description)
        }
        let result: ProofResult
        let abandoned: Bool
        do {
            (result, abandoned) = try Prover(program: program, semantics: abstract, maxStates: maxStates, timeLimitSeconds: try seconds())
                .runEnforcingTimeLimit()
        } catch {
            print("fltcheck prove: Z3 failed: \(error)")
            throw ExitCode(2)
        }
        let code = report(result, modelName: loaded.ir.name, program: program)
        if abandoned {
            // A thread is still inside Z3: end the process without running exit handlers under it.
            fflush(nil)
            _exit(code)
        }
        if code != 0 { throw ExitCode(code) }
    }

    /// Prints the result; returns the exit code.
    private func report(_ result: ProofResult, modelName: String, program: Program) -> Int32 {
        print("fltcheck prove: model \"\(modelName)\" (\(TextReport().display(path: model))): \(result.controlStates) control states, \(result.edges) steps, in \(String(format: "%.2f", result.seconds)) s")
        if let stopped = result.stopped {
            print("verdict: unknown: \(stopped); nothing is proved (exit 2)")
            return 2
        }
        let checked = Set(result.outcomes.map(\.property.id))
        var traces: [String] = []
        var worst: Int32 = 0
        for (property, outcome) in result.outcomes {
            switch outcome {
            case .proved:
                print("  proved       \(property.id)")
            case .unknown(let reason):
                print("  unknown      \(property.id): \(reason)")
                worst = max(worst, 2)
            case .violated:
                if let example = explicitTrace(program, property.id) {
                    print("  VIOLATED     \(property.id)")
                    traces += [""] + TextReport().render(example, program: program)
                    worst = 1
                } else {
                    print("  unknown      \(property.id): Spacer derives a violation, but the explicit search found no trace within \(maxStates) states")
                    worst = max(worst, 2)
                }
            }
        }
        let safety = Property.all.filter { $0.kind == .safety && !checked.contains($0.id) }
        print("  proved       the other \(safety.count) safety properties: no step of the control graph can break them")
        let liveness = Property.all.filter { $0.kind == .liveness }.map(\.id)
        print("  not checked  \(liveness.joined(separator: ", ")) (liveness: use verify)")
        if !result.invariant.isEmpty, worst != 1 {
            print("")
            print("inductive invariant (Spacer), where it says more than true:")
            for line in result.invariant { print("  \(line)") }
        }
        for line in traces { print(line) }
        print("")
        switch worst {
        case 0: print("verdict: every safety property proved for runs of every length and every value of the symbolic data (exit 0)")
        case 1: print("verdict: VIOLATED: \(result.outcomes.filter { if case .violated = $0.outcome { true } else { false } }.map(\.property.id).joined(separator: ", ")) (exit 1)")
        default: print("verdict: unknown: not every safety property could be decided; nothing is claimed for those (exit 2)")
        }
        return worst
    }

    /// A shortest trace of `property` from the explicit search (with symbolic data decided by Z3).
    private func explicitTrace(_ program: Program, _ property: String) -> Counterexample? {
        let result = Explorer(semantics: Semantics(program), limits: Limits(maxStates: maxStates), options: SearchOptions(jobs: defaultJobs)).run()
        return result.counterexamples.first { $0.violation.property.id == property }
    }
}
