import Foundation

extension Tokenizer {
    /// Token strings of `eos_token` / `pad_token` in a tokenizer_config.json (each a
    /// string or an object with "content"). tokenizer.json itself does not say which
    /// token ends a sequence. A missing or unreadable file yields (nil, nil).
    public static func guessEOS(from tokenizerConfigPath: String) -> (eos: String?, pad: String?) {
        guard let data = FileManager.default.contents(atPath: tokenizerConfigPath),
              let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            return (nil, nil)
        }
        func name(_ v: Any?) -> String? {
            if let s = v as? String { return s }
            if let d = v as? [String: Any] { return d["content"] as? String }
            return nil
        }
        return (name(root["eos_token"]), name(root["pad_token"]))
    }

    /// Sets eos/pad from a tokenizer_config.json; names not in the vocabulary become nil.
    public func applySpecials(fromConfig tokenizerConfigPath: String) {
        let names = Tokenizer.guessEOS(from: tokenizerConfigPath)
        setSpecials(eos: names.eos.flatMap(tokenId), pad: names.pad.flatMap(tokenId))
    }
}
