/// Why a sequence stopped: an eos token, a --stop string, or max_new_tokens.
public enum FinishReason: String {
    case eos, stop, length
}
