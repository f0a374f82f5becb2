import FltProperties
import FltSemantics
import Foundation

/// What replaying a saved counterexample against a model found.
public enum ReplayOutcome: Sendable, Equatable {
    /// The property is violated again: by step `step` itself, or (`atEndState`) in the state after it.
    case reproduced(property: String, step: Int, atEndState: Bool, message: String, notes: [String])
    /// Step `step` of the trace can no longer be taken, or the run no longer violates the property.
    case noLongerReproduces(property: String, step: Int, reason: String)

    public var reproduced: Bool {
        if case .reproduced = self { return true }
        return false
    }

    /// One line: `reproduced: P at step N: ...` or `no longer reproduces: P: step N ...`.
    public var summary: String {
        switch self {
        case .reproduced(let property, let step, let atEndState, let message, let notes):
            let place = atEndState ? "in the state after step \(step)" : "at step \(step)"
            return "reproduced: \(property) \(place): \(message)" + notes.map { "\n  note: \($0)" }.joined()
        case .noLongerReproduces(let property, let step, let reason):
            return "no longer reproduces: \(property): step \(step) \(reason)"
        }
    }
}

/// Why a saved result cannot be replayed at all (a usage error, exit 3).
public enum ReplayError: Error, CustomStringConvertible, Sendable {
    case unreadable(path: String, reason: String)
    case notAResult(path: String, reason: String)
    case nothingToReplay(path: String, verdict: String)
    case noSuchCounterexample(path: String, property: String, available: [String])

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "error: cannot read the trace \(path): \(reason)"
        case .notAResult(let path, let reason): "error: \(path) is not a result `fltcheck verify --format json` writes: \(reason)"
        case .nothingToReplay(let path, let verdict): "error: \(path) has no counterexample to replay (its verdict is \(verdict))"
        case .noSuchCounterexample(let path, let property, let available):
            "error: \(path) has no counterexample of \(property); it has: \(available.joined(separator: ", "))"
        }
    }
}

/// Reads a saved `fltcheck-result` document (docs/json-format.md).
public func readResultDocument(_ path: String) throws(ReplayError) -> ResultDocument {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw .unreadable(path: path, reason: FileManager.default.fileExists(atPath: path) ? "permission denied or not a regular file" : "no such file")
    }
    struct Header: Decodable {
        let schema: String?
        let version: Int?
    }
    let header: Header
    do {
        header = try JSONDecoder().decode(Header.self, from: data)
    } catch {
        throw .notAResult(path: path, reason: "it is not a JSON object")
    }
    guard header.schema == ResultDocument.schemaName else {
        throw .notAResult(path: path, reason: "its \"schema\" is \(header.schema.map { "\"\($0)\"" } ?? "missing"), not \"\(ResultDocument.schemaName)\"")
    }
    guard header.version == ResultDocument.currentVersion else {
        throw .notAResult(path: path, reason: "it is version \(header.version.map(String.init) ?? "(missing)"); this fltcheck reads version \(ResultDocument.currentVersion)")
    }
    do {
        return try JSONDecoder().decode(ResultDocument.self, from: data)
    } catch {
        throw .notAResult(path: path, reason: "\(error)")
    }
}

/// Takes a saved counterexample's transitions again, one by one, from the model's initial state,
/// and checks that each step can still be taken, does the same things, and that the run still
/// ends in the violation.
///
/// A step can no longer be taken when its thread index names no thread of the state, or a thread
/// that cannot run (blocked or finished), or a different thread than the one saved (`actor`); when
/// its choices are not a way the step can go now (a choice out of range, fewer or more choices);
/// or when taking it produces other events (actor or text) than the saved ones. A run that gets
/// through every step no longer reproduces when its last step (or, for a liveness violation, the
/// state after it) no longer violates the property.
public struct TraceReplayer: Sendable {
    public let semantics: Semantics

    public init(semantics: Semantics) {
        self.semantics = semantics
    }

