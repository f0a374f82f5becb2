// Z3's fixedpoint engine (Spacer: property-directed reachability for constrained Horn clauses),
// for unbounded proofs. Same rules as Z3.swift: every object reference counted by hand, every call
// checked for an error code.

internal import CZ3
import Foundation
import Synchronization

/// A relation (an uninterpreted predicate over bit-vectors) of a Horn-clause system.
public final class Z3Relation {
    public let context: Z3Context
    public let name: String
    let raw: Z3_func_decl

    init(context: Z3Context, name: String, raw: Z3_func_decl) {
        self.context = context
        self.name = name
        self.raw = raw
        Z3_inc_ref(context.raw, Z3_func_decl_to_ast(context.raw, raw))
    }

    deinit {
        Z3_dec_ref(context.raw, Z3_func_decl_to_ast(context.raw, raw))
    }

    /// The relation applied to `arguments` (a Boolean term).
    public func callAsFunction(_ arguments: [Z3Expr]) throws -> Z3Expr {
        try context.requireOwned(arguments, in: "apply \(name)")
        let asts: [Z3_ast?] = arguments.map(\.ast)
        return try withExtendedLifetime(arguments) {
            try context.expr("apply \(name)") { Z3_mk_app($0, raw, UInt32(asts.count), asts) }
        }
    }
}

extension Z3Context {
    /// A relation over bit-vectors of the given widths (a Boolean-valued function; 0 as a width
    /// means a Boolean argument).
    public func relation(_ name: String, widths: [UInt32]) throws -> Z3Relation {
        var sorts: [Z3_sort?] = []
        var retained: [Z3_ast] = []
        defer { for ast in retained { Z3_dec_ref(raw, ast) } }
        for width in widths {
            let sort = try call("relation \(name)") { width == 0 ? Z3_mk_bool_sort($0) : Z3_mk_bv_sort($0, width) }
            guard let sort else { throw Z3Error.rejected("no sort", in: "relation \(name)") }
            let ast = Z3_sort_to_ast(raw, sort)!
            Z3_inc_ref(raw, ast)
            retained.append(ast)
            sorts.append(sort)
        }
        let declaration = try withSort("relation \(name)", { Z3_mk_bool_sort($0) }) { boolean in
            try call("relation \(name)") { Z3_mk_func_decl($0, Z3_mk_string_symbol($0, name), UInt32(sorts.count), sorts, boolean) }
        }
        guard let declaration else { throw Z3Error.rejected("Z3 returned no declaration", in: "relation \(name)") }
        return Z3Relation(context: self, name: name, raw: declaration)
    }

    /// `∀ bound. body`; `bound` are constants (from `bitVectorVariable`/`boolVariable`).
    public func forAll(_ bound: [Z3Expr], _ body: Z3Expr) throws -> Z3Expr {
        if bound.isEmpty { return body }
        try requireOwned(bound + [body], in: "forAll")
        let apps: [Z3_app?] = bound.map { Z3_to_app(raw, $0.ast) }
        return try withExtendedLifetime((bound, body)) {
            try expr("forAll") { Z3_mk_forall_const($0, 0, UInt32(apps.count), apps, 0, nil, body.ast) }
        }
    }

    /// Replaces the free variables `(:var i)` of `term` (as in a relation's interpretation) by `values[i]`.
    public func substituteVariables(_ term: Z3Expr, _ values: [Z3Expr]) throws -> Z3Expr {
        try requireOwned(values + [term], in: "substituteVariables")
        let asts: [Z3_ast?] = values.map(\.ast)
        return try withExtendedLifetime((values, term)) {
            try expr("substituteVariables") { Z3_substitute_vars($0, term.ast, UInt32(asts.count), asts) }
        }
    }

    /// `term` with every occurrence of `from` replaced by `to`.
    public func substitute(_ term: Z3Expr, _ from: Z3Expr, _ to: Z3Expr) throws -> Z3Expr {
        try requireOwned([term, from, to], in: "substitute")
        var froms: [Z3_ast?] = [from.ast]
        var tos: [Z3_ast?] = [to.ast]
        return try withExtendedLifetime((term, from, to)) {
            try expr("substitute") { Z3_substitute($0, term.ast, 1, &froms, &tos) }
        }
    }

    /// Interrupts whatever Z3 is doing on this context, from any thread (Z3_interrupt is thread-safe).
    public var interrupter: Z3Interrupter { Z3Interrupter(raw: raw) }
}

/// Stops a running Z3 call on one context from another thread (a time limit).
public struct Z3Interrupter: @unchecked Sendable {
    let raw: Z3_context
    public func interrupt() { Z3_interrupt(raw) }
}

extension Z3Expr {
    /// Z3's simplification of the term (constant folding, `(and true x)` to `x`, ...).
    public func simplified() throws -> Z3Expr {
        try context.expr("simplify") { Z3_simplify($0, ast) }
    }

    /// The `(and ...)`/`(or ...)` structure of a formula, for printing: its kind and arguments.
    public enum Shape {
        /// `parameters`: a declaration's integer parameters (`extract`'s high and low bit, ...).
        case application(name: String, arguments: [Z3Expr], parameters: [Int])
        case numeral(String)
        case other(String)
    }

