import FltSymbolic

/// Z3 formulas as C-like text: `SwapBuffers.allocated >= 0x200 && ...`.
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
            return value <= 9 ? text : "0x" + String(value, radix: 16, uppercase: true)
        case .other(let text):
            return text
        case .application(let name, let arguments):
            if arguments.isEmpty { return name }
            let parts = try arguments.map { argument -> String in
                let text = try render(argument)
                if case .application(_, let inner) = try argument.shape(), !inner.isEmpty { return "(\(text))" }
                return text
            }
            switch name {
            case "not": return "!" + parts[0]
            case "bvnot": return "~" + parts[0]
            case "bvneg": return "-" + parts[0]
            case "ite": return "\(parts[0]) ? \(parts[1]) : \(parts[2])"
            case "concat": return "concat(\(parts.joined(separator: ", ")))"
            default:
                if let symbol = infix[name] { return parts.joined(separator: " \(symbol) ") }
                return "\(name)(\(parts.joined(separator: ", ")))"
            }
        }
    }
}