    public func replay(_ trace: TraceDocument) -> ReplayOutcome {
        let property = trace.property.id
        var state = semantics.initialState()
        if trace.path.isEmpty && !trace.atEndState {
            return .noLongerReproduces(property: property, step: 0, reason: "is missing: the trace has no transitions")
        }
        for (index, saved) in trace.path.enumerated() {
            let number = index + 1
            let isLast = index == trace.path.count - 1
            let names = semantics.threadNames(state)
            let enabled = semantics.enabledThreads(state)
            let running = enabled.map { "\($0) (\(names[$0]))" }.joined(separator: ", ")
            func cannot(_ why: String) -> ReplayOutcome {
                .noLongerReproduces(property: property, step: number, reason: "can no longer be taken: \(why)")
            }
            guard names.indices.contains(saved.thread) else {
                return cannot("it runs thread \(saved.thread) (\(saved.actor)), but there are only \(names.count) threads now; threads that can run: \(running.isEmpty ? "none" : running)")
            }
            guard names[saved.thread] == saved.actor else {
                return cannot("thread \(saved.thread) is now \(names[saved.thread]), not \(saved.actor)")
            }
            guard enabled.contains(saved.thread) else {
                return cannot("thread \(saved.thread) (\(saved.actor)) cannot run now (blocked, or another thread is inside Atomic); threads that can run: \(running.isEmpty ? "none" : running)")
            }
            let ways = semantics.successors(of: state).filter { $0.transition.thread == saved.thread }.map(\.transition.choices)
            if !ways.contains(saved.choices) {
                return cannot(choiceProblem(saved.choices, ways: ways, actor: saved.actor))
            }
            let taken = semantics.replay(Transition(savedThread: saved.thread, choices: saved.choices), from: state)
            let expected = trace.trace.filter { $0.step == number && $0.transition != nil }.map { EventKey(actor: $0.actor, text: $0.event) }
            let actual = taken.events.map { EventKey(actor: $0.actor, text: $0.text) }
            let eventDifference = difference(expected: expected, actual: actual)

            if let violation = taken.violation {
                if violation.property.id == property {
                    var notes: [String] = []
                    if !isLast || trace.atEndState { notes.append("the saved trace reached it only \(trace.atEndState ? "after" : "at") step \(trace.path.count)") }
                    if let eventDifference { notes.append("step \(number)'s events differ from the saved ones: \(eventDifference)") }
                    return .reproduced(property: property, step: number, atEndState: false, message: violation.message, notes: notes)
                }
                return .noLongerReproduces(property: property, step: number, reason: "now violates \(violation.property.id) instead: \(violation.message)")
            }
            if let eventDifference { return cannot("it does something else now: \(eventDifference)") }
            if isLast && !trace.atEndState {
                return .noLongerReproduces(property: property, step: number, reason: "is taken as saved but no longer violates \(property)")
            }
            state = taken.state
        }
        // A liveness violation, judged in the state the path ends in.
        let last = trace.path.count
        if !semantics.isQuiescent(state) {
            let names = semantics.threadNames(state)
            let running = semantics.enabledThreads(state).map { names[$0] }.joined(separator: ", ")
            return .noLongerReproduces(property: property, step: last, reason: "is taken as saved, but the run no longer gets stuck after it: \(running) can still make progress")
        }
        let violations = semantics.endStateViolations(state)
        if let violation = violations.first(where: { $0.property.id == property }) {
            return .reproduced(property: property, step: last, atEndState: true, message: violation.message, notes: [])
        }
        let others = violations.map { "\($0.property.id): \($0.message)" }
        return .noLongerReproduces(property: property, step: last, reason: "is taken as saved, but the state after it no longer violates \(property)" + (others.isEmpty ? "" : " (it violates \(others.joined(separator: "; ")))"))
    }

    private struct EventKey: Equatable {
        let actor: String
        let text: String
        var shown: String { "\(actor): \(text)" }
    }

    private func difference(expected: [EventKey], actual: [EventKey]) -> String? {
        for index in 0..<max(expected.count, actual.count) {
            let want = index < expected.count ? expected[index] : nil
            let got = index < actual.count ? actual[index] : nil
            if want == got { continue }
            switch (want, got) {
            case (let want?, let got?): return "event \(index + 1) was \"\(want.shown)\", now \"\(got.shown)\""
            case (let want?, nil): return "event \(index + 1) \"\(want.shown)\" no longer happens"
            case (nil, let got?): return "it now also does \"\(got.shown)\""
            case (nil, nil): return nil
            }
        }
        return nil
    }

    /// Why `choices` is not among the ways the step can go.
    private func choiceProblem(_ choices: [Int], ways: [[Int]], actor: String) -> String {
        for position in 0..<choices.count {
            let prefix = Array(choices[..<position])
            let matching = ways.filter { $0.count > position && Array($0[..<position]) == prefix }
            if matching.isEmpty {
                let made = ways.filter { Array($0.prefix(position)) == prefix }.map(\.count).max() ?? 0
                return "\(actor) now makes \(made) nondeterministic choice\(made == 1 ? "" : "s") in this step, the trace has \(choices.count)"
            }
            let options = (matching.map { $0[position] }.max() ?? 0) + 1
            if choices[position] >= options || choices[position] < 0 {
                return "choice \(position + 1) of the step takes branch \(choices[position] + 1), but it now has \(options) branch\(options == 1 ? "" : "es")"
            }
        }
        let more = ways.filter { Array($0.prefix(choices.count)) == choices }.map(\.count).max() ?? choices.count
        return "\(actor) now makes \(more) nondeterministic choices in this step, the trace has \(choices.count)"
    }
}
