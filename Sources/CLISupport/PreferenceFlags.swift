import ArgumentParser
import Core

/// How preference data is read, shared by rm-train and rm-score (and later dpo-train).
public struct PreferenceFlags: ParsableArguments {
    @Option(help: "Data format: auto, trl, hh (implicit prompt) or pku-saferlhf.") public var format: PreferenceFormat = .auto
    @Option(help: "PKU-SafeRLHF: which label decides, better or safer.") public var preference = "better"
    @Option(help: "Prompt template for string prompts and message lists: plain (none), chatml or qa.") public var template: PromptTemplate = .plain
    @Option(help: "Name of the optional per-pair margin field.") public var marginField = "margin"
    @Option(help: "fail (default) or skip records that cannot be used.") public var onBadRecord: BadRecordPolicy = .fail
    public init() {}

    public func options(maxLength: Int, dropLong: Bool) throws -> PreferenceLoadOptions {
        guard preference == "better" || preference == "safer" else {
            throw PrefkitError("--preference must be better or safer (got \(preference))")
        }
        guard maxLength > 1 else { throw PrefkitError("--max-length must be at least 2") }
        var o = PreferenceLoadOptions()
        o.format = format; o.template = template; o.preference = preference; o.marginField = marginField
        o.policy = onBadRecord; o.truncation.maxLength = maxLength; o.truncation.dropLong = dropLong
        return o
    }
}

extension PreferenceFormat: ExpressibleByArgument {}
