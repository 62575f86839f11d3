import ArgumentParser
import Core

/// How preference data is read, shared by rm-train, rm-score and dpo-train.
public struct PreferenceFlags: ParsableArguments {
    @Option(help: "Data format: auto, trl, hh (implicit prompt) or pku-saferlhf.") public var format: PreferenceFormat = .auto
    @Option(help: "PKU-SafeRLHF: which label decides.") public var preference: PKUPreference = .better
    @OptionGroup public var chat: TemplateFlags
    @Option(help: "trl: prompt and prompt + completion tokenized whole, the completion after their common prefix (TRL 1.16); separate: apart (older TRL).")
    public var tokenization: TokenizationMode = .trl
    @Option(help: "Name of the optional per-pair margin field.") public var marginField = "margin"
    @Option(help: "What to do with records that cannot be used.") public var onBadRecord: BadRecordPolicy = .fail
    @Option(help: "Which column fills each field: FIELD=COLUMN,… (e.g. prompt=question,chosen=response_a,rejected=response_b).")
    public var columns: String?
    public init() {}

    public func options(maxLength: Int, dropLong: Bool) throws -> PreferenceLoadOptions {
        guard maxLength > 1 else { throw PrefkitError("--max-length must be at least 2") }
        var o = PreferenceLoadOptions()
        o.format = format; o.chat = try chat.choice(); o.tokenization = tokenization; o.preference = preference; o.marginField = marginField
        o.policy = onBadRecord; o.truncation.maxLength = maxLength; o.truncation.dropLong = dropLong
        o.columns = try columns.map(ColumnMapping.init(parsing:)) ?? ColumnMapping()
        return o
    }
}
