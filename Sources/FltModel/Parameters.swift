// Model parameters: one model file covers a family of scenarios (a number of requests, a bug
// variant) chosen on the command line with `fltcheck verify --param NAME=VALUE`. fltcheck passes the
// values to the model program in an environment variable; the values a run used are part of the IR,
// so every report says which instance of the family was checked.

/// The environment variable through which fltcheck passes `--param` values to a model program, as a
/// JSON object of strings.
public let parametersEnvironmentVariable = "FLTCHECK_PARAMETERS"

/// A parameter the model declared, and the value this build of the model used.
public struct ParameterIR: Codable, Sendable, Equatable {
    public var name: String
    public var value: String
    public var defaultValue: String
    /// What values it takes, as the model declared them: `1...5` or `correct|double`.
    public var allowed: String
    public var location: SourceLocation
}

extension BuildContext {
    /// The `--param` value of `name`, the values read once from the environment unless
    /// `captureModels` supplied them. Values that do not parse are an error at `location`, the
    /// first parameter's.
    func suppliedParameter(_ name: String, at location: SourceLocation) -> String? {
        if suppliedParameters == nil {
            let json = environmentValue(parametersEnvironmentVariable) ?? "{}"
            if let parsed = parseStringObject(json) {
                suppliedParameters = parsed
            } else {
                suppliedParameters = [:]
                error("\(parametersEnvironmentVariable) is not a JSON object of strings: \(json)", location)
            }
        }
        return suppliedParameters?[name]
    }

    func declareParameter(_ name: String, value: String, defaultValue: String, allowed: String, at location: SourceLocation) {
        if parameters.contains(where: { $0.name == name }) {
            error("parameter \(name) is declared twice", location)
            return
        }
        parameters.append(ParameterIR(name: name, value: value, defaultValue: defaultValue, allowed: allowed, location: location))
    }
}

/// An integer the model takes from `fltcheck verify --param NAME=VALUE`, `defaultValue` when not
/// given. A value outside `range` is an error at this line.
///
/// ```swift
/// let requests = Parameter("N", default: 2, in: 1...5)
/// ```
public func Parameter(_ name: String, default defaultValue: Int, in range: ClosedRange<Int>, file: String = #filePath, line: Int = #line) -> Int {
    let context = buildContext
    let here = location(file, line)
    var value = defaultValue
    if !range.contains(defaultValue) {
        context.error("parameter \(name): the default \(defaultValue) is not in \(range.lowerBound)...\(range.upperBound)", here)
    }
    if let given = context.suppliedParameter(name, at: here) {
        if let number = Int(given), range.contains(number) {
            value = number
        } else {
            context.error("--param \(name)=\(given): \(name) is an integer in \(range.lowerBound)...\(range.upperBound)", here)
        }
    }
    context.declareParameter(name, value: String(value), defaultValue: String(defaultValue), allowed: "\(range.lowerBound)...\(range.upperBound)", at: here)
    return value
}

/// One of `choices`, taken from `fltcheck verify --param NAME=VALUE`, `defaultValue` when not given.
///
/// ```swift
/// let variant = Parameter("VARIANT", default: "correct", choices: ["correct", "doubleCompletion"])
/// ```
public func Parameter(_ name: String, default defaultValue: String, choices: [String], file: String = #filePath, line: Int = #line) -> String {
    let context = buildContext
    let here = location(file, line)
    var value = defaultValue
    let allowed = choices.joined(separator: "|")
    if !choices.contains(defaultValue) {
        context.error("parameter \(name): the default \(defaultValue) is not one of \(allowed)", here)
    }
    if let given = context.suppliedParameter(name, at: here) {
        if choices.contains(given) {
            value = given
        } else {
            context.error("--param \(name)=\(given): \(name) is one of \(allowed)", here)
        }
    }
    context.declareParameter(name, value: value, defaultValue: defaultValue, allowed: allowed, at: here)
    return value
}
