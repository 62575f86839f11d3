import ArgumentParser
import Core

/// Training data for rm-train/dpo-train: files, the shared PreferenceFlags, and TRL's
/// truncation options.
public struct PreferenceDataFlags: ParsableArguments {
    @Option(help: "Training pairs (JSONL, .zst accepted).") public var data: String
    @Option(help: "Evaluation pairs, same format.") public var evalData: String?
    @OptionGroup public var common: PreferenceFlags
    @Option(help: "Longest prompt + completion in tokens.") public var maxLength: Int = 1024
    @Option(help: "Longest prompt in tokens.") public var maxPromptLength: Int?
    @Option(help: "Longest completion in tokens.") public var maxCompletionLength: Int?
    @Option(help: "keep_end (cut the prompt's start) or keep_start (cut the completion's end).") public var truncationMode: String = "keep_end"
    public init() {}

    public var template: PromptTemplate { common.template }

    public func loadOptions(dropLong: Bool) throws -> PreferenceLoadOptions {
        var o = try common.options(maxLength: maxLength, dropLong: dropLong)
        guard let mode = TruncationOptions.Mode(rawValue: truncationMode) else {
            throw PrefkitError("--truncation-mode must be keep_end or keep_start")
        }
        o.truncation.maxPromptLength = maxPromptLength
        o.truncation.maxCompletionLength = maxCompletionLength; o.truncation.mode = mode
        return o
    }

    /// Everything that changes token ids, for digests of tokenized data.
    public var settingsDescription: String {
        "format=\(common.format.rawValue) preference=\(common.preference) template=\(common.template.rawValue) max_length=\(maxLength) "
            + "max_prompt_length=\(maxPromptLength ?? -1) max_completion_length=\(maxCompletionLength ?? -1) "
            + "truncation_mode=\(truncationMode) margin_field=\(common.marginField)"
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
