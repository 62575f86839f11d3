import ArgumentParser
import Core

/// Training data for rm-train/dpo-train: files, the shared PreferenceFlags, and TRL's
/// truncation options.
public struct PreferenceDataFlags: ParsableArguments {
    @Option(help: "Training pairs (JSONL; .zst or .gz compressed accepted).") public var data: String
    @Option(help: "Evaluation pairs, same format.") public var evalData: String?
    @OptionGroup public var common: PreferenceFlags
    @Option(help: "Longest prompt + completion in tokens.") public var maxLength: Int = 1024
    @Option(help: "Longest prompt in tokens.") public var maxPromptLength: Int?
    @Option(help: "Longest completion in tokens.") public var maxCompletionLength: Int?
    @Option(help: "keep_end cuts the prompt's start, keep_start the completion's end.") public var truncationMode: TruncationOptions.Mode = .keepEnd
    public init() {}

    public func loadOptions(dropLong: Bool) throws -> PreferenceLoadOptions {
        var o = try common.options(maxLength: maxLength, dropLong: dropLong)
        o.truncation.maxPromptLength = maxPromptLength
        o.truncation.maxCompletionLength = maxCompletionLength; o.truncation.mode = truncationMode
        return o
    }

    public func validate() throws {
        try validating { _ = try loadOptions(dropLong: false) }
    }
}

/// `--lora-r R --lora-alpha A --lora-dropout P --lora-targets q,k,v,o,gate,up,down`.
/// `--base-dtype`: how weights that do not train are held (the LoRA base; dpo-train's reference
/// model too). Shared so that every stage says it alike.
public struct FrozenWeightsFlags: ParsableArguments {
    @Option(help: "How frozen weights are held: the LoRA base (and dpo-train's reference model). bf16/f16 halve their memory; math stays f32 on the rounded weights. Trained weights stay f32.")
    public var baseDtype: WeightsDType = .f32
    public init() {}
}

public struct LoRAFlags: ParsableArguments {
    @Option(help: "LoRA rank (0: train every weight).") public var loraR = 0
    @Option(help: "LoRA alpha (scale = alpha / r).") public var loraAlpha: Double = 16
    @Option(help: "Dropout on the adapters' inputs.") public var loraDropout: Double = 0.05
    @Option(help: "Projections that get adapters, comma separated.")
    public var loraTargets = CommaSeparated<LoRATarget>(LoRATarget.allCases)
    public init() {}

    public func validate() throws {
        try validating { _ = try config() }
    }

    public func config() throws -> LoRAConfig? {
        guard loraR > 0 else { return nil }
        let targets = LoRATarget.allCases.filter(loraTargets.values.contains)
        let c = LoRAConfig(rank: loraR, alpha: loraAlpha, dropout: loraDropout, targets: targets)
        try c.validate()
        return c
    }
}

import Foundation
