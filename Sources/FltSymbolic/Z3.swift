// A thin Swift layer over Z3's C API.
//
// Scope is deliberately small: Booleans and fixed-width bit-vectors, one
// solver, and reading concrete values back out of a model. That is what the
// symbolic engines need for reasoning about buffer lengths and for bounded
// model checking; anything more should be added when a caller needs it.
//
// Three rules hold throughout, because breaking any of them turns a Z3 misuse
// into a crash or silent memory corruption instead of a Swift error:
//
// * The context is created with `Z3_mk_context_rc`, so every AST, model,
//   solver and parameter set is reference counted by hand. Z3 keeps a freshly
//   returned object alive only until the next call that returns an object, so
//   each one is retained (`*_inc_ref`) before another such call is made.
// * The default error handler prints and calls `exit`. It is replaced by no
//   handler at all, which makes Z3 record an error code and return a null or
//   neutral value instead; every call is followed by a check of that code.
// * Objects from different contexts must never be combined (Z3 does not check
//   this), so every operation taking two objects checks their contexts first.

internal import CZ3

// MARK: - Errors

/// An error reported by Z3, or a misuse this layer refused before it reached Z3.
///
/// Z3 itself never throws across the C boundary; it records an error code on
/// the context. This type carries that code and Z3's own message, so callers
/// can see exactly what Z3 objected to instead of a paraphrase.
public struct Z3Error: Error, CustomStringConvertible {
    /// The category of failure, mirroring Z3's `Z3_error_code`.
    ///
    /// Kept as a Swift enum so callers can match on it without importing the
    /// C module.
    public enum Code: Equatable, Sendable {
        /// An ill-sorted term. Note that Z3 4.8 reports most ill-sorted
        /// applications, such as adding bit-vectors of different widths, as
        /// ``exception`` with a descriptive message instead.
        case sortError
        /// An index out of bounds.
        case indexOutOfBounds
        /// An argument Z3 rejected, such as asserting a non-Boolean term.
        case invalidArgument
        /// A parse failure.
        case parserError
        /// No parser output is available.
        case noParser
        /// An invalid quantifier pattern.
        case invalidPattern
        /// Z3 ran out of memory.
        case memoryOut
        /// A file could not be accessed.
        case fileAccess
        /// An internal fatal error in Z3.
        case internalFatal
        /// A call that is invalid in the current state, such as asking for a
        /// model when the last check did not produce one.
        case invalidUsage
        /// A reference count was decremented on a dead object.
        case decRefError
        /// A Z3 exception; the message holds the details. Z3 4.8 uses this for
        /// sort mismatches and zero-width bit-vector sorts.
        case exception
        /// An error code this layer does not know, kept raw so it is not lost.
        case unrecognized(UInt32)
        /// The call never reached Z3: this layer refused it because passing it
        /// through would have been undefined behaviour or silently lossy (for
        /// example mixing contexts, or a constant that does not fit its width).
        case rejectedByWrapper
    }

    /// What went wrong.
    public let code: Code
    /// Z3's message for the error, or this layer's explanation for
    /// ``Code/rejectedByWrapper``.
    public let message: String
    /// The Swift-level operation that failed, so a message such as
    /// "Sort mismatch" can be traced to the call that caused it.
    public let operation: String

    /// Creates an error; public so that engines built on this layer can report
    /// their own failures in the same shape.
    public init(code: Code, message: String, operation: String) {
        self.code = code
        self.message = message
        self.operation = operation
    }

    /// A one-line summary naming the operation, the code and Z3's message.
    public var description: String {
        "Z3 error in \(operation) (\(code)): \(message)"
    }

