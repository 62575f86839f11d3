import Foundation

extension Tokenizer {
    /// Token strings of `eos_token` / `pad_token` in a tokenizer_config.json (each a
    /// string or an object with "content"). tokenizer.json itself does not say which
    /// token ends a sequence. A missing or unreadable file yields (nil, nil).
    public static func guessEOS(from tokenizerConfigPath: String) -> (eos: String?, pad: String?) {
        guard let bytes = FileManager.default.contents(atPath: tokenizerConfigPath),
              let root = try? JSONValue.parse([UInt8](bytes), source: tokenizerConfigPath) else {
            return (nil, nil)
        }
        let names = TokenizerSettings.specialTokens(in: root)
        return (names["eos_token"], names["pad_token"])
    }

    /// Sets eos/pad from the names in `settings` (tokenizer_config.json); names not in the
    /// vocabulary become nil.
    func applySpecials(from settings: TokenizerSettings) {
        setSpecials(eos: settings.specialTokens["eos_token"].flatMap(tokenId),
                    pad: settings.specialTokens["pad_token"].flatMap(tokenId))
    }
}
