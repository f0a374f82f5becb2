import FltExplorer
import FltLoader
import FltSemantics
import Foundation
import Testing

// The repository's own models (Models/**/*.swift) for in-process tests: compiled the way
// `fltcheck verify` compiles them (swiftc against the libFltModel.so beside the test runner), each
// once per test process, on first use, into one fresh model cache that is removed at exit. One
// cache for every model keeps swiftc's module cache warm: the first model takes about 2 s, the
// next ones about 0.4 s each.

/// Every model file under Models/ (recursively), relative to the package root, sorted.
func repositoryModelFiles() -> [String] {
    guard let enumerator = FileManager.default.enumerator(atPath: reportRoot + "/Models") else { return [] }
    var found: [String] = []
    while let relative = enumerator.nextObject() as? String {
        if relative.hasSuffix(".swift") { found.append("Models/" + relative) }
    }
    return found.sorted()
}

/// The model cache of this test process, removed when it exits.
private let repositoryModelCache = NSTemporaryDirectory() + "fltcheck-test-models-\(getpid())"
private let removeRepositoryModelCacheAtExit: Void = {
    _ = atexit { try? FileManager.default.removeItem(atPath: repositoryModelCache) }
}()

/// Whether the tests run in an optimized build (`swift test -c release`, the README's test command).
/// There the cross-checks cover every model completely; a debug build is 5-10 times slower, so
/// there they cover the models under a state bound only.
enum TestBuild {
    static let optimized: Bool = {
        #if DEBUG
        false
        #else
        true
        #endif
    }()
}

enum RepositoryModels {
    private static let programs = OnceCache<ModelInstance, Result<Program, any Error>>()
    /// One lock per model file: ModelLoader stages a compile in a directory named after the process,
    /// so two loads of one file at once in one process (other parameters) would share it.
    private static let fileLocks = OnceCache<String, NSLock>()

    /// The model at `path` (relative to the package root) with `parameters` as its `--param` values.
    static func program(_ path: String, parameters: [String: String] = [:]) throws -> Program {
        try programs.value(ModelInstance(path: path, parameters: parameters)) {
            _ = removeRepositoryModelCacheAtExit
            var environment = ProcessInfo.processInfo.environment
            environment["FLTCHECK_CACHE_DIR"] = repositoryModelCache
            return fileLocks.value(path) { NSLock() }.withLock {
                Result { try Program(ModelLoader(environment: environment).load(reportRoot + "/" + path, parameters: parameters).ir) }
            }
        }.get()
    }

    /// The properties a model's `// fltcheck-expect: violated ...` header names (empty for `holds`).
    static func expectedViolations(_ path: String) throws -> Set<String> {
        let source = try String(contentsOfFile: reportRoot + "/" + path, encoding: .utf8)
        let header = try #require(source.split(separator: "\n").first { $0.hasPrefix("// fltcheck-expect:") })
        let words = header.dropFirst("// fltcheck-expect:".count).split(separator: " ").map(String.init)
        return words.first == "violated" ? Set(words.dropFirst()) : []
    }
}

/// A model file under Models/ and the `--param` values it is built with.
struct ModelInstance: Hashable, Sendable, Codable, CustomTestStringConvertible {
    let path: String
    let parameters: [String: String]

    init(path: String, parameters: [String: String] = [:]) {
        self.path = path
        self.parameters = parameters
    }

    var testDescription: String {
        parameters.isEmpty ? path : path + " " + parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    }
}

/// Values computed at most once per key, for the whole test process; concurrent callers of the same
/// key wait for the one computing it.
final class OnceCache<Key: Hashable & Sendable, Value: Sendable>: @unchecked Sendable {
    private final class Slot: @unchecked Sendable {
        let lock = NSLock()
        var value: Value?
    }

    private let lock = NSLock()
    private var slots: [Key: Slot] = [:]

    func value(_ key: Key, _ make: () -> Value) -> Value {
        let slot = lock.withLock {
            if let slot = slots[key] { return slot }
            let slot = Slot()
            slots[key] = slot
            return slot
        }
        return slot.lock.withLock {
            if let value = slot.value { return value }
            let value = make()
            slot.value = value
            return value
        }
    }
}

