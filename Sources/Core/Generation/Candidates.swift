/// The tokens still in play after the warpers, with their (temperature-scaled) logits.
/// Kept as two parallel arrays reused across steps so sampling does not allocate.
public struct Candidates {
    public var ids: [Int32] = []
    public var logits: [Float] = []
    /// True once ordered by logit, highest first (top-p sorts; the draw then walks that order).
    public var sortedDescending = false

    public init() {}
    public var count: Int { ids.count }

    mutating func removeAll() {
        ids.removeAll(keepingCapacity: true); logits.removeAll(keepingCapacity: true)
        sortedDescending = false
    }
    mutating func append(_ id: Int, _ logit: Float) { ids.append(Int32(id)); logits.append(logit) }
}
