import FltExplorer
import FltModel
import FltProperties
import FltSemantics
import Testing

// Bit-vector data (issue 4): C arithmetic on concrete values, Z3-decided branches on symbolic ones,
// counterexample values, and the errors a model gets for ill-typed data.

/// A one-filter model with one read (of `length`) whose pre-read runs `body`; `declarations` run
/// first, at the top level of the model.
private func dataProgram(
    length: InputValue? = nil, _ body: @escaping () -> [StatementIR], declarations: () -> Void = {}
) throws -> Program {
    try program {
        declarations()
        _ = Model("Data") {
            Workload { Requests(.read, length: length) }
            Filter("F", altitude: 100) {
                PreOperation(.read) {
                    for statement in body() { Verbatim(ir: statement) }
                    Return(.successNoCallback)
                }
            }
        }
    }
}

private func dataLine(_ result: ExplorationResult) -> String? {
    result.counterexamples.first?.trace.last { $0.event.actor == "Z3" }?.event.text
}

@Suite struct ConcreteBitVectors {
    @Test func arithmeticWrapsAndComparesAsC() throws {
        var byte: BitVector!
        var small: BitVector!
        var wide: BitVector!
        let program = try dataProgram({
            [
                byte.set(255).ir, byte.set(byte + 1).ir,
                Assert(byte == 0, "UCHAR 255 + 1 wraps to 0").ir,
                byte.set(byte - 1).ir,
                Assert(byte == 0xFF, "UCHAR 0 - 1 wraps to 255").ir,
                Assert(byte > 0, "unsigned 0xFF is positive").ir,
                small.set(-1).ir,
                Assert(small < 0, "CHAR -1 is negative").ir,
                Assert(small >> 1 == -1, "signed >> is arithmetic").ir,
                Assert(byte >> 4 == 0x0F, "unsigned >> is logical").ir,
                wide.set(small.cast(.uint32)).ir,
                Assert(wide == 0xFFFF_FFFF, "a signed CHAR widens by its sign").ir,
                wide.set(byte.cast(.uint32)).ir,
                Assert(wide == 0xFF, "an unsigned UCHAR widens with zeros").ir,
                wide.set(0x1234_5678).ir,
                Assert(wide.cast(.uint8) == 0x78, "narrowing keeps the low bits").ir,
                Assert((wide & 0xFF00) >> 8 == 0x56 && (wide | 1) == 0x1234_5679 && (wide ^ wide) == 0, "bitwise operators").ir,
                Assert(wide * 16 == 0x2345_6780, "multiplication wraps at 32 bits").ir,
                Assert(~wide == 0xEDCB_A987 && -wide == 0xEDCB_A988, "complement and negation").ir,
                Assert(wide << 4 == 0x2345_6780, "<< drops the bits shifted out").ir,
                Assert(wide / 0x100 == 0x12_3456 && wide % 0x100 == 0x78, "unsigned / and %").ir,
                small.set(-7).ir,
                Assert(small / 2 == -3 && small % 2 == -1, "signed / rounds toward zero, % takes the dividend's sign").ir,
            ]
        }, declarations: {
            byte = BitVector("byte", .uint8)
            small = BitVector("small", .int8)
            wide = BitVector("wide", .uint32)
        })
        let result = explore(program)
        #expect(result.counterexamples.isEmpty, "\(result.counterexamples.map(\.violation.message))")
        #expect(result.exhaustive)
        // Concrete data never reaches Z3.
        #expect(result.solver?.queries == 0)
    }

    @Test func aWrongExpectationFails() throws {
        var byte: BitVector!
        let program = try dataProgram({
            [byte.set(255).ir, byte.set(byte + 1).ir, Assert(byte == 256 - 256 + 1, "does not wrap").ir]
        }, declarations: { byte = BitVector("byte", .uint8) })
        #expect(violatedIds(explore(program)) == ["Assertion"])
    }

    @Test func threadLocalBitVectorsStartAtTheirInitialValue() throws {
        var local: BitVector!
        let program = try dataProgram({
            [Assert(local == 7, "starts at 7").ir, local.set(local + 1).ir, Assert(local == 8, "then 8").ir]
        }, declarations: { local = BitVector("local", .uint16, initial: 7, threadLocal: true) })
        let result = explore(program)
        #expect(result.counterexamples.isEmpty, "\(result.counterexamples.map(\.violation.message))")
    }
}

