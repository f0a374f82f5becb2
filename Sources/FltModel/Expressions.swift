/// A value in filter code: a constant, a variable, the current operation's fields, or an
/// expression built from them with the usual operators. Building one records a tree, not a value.
public struct Expr: ExprConvertible, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral, Sendable {
    public let ir: ExprIR
    public init(_ ir: ExprIR) { self.ir = ir }
    public init(integerLiteral value: Int) { self.ir = .constant(value) }
    public init(booleanLiteral value: Bool) { self.ir = .constant(value ? 1 : 0) }
    public var expr: Expr { self }
}

/// Anything usable where filter code expects a value.
public protocol ExprConvertible {
    var expr: Expr { get }
}

extension Int: ExprConvertible {
    public var expr: Expr { Expr(.constant(self)) }
}

extension Bool: ExprConvertible {
    public var expr: Expr { Expr(.constant(self ? 1 : 0)) }
}

extension NTStatus: ExprConvertible {
    public var expr: Expr { Expr(.constant(Int(value))) }
}

extension MinorFunction: ExprConvertible {
    /// Its code, to compare with `Op.minorFunction`.
    public var expr: Expr { Expr(.constant(code)) }
}

private func binary(_ op: BinaryOperator, _ lhs: some ExprConvertible, _ rhs: some ExprConvertible) -> Expr {
    Expr(.binary(op, lhs.expr.ir, rhs.expr.ir))
}

public func + (lhs: some ExprConvertible, rhs: some ExprConvertible) -> Expr { binary(.add, lhs, rhs) }
public func - (lhs: some ExprConvertible, rhs: some ExprConvertible) -> Expr { binary(.subtract, lhs, rhs) }
public func == (lhs: some ExprConvertible, rhs: some ExprConvertible) -> Expr { binary(.equal, lhs, rhs) }
public func != (lhs: some ExprConvertible, rhs: some ExprConvertible) -> Expr { binary(.notEqual, lhs, rhs) }
public func < (lhs: some ExprConvertible, rhs: some ExprConvertible) -> Expr { binary(.less, lhs, rhs) }
public func <= (lhs: some ExprConvertible, rhs: some ExprConvertible) -> Expr { binary(.lessOrEqual, lhs, rhs) }
public func > (lhs: some ExprConvertible, rhs: some ExprConvertible) -> Expr { binary(.greater, lhs, rhs) }
public func >= (lhs: some ExprConvertible, rhs: some ExprConvertible) -> Expr { binary(.greaterOrEqual, lhs, rhs) }
public func && (lhs: some ExprConvertible, rhs: some ExprConvertible) -> Expr { binary(.and, lhs, rhs) }
public func || (lhs: some ExprConvertible, rhs: some ExprConvertible) -> Expr { binary(.or, lhs, rhs) }
public prefix func ! (operand: some ExprConvertible) -> Expr { Expr(.not(operand.expr.ir)) }

// Bit-vector arithmetic, as C computes it on fixed-width integers (see `BitVector`). fltcheck
// rejects these on other variables.
public func * (lhs: some ExprConvertible, rhs: some ExprConvertible) -> Expr { binary(.multiply, lhs, rhs) }
/// C division, rounding toward zero; fltcheck reports a divisor that can be 0 (and INT_MIN / -1).
public func / (lhs: some ExprConvertible, rhs: some ExprConvertible) -> Expr { binary(.divide, lhs, rhs) }
/// C remainder, with the sign of the dividend; checked as `/` is.
public func % (lhs: some ExprConvertible, rhs: some ExprConvertible) -> Expr { binary(.remainder, lhs, rhs) }
public func & (lhs: some ExprConvertible, rhs: some ExprConvertible) -> Expr { binary(.bitAnd, lhs, rhs) }
public func | (lhs: some ExprConvertible, rhs: some ExprConvertible) -> Expr { binary(.bitOr, lhs, rhs) }
public func ^ (lhs: some ExprConvertible, rhs: some ExprConvertible) -> Expr { binary(.bitXor, lhs, rhs) }
/// The amount is a constant below the width, or a BitVector value no wider than the left side:
/// fltcheck reports a path where it is the width or more, or negative (C leaves that undefined).
public func << (lhs: some ExprConvertible, rhs: some ExprConvertible) -> Expr { binary(.shiftLeft, lhs, rhs) }
/// Logical for an unsigned left side, arithmetic for a signed one (as MSVC compiles it).
public func >> (lhs: some ExprConvertible, rhs: some ExprConvertible) -> Expr { binary(.shiftRight, lhs, rhs) }
public prefix func ~ (operand: some ExprConvertible) -> Expr { Expr(.unary(.bitNot, operand.expr.ir)) }
public prefix func - (operand: some ExprConvertible) -> Expr { Expr(.unary(.negate, operand.expr.ir)) }

