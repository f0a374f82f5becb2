// JSON for the model program, without Foundation. The model program links FltModel and nothing
// else, and every module FltModel imports is loaded by the compile of every model: importing
// Foundation here made the first `fltcheck verify` on a fresh machine build Foundation's clang
// modules (FilterStack: 3.1 s to compile, 0.7 s without).

/// Writes an `Encodable` value as JSON text with each object's keys sorted, so a model's IR is the
/// same bytes in every run (what `JSONEncoder` with `.sortedKeys` gives; `JSONDecoder` reads it).
enum JSONWriter {
    static func encode(_ value: some Encodable) throws -> [UInt8] {
        let root = JSONNode()
        try value.encode(to: NodeEncoder(node: root, codingPath: []))
        var bytes: [UInt8] = []
        try root.write(into: &bytes, codingPath: [])
        return bytes
    }
}

/// A value being encoded: a number, string or literal as its JSON text, or an object or array of
/// nodes still being filled.
private final class JSONNode {
    enum Content {
        case unset
        case scalar([UInt8])
        case object([String: JSONNode])
        case array([JSONNode])
    }

    var content = Content.unset

    func write(into bytes: inout [UInt8], codingPath: [any CodingKey]) throws {
        switch content {
        case .unset:
            throw EncodingError.invalidValue((), .init(codingPath: codingPath, debugDescription: "a value encoded nothing"))
        case .scalar(let text):
            bytes.append(contentsOf: text)
        case .object(let members):
            bytes.append(UInt8(ascii: "{"))
            for (index, key) in members.keys.sorted().enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                appendQuoted(key, to: &bytes)
                bytes.append(UInt8(ascii: ":"))
                // Keys are present: `members` holds every key listed.
                try members[key].map { try $0.write(into: &bytes, codingPath: codingPath + [JSONKey(key)]) }
            }
            bytes.append(UInt8(ascii: "}"))
        case .array(let elements):
            bytes.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                try element.write(into: &bytes, codingPath: codingPath + [JSONKey(index)])
            }
            bytes.append(UInt8(ascii: "]"))
        }
    }

    /// This node as an object, made one if it is not yet a value (synthesized `encode(to:)` may
    /// ask for the keyed container more than once).
    func addMember(_ key: String) -> JSONNode {
        let member = JSONNode()
        if case .object(var members) = content {
            content = .unset
            members[key] = member
            content = .object(members)
        } else {
            content = .object([key: member])
        }
        return member
    }

    func addElement() -> JSONNode {
        let element = JSONNode()
        if case .array(var elements) = content {
            content = .unset
            elements.append(element)
            content = .array(elements)
        } else {
            content = .array([element])
        }
        return element
    }

    func makeObject() { if case .object = content {} else { content = .object([:]) } }
    func makeArray() { if case .array = content {} else { content = .array([]) } }

    var count: Int {
        if case .array(let elements) = content { elements.count } else { 0 }
    }

    func setScalar(_ value: some Encodable, codingPath: [any CodingKey]) throws {
        switch value {
        case let string as String:
            var text: [UInt8] = []
            appendQuoted(string, to: &text)
            content = .scalar(text)
        case let flag as Bool: content = .scalar(Array((flag ? "true" : "false").utf8))
        case let number as Int: content = .scalar(Array(String(number).utf8))
        case let number as Int8: content = .scalar(Array(String(number).utf8))
        case let number as Int16: content = .scalar(Array(String(number).utf8))
        case let number as Int32: content = .scalar(Array(String(number).utf8))
        case let number as Int64: content = .scalar(Array(String(number).utf8))
        case let number as UInt: content = .scalar(Array(String(number).utf8))
        case let number as UInt8: content = .scalar(Array(String(number).utf8))
        case let number as UInt16: content = .scalar(Array(String(number).utf8))
        case let number as UInt32: content = .scalar(Array(String(number).utf8))
        case let number as UInt64: content = .scalar(Array(String(number).utf8))
        case let number as Double:
            guard number.isFinite else {
                throw EncodingError.invalidValue(number, .init(codingPath: codingPath, debugDescription: "\(number) has no JSON form"))
            }
            content = .scalar(Array("\(number)".utf8))
        case let number as Float:
            guard number.isFinite else {
                throw EncodingError.invalidValue(number, .init(codingPath: codingPath, debugDescription: "\(number) has no JSON form"))
            }
            content = .scalar(Array("\(number)".utf8))
        default:
            try value.encode(to: NodeEncoder(node: self, codingPath: codingPath))
        }
    }
}

