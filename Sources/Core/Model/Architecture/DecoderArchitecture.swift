/// A decoder family: which config.json it reads, the HF class names it saves under, and
/// what its block does. Adding a family is one file conforming to this plus its entry in
/// `DecoderArchitectures.all` (and fixtures).
public protocol DecoderArchitecture: Sendable {
    /// config.json `model_type`.
    static var modelType: String { get }
    /// `architectures` entries written for a causal LM and for a reward model.
    static var causalLMClass: String { get }
    static var rewardModelClass: String { get }
    /// Reads the family's own config.json fields into `c`, after the common ones.
    static func configure(_ c: inout ModelConfig, _ json: HFConfigJSON) throws
    /// What one decoder layer does, in order.
    static func block(_ b: BlockBuilder, _ c: ModelConfig)
}

public enum DecoderArchitectures {
    public static let all: [any DecoderArchitecture.Type] = [
        Llama.self, Mistral.self, Qwen2.self, Qwen3.self, Gemma3Text.self,
    ]

    public static var modelTypes: [String] { all.map { $0.modelType } }

    public static func named(_ modelType: String) -> (any DecoderArchitecture.Type)? {
        all.first { $0.modelType == modelType }
    }

    /// The family of a config that was parsed (so it is known).
    static func of(_ c: ModelConfig) -> any DecoderArchitecture.Type {
        guard let a = named(c.modelType) else {
            preconditionFailure("model_type \(c.modelType) has no DecoderArchitecture")
        }
        return a
    }

    public static func program(_ c: ModelConfig) -> BlockProgram {
        let b = BlockBuilder()
        of(c).block(b, c)
        return b.program()
    }
}
