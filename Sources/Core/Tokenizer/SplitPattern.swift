/// The pre-tokenizer regexes this tokenizer knows. They are matched by hand-written
/// code (see PreTokenSplitter) rather than a regex engine because splitting runs on
/// every character of every text; an unknown pattern is refused rather than guessed.
enum SplitPattern: Equatable {
    case gpt2
    case qwen2
    case llama3

    static let gpt2Regex = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
    static let qwen2Regex = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    static let llama3Regex = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    var regex: String {
        switch self {
        case .gpt2: return Self.gpt2Regex
        case .qwen2: return Self.qwen2Regex
        case .llama3: return Self.llama3Regex
        }
    }

    init?(regex: String) {
        switch regex {
        case Self.gpt2Regex: self = .gpt2
        case Self.qwen2Regex: self = .qwen2
        case Self.llama3Regex: self = .llama3
        default: return nil
        }
    }
}
