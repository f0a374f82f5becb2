import FltSemantics
import Testing

/// `stateHash` must be the same function in every run and every version, so that hash-compaction
/// runs repeat exactly; it reads words where it can, and this pins it to the byte-by-byte definition.
@Suite struct StateHash {
    /// The definition: 8-byte little-endian words, then the remaining bytes as one little-endian number.
    static func byteByByte(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0x243F_6A88_85A3_08D3 ^ UInt64(bytes.count)
        var offset = 0
        while offset + 8 <= bytes.count {
            var word: UInt64 = 0
            for index in 0..<8 { word |= UInt64(bytes[offset + index]) << UInt64(8 * index) }
            hash = (hash ^ word) &* 0x9E37_79B9_7F4A_7C15
            hash = (hash << 31) | (hash >> 33)
            offset += 8
        }
        var tail: UInt64 = 0
        for index in offset..<bytes.count { tail |= UInt64(bytes[index]) << UInt64(8 * (index - offset)) }
        return mix64((hash ^ tail) &* 0xC2B2_AE3D_27D4_EB4F)
    }

    @Test func everyLengthAndAlignmentHashesAsDefined() {
        var generator = SystemRandomNumberGenerator()
        let pool = (0..<80).map { _ in UInt8.random(in: 0...255, using: &generator) }
        for start in 0..<8 {
            for count in 0...(pool.count - start) {
                let bytes = Array(pool[start..<start + count])
                let hashed = pool.withUnsafeBytes { stateHash(UnsafeRawBufferPointer(rebasing: $0[start..<start + count])) }
                #expect(hashed == Self.byteByByte(bytes), "\(count) bytes at offset \(start)")
            }
        }
    }

    /// Values the byte-by-byte version gave.
    @Test func valuesDoNotChangeBetweenVersions() {
        #expect(stateHash([]) == Self.byteByByte([]))
        #expect(stateHash([1, 2, 3]) == 0x06B5_B330_A665_347E)
        #expect(stateHash(Array(0..<13)) == 0x7910_16F2_E811_35CC)
    }
}
