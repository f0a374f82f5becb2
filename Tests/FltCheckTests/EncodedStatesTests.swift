import FltSemantics
import Testing

/// `EncodedStates` keeps BFS's next level and the fair-cycle graph's states as bytes; a state that
/// did not come back from them equal would be explored (or judged) as another state.
@Suite struct EncodedStatesRoundTrip {
    /// Up to this many states of each model, breadth first over the unreduced successors.
    static let statesPerModel = 3000

    @Test(arguments: repositoryModelFiles())
    func everyReachedStateDecodesToItself(_ path: String) throws {
        let semantics = Semantics(try RepositoryModels.program(path))
        let initial = semantics.initialState()
        let encoded = EncodedStates(like: initial)
        var seen: Set<SystemState> = [initial]
        var reached = [initial]
        var head = 0
        while head < reached.count && reached.count < Self.statesPerModel {
            for successor in semantics.successors(of: reached[head]) where seen.insert(successor.state).inserted {
                reached.append(successor.state)
            }
            head += 1
        }
        for state in reached { encoded.append(state) }
        #expect(encoded.count == reached.count)
        let different = reached.indices.filter { encoded[$0] != reached[$0] }
        #expect(different.isEmpty, "\(path): \(different.count) of \(reached.count) states decode to another state, the first at \(different.first ?? -1)")
        // Decoded one after the other into the same buffers (as an expanding thread does), and
        // copied from one set of encodings to another (an expansion's into the next BFS level).
        var reused: SystemState?
        let copied = EncodedStates(sameShapeAs: encoded)
        for index in reached.indices {
            encoded.read(index, into: &reused)
            #expect(reused == reached[index], "\(path): state \(index) decoded into the buffers of the one before differs")
            copied.append(encoded, index)
        }
        #expect((0..<copied.count).allSatisfy { copied[$0] == reached[$0] }, "\(path): a copied encoding decodes to another state")
        // Measured: 75-141 bytes a state (with its 8-byte end); as a `SystemState` roughly 1-2 KB of heap blocks.
        #expect(encoded.byteCount < reached.count * 250, "\(path): \(encoded.byteCount) bytes for \(reached.count) states")
    }

    @Test func removeAllKeepsNothing() throws {
        let semantics = Semantics(try RepositoryModels.program(CrossCheck.filterStack, parameters: ["N": "2", "VARIANT": "correct"]))
        let initial = semantics.initialState()
        let encoded = EncodedStates(like: initial)
        let successors = semantics.successors(of: initial).map(\.state)
        encoded.append(initial)
        encoded.removeAll()
        #expect(encoded.isEmpty && encoded.byteCount == 0)
        for state in successors { encoded.append(state) }
        #expect(encoded.count == successors.count)
        #expect((0..<encoded.count).map { encoded[$0] } == successors)
    }
}

/// The explorer takes each state's successors lent in one working state (`forEachSuccessorLent`)
/// and its skipped threads from the key it has just written; both must give exactly what the
/// plain calls give, or the search would explore other states than the semantics define.
@Suite struct LentSuccessors {
    @Test(arguments: repositoryModelFiles())
    func lentSuccessorsAreTheSuccessors(_ path: String) throws {
        Self.expectLentSuccessorsAreTheSuccessors(Semantics(try RepositoryModels.program(path)), path)
    }

    /// Breadth first over up to `EncodedStatesRoundTrip.statesPerModel` states of `semantics`.
    static func expectLentSuccessorsAreTheSuccessors(_ semantics: Semantics, _ path: String) {
        let canonicalizer = StateCanonicalizer(program: semantics.program, enabled: true)
        let keyScratch = CanonicalScratch(), fresh = CanonicalScratch()
        // One scratch for every state, as one exploring thread keeps it.
        let scratch = SuccessorScratch()
        var seen: Set<SystemState> = [semantics.initialState()]
        var reached = [semantics.initialState()]
        var head = 0, compared = 0
        while head < reached.count && reached.count < EncodedStatesRoundTrip.statesPerModel {
            let state = reached[head]
            head += 1
            let skipping = canonicalizer.redundantThreads(state, scratch: fresh)
            let expected = semantics.successors(of: state, skipping: skipping)
            var lent: [(state: SystemState, step: StepOutcome)] = []
            semantics.forEachSuccessorLent(of: state, skipping: skipping, scratch: scratch) { lent.append(($0, $1)) }
            #expect(lent.count == expected.count, "\(path): \(lent.count) lent successors, \(expected.count) successors")
            for (got, want) in zip(lent, expected) {
                #expect(got.state == want.state && got.step.transition == want.transition, "\(path): a lent successor differs")
                #expect(got.step.violation?.property.id == want.violation?.property.id && got.step.violation?.message == want.violation?.message)
                #expect(got.step.warnings.map(\.message) == want.warnings.map(\.message))
            }
            for successor in expected {
                _ = canonicalizer.key(successor.state, scratch: keyScratch)
                #expect(
                    canonicalizer.redundantThreads(successor.state, scratch: keyScratch, keyed: true)
                        == canonicalizer.redundantThreads(successor.state, scratch: fresh),
                    "\(path): the skipped threads worked out from a key differ")
                compared += 1
                if successor.violation == nil, seen.insert(successor.state).inserted { reached.append(successor.state) }
            }
        }
        #expect(compared > 0 || semantics.successors(of: semantics.initialState()).isEmpty)
    }
}