@Suite struct SymbolicBranches {
    @Test func infeasibleBranchesAreNotTaken() throws {
        var x: BitVector!
        let program = try dataProgram({
            [If(x > 10) { Assert(false, "unreachable: x <= 5") }.ir, Assert(x <= 5, "the assumption holds").ir]
        }, declarations: { x = BitVector("x", .uint32, initial: .symbolic(where: { $0 <= 5 })) })
        let result = explore(program)
        #expect(result.counterexamples.isEmpty, "\(result.counterexamples.map(\.violation.message))")
        #expect(result.exhaustive)
        #expect((result.solver?.queries ?? 0) > 0)
    }

    @Test func bothWaysAreExploredWhenBothAreFeasible() throws {
        var x: BitVector!
        var seenBig: BoolVariable!
        var seenSmall: BoolVariable!
        let program = try dataProgram({
            [
                If(x > 100) { seenBig.set(true) } else: { seenSmall.set(true) }.ir,
                Assert(!seenBig, "the large branch is reachable").ir,
            ]
        }, declarations: {
            x = BitVector("x", .uint32, initial: .symbolic)
            seenBig = BoolVariable("seenBig")
            seenSmall = BoolVariable("seenSmall")
        })
        let result = explore(program)
        #expect(violatedIds(result) == ["Assertion"])
        // The smallest x that takes the branch.
        #expect(dataLine(result) == "this run happens with x = 0x65")
    }

    @Test func assumeNarrowsTheValues() throws {
        var x: BitVector!
        let narrowed = try dataProgram({
            [Assume(x == 3).ir, Assert(x == 3, "x is 3").ir]
        }, declarations: { x = BitVector("x", .uint32, initial: .symbolic) })
        #expect(explore(narrowed).counterexamples.isEmpty)

        let free = try dataProgram({
            [Assert(x == 3, "x is 3").ir]
        }, declarations: { x = BitVector("x", .uint32, initial: .symbolic) })
        let result = explore(free)
        #expect(violatedIds(result) == ["Assertion"])
        #expect(dataLine(result) == "this run happens with x = 0")
    }

    /// A path that an `Assume` rules out ends its run discarded; the runs lent after it (the other
    /// request's, from the same state) must come out as fresh ones.
    @Test func aRunAfterADiscardedOneIsLentAsAFreshOne() throws {
        let program = try program {
            let x = BitVector("x", .uint32, initial: .symbolic)
            _ = Model("Discarded") {
                Workload { Requests(.read, count: 2) }
                Filter("F", altitude: 100) {
                    PreOperation(.read) {
                        If(x == 3) { Assume(x != 3) }
                        Return(.successNoCallback)
                    }
                }
            }
        }
        LentSuccessors.expectLentSuccessorsAreTheSuccessors(Semantics(program), "Assume(x != 3) after x == 3")
    }

    @Test func requestParametersAreInputsOfTheirOwnRequest() throws {
        let program = try dataProgram(length: .symbolic(where: { $0 >= 0x1000 }), {
            [Assert(Op.length != 0x1000, "Length is not one page").ir]
        })
        let result = explore(program)
        #expect(violatedIds(result) == ["Assertion"])
        #expect(dataLine(result) == "this run happens with READ #1.Length = 0x1000")
    }

    @Test func concreteRequestParametersNeedNoSolver() throws {
        let program = try dataProgram(length: 4096, { [Assert(Op.length == 4096, "given").ir] })
        let result = explore(program)
        #expect(result.counterexamples.isEmpty)
        #expect(result.solver?.queries == 0)
        #expect(result.symmetryOffReason == nil)
    }

    @Test func aDivisorThatCanBeZeroIsReported() throws {
        var x: BitVector!
        var quotient: BitVector!
        let unguarded = try dataProgram({
            [quotient.set(0x1000 / x).ir]
        }, declarations: {
            x = BitVector("x", .uint32, initial: .symbolic)
            quotient = BitVector("quotient", .uint32)
        })
        let result = explore(unguarded)
        #expect(violatedIds(result) == ["ModelIntegrity"])
        #expect(result.counterexamples.first?.violation.message.contains("divides by zero") == true)
        #expect(dataLine(result) == "this run happens with x = 0, quotient = 0")

        let guarded = try dataProgram({
            [If(x != 0) { quotient.set(0x1000 / x) }.ir]
        }, declarations: {
            x = BitVector("x", .uint32, initial: .symbolic)
            quotient = BitVector("quotient", .uint32)
        })
        #expect(explore(guarded).counterexamples.isEmpty)
    }

