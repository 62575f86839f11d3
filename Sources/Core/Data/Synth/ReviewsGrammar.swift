/// Writes one review of 1-3 sentences (sometimes more) in the task's small grammar.
/// Each review has a tone in [-1, 1]; every sentiment slot is positive with probability
/// (1 + tone) / 2, so reviews range from all-negative through mixed to all-positive and
/// gold covers its whole range. A few reviews carry the flaws gold penalises (a repeated
/// sentence, no item name, too many sentences) so a reward model sees them once in a while,
/// but blatant spam stays out of the data: that is what a gamed policy invents.
struct ReviewsGrammar {
    var rng: SynthRandom

    static let repeatRate = 0.04
    static let intensifierRate = 0.3
    static let negationRate = 0.15
    static let factRate = 0.2
    static let nameFirstRate = 0.85

    /// Leading space: the completion follows the prompt as continuous text.
    mutating func review(of item: String) -> String {
        let tone = rng.unit() * 2 - 1
        let n = sentenceCount()
        var out: [String] = []
        // Naming the item is the first sentence's job; later ones say "it" or an aspect.
        let named = rng.chance(Self.nameFirstRate)
        for i in 0..<n {
            if i > 0 && rng.chance(Self.factRate) { out.append(fact()); continue }
            out.append(opinion(item, tone: tone, nameItem: i == 0 && named))
        }
        if rng.chance(Self.repeatRate) { out.append(rng.pick(out)) }
        return " " + out.joined(separator: " ")
    }

    private mutating func sentenceCount() -> Int {
        let u = rng.unit()
        return u < 0.25 ? 1 : u < 0.6 ? 2 : u < 0.9 ? 3 : u < 0.97 ? 4 : 5
    }

    private mutating func opinion(_ item: String, tone: Double, nameItem: Bool) -> String {
        if nameItem {
            if rng.chance(0.25) { return verdict(tone: tone, object: "the \(item)") }
            let subject = rng.pick(["The", "This", "My new"]) + " " + item
            return "\(subject) \(predicate(tone))\(maybeClause(tone))."
        }
        switch rng.below(3) {
        case 0: return verdict(tone: tone, object: "it")
        case 1: return "The \(rng.pick(ReviewsLexicon.aspects)) is \(adjective(tone))\(maybeClause(tone))."
        default: return "It \(predicate(tone))."
        }
    }

    /// A second judgement in the same sentence, drawn from the same tone (so "but" can
    /// join two of the same sign; the grammar is about sentiment, not style).
    private mutating func maybeClause(_ tone: Double) -> String {
        guard rng.chance(0.2) else { return "" }
        return " \(rng.pick(["and", "but"])) the \(rng.pick(ReviewsLexicon.aspects)) is \(adjective(tone))"
    }

    /// Verb and adjective; "is" when negated, since "looks not bad" is not English.
    private mutating func predicate(_ tone: Double) -> String {
        let adj = adjective(tone)
        return (adj.hasPrefix("not ") ? "is" : rng.pick(ReviewsLexicon.linkingVerbs)) + " " + adj
    }

    /// An adjective phrase whose intended sign follows the tone; a negated phrase picks a
    /// word of the opposite sign ("not bad" for praise).
    private mutating func adjective(_ tone: Double) -> String {
        let positive = rng.unit() < (1 + tone) / 2
        let negate = rng.chance(Self.negationRate)
        let intensify = rng.chance(Self.intensifierRate)
        let word = rng.pick(positive != negate ? ReviewsLexicon.positiveList : ReviewsLexicon.negativeList)
        return (negate ? "not " : "") + (intensify ? rng.pick(ReviewsLexicon.intensifierList) + " " : "") + word
    }

    private mutating func verdict(tone: Double, object: String) -> String {
        let positive = rng.unit() < (1 + tone) / 2
        let really = rng.chance(Self.intensifierRate) ? "really " : ""
        if rng.chance(Self.negationRate) {
            return positive ? "I would never \(rng.pick(["hate", "regret"])) \(object)." : "I would not recommend \(object)."
        }
        if positive {
            return rng.pick(["I \(really)love \(object).", "I \(really)like \(object).",
                             "I would \(really)recommend \(object).", "I \(really)enjoy using \(object)."])
        }
        return rng.pick(["I \(really)hate \(object).", "I \(really)dislike \(object).", "I \(really)regret buying \(object)."])
    }

    private mutating func fact() -> String {
        switch rng.below(4) {
        case 0: return "It arrived on \(rng.pick(ReviewsLexicon.days).capitalisedFirst)."
        case 1: return "I bought it last \(rng.pick(ReviewsLexicon.periods))."
        case 2: return "It came in a \(rng.pick(ReviewsLexicon.colors)) box."
        default: return "I got it for my \(rng.pick(ReviewsLexicon.places))."
        }
    }
}

private extension String {
    var capitalisedFirst: String { prefix(1).uppercased() + dropFirst() }
}