/// Appends `string` as a JSON string literal (RFC 8259 §7: quote, backslash and control characters escaped).
private func appendQuoted(_ string: String, to bytes: inout [UInt8]) {
    bytes.append(UInt8(ascii: "\""))
    for byte in string.utf8 {
        switch byte {
        case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
        case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
        case UInt8(ascii: "\n"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
        case UInt8(ascii: "\r"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
        case UInt8(ascii: "\t"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
        case 0..<0x20:
            let hex = Array("0123456789abcdef".utf8)
            bytes.append(contentsOf: Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
        default: bytes.append(byte)
        }
    }
    bytes.append(UInt8(ascii: "\""))
}

private struct JSONKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(_ string: String) { stringValue = string }
    init(_ index: Int) { stringValue = String(index); intValue = index }
    init?(stringValue: String) { self.init(stringValue) }
    init?(intValue: Int) { self.init(intValue) }
}

private struct NodeEncoder: Encoder {
    let node: JSONNode
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        node.makeObject()
        return KeyedEncodingContainer(KeyedContainer(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        node.makeArray()
        return UnkeyedContainer(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleValueContainer(node: node, codingPath: codingPath) }
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: JSONNode
    let codingPath: [any CodingKey]

    mutating func encodeNil(forKey key: Key) throws { node.addMember(key.stringValue).content = .scalar(Array("null".utf8)) }

    mutating func encode(_ value: some Encodable, forKey key: Key) throws {
        try node.addMember(key.stringValue).setScalar(value, codingPath: codingPath + [key])
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let member = node.addMember(key.stringValue)
        member.makeObject()
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(node: member, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let member = node.addMember(key.stringValue)
        member.makeArray()
        return UnkeyedContainer(node: member, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder { NodeEncoder(node: node.addMember("super"), codingPath: codingPath + [JSONKey("super")]) }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        NodeEncoder(node: node.addMember(key.stringValue), codingPath: codingPath + [key])
    }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
    let node: JSONNode
    let codingPath: [any CodingKey]
    var count: Int { node.count }

    mutating func encodeNil() throws { node.addElement().content = .scalar(Array("null".utf8)) }

    mutating func encode(_ value: some Encodable) throws {
        let path = codingPath + [JSONKey(count)]
        try node.addElement().setScalar(value, codingPath: path)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let path = codingPath + [JSONKey(count)]
        let element = node.addElement()
        element.makeObject()
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(node: element, codingPath: path))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let path = codingPath + [JSONKey(count)]
        let element = node.addElement()
        element.makeArray()
        return UnkeyedContainer(node: element, codingPath: path)
    }

    mutating func superEncoder() -> any Encoder {
        let path = codingPath + [JSONKey(count)]
        return NodeEncoder(node: node.addElement(), codingPath: path)
    }
}

private struct SingleValueContainer: SingleValueEncodingContainer {
    let node: JSONNode
    let codingPath: [any CodingKey]

    mutating func encodeNil() throws { node.content = .scalar(Array("null".utf8)) }
    mutating func encode(_ value: some Encodable) throws { try node.setScalar(value, codingPath: codingPath) }
}

/// Reads a JSON object whose values are all strings (`{"N": "3"}`), as fltcheck passes `--param`
/// values; nil when the text is anything else.
func parseStringObject(_ text: String) -> [String: String]? {
    var reader = JSONReader(bytes: Array(text.utf8))
    return reader.stringObject()
}

private struct JSONReader {
    let bytes: [UInt8]
    var position = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func stringObject() -> [String: String]? {
        var result: [String: String] = [:]
        guard take(UInt8(ascii: "{")) else { return nil }
        if !take(UInt8(ascii: "}")) {
            repeat {
                guard let key = string(), take(UInt8(ascii: ":")), let value = string() else { return nil }
                result[key] = value
            } while take(UInt8(ascii: ","))
            guard take(UInt8(ascii: "}")) else { return nil }
        }
        skipSpace()
        return position == bytes.count ? result : nil
    }

    private mutating func skipSpace() {
        while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
    }

    /// Skips white space, then takes `byte` if it is next.
    private mutating func take(_ byte: UInt8) -> Bool {
        skipSpace()
        guard position < bytes.count, bytes[position] == byte else { return false }
        position += 1
        return true
    }

    private mutating func string() -> String? {
        guard take(UInt8(ascii: "\"")) else { return nil }
        var scalars = String.UnicodeScalarView()
        var raw: [UInt8] = []
        func flushRaw() {
            scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars)
            raw.removeAll()
        }
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                flushRaw()
                return String(scalars)
            case UInt8(ascii: "\\"):
                flushRaw()
                guard position < bytes.count else { return nil }
                let escape = bytes[position]
                position += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalars.append(Unicode.Scalar(escape))
                case UInt8(ascii: "b"): scalars.append("\u{8}")
                case UInt8(ascii: "f"): scalars.append("\u{C}")
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "u"):
                    guard let unit = hex4() else { return nil }
                    if (0xD800..<0xDC00).contains(unit) {
                        // A high surrogate: the low one must follow as another \u escape.
                        guard position + 2 <= bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else { return nil }
                        position += 2
                        guard let low = hex4(), (0xDC00..<0xE000).contains(low),
                              let scalar = Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)) else { return nil }
                        scalars.append(scalar)
                    } else {
                        guard let scalar = Unicode.Scalar(unit) else { return nil }
                        scalars.append(scalar)
                    }
                default: return nil
                }
            case 0..<0x20: return nil
            default: raw.append(byte)
            }
        }
        return nil
    }

    private mutating func hex4() -> UInt32? {
        guard position + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for byte in bytes[position..<position + 4] {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
        }
        position += 4
        return value
    }
}
