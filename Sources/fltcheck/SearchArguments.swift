import ArgumentParser
import FltExplorer
import FltSemantics
import Foundation

/// How `verify` explores a model.
enum SearchStrategy: String, CaseIterable, ExpressibleByArgument {
    /// Exhaustive breadth-first search: proves properties, and its counterexamples are shortest.
    case bfs
    /// Exhaustive depth-first search: proves properties with less memory; counterexamples need not
    /// be shortest.
    case dfs
    /// Random walks (swarm-biased) with shrunk counterexamples: for models too large to exhaust.
    case random
}

/// Which engine `verify` runs.
enum Engine: String, CaseIterable, ExpressibleByArgument {
    /// The explicit search (`--strategy`).
    case explicit
    /// Bounded model checking in Z3 to `--depth`.
    case bmc
}

/// A search ready to run: the strategy with every choice made (the seed drawn).
enum SearchPlan {
    case exhaustive(SearchOptions)
    case random(RandomSearchOptions)
    /// Bounded model checking to this many steps.
    case bmc(depth: Int)

    /// The options of an exhaustive search, nil for a random one.
    var exhaustiveOptions: SearchOptions? {
        if case .exhaustive(let options) = self { return options }
        return nil
    }

    /// Explores `semantics` this way; `showProgress` writes a progress line on stderr; Ctrl-C stops
    /// an exhaustive search with an inconclusive verdict.
    func explore(_ semantics: Semantics, limits: Limits, showProgress: Bool) -> ExplorationResult {
        let result: ExplorationResult
        switch self {
        case .exhaustive(let options):
            var report: (@Sendable (ExplorationProgress) -> Void)?
            if showProgress {
                report = { progress in
                    let line = "\r\u{1B}[K  " + progressLine(progress)
                    FileHandle.standardError.write(Data(line.utf8))
                }
            }
            result = Explorer(semantics: semantics, limits: limits, options: options).run(progress: report, shouldStop: { interruptRequested() })
        case .bmc:
            preconditionFailure("bounded model checking runs in checkModel")
        case .random(let options):
            result = RandomSearch(semantics: semantics, options: options).run(progress: showProgress ? { walks, steps in
                FileHandle.standardError.write(Data("\r\u{1B}[K  \(walks) walks, \(steps) steps (seed \(options.seed)) ...".utf8))
            } : nil, shouldStop: { interruptRequested() })
        }
        if showProgress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        return result
    }
}

/// `verify`'s options that choose and bound the search (`@OptionGroup` in `Verify`).
struct SearchArguments: ParsableArguments {
    @Option(help: ArgumentHelp(
        "How to explore: bfs (every interleaving, breadth-first: a proof, shortest traces; the default), dfs (every interleaving, depth-first: less memory, traces need not be shortest) or random (random walks for models too large to exhaust: finds bugs, never proves; see --seed, --budget, --walks).",
        valueName: "strategy"))
    var strategy: SearchStrategy = .bfs

    @Option(help: ArgumentHelp(
        "explicit (the default: the search --strategy picks) or bmc: bounded model checking, the model unrolled --depth steps as one Z3 formula; finds safety violations up to that depth (shortest first) and proves nothing beyond it.",
        valueName: "engine"))
    var engine: Engine = .explicit

    @Option(help: "With --engine bmc: how many steps to unroll.")
    var depth: Int?

    @Option(help: "bfs/dfs: threads that expand states (default: every core). Verdicts and traces do not depend on it.")
    var jobs: Int?

    @Flag(help: "bfs/dfs: explore every state, without symmetry reduction over identical requests.")
    var noSymmetry = false

    @Flag(help: "bfs/dfs: keep what completed requests left behind (IoStatus, callback states) even when nothing refers to them any more; by default such a request is stored as \"completed\" alone.")
    var keepCompleted = false

    @Flag(help: "bfs/dfs: under symmetry reduction, take the steps of every thread; by default a thread whose steps are, up to renaming identical requests, those of another thread of the state (the originators of two requests in the same state, say) is left out.")
    var allSymmetricThreads = false

    @Flag(help: "Every strategy and engine: give a statement that touches only its thread's locals a step of its own, as every other statement; by default it joins the step before it (partial-order reduction: no other thread can tell).")
    var noPartialOrder = false

    @Flag(help: "bfs/dfs: store 64-bit fingerprints instead of whole states: less memory; the report gives the probability that a state was missed.")
    var hashCompaction = false

    @Flag(help: "bfs/dfs, one MODEL: stop at the first violation (exit 1 with its trace); the properties not violated by then are reported inconclusive, not checked to the end.")
    var stopAtFirst = false

    @Option(help: ArgumentHelp("bfs/dfs: stop with an inconclusive verdict when fltcheck's memory exceeds this (e.g. 4G, 512M; a bare number is MiB).", valueName: "size"))
    var maxMemory: MemorySize?

    @Option(help: "With --strategy random: the seed of the walks (default: a fresh one, printed). The same seed and --walks repeat a run exactly.")
    var seed: UInt64?

    @Option(help: ArgumentHelp(
        "With --strategy random: stop starting walks after this long: 30s, 5m, 1h, or seconds (default: 30s unless --walks is given).",
        valueName: "duration"))
    var budget: String?

    @Option(help: "With --strategy random: stop after this many walks (with --budget, whichever comes first).")
    var walks: Int?

    @Option(help: ArgumentHelp("With --strategy random: cut each walk after this many steps (default: \(RandomSearchOptions.defaultMaxWalkLength)).", valueName: "steps"))
    var maxWalkLength: Int?

    @Option(help: ArgumentHelp(
        "Models with symbolic data: the time Z3 may take on each question (which way a branch can go): 10s by default, or e.g. 500ms, 1m. A question it cannot answer in time makes the verdict inconclusive (exit 2).",
        valueName: "duration"))
    var solverTimeout: String?