    /// Translates Z3's C enum once, here, so nothing else depends on its
    /// raw values.
    init(z3Code: Z3_error_code, message: String, operation: String) {
        let code: Code
        switch z3Code {
        case Z3_SORT_ERROR: code = .sortError
        case Z3_IOB: code = .indexOutOfBounds
        case Z3_INVALID_ARG: code = .invalidArgument
        case Z3_PARSER_ERROR: code = .parserError
        case Z3_NO_PARSER: code = .noParser
        case Z3_INVALID_PATTERN: code = .invalidPattern
        case Z3_MEMOUT_FAIL: code = .memoryOut
        case Z3_FILE_ACCESS_ERROR: code = .fileAccess
        case Z3_INTERNAL_FATAL: code = .internalFatal
        case Z3_INVALID_USAGE: code = .invalidUsage
        case Z3_DEC_REF_ERROR: code = .decRefError
        case Z3_EXCEPTION: code = .exception
        default: code = .unrecognized(UInt32(z3Code.rawValue))
        }
        self.init(code: code, message: message, operation: operation)
    }

    /// Shorthand for refusals detected on the Swift side.
    static func rejected(_ message: String, in operation: String) -> Z3Error {
        Z3Error(code: .rejectedByWrapper, message: message, operation: operation)
    }
}

// MARK: - Results

/// The outcome of a satisfiability check.
///
/// `unknown` carries Z3's reason because "unknown" after a timeout and
/// "unknown" because a theory is incomplete call for different reactions.
public enum Z3Result: Equatable, Sendable {
    /// The assertions have a model.
    case satisfiable
    /// The assertions have no model.
    case unsatisfiable
    /// Z3 gave up; `reason` is its explanation, such as "timeout" or "canceled".
    case unknown(reason: String)
}

// MARK: - Context

/// Owns one Z3 context; every expression and solver is tied to exactly one.
///
/// Not `Sendable`: a Z3 context must not be used from two threads at once, so
/// the compiler is left to stop a context from crossing isolation domains.
/// Create one context per task instead.
public final class Z3Context {
    /// The underlying `Z3_context`; internal so that C types never leak into
    /// the public API.
    let raw: Z3_context

    /// The version of the linked Z3 library, such as "4.8.12.0".
    ///
    /// Taken from the library at run time rather than the headers, because
    /// the two can differ and behaviour follows the library.
    public static var version: String {
        guard let cString = Z3_get_full_version() else { return "" }
        return String(cString: cString)
    }

    /// Creates a context whose errors surface as thrown ``Z3Error`` values
    /// rather than terminating the process.
    public init() throws {
        guard let config = Z3_mk_config() else {
            throw Z3Error.rejected("Z3_mk_config returned no configuration", in: "Z3Context.init")
        }
        // The configuration is copied into the context, so it can go at once.
        defer { Z3_del_config(config) }
        // Models are needed to read counterexamples back out.
        Z3_set_param_value(config, "model", "true")
        guard let context = Z3_mk_context_rc(config) else {
            throw Z3Error.rejected("Z3_mk_context_rc returned no context", in: "Z3Context.init")
        }
        // No handler means Z3 records the error code and returns, instead of
        // its default handler, which prints and exits the process.
        Z3_set_error_handler(context, nil)
        raw = context
    }

    deinit {
        // Every expression, solver and model holds a strong reference to this
        // object, so by now all of them have released their Z3 objects.
        Z3_del_context(raw)
    }

    // MARK: Error plumbing

    /// Throws if the previous Z3 call on this context recorded an error.
    ///
    /// Z3 resets the code at the start of each API call, so this must run
    /// straight after the call it is checking.
    func checkError(_ operation: String) throws {
        let code = Z3_get_error_code(raw)
        guard code != Z3_OK else { return }
        // The message buffer is owned by Z3 and reused, so copy it now.
        let message = Z3_get_error_msg(raw, code).map { String(cString: $0) } ?? ""
        throw Z3Error(z3Code: code, message: message, operation: operation)
    }

    /// Runs one Z3 call and converts a recorded error into a throw.
    func call<T>(_ operation: String, _ body: (Z3_context) -> T) throws -> T {
        let result = body(raw)
        try checkError(operation)
        return result
    }