    @Test func intMinDividedByMinusOneIsReported() throws {
        var a: BitVector!
        var b: BitVector!
        let program = try dataProgram({
            [Assume(b != 0).ir, a.set(a / b).ir]
        }, declarations: {
            a = BitVector("a", .int32, initial: .symbolic)
            b = BitVector("b", .int32, initial: .symbolic)
        })
        let result = explore(program)
        #expect(violatedIds(result) == ["ModelIntegrity"])
        #expect(dataLine(result) == "this run happens with a = 0x80000000, b = 0xFFFFFFFF")
    }

    @Test func anUndecidedConditionMakesTheVerdictInconclusive() throws {
        // Factoring a 62-bit semiprime: far beyond a 50 ms budget.
        var p: BitVector!
        var q: BitVector!
        let program = try dataProgram({
            [
                Assume(p > 1 && q > 1 && p < 0x1_0000_0000 && q < 0x1_0000_0000).ir,
                If(p * q == 2_147_483_647 * 2_147_483_629) { Assert(false, "factored") }.ir,
            ]
        }, declarations: {
            p = BitVector("p", .uint64, initial: .symbolic)
            q = BitVector("q", .uint64, initial: .symbolic)
        })
        let result = Explorer(semantics: Semantics(program, solverTimeoutMilliseconds: 50)).run()
        guard case .solverUnknown(let count, _)? = result.bound else {
            Issue.record("expected an inconclusive verdict, got bound \(String(describing: result.bound))")
            return
        }
        #expect(count > 0)
        #expect(!result.exhaustive)
        // The assertion sits on a path Z3 could not confirm: no violation is claimed either.
        #expect(result.counterexamples.isEmpty)
    }
}

@Suite struct DataModelErrors {
    @Test func mixedWidthsAreRejectedWithACast() throws {
        let error = compileError {
            let a = BitVector("a", .uint32)
            let b = BitVector("b", .uint64)
            _ = Model("M") {
                Workload { Requests(.read) }
                Filter("F", altitude: 1) { PreOperation(.read) { If(a < b) { Return(.successNoCallback) }; Return(.successNoCallback) } }
            }
        }
        #expect(error?.message.contains("mixes a 32-bit unsigned value with a 64-bit unsigned value") == true, "\(String(describing: error))")
        #expect(error?.location != nil)
    }

    @Test func dataCannotBecomeAStatus() throws {
        let error = compileError {
            let a = BitVector("a", .uint32)
            _ = Model("M") {
                Workload { Requests(.read) }
                Filter("F", altitude: 1) { PreOperation(.read) { SetStatus(a); Return(.successNoCallback) } }
            }
        }
        #expect(error?.message.contains("SetStatus cannot take") == true, "\(String(describing: error))")
    }

    @Test func aParameterTheRequestDoesNotGiveIsAnError() throws {
        let error = compileError {
            let a = BitVector("a", .uint32)
            _ = Model("M") {
                Workload { Requests(.read) }
                Filter("F", altitude: 1) { PreOperation(.read) { a.set(Op.length); Return(.successNoCallback) } }
            }
        }
        #expect(error?.message.contains("reads Op.length, but READ #1 gives none") == true, "\(String(describing: error))")
    }

    @Test func shiftsByTheWidthOrMoreAreRejected() throws {
        let error = compileError {
            let a = BitVector("a", .uint8)
            _ = Model("M") {
                Workload { Requests(.read) }
                Filter("F", altitude: 1) { PreOperation(.read) { a.set(a << 8); Return(.successNoCallback) } }
            }
        }
        #expect(error?.message.contains("a constant shift amount must be from 0 to 7") == true, "\(String(describing: error))")
    }

