/// A fast 64-bit hash of bytes (8 bytes per multiply, MurmurHash3's finalizer), the same in every
/// run so that hash-compaction runs are repeatable.
public func stateHash(_ bytes: [UInt8]) -> UInt64 {
    bytes.withUnsafeBytes { stateHash($0) }
}

/// `stateHash` of raw bytes.
public func stateHash(_ raw: UnsafeRawBufferPointer) -> UInt64 {
    var hash: UInt64 = 0x243F_6A88_85A3_08D3 ^ UInt64(raw.count)
    var offset = 0
    while offset + 8 <= raw.count {
        let word = raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
        hash = (hash ^ word) &* 0x9E37_79B9_7F4A_7C15
        hash = (hash << 31) | (hash >> 33)
        offset += 8
    }
    var tail: UInt64 = 0
    var shift: UInt64 = 0
    while offset < raw.count {
        tail |= UInt64(raw[offset]) << shift
        shift += 8
        offset += 1
    }
    return mix64((hash ^ tail) &* 0xC2B2_AE3D_27D4_EB4F)
}

/// MurmurHash3's 64-bit finalizer: a cheap, well-mixing bijection.
@inline(__always) public func mix64(_ value: UInt64) -> UInt64 {
    var hash = value
    hash ^= hash >> 33
    hash = hash &* 0xFF51_AFD7_ED55_8CCD
    hash ^= hash >> 33
    hash = hash &* 0xC4CE_B9FE_1A85_EC53
    hash ^= hash >> 33
    return hash
}