    /// Runs one Z3 call that returns an AST and takes ownership of the result.
    ///
    /// The AST is retained before any other object-returning call can free it.
    func expr(_ operation: String, _ body: (Z3_context) -> Z3_ast?) throws -> Z3Expr {
        let ast = try call(operation, body)
        guard let ast else {
            throw Z3Error.rejected("Z3 returned no term and reported no error", in: operation)
        }
        return Z3Expr(context: self, ast: ast)
    }

    /// Makes a sort and keeps it retained for the duration of `body`, since a
    /// reference-counted context may otherwise reclaim it before it is used.
    func withSort<T>(
        _ operation: String,
        _ make: (Z3_context) -> Z3_sort?,
        _ body: (Z3_sort) throws -> T
    ) throws -> T {
        let sort = try call(operation, make)
        guard let sort else {
            throw Z3Error.rejected("Z3 returned no sort and reported no error", in: operation)
        }
        let sortAST = Z3_sort_to_ast(raw, sort)
        Z3_inc_ref(raw, sortAST)
        defer { Z3_dec_ref(raw, sortAST) }
        return try body(sort)
    }

    /// Refuses expressions from another context: Z3 does not check this and
    /// mixing them corrupts memory.
    func requireOwned(_ exprs: [Z3Expr], in operation: String) throws {
        for expr in exprs where expr.context !== self {
            throw Z3Error.rejected("expression belongs to a different Z3Context", in: operation)
        }
    }

    // MARK: Booleans

    /// The Boolean constant `value`.
    public func bool(_ value: Bool) throws -> Z3Expr {
        try expr("bool(\(value))") { value ? Z3_mk_true($0) : Z3_mk_false($0) }
    }

    /// A free Boolean variable.
    ///
    /// Z3 identifies constants by name and sort, so two calls with the same
    /// name return the same variable, not two independent ones.
    public func boolVariable(_ name: String) throws -> Z3Expr {
        let operation = "boolVariable(\(name))"
        return try withSort(operation, { Z3_mk_bool_sort($0) }) { sort in
            try expr(operation) { ctx in
                Z3_mk_const(ctx, Z3_mk_string_symbol(ctx, name), sort)
            }
        }
    }

    /// The conjunction of `operands`; `true` when empty, as in SMT-LIB.
    public func and(_ operands: [Z3Expr]) throws -> Z3Expr {
        try naryBool("and", operands, Z3_mk_and)
    }

    /// The disjunction of `operands`; `false` when empty, as in SMT-LIB.
    public func or(_ operands: [Z3Expr]) throws -> Z3Expr {
        try naryBool("or", operands, Z3_mk_or)
    }

    /// Shared body of `and`/`or`: Z3 takes a C array of ASTs.
    private func naryBool(
        _ operation: String,
        _ operands: [Z3Expr],
        _ make: (Z3_context?, UInt32, UnsafePointer<Z3_ast?>?) -> Z3_ast?
    ) throws -> Z3Expr {
        try requireOwned(operands, in: operation)
        guard let count = UInt32(exactly: operands.count) else {
            throw Z3Error.rejected("too many operands", in: operation)
        }
        let asts: [Z3_ast?] = operands.map { $0.ast }
        // The operands are kept alive by `operands` for the whole call.
        return try withExtendedLifetime(operands) {
            try asts.withUnsafeBufferPointer { buffer in
                try expr(operation) { make($0, count, buffer.baseAddress) }
            }
        }
    }

    // MARK: Bit-vectors

    /// The bit-vector constant `value` of `width` bits.
    ///
    /// Width is limited to 1...64 because the value arrives as a `UInt64`, and
    /// a value that does not fit is refused rather than silently truncated,
    /// since a truncated constant would make proofs about the wrong number.
    public func bitVector(_ value: UInt64, width: UInt32) throws -> Z3Expr {
        let operation = "bitVector(\(value), width: \(width))"
        guard (1...64).contains(width) else {
            throw Z3Error.rejected("constant width must be in 1...64", in: operation)
        }
        guard width == 64 || value >> UInt64(width) == 0 else {
            throw Z3Error.rejected("value does not fit in \(width) bits", in: operation)
        }
        return try withSort(operation, { Z3_mk_bv_sort($0, width) }) { sort in
            try expr(operation) { Z3_mk_unsigned_int64($0, value, sort) }
        }
    }

