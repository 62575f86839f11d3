extension PreferenceLoadOptions {
    /// Every option that changes the token ids of the pairs, for digests of tokenized data
    /// (precomputed reference log-probs are refused when it differs).
    public var settingsDescription: String {
        let t = truncation
        return "format=\(format.rawValue) preference=\(preference.rawValue) \(chat) tokenization=\(tokenization.rawValue) "
            + "max_length=\(t.maxLength ?? -1) max_prompt_length=\(t.maxPromptLength ?? -1) "
            + "max_completion_length=\(t.maxCompletionLength ?? -1) truncation_mode=\(t.mode.rawValue) "
            + "margin_field=\(marginField)" + (columns.isEmpty ? "" : " columns=\(columns.description)")
    }
}
