/// Keeps the k highest logits, HF's TopKLogitsWarper: every token whose logit is at least
/// the k-th largest survives, so ties at the boundary are all kept, as in HF.
public struct TopKWarper {
    public let k: Int
    private var heap: [Float] = []
    public init(k: Int) { self.k = k }

    /// Candidates from the full row, scaled by 1/temperature. A k-element min-heap finds the
    /// threshold in one pass over the vocabulary instead of sorting it.
    public mutating func apply(_ logits: UnsafePointer<Float>, vocab: Int, temperature: Float, into c: inout Candidates) {
        c.removeAll()
        let kk = min(k, vocab)
        heap.removeAll(keepingCapacity: true)
        for i in 0..<vocab {
            let v = logits[i]
            if heap.count < kk { heap.append(v); siftUp(heap.count - 1) } else if v > heap[0] { heap[0] = v; siftDown(0) }
        }
        let threshold = heap[0], inv = 1 / temperature
        for i in 0..<vocab where logits[i] >= threshold { c.append(i, logits[i] * inv) }
    }

    private mutating func siftUp(_ i0: Int) {
        var i = i0
        while i > 0 { let p = (i - 1) / 2; if heap[p] <= heap[i] { break }; heap.swapAt(p, i); i = p }
    }
    private mutating func siftDown(_ i0: Int) {
        var i = i0
        let n = heap.count
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < n && heap[l] < heap[m] { m = l }
            if r < n && heap[r] < heap[m] { m = r }
            if m == i { return }
            heap.swapAt(i, m); i = m
        }
    }
}