    /// A free bit-vector variable of `width` bits.
    ///
    /// Any width Z3 accepts is allowed (Z3 itself rejects 0), but
    /// ``Z3Solver/value(of:)`` can only read back widths up to 64.
    /// As with ``boolVariable(_:)``, equal names and widths denote one variable.
    public func bitVectorVariable(_ name: String, width: UInt32) throws -> Z3Expr {
        let operation = "bitVectorVariable(\(name), width: \(width))"
        return try withSort(operation, { Z3_mk_bv_sort($0, width) }) { sort in
            try expr(operation) { ctx in
                Z3_mk_const(ctx, Z3_mk_string_symbol(ctx, name), sort)
            }
        }
    }

    /// `condition ? then : otherwise`; both branches must have the same sort.
    public func ite(_ condition: Z3Expr, then: Z3Expr, else otherwise: Z3Expr) throws -> Z3Expr {
        try requireOwned([condition, then, otherwise], in: "ite")
        return try withExtendedLifetime((condition, then, otherwise)) {
            try expr("ite") { Z3_mk_ite($0, condition.ast, then.ast, otherwise.ast) }
        }
    }
}

// MARK: - Expressions

/// A Z3 term (Boolean or bit-vector), retained for as long as this object lives.
///
/// A class rather than a struct so that `deinit` can release the Z3 reference
/// exactly once. It holds its context strongly, because releasing an AST after
/// its context is deleted is a use-after-free. Not `Sendable`, for the same
/// reason as ``Z3Context``.
public final class Z3Expr: CustomStringConvertible {
    /// The context that owns `ast`.
    public let context: Z3Context
    /// The retained AST; internal so C types stay out of the public API.
    let ast: Z3_ast

    /// Takes a new reference on `ast`; see ``Z3Context`` for why this happens
    /// immediately after the AST is returned.
    init(context: Z3Context, ast: Z3_ast) {
        self.context = context
        self.ast = ast
        Z3_inc_ref(context.raw, ast)
    }

    deinit {
        Z3_dec_ref(context.raw, ast)
    }

    /// Z3's SMT-LIB rendering of the term, for diagnostics and test failures.
    public var description: String {
        guard let cString = Z3_ast_to_string(context.raw, ast),
              Z3_get_error_code(context.raw) == Z3_OK
        else { return "<unprintable Z3 term>" }
        // The buffer is reused by the next call, so copy it now.
        return String(cString: cString)
    }

    /// The width in bits if this is a bit-vector, otherwise `nil`.
    ///
    /// Throws only if Z3 rejects the query, which would indicate a bug here.
    public func bitWidth() throws -> UInt32? {
        let sort = try context.call("bitWidth") { Z3_get_sort($0, ast) }
        let kind = try context.call("bitWidth") { Z3_get_sort_kind($0, sort) }
        guard kind == Z3_BV_SORT else { return nil }
        return try context.call("bitWidth") { Z3_get_bv_sort_size($0, sort) }
    }

    /// Whether this is a Boolean term.
    public func isBool() throws -> Bool {
        let sort = try context.call("isBool") { Z3_get_sort($0, ast) }
        return try context.call("isBool") { Z3_get_sort_kind($0, sort) } == Z3_BOOL_SORT
    }

    /// Applies a binary Z3 constructor after checking both terms share a
    /// context; Z3 checks the sorts and reports mismatches as ``Z3Error``
    /// (code ``Z3Error/Code/exception`` in Z3 4.8).
    private func binary(
        _ operation: String,
        _ other: Z3Expr,
        _ make: (Z3_context?, Z3_ast?, Z3_ast?) -> Z3_ast?
    ) throws -> Z3Expr {
        try context.requireOwned([other], in: operation)
        return try withExtendedLifetime(other) {
            try context.expr(operation) { make($0, ast, other.ast) }
        }
    }

