import ArgumentParser
import Core

// Option values with a fixed set are enums: ArgumentParser refuses anything else before the
// stage starts and `--help` lists the values.
extension PromptTemplate: ExpressibleByArgument {}
extension TokenizationMode: ExpressibleByArgument {}

extension TemplateChoice: ExpressibleByArgument {
    /// plain, chatml, qa, chat_template (the model's, forced), or a Jinja file's path.
    public init?(argument: String) {
        self.init(argument)
    }
}
extension BadRecordPolicy: ExpressibleByArgument {}
extension PreferenceFormat: ExpressibleByArgument {}
extension PKUPreference: ExpressibleByArgument {}
extension LRScheduleKind: ExpressibleByArgument {}
extension TruncationOptions.Mode: ExpressibleByArgument {}
extension WeightsDType: ExpressibleByArgument {}
extension Batching: ExpressibleByArgument {}
extension OverLengthPolicy: ExpressibleByArgument {}
extension ReportTarget: ExpressibleByArgument {}

extension LoRATarget: ExpressibleByArgument {
    /// Our short names (q, gate) and PEFT's module names (q_proj, gate_proj).
    public init?(argument: String) {
        self.init(name: argument)
    }
}

extension FDivergence: ExpressibleByArgument {
    /// The short names `js` and `alpha` as well as TRL's full ones.
    public init?(argument: String) {
        self.init(name: argument)
    }
}

/// A comma-separated list of one of the enums above (`--lora-targets q,k,v`), so each
/// element is checked by ArgumentParser and `--help` lists the values.
public struct CommaSeparated<Element: ExpressibleByArgument & Equatable>: ExpressibleByArgument, Equatable {
    public var values: [Element]

    public init(_ values: [Element]) {
        self.values = values
    }

    public init?(argument: String) {
        var out: [Element] = []
        for part in argument.split(separator: ",", omittingEmptySubsequences: false) {
            let name = part.trimmingCharacters(in: .whitespaces)
            guard let v = Element(argument: name) else { return nil }
            out.append(v)
        }
        if out.isEmpty { return nil }
        values = out
    }

    public static var allValueStrings: [String] { Element.allValueStrings }

    public var defaultValueDescription: String {
        values.map(\.defaultValueDescription).joined(separator: ",")
    }
}
