import FltModel
import Foundation
import Testing

/// The model program writes its IR without Foundation (FltModel's JSON.swift); fltcheck reads it
/// with `JSONDecoder`. The bytes must be what `JSONEncoder` writes for the same value.
@Suite struct ModelJSONTests {
    private static func foundationBytes(_ envelope: ModelEnvelope) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(envelope))
    }

    @Test func theModelProgramWritesWhatJSONEncoderWrites() throws {
        // Names with every kind of character a JSON string escapes, and one outside the BMP.
        let envelope = captureModels(parameters: ["N": "2"]) {
            let requests = Parameter("N", default: 1, in: 1...3)
            _ = Model("Cancel\"Safe\\ / é 𝄞 \u{1}\u{1F}\n\r\t") {
                Workload {
                    Requests(.read, count: requests, synchronous: false, cancellable: true)
                    Requests(.read, kind: .fastIo)
                    InstanceTeardown("CancelSafe")
                }
                Filter("CancelSafe", altitude: 370_020) {
                    let pendingIo = CancelSafeQueue("PendingIo") {
                        CompletePendedPreOperation(Op.current, .complete(.cancelled))
                    }
                    let next = OperationVariable("next")
                    let deQueue = WorkItem("DeQueue") {
                        Atomic {
                            pendingIo.removeNext(into: next)
                            If(next != Op.none) {
                                CompletePendedPreOperation(next, .successNoCallback)
                                next.set(Op.none)
                            }
                        }
                    }
                    PreOperation(.read) {
                        If(Op.isFastIo) { Return(.disallowFastIo) }
                        pendingIo.insert {
                            QueueDeferredIoWorkItem(deQueue) { Return(.pending) } onFailure: { Return(.pending) }
                        } onFailure: {
                            Return(.successNoCallback)
                        }
                    }
                }
            }
        }
        #expect(envelope.errors.isEmpty, "\(envelope.errors)")
        #expect(envelope.models.count == 1)
        let written = try envelope.jsonBytes()
        #expect(written == (try Self.foundationBytes(envelope)), "\(String(decoding: written, as: UTF8.self))")
        let decoded = try JSONDecoder().decode(ModelEnvelope.self, from: Data(written))
        #expect(decoded.models.first?.name == envelope.models.first?.name)
        #expect(try Self.foundationBytes(decoded) == written)
    }

    @Test func buildErrorsAndEmptyEnvelopesAreWrittenToo() throws {
        let failing = captureModels {
            _ = Parameter("VARIANT", default: "a", choices: ["b"])
        }
        #expect(!failing.errors.isEmpty)
        #expect(try failing.jsonBytes() == (try Self.foundationBytes(failing)))
    }
}
