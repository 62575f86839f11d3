/// Temperature 0: the most likely token; the first one on ties, as torch.argmax.
public enum GreedySampler {
    public static func pick(_ logits: UnsafePointer<Float>, vocab: Int) -> Int {
        var best = 0, bv = logits[0]
        for i in 1..<vocab where logits[i] > bv { bv = logits[i]; best = i }
        return best
    }
}
