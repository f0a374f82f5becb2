import FltSymbolic

/// Z3 formulas as C-like text over the model's names: `SwapBuffers.allocated >= (uint64)READ #1.Length`.
enum Z3Infix {
    private static let infix: [String: String] = [
        "bvadd": "+", "bvsub": "-", "bvmul": "*", "bvand": "&", "bvor": "|", "bvxor": "^", "bvshl": "<<", "bvlshr": ">>", "bvashr": ">>",
        "=": "==", "bvule": "<=", "bvult": "<", "bvuge": ">=", "bvugt": ">", "bvsle": "<=", "bvslt": "<", "bvsge": ">=", "bvsgt": ">",
        "and": "&&", "or": "||", "=>": "implies",
    ]

    static func render(_ expr: Z3Expr) throws -> String {
        switch try expr.shape() {
        case .numeral(let text):
            guard let value = UInt64(text) else { return text }
            return literal(value)
        case .other(let text):
            return text
        case .application(let name, let arguments, let parameters):
            if arguments.isEmpty { return name }
            let width = try expr.bitWidth()
            let parts = try arguments.map(operand)
            switch name {
            case "not": return "!" + parts[0]
            case "bvnot": return "~" + parts[0]
            case "bvneg": return "-" + parts[0]
            case "ite": return "\(parts[0]) ? \(parts[1]) : \(parts[2])"
            case "extract" where parameters.count == 2 && parameters[1] > 0:
                return "(uint\(width ?? 0))(\(parts[0]) >> \(parameters[1]))"
            case "extract", "zero_extend": return "(uint\(width ?? 0))" + parts[last: arguments.count]
            case "sign_extend": return "(int\(width ?? 0))" + parts[last: arguments.count]
            case "concat" where arguments.count == 2 && (try? arguments[0].shape()).map(isZero) == true:
                return "(uint\(width ?? 0))" + parts[1]
            case "bvadd":
                // x + 0xFFFFFFFF is x - 1 at 32 bits: show the subtraction.
                if let width, width <= 64, arguments.count >= 2, case .numeral(let text) = try arguments[0].shape(),
                   let value = UInt64(text), width > 0, value >> (UInt64(width) - 1) == 1 {
                    let modulus: UInt64 = width == 64 ? 0 : 1 << UInt64(width)
                    return parts.dropFirst().joined(separator: " + ") + " - \(literal(modulus &- value))"
                }
                return parts.joined(separator: " + ")
            default:
                if let symbol = infix[name] { return parts.joined(separator: " \(symbol) ") }
                return "\(name)(\(parts.joined(separator: ", ")))"
            }
        }
    }

    private static func operand(_ argument: Z3Expr) throws -> String {
        let text = try render(argument)
        if case .application(let name, let inner, _) = try argument.shape(), inner.count > 1 || name == "ite" { return "(\(text))" }
        return text
    }

    private static func isZero(_ shape: Z3Expr.Shape) -> Bool {
        if case .numeral(let text) = shape { return UInt64(text) == 0 }
        return false
    }

    private static func literal(_ value: UInt64) -> String { value <= 9 ? String(value) : "0x" + String(value, radix: 16, uppercase: true) }
}

private extension Array where Element == String {
    /// The last element (the operand of a one-argument conversion).
    subscript(last count: Int) -> String { self[count - 1] }
}