    /// Applies a unary Z3 constructor.
    private func unary(
        _ operation: String,
        _ make: (Z3_context?, Z3_ast?) -> Z3_ast?
    ) throws -> Z3Expr {
        try context.expr(operation) { make($0, ast) }
    }

    // MARK: Bit-vector arithmetic (modulo 2^width, as in SMT-LIB)

    /// Addition modulo 2^width; this wrap-around is what overflow proofs look for.
    public func bvadd(_ other: Z3Expr) throws -> Z3Expr { try binary("bvadd", other, Z3_mk_bvadd) }
    /// Subtraction modulo 2^width.
    public func bvsub(_ other: Z3Expr) throws -> Z3Expr { try binary("bvsub", other, Z3_mk_bvsub) }
    /// Multiplication modulo 2^width.
    public func bvmul(_ other: Z3Expr) throws -> Z3Expr { try binary("bvmul", other, Z3_mk_bvmul) }
    /// Unsigned division; by SMT-LIB convention `x / 0` is all ones, not an error,
    /// so callers modelling a trapping division must add their own guard.
    public func bvudiv(_ other: Z3Expr) throws -> Z3Expr { try binary("bvudiv", other, Z3_mk_bvudiv) }
    /// Signed division, rounding toward zero as C does (`x / 0` as SMT-LIB defines it: guard it).
    public func bvsdiv(_ other: Z3Expr) throws -> Z3Expr { try binary("bvsdiv", other, Z3_mk_bvsdiv) }
    /// Unsigned remainder.
    public func bvurem(_ other: Z3Expr) throws -> Z3Expr { try binary("bvurem", other, Z3_mk_bvurem) }
    /// Signed remainder with the sign of the dividend, as C's `%`.
    public func bvsrem(_ other: Z3Expr) throws -> Z3Expr { try binary("bvsrem", other, Z3_mk_bvsrem) }
    /// Bitwise and.
    public func bvand(_ other: Z3Expr) throws -> Z3Expr { try binary("bvand", other, Z3_mk_bvand) }
    /// Bitwise or.
    public func bvor(_ other: Z3Expr) throws -> Z3Expr { try binary("bvor", other, Z3_mk_bvor) }
    /// Bitwise complement.
    public func bvnot() throws -> Z3Expr { try unary("bvnot", Z3_mk_bvnot) }
    /// Left shift; shifting by the width or more yields zero, unlike C where
    /// it is undefined behaviour.
    public func bvshl(_ other: Z3Expr) throws -> Z3Expr { try binary("bvshl", other, Z3_mk_bvshl) }
    /// Logical (zero-filling) right shift; over-shifting yields zero.
    public func bvlshr(_ other: Z3Expr) throws -> Z3Expr { try binary("bvlshr", other, Z3_mk_bvlshr) }
    /// Arithmetic (sign-filling) right shift.
    public func bvashr(_ other: Z3Expr) throws -> Z3Expr { try binary("bvashr", other, Z3_mk_bvashr) }
    /// Bitwise exclusive or.
    public func bvxor(_ other: Z3Expr) throws -> Z3Expr { try binary("bvxor", other, Z3_mk_bvxor) }
    /// Two's complement negation.
    public func bvneg() throws -> Z3Expr { try unary("bvneg", Z3_mk_bvneg) }
    /// Widens by `bits` zero bits (an unsigned C widening).
    public func zeroExtend(by bits: UInt32) throws -> Z3Expr {
        try context.expr("zeroExtend") { Z3_mk_zero_ext($0, bits, ast) }
    }
    /// Widens by `bits` copies of the sign bit (a signed C widening).
    public func signExtend(by bits: UInt32) throws -> Z3Expr {
        try context.expr("signExtend") { Z3_mk_sign_ext($0, bits, ast) }
    }
    /// The bits `high` down to `low`, inclusive (a C narrowing keeps `width - 1 ... 0`).
    public func extract(high: UInt32, low: UInt32) throws -> Z3Expr {
        try context.expr("extract") { Z3_mk_extract($0, high, low, ast) }
    }

