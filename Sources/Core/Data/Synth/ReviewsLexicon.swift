/// The words the reviews grammar writes and the gold scorer reads. Both sides use these
/// lists, so the gold reward is exactly the sentiment the generator meant to express.
/// Kept small (a couple of hundred words with the catalogue) so a tiny model trained from
/// scratch can learn the language in a minute or two.
enum ReviewsLexicon {
    static let positive: Set<String> = [
        "great", "good", "excellent", "amazing", "wonderful", "solid", "reliable",
        "sturdy", "comfortable", "useful", "perfect", "nice", "fantastic", "lovely",
    ]
    static let negative: Set<String> = [
        "bad", "terrible", "awful", "poor", "flimsy", "useless", "broken",
        "cheap", "noisy", "disappointing", "horrible", "weak", "fragile", "ugly",
    ]
    /// Verbs carry sentiment too ("I love it", "I would not recommend it").
    static let positiveVerbs: Set<String> = ["love", "like", "recommend", "enjoy"]
    static let negativeVerbs: Set<String> = ["hate", "dislike", "regret"]

    static let intensifiers: Set<String> = ["very", "really", "extremely"]
    static let negators: Set<String> = ["not", "never", "no"]
    /// A negation reaches the next sentiment word, but not across a clause boundary.
    static let clauseBreaks: Set<String> = ["and", "but"]

    /// Function words that every sentence needs; repeating them is not degenerate.
    static let stopwords: Set<String> = [
        "the", "a", "an", "this", "that", "it", "its", "is", "was", "are", "i", "my", "me",
        "and", "but", "to", "of", "for", "on", "in", "at", "as", "with", "would", "be",
        "new", "last", "looks", "feels", "seems",
    ]

    /// Sentiment value of a word before intensifiers and negation, 0 when it has none.
    static func polarity(_ w: String) -> Double {
        if positive.contains(w) || positiveVerbs.contains(w) { return 1 }
        if negative.contains(w) || negativeVerbs.contains(w) { return -1 }
        return 0
    }

    // Generator-only vocabulary.
    static let positiveList = positive.sorted()
    static let negativeList = negative.sorted()
    static let intensifierList = intensifiers.sorted()
    static let aspects = ["quality", "price", "design", "size", "color", "material", "finish", "packaging"]
    static let linkingVerbs = ["is", "feels", "looks", "seems"]
    static let days = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    static let colors = ["red", "blue", "black", "white", "green", "gray"]
    static let places = ["kitchen", "office", "garage", "family", "trip", "son", "daughter"]
    static let periods = ["week", "month", "year"]
}
