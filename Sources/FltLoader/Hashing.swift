import Foundation

/// The SHA-256 of `parts`, each followed by a NUL, as 64 lowercase hex digits: a cache key.
public func sha256Hex(_ parts: [Data]) -> String {
    var hasher = SHA256()
    for part in parts {
        hasher.update(part)
        hasher.update([0])
    }
    return hasher.finalizeHex()
}

/// What identifies a file's version cheaply: its resolved path, size and modification time (the
/// identity the model cache uses for the compiler and the library). A missing file gives
/// `path|-1|0`.
public func fileIdentity(_ path: String) -> String {
    let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
    let attributes = try? FileManager.default.attributesOfItem(atPath: resolved)
    let size = (attributes?[.size] as? NSNumber)?.int64Value ?? -1
    let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
    return "\(resolved)|\(size)|\(modified)"
}

extension ModelLoader {
    /// The identity of everything besides the model that decides what a model compiles to: the
    /// compiler and the FltModel library.
    public var toolchainIdentity: String {
        "\(fileIdentity(swiftc))\0\(fileIdentity(libraryDirectory + "/libFltModel.so"))"
    }
}