    // MARK: Bit-vector comparisons

    /// Unsigned `<`.
    public func ult(_ other: Z3Expr) throws -> Z3Expr { try binary("ult", other, Z3_mk_bvult) }
    /// Unsigned `<=`.
    public func ule(_ other: Z3Expr) throws -> Z3Expr { try binary("ule", other, Z3_mk_bvule) }
    /// Unsigned `>`.
    public func ugt(_ other: Z3Expr) throws -> Z3Expr { try binary("ugt", other, Z3_mk_bvugt) }
    /// Unsigned `>=`.
    public func uge(_ other: Z3Expr) throws -> Z3Expr { try binary("uge", other, Z3_mk_bvuge) }
    /// Signed (two's complement) `<`.
    public func slt(_ other: Z3Expr) throws -> Z3Expr { try binary("slt", other, Z3_mk_bvslt) }
    /// Signed (two's complement) `<=`.
    public func sle(_ other: Z3Expr) throws -> Z3Expr { try binary("sle", other, Z3_mk_bvsle) }

    // MARK: Logic

    /// Equality of two terms of the same sort (Boolean or bit-vector).
    public func eq(_ other: Z3Expr) throws -> Z3Expr { try binary("eq", other, Z3_mk_eq) }
    /// Boolean negation.
    public func not() throws -> Z3Expr { try unary("not", Z3_mk_not) }
    /// Conjunction of two Booleans; see ``Z3Context/and(_:)`` for more operands.
    public func and(_ other: Z3Expr) throws -> Z3Expr { try context.and([self, other]) }
    /// Disjunction of two Booleans; see ``Z3Context/or(_:)`` for more operands.
    public func or(_ other: Z3Expr) throws -> Z3Expr { try context.or([self, other]) }
    /// Boolean implication `self → other`.
    public func implies(_ other: Z3Expr) throws -> Z3Expr { try binary("implies", other, Z3_mk_implies) }
}

// MARK: - Solver

/// An incremental Z3 solver over one context.
///
/// Not `Sendable`, for the same reason as ``Z3Context``.
public final class Z3Solver {
    /// The context the solver and its assertions belong to.
    public let context: Z3Context
    /// The retained solver handle.
    let raw: Z3_solver

    /// Creates a solver using Z3's default strategy for the asserted logic.
    public init(context: Z3Context) throws {
        let solver = try context.call("Z3Solver.init") { Z3_mk_solver($0) }
        guard let solver else {
            throw Z3Error.rejected("Z3_mk_solver returned no solver", in: "Z3Solver.init")
        }
        Z3_solver_inc_ref(context.raw, solver)
        self.context = context
        self.raw = solver
    }

    deinit {
        Z3_solver_dec_ref(context.raw, raw)
    }

    /// Opens a scope: assertions added after it are removed by the matching ``pop()``.
    public func push() throws {
        try context.call("push") { Z3_solver_push($0, raw) }
    }

    /// Removes the assertions added since the last ``push()``.
    public func pop() throws {
        try context.call("pop") { Z3_solver_pop($0, raw, 1) }
    }

    /// Adds `formula` to the assertions; Z3 rejects non-Boolean terms.
    public func assert(_ formula: Z3Expr) throws {
        try context.requireOwned([formula], in: "assert")
        try withExtendedLifetime(formula) {
            try context.call("assert") { Z3_solver_assert($0, raw, formula.ast) }
        }
    }

    /// Decides the current assertions.
    ///
    /// The timeout is set on every call, and `nil` restores "no limit", so a
    /// limit chosen for one query never leaks into the next. When it expires
    /// the result is ``Z3Result/unknown(reason:)``, not an error: running out
    /// of time is an expected outcome of a search, not a misuse.
    public func check(timeoutMilliseconds: UInt32? = nil) throws -> Z3Result {
        try setTimeout(timeoutMilliseconds)
        let outcome = try context.call("check") { Z3_solver_check($0, raw) }
        switch outcome {
        case Z3_L_TRUE:
            return .satisfiable
        case Z3_L_FALSE:
            return .unsatisfiable
        default:
            let reason = try context.call("check") { Z3_solver_get_reason_unknown($0, raw) }
            return .unknown(reason: reason.map { String(cString: $0) } ?? "")
        }
    }

