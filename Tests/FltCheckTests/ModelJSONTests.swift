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

    /// Every shape of IR the repository's models have, as fltcheck loaded them.
    @Test(arguments: repositoryModelFiles())
    func everyRepositoryModelIsWrittenAsJSONEncoderWritesIt(_ path: String) throws {
        let envelope = ModelEnvelope(models: [try RepositoryModels.program(path).model], errors: [])
        let written = try envelope.jsonBytes()
        #expect(written == (try Self.foundationBytes(envelope)), "\(path)")
    }

    @Test func stringsAreEscapedAsJSONEncoderEscapesThem() throws {
        // Every kind of character a JSON string escapes, and one outside the BMP.
        let name = "Cancel\"Safe\\ / é 𝄞 \u{1}\u{1F}\n\r\t"
        let envelope = captureModels {
            _ = Model(name) {
                Workload { Requests(.read) }
                Filter(name, altitude: 100) { PreOperation(.read) { Return(.successNoCallback) } }
            }
        }
        #expect(envelope.errors.isEmpty, "\(envelope.errors)")
        let written = try envelope.jsonBytes()
        #expect(written == (try Self.foundationBytes(envelope)), "\(String(decoding: written, as: UTF8.self))")
        let decoded = try JSONDecoder().decode(ModelEnvelope.self, from: Data(written))
        #expect(decoded.models.map(\.name) == [name])
        #expect(decoded.models.first?.filters.map(\.name) == [name])
    }

    @Test func buildErrorsAreWrittenToo() throws {
        let failing = captureModels {
            _ = Parameter("VARIANT", default: "a", choices: ["b"])
        }
        #expect(!failing.errors.isEmpty)
        #expect(try failing.jsonBytes() == (try Self.foundationBytes(failing)))
    }
}
