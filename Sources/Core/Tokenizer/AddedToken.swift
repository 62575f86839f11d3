/// An entry of tokenizer.json's `added_tokens`: text matched verbatim before BPE.
struct AddedToken {
    var id: Int
    var content: String
    var special: Bool
    /// Also swallow whitespace on the left / right of the match.
    var lstrip = false
    var rstrip = false
    /// Only match when not glued to a word character on either side.
    var singleWord = false
    /// Matched in normalized text instead of the raw input.
    var normalized = false
}