    /// Installs the "timeout" parameter; `UInt32.max` is Z3's own "no limit".
    private func setTimeout(_ milliseconds: UInt32?) throws {
        let operation = "check(timeoutMilliseconds:)"
        let params = try context.call(operation) { Z3_mk_params($0) }
        guard let params else {
            throw Z3Error.rejected("Z3_mk_params returned no parameter set", in: operation)
        }
        Z3_params_inc_ref(context.raw, params)
        defer { Z3_params_dec_ref(context.raw, params) }
        try context.call(operation) { ctx in
            Z3_params_set_uint(ctx, params, Z3_mk_string_symbol(ctx, "timeout"), milliseconds ?? UInt32.max)
        }
        try context.call(operation) { Z3_solver_set_params($0, raw, params) }
    }

    /// Evaluates `expr` in the model of the last check, with model completion
    /// so that variables the model left unconstrained get a concrete value
    /// instead of coming back symbolic.
    ///
    /// Z3 reports ``Z3Error/Code/invalidUsage`` when the last check produced
    /// no model (for example after `unsatisfiable`).
    private func evaluate(_ expr: Z3Expr, operation: String) throws -> Z3Expr {
        try context.requireOwned([expr], in: operation)
        let model = try context.call(operation) { Z3_solver_get_model($0, raw) }
        guard let model else {
            throw Z3Error.rejected("Z3 returned no model and reported no error", in: operation)
        }
        Z3_model_inc_ref(context.raw, model)
        defer { Z3_model_dec_ref(context.raw, model) }
        var result: Z3_ast?
        let ok = try withExtendedLifetime(expr) {
            try context.call(operation) { Z3_model_eval($0, model, expr.ast, true, &result) }
        }
        guard ok, let result else {
            throw Z3Error.rejected("the model could not evaluate \(expr)", in: operation)
        }
        return Z3Expr(context: context, ast: result)
    }

    /// The model's value for a bit-vector term of width at most 64, as an
    /// unsigned number; valid after ``check(timeoutMilliseconds:)`` returned
    /// ``Z3Result/satisfiable``.
    public func value(of expr: Z3Expr) throws -> UInt64 {
        let operation = "value(of:)"
        guard let width = try expr.bitWidth() else {
            throw Z3Error.rejected("\(expr) is not a bit-vector", in: operation)
        }
        guard width <= 64 else {
            throw Z3Error.rejected("\(expr) is \(width) bits wide; at most 64 can be read", in: operation)
        }
        let evaluated = try evaluate(expr, operation: operation)
        var number: UInt64 = 0
        // Z3 answers `false` without an error code when the term is not a
        // numeral, so both channels are checked.
        let ok = try context.call(operation) { Z3_get_numeral_uint64($0, evaluated.ast, &number) }
        guard ok else {
            throw Z3Error.rejected("the model value \(evaluated) is not a numeral", in: operation)
        }
        return number
    }

    /// The model's value for a Boolean term; valid after
    /// ``check(timeoutMilliseconds:)`` returned ``Z3Result/satisfiable``.
    public func boolValue(of expr: Z3Expr) throws -> Bool {
        let operation = "boolValue(of:)"
        guard try expr.isBool() else {
            throw Z3Error.rejected("\(expr) is not a Boolean", in: operation)
        }
        let evaluated = try evaluate(expr, operation: operation)
        let value = try context.call(operation) { Z3_get_bool_value($0, evaluated.ast) }
        switch value {
        case Z3_L_TRUE: return true
        case Z3_L_FALSE: return false
        default:
            throw Z3Error.rejected("the model value \(evaluated) is not a Boolean constant", in: operation)
        }
    }
}
