import Testing
import FltSymbolic

/// Rounds `len` up to a 512-byte sector the way C code typically does:
/// `(len + 511) & ~511`, with 32-bit wrap-around. Returns both the variable
/// and the rounded term so tests can constrain either.
private func sectorRounding(_ context: Z3Context) throws -> (len: Z3Expr, rounded: Z3Expr) {
    let len = try context.bitVectorVariable("len", width: 32)
    let mask = try context.bitVector(511, width: 32)
    let rounded = try len.bvadd(mask).bvand(mask.bvnot())
    return (len, rounded)
}

@Test func sectorRoundingOverflowIsFound() throws {
    let context = try Z3Context()
    let solver = try Z3Solver(context: context)
    let (len, rounded) = try sectorRounding(context)
    try solver.assert(rounded.ult(len))

    #expect(try solver.check() == .satisfiable)

    // Do not trust the solver's word alone: replay the counterexample in Swift.
    let model = try solver.value(of: len)
    let concrete = try #require(UInt32(exactly: model))
    let replayed = (concrete &+ 511) & ~UInt32(511)
    #expect(replayed < concrete, "len = \(concrete) should overflow, but rounds to \(replayed)")
}

@Test func guardedSectorRoundingIsValid() throws {
    let context = try Z3Context()
    let solver = try Z3Solver(context: context)
    let (len, rounded) = try sectorRounding(context)
    try solver.assert(len.ule(context.bitVector(0xFFFF_FE00, width: 32)))
    // Validity of `rounded >= len` under the guard is unsatisfiability of its negation.
    try solver.assert(rounded.uge(len).not())

    #expect(try solver.check() == .unsatisfiable)
}

@Test func guardBoundIsTight() throws {
    // One past the guard must overflow, otherwise the guard is stronger than needed.
    let context = try Z3Context()
    let solver = try Z3Solver(context: context)
    let (len, rounded) = try sectorRounding(context)
    try solver.assert(len.eq(context.bitVector(0xFFFF_FE01, width: 32)))
    try solver.assert(rounded.ult(len))
    #expect(try solver.check() == .satisfiable)
    #expect(try solver.value(of: rounded) == 0)
}

