import FltModel

/// An expression over bit-vector data, typed and ready to become a term. Built from an `ExprIR`
/// that mentions a `BitVector`, `Op.length` or `Op.byteOffset`; the rest of an expression (flags,
/// enums, operation checks) stays `ExprIR` and is evaluated the usual way.
indirect enum DataExpr: Sendable {
    /// An expression of the integer world (no bit-vectors), taken as a condition: nonzero is true.
    case condition(ExprIR)
    case literal(UInt64, width: Int)
    case variable(Int)
    /// `Op.length` or `Op.byteOffset` of the running code's operation.
    case parameter(OperationField)
    /// `Op.status` (IoStatus.Status) when a request's file-system status is symbolic: a ULONG.
    case status
    case unary(TermOperator, DataExpr)
    case binary(TermOperator, DataExpr, DataExpr)
    case resize(DataExpr, width: Int, signExtend: Bool)
}

/// The type of an expression while elaborating it.
private enum DataType: Equatable {
    /// The integer world: bools, enums, bounded ints, handles, Op flags.
    case integer
    /// A constant with no type of its own yet (it takes the other operand's).
    case literal(Int)
    /// A condition over bit-vector data.
    case boolean
    case bits(width: Int, signed: Bool)

    var description: String {
        switch self {
        case .integer: "an integer (not a bit-vector)"
        case .literal(let value): "the constant \(value)"
        case .boolean: "a condition"
        case .bits(let width, let signed): "a \(width)-bit \(signed ? "signed" : "unsigned") value"
        }
    }
}

/// Types expressions against the model's variables and turns those that involve bit-vector data
/// into `DataExpr`, with errors located at the statement.
struct DataTyper {
    let variables: [VariableIR]
    /// Some request's file system completes with a symbolic status: `Op.status` is data everywhere.
    var statusIsData = false

    /// Whether the expression involves bit-vector data at all.
    func mentionsData(_ expression: ExprIR) -> Bool {
        switch expression {
        case .constant: false
        case .variable(let index):
            if variables.indices.contains(index), case .bitVector = variables[index].type { true } else { false }
        case .operation(let field): field == .length || field == .byteOffset || (field == .status && statusIsData)
        case .not(let operand): mentionsData(operand)
        case .binary(let op, let lhs, let rhs):
            op.isBitVectorOnly || mentionsData(lhs) || mentionsData(rhs)
        case .unary, .convert: true
        }
    }

    /// A condition (`If`, `While`, `Assert`, `Assume`) as data.
    func condition(_ expression: ExprIR, at location: SourceLocation) throws(ModelError) -> DataExpr {
        let (data, type) = try elaborate(expression, location)
        switch type {
        case .boolean: return data
        case .integer, .literal: return .condition(expression)
        case .bits: throw ModelError("a condition must be true or false, not \(type.description): compare it (`x != 0`)", at: location)
        }
    }

    /// A value assigned to bit-vector variable `variable`.
    func value(_ expression: ExprIR, for variable: Int, at location: SourceLocation) throws(ModelError) -> DataExpr {
        guard case .bitVector(let width, let signed) = variables[variable].type else {
            throw ModelError("\(variables[variable].name) is not a BitVector", at: location)
        }
        let (data, type) = try elaborate(expression, location)
        switch type {
        case .literal(let value): return try literal(value, width: width, signed: signed, location)
        case .bits(let valueWidth, _) where valueWidth == width: return data
        default:
            throw ModelError("\(variables[variable].name) is \(DataType.bits(width: width, signed: signed).description); this is \(type.description)\(type.isBits ? ": cast it (`.cast(.\(signed ? "int" : "uint")\(width))`)" : "")", at: location)
        }
    }

    /// Rejects data where only the integer world can go (statuses, handles, waits, int variables).
    func requireInteger(_ expression: ExprIR, for what: String, at location: SourceLocation) throws(ModelError) {
        guard mentionsData(expression) else { return }
        let (_, type) = try elaborate(expression, location)
        if type == .integer { return }
        throw ModelError("\(what) cannot take \(type.description) computed from bit-vector data: branch on it with If instead", at: location)
    }

    private func literal(_ value: Int, width: Int, signed: Bool, _ location: SourceLocation) throws(ModelError) -> DataExpr {
        // A constant fits if it is a value of the signed or the unsigned type of that width (its bit pattern is used).
        let fits = width >= 64 || (value >= -(1 << (width - 1)) && value <= (1 << width) - 1)
        guard fits else { throw ModelError("the constant \(value) does not fit in \(width) bits", at: location) }
        return .literal(UInt64(bitPattern: Int64(value)) & mask(width), width: width)
    }