    @Test func aShiftByAVariableAmountIsCheckedOnEachPath() throws {
        var bit: BitVector!
        var amount: BitVector!
        let unguarded = try dataProgram({
            [bit.set(bit << amount).ir]
        }, declarations: {
            bit = BitVector("bit", .uint32, initial: 1)
            amount = BitVector("amount", .uint32, initial: .symbolic)
        })
        let result = explore(unguarded)
        #expect(violatedIds(result) == ["ModelIntegrity"])
        #expect(result.counterexamples.first?.violation.message.contains("shifts by 32 or more, or by a negative amount") == true)
        // The smallest amount that breaks it.
        #expect(dataLine(result) == "this run happens with amount = 0x20, bit = 1", "\(dataLine(result) ?? "no values")")

        var shifted: BitVector!
        let guarded = try dataProgram({
            [If(amount < 32) { shifted.set(bit << amount) }.ir, Assert(amount >= 32 || shifted != 0, "a bit shifted by less than 32 is not lost").ir]
        }, declarations: {
            bit = BitVector("bit", .uint32, initial: 1)
            shifted = BitVector("shifted", .uint32)
            amount = BitVector("amount", .uint32, initial: .symbolic)
        })
        #expect(explore(guarded).counterexamples.isEmpty)

        // A concrete amount computes as C does, and a negative signed one is undefined.
        var small: BitVector!
        let concrete = try dataProgram({
            [bit.set(bit << small).ir, Assert(bit == 8, "1 << 3 == 8").ir]
        }, declarations: {
            bit = BitVector("bit", .uint32, initial: 1)
            small = BitVector("small", .int8, initial: 3)
        })
        #expect(explore(concrete).counterexamples.isEmpty)
        let negative = try dataProgram({
            [bit.set(bit >> small).ir]
        }, declarations: {
            bit = BitVector("bit", .uint32, initial: 1)
            small = BitVector("small", .int8, initial: -1)
        })
        #expect(violatedIds(explore(negative)) == ["ModelIntegrity"])
    }

    @Test func aShiftAmountWiderThanTheValueNeedsACast() throws {
        let error = compileError {
            let a = BitVector("a", .uint8)
            let n = BitVector("n", .uint32)
            _ = Model("M") {
                Workload { Requests(.read) }
                Filter("F", altitude: 1) { PreOperation(.read) { a.set(a << n); Return(.successNoCallback) } }
            }
        }
        #expect(error?.message.contains("wider than the 8-bit value it shifts") == true, "\(String(describing: error))")
    }

    @Test func aBitVectorIsNotACondition() throws {
        let error = compileError {
            let a = BitVector("a", .uint8)
            _ = Model("M") {
                Workload { Requests(.read) }
                Filter("F", altitude: 1) { PreOperation(.read) { If(a) { Return(.successNoCallback) }; Return(.successNoCallback) } }
            }
        }
        #expect(error?.message.contains("a condition must be true or false") == true, "\(String(describing: error))")
    }

    @Test func integerVariablesHaveNoBitOperators() throws {
        let error = compileError {
            let n = IntVariable("n", 0...3)
            _ = Model("M") {
                Workload { Requests(.read) }
                Filter("F", altitude: 1) { PreOperation(.read) { n.set(n & 1); Return(.successNoCallback) } }
            }
        }
        #expect(error?.message.contains("& computes on BitVector values") == true, "\(String(describing: error))")
    }

    @Test func constantsMustFit() throws {
        let error = compileError {
            let a = BitVector("a", .uint8)
            _ = Model("M") {
                Workload { Requests(.read) }
                Filter("F", altitude: 1) { PreOperation(.read) { a.set(256); Return(.successNoCallback) } }
            }
        }
        #expect(error?.message.contains("the constant 256 does not fit in 8 bits") == true, "\(String(describing: error))")
    }
}

@Suite struct SymbolicRepositoryModels {
    @Test(arguments: [
        ("Models/Bugs/SwapBufferUnrounded.swift", "READ #1.Length = 1"),
        ("Models/Bugs/SwapBufferRoundingOverflow.swift", "READ #1.Length = 0xFFFFFE01"),
        ("Models/Bugs/WarningStatusCompletedTwice.swift", "headerStatus = 0x80000000"),
        ("Models/Bugs/PostReadWarningCompletedTwice.swift", "READ #1.FileSystemStatus = 0x80000000"),
    ])
    func counterexamplesShowTheSmallestValues(path: String, value: String) throws {
        let result = explore(try RepositoryModels.program(path))
        let line = try #require(dataLine(result))
        #expect(line.contains(value), "\(line)")
    }

    @Test func theRoundedSwapHoldsForEveryLength() throws {
        let result = explore(try RepositoryModels.program("Models/SwapBufferRounding.swift"))
        #expect(result.counterexamples.isEmpty)
        #expect(result.exhaustive)
        #expect(result.solver?.unknowns == 0)
    }
}
