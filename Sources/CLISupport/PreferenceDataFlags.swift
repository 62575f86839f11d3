import ArgumentParser
import Core

/// How preference data is read and cut, shared by rm-train and dpo-train (TRL's names).
public struct PreferenceDataFlags: ParsableArguments {
    @Option(help: "Training pairs (JSONL, .zst accepted).") public var data: String
    @Option(help: "Evaluation pairs, same format.") public var evalData: String?
    @Option(help: "auto, trl, hh (implicit prompt) or pku-saferlhf.") public var format: String = "auto"
    @Option(help: "PKU-SafeRLHF: which label decides, better or safer.") public var preference: String = "better"
    @Option(help: "Prompt template: plain, chatml or qa (plain: text is already formatted).") public var template: PromptTemplate = .plain
    @Option(help: "Longest prompt + completion in tokens.") public var maxLength: Int = 1024
    @Option(help: "Longest prompt in tokens.") public var maxPromptLength: Int?
    @Option(help: "Longest completion in tokens.") public var maxCompletionLength: Int?
    @Option(help: "keep_end (cut the prompt's start) or keep_start (cut the completion's end).") public var truncationMode: String = "keep_end"
    @Option(help: "Field holding a per-pair margin/offset.") public var marginField: String = "margin"
    @Option(help: "fail (default) or skip records that cannot be used.") public var onBadRecord: BadRecordPolicy = .fail
    public init() {}

    public func loadOptions(dropLong: Bool) throws -> PreferenceLoadOptions {
        var o = PreferenceLoadOptions()
        guard let f = PreferenceFormat(rawValue: format) else {
            throw PrefkitError("--format must be one of \(PreferenceFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let mode = TruncationOptions.Mode(rawValue: truncationMode) else {
            throw PrefkitError("--truncation-mode must be keep_end or keep_start")
        }
        guard ["better", "safer"].contains(preference) else { throw PrefkitError("--preference must be better or safer") }
        guard maxLength > 1 else { throw PrefkitError("--max-length must be at least 2") }
        o.format = f; o.template = template; o.preference = preference; o.marginField = marginField; o.policy = onBadRecord
        o.truncation.maxLength = maxLength; o.truncation.maxPromptLength = maxPromptLength
        o.truncation.maxCompletionLength = maxCompletionLength; o.truncation.mode = mode; o.truncation.dropLong = dropLong
        return o
    }

    /// Everything that changes token ids, for digests of tokenized data.
    public var settingsDescription: String {
        "format=\(format) preference=\(preference) template=\(template.rawValue) max_length=\(maxLength) "
            + "max_prompt_length=\(maxPromptLength ?? -1) max_completion_length=\(maxCompletionLength ?? -1) "
            + "truncation_mode=\(truncationMode) margin_field=\(marginField)"
    }
}

/// `--lora-r R --lora-alpha A --lora-dropout P --lora-targets q,k,v,o,gate,up,down`.
public struct LoRAFlags: ParsableArguments {
    @Option(help: "LoRA rank (0: train every weight).") public var loraR = 0
    @Option(help: "LoRA alpha (scale = alpha / r).") public var loraAlpha: Double = 16
    @Option(help: "Dropout on the adapters' inputs.") public var loraDropout: Double = 0.05
    @Option(help: "Projections that get adapters.") public var loraTargets: String = "q,k,v,o,gate,up,down"
    public init() {}

    public func config() throws -> LoRAConfig? {
        guard loraR > 0 else { return nil }
        var targets: [LoRATarget] = []
        for n in loraTargets.split(separator: ",").map({ String($0).trimmingCharacters(in: .whitespaces) }) {
            guard let t = LoRATarget(name: n) else { throw PrefkitError("--lora-targets: unknown projection \(n) (q,k,v,o,gate,up,down)") }
            targets.append(t)
        }
        let c = LoRAConfig(rank: loraR, alpha: loraAlpha, dropout: loraDropout, targets: LoRATarget.allCases.filter(targets.contains))
        try c.validate()
        return c
    }
}

import Foundation