/// `OnceCache` for async callers: a caller of a key being computed suspends instead of blocking
/// its thread, so the threads of the test run keep computing other keys.
actor AsyncOnceCache<Key: Hashable & Sendable, Value: Sendable> {
    private var tasks: [Key: Task<Value, Never>] = [:]

    func value(_ key: Key, _ make: @escaping @Sendable () async -> Value) async -> Value {
        if let task = tasks[key] { return await task.value }
        let task = Task.detached(operation: make)
        tasks[key] = task
        return await task.value
    }
}

/// How a counterexample's `path`, taken again from the initial state with `Semantics.replay`, ends.
enum PathReplay: Equatable, CustomStringConvertible {
    /// It violates `property` as the counterexample says: at its last step, in the quiescent state it
    /// ends in (`atEndState`), or on a fair cycle (the state after the cycle is the one it started
    /// from, and that cycle leaves `property` undone forever).
    case violates(String)
    /// Step `step` (1-based) is not a successor of the state it starts from.
    case invalidStep(Int)
    /// A step before the last violates an error property (`property`): the search would have
    /// stopped there.
    case violatedEarly(step: Int, property: String)
    /// The path is valid but does not end in the counterexample's violation.
    case noViolation(String)

    var description: String {
        switch self {
        case .violates(let property): "violates \(property)"
        case .invalidStep(let step): "step \(step) is not a successor of the state it starts from"
        case .violatedEarly(let step, let property): "step \(step) already violates \(property)"
        case .noViolation(let why): why
        }
    }
}

/// A fair cycle's counterexample (a liveness violation in a model with loops): the step its cycle
/// starts at, from the closing line "steps 7–12 repeat forever, ..."; nil for any other.
func fairCycleStart(_ example: Counterexample) -> Int? {
    guard let line = example.trace.last, line.event.actor == "fltcheck",
          let range = line.event.text.range(of: #"^steps \d+–\d+ repeat forever"#, options: .regularExpression) else { return nil }
    return Int(line.event.text[range].dropFirst("steps ".count).prefix { $0.isNumber })
}

/// Takes `example.path` again from `semantics.initialState()`, checking each transition is one of
/// the state's successors, and says which violation the run ends in.
func replayPath(_ example: Counterexample, _ semantics: Semantics) -> PathReplay {
    replayPath(example.path, atEndState: example.atEndState, cycleStart: fairCycleStart(example), property: example.violation.property.id, semantics)
}

/// The same for a path given apart: `property` is violated by its last step, or (`atEndState`) in
/// the quiescent state it ends in, or (`cycleStart`) on the cycle from that step to the end.
func replayPath(_ path: [Transition], atEndState: Bool, cycleStart: Int?, property: String, _ semantics: Semantics) -> PathReplay {
    var state = semantics.initialState()
    var loopState: SystemState?
    for (index, transition) in path.enumerated() {
        if let cycleStart, index + 1 == cycleStart { loopState = state }
        guard semantics.successors(of: state).contains(where: { $0.transition == transition }) else { return .invalidStep(index + 1) }
        let successor = semantics.replay(transition, from: state)
        let isLast = index == path.count - 1
        if isLast && !atEndState && cycleStart == nil {
            let found = ([successor.violation].compactMap { $0 } + successor.warnings).map(\.property.id)
            return found.contains(property) ? .violates(property) : .noViolation("the last step violates \(found.sorted()), not \(property)")
        }
        if let violation = successor.violation { return .violatedEarly(step: index + 1, property: violation.property.id) }
        state = successor.state
    }
    if let cycleStart {
        guard let loopState, loopState == state else { return .noViolation("the cycle from step \(cycleStart) does not come back to the state it starts from") }
        let undone = semantics.foreverUndone(state)?.property.id
        return undone == property ? .violates(property) : .noViolation("the cycle leaves \(undone ?? "nothing") undone forever, not \(property)")
    }
    guard semantics.isQuiescent(state) else { return .noViolation("the path of an end-state violation ends where a thread can still make progress") }
    let found = semantics.endStateViolations(state).map(\.property.id)
    return found.contains(property) ? .violates(property) : .noViolation("the end state violates \(found.sorted()), not \(property)")
}