    /// `--solver-timeout` in milliseconds.
    func solverTimeoutMilliseconds() throws -> UInt32 {
        guard let text = solverTimeout?.trimmingCharacters(in: .whitespaces) else { return 10_000 }
        let milliseconds: Double? = text.hasSuffix("ms")
            ? Double(text.dropLast(2))
            : (try? SearchArguments.seconds(text)).map { $0 * 1000 }
        guard let milliseconds, milliseconds.isFinite, milliseconds >= 1, milliseconds <= Double(UInt32.max) else {
            throw ValidationError("--solver-timeout takes a duration such as 10s, 500ms or 1m (got \"\(text)\")")
        }
        return UInt32(milliseconds.rounded())
    }

    /// The time budget when `--strategy random` is given with neither `--budget` nor `--walks`.
    static let defaultSeconds = 30.0

    /// The options that only a random search reads, by flag, in the order given in --help.
    private var randomOnlyFlags: [String] {
        [seed != nil ? "--seed" : nil, budget != nil ? "--budget" : nil, walks != nil ? "--walks" : nil,
         maxWalkLength != nil ? "--max-walk-length" : nil].compactMap { $0 }
    }

    /// The options that only an exhaustive search reads.
    private var exhaustiveOnlyFlags: [String] {
        [jobs != nil ? "--jobs" : nil, noSymmetry ? "--no-symmetry" : nil, allSymmetricThreads ? "--all-symmetric-threads" : nil, keepCompleted ? "--keep-completed" : nil, hashCompaction ? "--hash-compaction" : nil,
         maxMemory != nil ? "--max-memory" : nil, stopAtFirst ? "--stop-at-first" : nil].compactMap { $0 }
    }

    /// Usage errors (exit 3), given what else `verify` was asked: a random-search option without
    /// `--strategy random` and the other way round, a bad duration or count.
    func validate(model: String?, maxDepth: Int?, maxStates: Int?) throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        _ = try solverTimeoutMilliseconds()
        guard engine == .explicit else {
            guard let depth, depth >= 1 else { throw ValidationError("--engine bmc needs --depth K (K ≥ 1): how many steps to unroll") }
            if model == nil { throw ValidationError("--engine bmc checks one MODEL: fltcheck verify MODEL --engine bmc --depth \(depth)") }
            if let flag = (randomOnlyFlags + exhaustiveOnlyFlags).first ?? (strategy != .bfs ? "--strategy" : nil) {
                throw ValidationError("\(flag) applies to the explicit search, not to --engine bmc")
            }
            if maxDepth != nil { throw ValidationError("with --engine bmc, --depth bounds the runs (not --max-depth)") }
            return
        }
        if depth != nil { throw ValidationError("--depth goes with --engine bmc; bound the explicit search with --max-depth") }
        guard strategy == .random else {
            if stopAtFirst && model == nil {
                throw ValidationError("--stop-at-first checks one MODEL: with fltcheck.json every model is checked to the end against its expected verdict")
            }
            if let flag = randomOnlyFlags.first {
                throw ValidationError("\(flag) needs --strategy random (--strategy \(strategy.rawValue) explores every interleaving and has no seed or budget)")
            }
            return
        }
        if stopAtFirst {
            throw ValidationError("--stop-at-first applies to --strategy bfs and dfs; random walks always stop at the first violation")
        }
        if let flag = exhaustiveOnlyFlags.first {
            throw ValidationError("\(flag) applies to --strategy bfs and dfs, not to random walks")
        }
        if maxDepth != nil || maxStates != nil {
            throw ValidationError("--max-depth and --max-states bound the exhaustive search; with --strategy random, bound it with --budget, --walks and --max-walk-length")
        }
        if model == nil {
            throw ValidationError("--strategy random checks one MODEL: fltcheck verify MODEL --strategy random")
        }
        _ = try randomOptions(seed: 0)
    }

    /// The search to run; draws the seed when none was given (the report prints it).
    func plan() throws -> SearchPlan {
        if engine == .bmc, let depth { return .bmc(depth: depth) }
        switch strategy {
        case .bfs, .dfs:
            return .exhaustive(SearchOptions(
                strategy: strategy == .bfs ? .bfs : .dfs, symmetry: !noSymmetry, hashCompaction: hashCompaction,
                jobs: jobs ?? defaultJobs, stopAtFirstViolation: stopAtFirst, forgetCompleted: !keepCompleted,
                threadSymmetry: !allSymmetricThreads))
        case .random:
            var system = SystemRandomNumberGenerator()
            return .random(try randomOptions(seed: seed ?? system.next()))
        }
    }

    private func randomOptions(seed: UInt64) throws -> RandomSearchOptions {
        let seconds = try budget.map(SearchArguments.seconds) ?? (walks == nil ? SearchArguments.defaultSeconds : nil)
        do {
            return try RandomSearchOptions(seed: seed, maxWalks: walks, maxSeconds: seconds,
                maxWalkLength: maxWalkLength ?? RandomSearchOptions.defaultMaxWalkLength)
        } catch {
            throw ValidationError(error.description)
        }
    }

    /// `--budget`'s duration in seconds: a number followed by s, m or h, or a bare number of seconds.
    static func seconds(_ text: String) throws -> Double {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600]
        var number = Substring(text.trimmingCharacters(in: .whitespaces))
        var unit = 1.0
        if let last = number.last, let scale = units[last] {
            unit = scale
            number = number.dropLast()
        }
        guard let value = Double(number), value.isFinite, value > 0 else {
            throw ValidationError("--budget takes a positive duration such as 30s, 5m or 1h (got \"\(text)\")")
        }
        return value * unit
    }
}