    /// The value of an expression made only of constants, folded as the integer world would.
    private func staticValue(_ expression: ExprIR) -> Int? {
        switch expression {
        case .constant(let value): return value
        case .binary(.add, let lhs, let rhs): return staticValue(lhs).flatMap { a in staticValue(rhs).map { a &+ $0 } }
        case .binary(.subtract, let lhs, let rhs): return staticValue(lhs).flatMap { a in staticValue(rhs).map { a &- $0 } }
        default: return nil
        }
    }

    private func elaborate(_ expression: ExprIR, _ at: SourceLocation) throws(ModelError) -> (DataExpr, DataType) {
        if let value = staticValue(expression) { return (.condition(expression), .literal(value)) }
        switch expression {
        case .constant(let value): return (.condition(expression), .literal(value))
        case .variable(let index):
            guard variables.indices.contains(index), case .bitVector(let width, let signed) = variables[index].type else {
                return (.condition(expression), .integer)
            }
            return (.variable(index), .bits(width: width, signed: signed))
        case .operation(.length): return (.parameter(.length), .bits(width: 32, signed: false))
        case .operation(.byteOffset): return (.parameter(.byteOffset), .bits(width: 64, signed: true))
        case .operation(.status) where statusIsData: return (.status, .bits(width: 32, signed: false))
        case .operation: return (.condition(expression), .integer)
        case .not(let operand):
            let (data, type) = try elaborate(operand, at)
            switch type {
            case .integer, .literal: return (.condition(expression), .integer)
            case .boolean: return (.unary(.not, data), .boolean)
            case .bits: throw ModelError("! applies to conditions, not to \(type.description): write `x == 0`", at: at)
            }
        case .unary(let op, let operand):
            let (data, type) = try elaborate(operand, at)
            guard case .bits = type else {
                throw ModelError("\(op == .bitNot ? "~" : "unary -") applies to BitVector values, not to \(type.description)\(type == .literal(0) || type.isLiteral ? " (cast the constant: `Expr(…).cast(.uint32)`)" : "")", at: at)
            }
            return (.unary(op == .bitNot ? .bitNot : .negate, data), type)
        case .convert(let operand, let width, let signed):
            guard [8, 16, 32, 64].contains(width) else { throw ModelError("a cast goes to 8, 16, 32 or 64 bits", at: at) }
            let (data, type) = try elaborate(operand, at)
            switch type {
            case .literal(let value): return (try literal(value, width: width, signed: signed, at), .bits(width: width, signed: signed))
            case .bits(let from, let fromSigned):
                let resized: DataExpr = from == width ? data : .resize(data, width: width, signExtend: fromSigned)
                return (resized, .bits(width: width, signed: signed))
            default: throw ModelError("cast applies to BitVector values and constants, not to \(type.description)", at: at)
            }
        case .binary(let op, let lhs, let rhs):
            return try binary(op, lhs, rhs, expression, at)
        }
    }

