/// Keeps the k highest logits, HF's TopKLogitsWarper: every token whose logit is at least
/// the k-th largest survives, so ties at the boundary are all kept, as in HF.
public struct TopKWarper {
    public let k: Int
    private var heap: [Float] = []
    public init(k: Int) { self.k = k }

    /// Candidates from the full row, scaled by 1/temperature. A k-element min-heap finds the
    /// threshold in one pass over the vocabulary instead of sorting it. The heap runs on its
    /// buffer's raw pointer: every index it touches is below its count by construction, and
    /// this loop runs vocab times per sampled token.
    public mutating func apply(_ logits: UnsafePointer<Float>, vocab: Int, temperature: Float, into c: inout Candidates) {
        c.removeAll()
        let kk = min(k, vocab)
        precondition(kk > 0, "top-k needs k ≥ 1 and a vocabulary")
        heap.removeAll(keepingCapacity: true)
        heap.append(contentsOf: UnsafeBufferPointer(start: logits, count: kk))
        let threshold: Float = heap.withUnsafeMutableBufferPointer { buf in
            let h = buf.baseAddress!
            var i = kk / 2
            while i > 0 {
                i -= 1
                Self.siftDown(h, kk, i)
            }
            for j in kk..<vocab where logits[j] > h[0] {
                h[0] = logits[j]
                Self.siftDown(h, kk, 0)
            }
            return h[0]
        }
        let inv = 1 / temperature
        for i in 0..<vocab where logits[i] >= threshold { c.append(i, logits[i] * inv) }
    }

    /// Restores the min-heap property below i in h[0..<n].
    @inline(__always)
    static func siftDown(_ h: UnsafeMutablePointer<Float>, _ n: Int, _ i0: Int) {
        var i = i0
        while true {
            let l = 2 * i + 1
            let r = l + 1
            var m = i
            if l < n && h[l] < h[m] { m = l }
            if r < n && h[r] < h[m] { m = r }
            if m == i { return }
            let t = h[i]
            h[i] = h[m]
            h[m] = t
            i = m
        }
    }
}
