/// The embedded synthetic preference task: short product reviews whose true preference
/// (the gold reward) is known to the code. Prompts have one fixed form so the item can be
/// read back from any prompt a stage hands the scorer.
public enum ReviewsTask {
    public static let name = "reviews"
    public static let promptTemplate = "Write a review of the {item}."

    public static func prompt(for item: String) -> String { "Write a review of the \(item)." }

    /// The gold scorers `rm-score --gold NAME` can apply to (prompt, response) pairs.
    public static func goldScorer(named name: String) -> ((String, String) -> Double)? {
        switch name {
        case ReviewsTask.name: return { gold(prompt: $0, response: $1) }
        default: return nil
        }
    }

    public static let goldScorerNames = [ReviewsTask.name]

    /// The item a prompt asks about: the words after "review of the" up to the end of the
    /// sentence; failing that (a prompt someone rephrased), the last catalogue item the
    /// prompt mentions. nil when neither finds one.
    public static func item(fromPrompt prompt: String) -> String? {
        let lower = prompt.lowercased()
        if let r = lower.range(of: "review of the ", options: .backwards) {
            let rest = lower[r.upperBound...]
            let end = rest.firstIndex(where: { ".!?\n<".contains($0) }) ?? rest.endIndex
            let item = ReviewsText.words(String(rest[..<end])).joined(separator: " ")
            if !item.isEmpty { return item }
        }
        let known = Set(ReviewsCatalogue.allItems)
        return ReviewsText.words(lower).last(where: { known.contains($0) })
    }
}
