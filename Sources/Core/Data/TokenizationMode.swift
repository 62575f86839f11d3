/// How a prompt and its completions become token ids.
public enum TokenizationMode: String, CaseIterable {
    /// TRL 1.16 (`DPOTrainer._prepare_dataset` and the reward, KTO and SFT trainers):
    /// `tok(prompt)` and `tok(prompt + completion)` (chat template for conversations),
    /// the completion starting where the two id sequences diverge.
    case trl
    /// Older TRL and prefkit before it: the prompt and the completion tokenized apart and
    /// concatenated, the eos id appended to the completion. Tokens that merge across the
    /// boundary ("Answer: " + "Mars") come out differently from `trl`.
    case separate
}
