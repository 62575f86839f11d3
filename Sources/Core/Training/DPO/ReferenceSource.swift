/// Where the reference log-probs come from.
public enum ReferenceSource {
    /// Reference-free losses, or `--reference-free`: log πref = 0.
    case none
    /// A separate frozen model (full fine-tuning; TR-DPO may mix the policy into it).
    case model(CausalLMEngine)
    /// The policy's own weights with its LoRA adapter switched off: no second copy.
    case adapterOff(CausalLMEngine, LoRAAdapter)
    /// Precomputed per pair, in data order (`dpo-train precompute-ref`): one table for the
    /// training pairs and one for the evaluation pairs (empty when there are none).
    case precomputed(train: ReferenceLogps.Table, eval: ReferenceLogps.Table)
}