/// A C integer type, for `BitVector` declarations and casts.
public struct BitType: Sendable, Equatable {
    public let bits: Int
    public let signed: Bool
    public init(bits: Int, signed: Bool) {
        self.bits = bits
        self.signed = signed
    }
    /// UCHAR, USHORT, ULONG, ULONGLONG.
    public static let uint8 = BitType(bits: 8, signed: false)
    public static let uint16 = BitType(bits: 16, signed: false)
    public static let uint32 = BitType(bits: 32, signed: false)
    public static let uint64 = BitType(bits: 64, signed: false)
    /// CHAR, SHORT, LONG, LONGLONG.
    public static let int8 = BitType(bits: 8, signed: true)
    public static let int16 = BitType(bits: 16, signed: true)
    public static let int32 = BitType(bits: 32, signed: true)
    public static let int64 = BitType(bits: 64, signed: true)
}

extension ExprConvertible {
    /// `(type)value` in C: widening extends by the value's own signedness, narrowing keeps the low bits.
    public func cast(_ type: BitType) -> Expr { Expr(.convert(expr.ir, width: type.bits, signed: type.signed)) }
}

/// The operation (callback data) the running code is handling: the one a callback was called for,
/// or the one a work item was queued for.
public enum Op {
    /// A handle to the current operation, to store in an `OperationVariable`.
    public static var current: Expr { Expr(.operation(.handle)) }
    /// No operation: the empty value of an `OperationVariable`.
    public static var none: Expr { Expr(.constant(0)) }
    /// FLT_IS_IRP_OPERATION.
    public static var isIrp: Expr { Expr(.operation(.isIrp)) }
    /// FLT_IS_FASTIO_OPERATION.
    public static var isFastIo: Expr { Expr(.operation(.isFastIo)) }
    /// IRP_PAGING_IO set.
    public static var isPaging: Expr { Expr(.operation(.isPaging)) }
    /// FltIsOperationSynchronous.
    public static var isSynchronous: Expr { Expr(.operation(.isSynchronous)) }
    /// IoGetTopLevelIrp() != NULL in the originating thread.
    public static var isTopLevelIrp: Expr { Expr(.operation(.isTopLevelIrp)) }
    /// IoStatus.Status (in a post-operation callback: the status the operation completed with).
    public static var status: Expr { Expr(.operation(.status)) }
    /// FLTFL_POST_OPERATION_DRAINING: the post-op is called because the instance is torn down.
    public static var isDraining: Expr { Expr(.operation(.isDraining)) }
    /// FltIsIoCanceled.
    public static var isCancelled: Expr { Expr(.operation(.isCancelled)) }
    /// The request's number within the workload, 1-based, as traces show it.
    public static var requestNumber: Expr { Expr(.operation(.requestNumber)) }
    /// Parameters.Read.Length / Parameters.Write.Length: a ULONG (`.uint32`); the request gives it
    /// with `Requests(..., length:)`.
    public static var length: Expr { Expr(.operation(.length)) }
    /// Parameters.Read.ByteOffset / Parameters.Write.ByteOffset: a LARGE_INTEGER (`.int64`); the
    /// request gives it with `Requests(..., byteOffset:)`.
    public static var byteOffset: Expr { Expr(.operation(.byteOffset)) }
    /// Iopb->MinorFunction, or for a FILE_SYSTEM_CONTROL request the FsControlCode: compare it with
    /// a `MinorFunction` (`Op.minorFunction == MinorFunction.notifyChangeDirectory`); 0 when the
    /// request's `Requests(..., minor:)` gives none.
    public static var minorFunction: Expr { Expr(.operation(.minorFunction)) }
    /// The data buffer has an MDL: `Data->Iopb->Parameters.Read.MdlAddress != NULL` (or what
    /// FltDecodeParameters returns), the request's own or one FltLockUserBuffer made (Q6).
    public static var hasMdl: Expr { Expr(.operation(.hasMdl)) }
    /// FLT_IS_SYSTEM_BUFFER(Data): the buffer is a system buffer from nonpaged pool (buffered I/O),
    /// safe to touch at DISPATCH_LEVEL (Q6, I:bufpost).
    public static var isSystemBuffer: Expr { Expr(.operation(.isSystemBuffer)) }
}