    public func shape() throws -> Shape {
        let kind = try context.call("shape") { Z3_get_ast_kind($0, ast) }
        if kind == Z3_NUMERAL_AST {
            let text = try context.call("shape") { Z3_get_numeral_string($0, ast) }
            return .numeral(text.map { String(cString: $0) } ?? description)
        }
        guard kind == Z3_APP_AST else { return .other(description) }
        let app = try context.call("shape") { Z3_to_app($0, ast) }
        guard let app else { return .other(description) }
        let declaration = try context.call("shape") { Z3_get_app_decl($0, app) }
        let symbol = try context.call("shape") { Z3_get_decl_name($0, declaration) }
        let name = try context.call("shape") { Z3_get_symbol_string($0, symbol) }.map { String(cString: $0) } ?? "?"
        let count = try context.call("shape") { Z3_get_app_num_args($0, app) }
        var arguments: [Z3Expr] = []
        for index in 0..<count {
            arguments.append(try context.expr("shape") { Z3_get_app_arg($0, app, index) })
        }
        var parameters: [Int] = []
        let parameterCount = try context.call("shape") { Z3_get_decl_num_parameters($0, declaration) }
        for index in 0..<parameterCount {
            let kind = try context.call("shape") { Z3_get_decl_parameter_kind($0, declaration, index) }
            if kind == Z3_PARAMETER_INT {
                parameters.append(Int(try context.call("shape") { Z3_get_decl_int_parameter($0, declaration, index) }))
            }
        }
        return .application(name: name, arguments: arguments, parameters: parameters)
    }
}

/// A Horn-clause system solved by Spacer.
public final class Z3Fixedpoint {
    public let context: Z3Context
    let raw: Z3_fixedpoint
    private var relations: [Z3Relation] = []

    /// `keepingEveryRelation`: Spacer may not inline or slice relations away, so that
    /// `interpretation(of:)` has an answer for each (on a relation it eliminated, Z3 crashes).
    public init(context: Z3Context, keepingEveryRelation: Bool = false) throws {
        guard let fixedpoint = try context.call("Z3Fixedpoint.init", { Z3_mk_fixedpoint($0) }) else {
            throw Z3Error.rejected("Z3_mk_fixedpoint returned nothing", in: "Z3Fixedpoint.init")
        }
        Z3_fixedpoint_inc_ref(context.raw, fixedpoint)
        self.context = context
        raw = fixedpoint
        let params = try context.call("Z3Fixedpoint.init") { Z3_mk_params($0) }
        guard let params else { throw Z3Error.rejected("Z3_mk_params returned nothing", in: "Z3Fixedpoint.init") }
        Z3_params_inc_ref(context.raw, params)
        defer { Z3_params_dec_ref(context.raw, params) }
        try context.call("Z3Fixedpoint.init") { ctx in
            Z3_params_set_symbol(ctx, params, Z3_mk_string_symbol(ctx, "engine"), Z3_mk_string_symbol(ctx, "spacer"))
            if keepingEveryRelation {
                for transformation in ["xform.slice", "xform.inline_linear", "xform.inline_eager"] {
                    Z3_params_set_bool(ctx, params, Z3_mk_string_symbol(ctx, transformation), false)
                }
            }
        }
        try context.call("Z3Fixedpoint.init") { Z3_fixedpoint_set_params($0, fixedpoint, params) }
    }

    deinit {
        Z3_fixedpoint_dec_ref(context.raw, raw)
    }

    public func register(_ relation: Z3Relation) throws {
        relations.append(relation)
        try context.call("register") { Z3_fixedpoint_register_relation($0, raw, relation.raw) }
    }

    /// Adds a Horn clause (`∀ vars. body ⇒ head`).
    public func addRule(_ rule: Z3Expr, name: String) throws {
        try context.requireOwned([rule], in: "addRule")
        try withExtendedLifetime(rule) {
            try context.call("addRule") { Z3_fixedpoint_add_rule($0, raw, rule.ast, Z3_mk_string_symbol($0, name)) }
        }
    }

    /// Whether `relation` is derivable: satisfiable means it is (a bad state is reachable),
    /// unsatisfiable that it is not (then `interpretation(of:)` gives the inductive invariant).
    public func query(_ relation: Z3Relation) throws -> Z3Result {
        var declarations: [Z3_func_decl?] = [relation.raw]
        let outcome = try context.call("query") { Z3_fixedpoint_query_relations($0, raw, 1, &declarations) }
        switch outcome {
        case Z3_L_TRUE: return .satisfiable
        case Z3_L_FALSE: return .unsatisfiable
        default:
            let reason = try context.call("query") { Z3_fixedpoint_get_reason_unknown($0, raw) }
            return .unknown(reason: reason.map { String(cString: $0) } ?? "")
        }
    }

    /// After an unsatisfiable query: the relation's interpretation in the inductive invariant, a
    /// formula over `(:var i)` for its arguments. Only on a fixedpoint made `keepingEveryRelation`.
    public func interpretation(of relation: Z3Relation) throws -> Z3Expr {
        try context.expr("interpretation") { Z3_fixedpoint_get_cover_delta($0, raw, -1, relation.raw) }
    }
}
