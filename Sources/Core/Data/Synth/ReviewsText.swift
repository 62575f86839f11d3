/// How the gold scorer cuts text: lowercase words of letters (apostrophes kept, so
/// "isn't" stays one word) and sentences ended by . ! or ?.
enum ReviewsText {
    static func words(_ s: String) -> [String] {
        var out: [String] = [], cur = ""
        for ch in s.lowercased() {
            if ch.isLetter || (ch == "'" && !cur.isEmpty) { cur.append(ch) }
            else if !cur.isEmpty { out.append(cur); cur = "" }
        }
        if !cur.isEmpty { out.append(cur) }
        return out
    }

    /// Word lists of the sentences that hold at least one word; trailing text without
    /// final punctuation is a sentence too (a generation cut off mid-sentence).
    static func sentences(_ s: String) -> [[String]] {
        var out: [[String]] = [], cur = ""
        for ch in s {
            if ch == "." || ch == "!" || ch == "?" {
                let w = words(cur); if !w.isEmpty { out.append(w) }; cur = ""
            } else { cur.append(ch) }
        }
        let w = words(cur); if !w.isEmpty { out.append(w) }
        return out
    }

    static func isNegator(_ w: String) -> Bool { ReviewsLexicon.negators.contains(w) || w.hasSuffix("n't") }
}
