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