@Test func operationsAgreeWithSwiftArithmetic() throws {
    let context = try Z3Context()
    let samples: [(UInt16, UInt16)] = [(0, 0), (1, 0), (0xFFFF, 1), (0x8000, 0x7FFF), (1234, 17), (5, 16), (3, 20)]
    for (a, b) in samples {
        let solver = try Z3Solver(context: context)
        let x = try context.bitVectorVariable("x", width: 16)
        let y = try context.bitVectorVariable("y", width: 16)
        try solver.assert(x.eq(context.bitVector(UInt64(a), width: 16)))
        try solver.assert(y.eq(context.bitVector(UInt64(b), width: 16)))
        #expect(try solver.check() == .satisfiable)

        func value(_ e: Z3Expr) throws -> UInt16 { try #require(UInt16(exactly: solver.value(of: e))) }
        func truth(_ e: Z3Expr) throws -> Bool { try solver.boolValue(of: e) }

        #expect(try value(x.bvadd(y)) == a &+ b)
        #expect(try value(x.bvsub(y)) == a &- b)
        #expect(try value(x.bvmul(y)) == a &* b)
        #expect(try value(x.bvand(y)) == a & b)
        #expect(try value(x.bvor(y)) == a | b)
        #expect(try value(x.bvnot()) == ~a)
        // SMT-LIB semantics, which differ from C: over-shifting gives 0 and x/0 is all ones.
        #expect(try value(x.bvshl(y)) == (b >= 16 ? 0 : a << b))
        #expect(try value(x.bvlshr(y)) == (b >= 16 ? 0 : a >> b))
        #expect(try value(x.bvudiv(y)) == (b == 0 ? 0xFFFF : a / b))
        #expect(try truth(x.ult(y)) == (a < b))
        #expect(try truth(x.ule(y)) == (a <= b))
        #expect(try truth(x.ugt(y)) == (a > b))
        #expect(try truth(x.uge(y)) == (a >= b))
        #expect(try truth(x.slt(y)) == (Int16(bitPattern: a) < Int16(bitPattern: b)))
        #expect(try truth(x.sle(y)) == (Int16(bitPattern: a) <= Int16(bitPattern: b)))
        #expect(try truth(x.eq(y)) == (a == b))
        #expect(try value(context.ite(x.ult(y), then: x, else: y)) == min(a, b))
    }
}

@Test func booleanConnectives() throws {
    let context = try Z3Context()
    let solver = try Z3Solver(context: context)
    let p = try context.boolVariable("p")
    let q = try context.boolVariable("q")
    try solver.assert(p.implies(q))
    try solver.assert(p)
    try solver.assert(context.or([p.not(), q]).and(context.bool(true)))
    #expect(try solver.check() == .satisfiable)
    #expect(try solver.boolValue(of: q))
    #expect(try solver.boolValue(of: p.and(q)))
    #expect(try !solver.boolValue(of: context.and([p, q.not()])))
    #expect(try solver.boolValue(of: context.and([])))
    #expect(try !solver.boolValue(of: context.or([])))

    try solver.assert(q.not())
    #expect(try solver.check() == .unsatisfiable)
}

@Test func easyCheckWithTimeoutIsDefinite() throws {
    let context = try Z3Context()
    let solver = try Z3Solver(context: context)
    let x = try context.bitVectorVariable("x", width: 8)
    try solver.assert(x.ugt(context.bitVector(200, width: 8)))
    #expect(try solver.check(timeoutMilliseconds: 10_000) == .satisfiable)
    #expect(try solver.value(of: x) > 200)
    // A later check without a limit must not inherit the previous one.
    try solver.assert(x.ult(context.bitVector(100, width: 8)))
    #expect(try solver.check() == .unsatisfiable)
}

@Test func hardCheckTimesOutAsUnknown() throws {
    // Factoring a 62-bit semiprime by bit-blasting takes Z3 far longer than
    // 50 ms; the bounds keep the product from wrapping, so only real factors count.
    let context = try Z3Context()
    let solver = try Z3Solver(context: context)
    let p = try context.bitVectorVariable("p", width: 64)
    let q = try context.bitVectorVariable("q", width: 64)
    let one = try context.bitVector(1, width: 64)
    let bound = try context.bitVector(1 << 32, width: 64)
    let semiprime: UInt64 = 2_147_483_647 * 2_147_483_629
    try solver.assert(p.ugt(one))
    try solver.assert(q.ugt(one))
    try solver.assert(p.ult(bound))
    try solver.assert(q.ult(bound))
    try solver.assert(p.bvmul(q).eq(context.bitVector(semiprime, width: 64)))

    let result = try solver.check(timeoutMilliseconds: 50)
    guard case .unknown(let reason) = result else {
        Issue.record("expected unknown after a 50 ms timeout, got \(result)")
        return
    }
    #expect(reason == "timeout" || reason == "canceled", "unexpected reason: \(reason)")
}

@Test func sortMismatchIsReportedNotFatal() throws {
    let context = try Z3Context()
    let narrow = try context.bitVectorVariable("a", width: 8)
    let wide = try context.bitVectorVariable("b", width: 16)
    let error = #expect(throws: Z3Error.self) { try narrow.bvadd(wide) }
    // Z3 4.8 files ill-sorted applications under Z3_EXCEPTION, not Z3_SORT_ERROR;
    // the message is what identifies the mismatch.
    #expect(error?.code == .exception)
    #expect(error?.message.contains("does not match declaration") == true)
    #expect(error?.operation == "bvadd")

    // The context stays usable after an error.
    let sum = try narrow.bvadd(narrow)
    #expect(try sum.bitWidth() == 8)
}

@Test func misusesAreReportedByZ3() throws {
    let context = try Z3Context()
    let solver = try Z3Solver(context: context)
    let x = try context.bitVectorVariable("x", width: 8)

    // Asserting a non-Boolean.
    let assertError = #expect(throws: Z3Error.self) { try solver.assert(x) }
    #expect(assertError?.code == .invalidArgument)

    // Zero-width bit-vector sort.
    let widthError = #expect(throws: Z3Error.self) { try context.bitVectorVariable("z", width: 0) }
    #expect(widthError?.code == .exception)
    #expect(widthError?.message.contains("greater than zero") == true)

    // Asking for a model after unsat: there is none.
    try solver.assert(context.bool(false))
    #expect(try solver.check() == .unsatisfiable)
    let modelError = #expect(throws: Z3Error.self) { try solver.value(of: x) }
    #expect(modelError?.code == .invalidUsage)
    #expect(modelError?.message == "there is no current model")
}

@Test func misusesAreRejectedBeforeReachingZ3() throws {
    let context = try Z3Context()
    let other = try Z3Context()
    let x = try context.bitVectorVariable("x", width: 8)
    let y = try other.bitVectorVariable("y", width: 8)

    let mixed = #expect(throws: Z3Error.self) { try x.bvadd(y) }
    #expect(mixed?.code == .rejectedByWrapper)

    let tooBig = #expect(throws: Z3Error.self) { try context.bitVector(256, width: 8) }
    #expect(tooBig?.code == .rejectedByWrapper)

    let tooWide = #expect(throws: Z3Error.self) { try context.bitVector(0, width: 65) }
    #expect(tooWide?.code == .rejectedByWrapper)

    let solver = try Z3Solver(context: context)
    #expect(try solver.check() == .satisfiable)
    let notBool = #expect(throws: Z3Error.self) { try solver.boolValue(of: x) }
    #expect(notBool?.code == .rejectedByWrapper)
}

@Test func versionIsReported() {
    let version = Z3Context.version
    #expect(!version.isEmpty)
    #expect(version.hasPrefix("4."))
}

/// A counter that counts to 10: Spacer proves it never passes 10 and gives the invariant, and
/// finds that it reaches 7.
@Test func spacerProvesABoundedCounterAndFindsAReachableValue() throws {
    for (bad, expected) in [(UInt64(11), Z3Result.unsatisfiable), (7, .satisfiable)] {
        let context = try Z3Context()
        let fixedpoint = try Z3Fixedpoint(context: context)
        let counter = try context.relation("Counter", widths: [8])
        let reached = try context.relation("Reached", widths: [])
        try fixedpoint.register(counter)
        try fixedpoint.register(reached)
        let x = try context.bitVectorVariable("x", width: 8)
        let zero = try context.bitVector(0, width: 8)
        try fixedpoint.addRule(try counter([zero]), name: "init")
        let step = try counter([x]).and(x.ult(context.bitVector(10, width: 8))).implies(counter([x.bvadd(context.bitVector(1, width: 8))]))
        try fixedpoint.addRule(try context.forAll([x], step), name: "step")
        let target = try counter([x]).and(x.eq(context.bitVector(bad, width: 8))).implies(reached([]))
        try fixedpoint.addRule(try context.forAll([x], target), name: "bad")
        #expect(try fixedpoint.query(reached) == expected)
        if expected == .unsatisfiable {
            let invariant = try context.substituteVariables(fixedpoint.interpretation(of: counter), [x])
            // The invariant excludes 11 and holds for every value the counter takes.
            let solver = try Z3Solver(context: context)
            try solver.assert(invariant.and(x.eq(context.bitVector(11, width: 8))))
            #expect(try solver.check() == .unsatisfiable, "\(invariant)")
            for value in 0...10 {
                let check = try Z3Solver(context: context)
                try check.assert(invariant.and(x.eq(context.bitVector(UInt64(value), width: 8))))
                #expect(try check.check() == .satisfiable, "\(invariant) excludes \(value)")
            }
        }
    }
}