    private func binary(_ op: BinaryOperator, _ lhs: ExprIR, _ rhs: ExprIR, _ whole: ExprIR, _ at: SourceLocation) throws(ModelError) -> (DataExpr, DataType) {
        let (left, leftType) = try elaborate(lhs, at)
        let (right, rightType) = try elaborate(rhs, at)
        switch op {
        case .and, .or:
            for type in [leftType, rightType] where type.isBits {
                throw ModelError("\(op == .and ? "&&" : "||") joins conditions, not \(type.description): compare it (`x != 0`)", at: at)
            }
            if leftType != .boolean && rightType != .boolean { return (.condition(whole), .integer) }
            return (.binary(op == .and ? .and : .or, left, right), .boolean)
        case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual:
            if !leftType.isBits && !rightType.isBits {
                if leftType == .boolean || rightType == .boolean {
                    throw ModelError("conditions over bit-vector data are combined with && || !, not compared", at: at)
                }
                return (.condition(whole), .integer)
            }
            let (a, b, type) = try unify(left, leftType, right, rightType, op, at)
            guard case .bits(_, let signed) = type else { return (.condition(whole), .integer) }
            let less: TermOperator = signed ? .signedLess : .unsignedLess
            let lessOrEqual: TermOperator = signed ? .signedLessOrEqual : .unsignedLessOrEqual
            switch op {
            case .equal: return (.binary(.equal, a, b), .boolean)
            case .notEqual: return (.unary(.not, .binary(.equal, a, b)), .boolean)
            case .less: return (.binary(less, a, b), .boolean)
            case .lessOrEqual: return (.binary(lessOrEqual, a, b), .boolean)
            case .greater: return (.binary(less, b, a), .boolean)
            default: return (.binary(lessOrEqual, b, a), .boolean)
            }
        case .add, .subtract, .multiply, .divide, .remainder, .bitAnd, .bitOr, .bitXor:
            if !leftType.isBits && !rightType.isBits {
                if op == .add || op == .subtract, leftType != .boolean, rightType != .boolean { return (.condition(whole), .integer) }
                throw ModelError("\(op.symbol) computes on BitVector values; declare the variable as a BitVector", at: at)
            }
            let (a, b, type) = try unify(left, leftType, right, rightType, op, at)
            let signed = if case .bits(_, let signed) = type { signed } else { false }
            let termOp: TermOperator = switch op {
            case .add: .add
            case .subtract: .subtract
            case .multiply: .multiply
            case .divide: signed ? .signedDivide : .unsignedDivide
            case .remainder: signed ? .signedRemainder : .unsignedRemainder
            case .bitAnd: .bitAnd
            case .bitOr: .bitOr
            default: .bitXor
            }
            return (.binary(termOp, a, b), type)
        case .shiftLeft, .shiftRight:
            guard case .bits(let width, let signed) = leftType else {
                throw ModelError("\(op.symbol) shifts a BitVector value, not \(leftType.description)", at: at)
            }
            let termOp: TermOperator = op == .shiftLeft ? .shiftLeft : signed ? .arithmeticShiftRight : .logicalShiftRight
            switch rightType {
            case .literal(let amount):
                guard amount >= 0, amount < width else {
                    throw ModelError("a constant shift amount must be from 0 to \(width - 1) (C leaves other shifts of a \(width)-bit value undefined)", at: at)
                }
                return (.binary(termOp, left, .literal(UInt64(amount), width: width)), leftType)
            case .bits(let amountWidth, _):
                // A variable amount: the semantics checks on each path that it is below the width
                // (a ModelIntegrity violation otherwise, as C leaves it undefined). Zero-extended, a
                // negative signed amount is at least the width too.
                guard amountWidth <= width else {
                    throw ModelError("the shift amount is \(rightType.description), wider than the \(width)-bit value it shifts: cast it (`amount.cast(.uint\(width))`)", at: at)
                }
                let amount: DataExpr = amountWidth == width ? right : .resize(right, width: width, signExtend: false)
                return (.binary(termOp, left, amount), leftType)
            default:
                throw ModelError("the shift amount must be a constant or a BitVector value, not \(rightType.description)", at: at)
            }
        }
    }

    /// Both operands at one bit-vector type: a constant takes the other side's type.
    private func unify(
        _ left: DataExpr, _ leftType: DataType, _ right: DataExpr, _ rightType: DataType, _ op: BinaryOperator, _ at: SourceLocation
    ) throws(ModelError) -> (DataExpr, DataExpr, DataType) {
        switch (leftType, rightType) {
        case (.bits(let width, let signed), .literal(let value)):
            return (left, try literal(value, width: width, signed: signed, at), leftType)
        case (.literal(let value), .bits(let width, let signed)):
            return (try literal(value, width: width, signed: signed, at), right, rightType)
        case (.bits(let lw, let ls), .bits(let rw, let rs)):
            if lw == rw && ls == rs { return (left, right, leftType) }
            throw ModelError("\(op.symbol) mixes \(leftType.description) with \(rightType.description): cast one side so both have one type (`x.cast(.uint64)`)", at: at)
        default:
            let other = leftType.isBits ? rightType : leftType
            throw ModelError("\(op.symbol) mixes a bit-vector value with \(other.description): use BitVector variables and constants", at: at)
        }
    }
}

private extension DataType {
    var isBits: Bool { if case .bits = self { true } else { false } }
    var isLiteral: Bool { if case .literal = self { true } else { false } }
}

extension BinaryOperator {
    /// Operators only bit-vectors have.
    var isBitVectorOnly: Bool {
        switch self {
        case .multiply, .divide, .remainder, .bitAnd, .bitOr, .bitXor, .shiftLeft, .shiftRight: true
        default: false
        }
    }

    var symbol: String {
        switch self {
        case .add: "+"
        case .subtract: "-"
        case .equal: "=="
        case .notEqual: "!="
        case .less: "<"
        case .lessOrEqual: "<="
        case .greater: ">"
        case .greaterOrEqual: ">="
        case .and: "&&"
        case .or: "||"
        case .multiply: "*"
        case .divide: "/"
        case .remainder: "%"
        case .bitAnd: "&"
        case .bitOr: "|"
        case .bitXor: "^"
        case .shiftLeft: "<<"
        case .shiftRight: ">>"
        }
    }
}
