import Foundation

/// Causal grouped-query attention over packed sequences, computed block by block
/// (FlashAttention's scheme): a [128 × 128] tile of scores at a time with a running max and
/// sum per query, so nothing of size L² is ever stored. Forward keeps only each query's
/// log-sum-exp; backward recomputes the tiles' probabilities from it.
/// q, k, v are column blocks of the fused [tokens, qkvStride] projection output;
/// head h reads kv head h / (heads / kvHeads).
public struct AttentionShape {
    public let heads: Int, kvHeads: Int, headDim: Int
    public var qkvStride: Int { (heads + 2 * kvHeads) * headDim }
    public var kOffset: Int { heads * headDim }
    public var vOffset: Int { (heads + kvHeads) * headDim }
    public var outStride: Int { heads * headDim }
    public init(heads: Int, kvHeads: Int, headDim: Int) { self.heads = heads; self.kvHeads = kvHeads; self.headDim = headDim }
}

/// What differs between attention layers of one model: the query scale (1/√d, or Gemma's
/// query_pre_attn_scalar), a sliding window (Mistral, Gemma 3's local layers) and
/// soft-capping of the scores (cap·tanh(s/cap), Gemma 2 style).
public struct AttentionParams: Equatable, Sendable {
    public var scale: Float
    /// Query at position p sees keys at positions p − window + 1 … p (HF: kv_idx > q_idx −
    /// sliding_window); nil: every earlier position.
    public var window: Int?
    public var softcap: Float?

    public init(scale: Float, window: Int? = nil, softcap: Float? = nil) {
        self.scale = scale
        self.window = window
        self.softcap = softcap
    }

    /// First key position query t may see (a plain sequence, positions = indices).
    @inline(__always) func firstKey(_ t: Int) -> Int {
        guard let window else { return 0 }
        return max(0, t - window + 1)
    }
}

public enum Attention {
    /// Query and key tile size.
    static let block = 128

    /// Floats the forward keeps for backward: one log-sum-exp per (head, token).
    public static func storage(_ a: AttentionShape, tokens: Int) -> Int { a.heads * tokens }

    /// out: [tokens, heads·headDim]; lse: [heads, tokens], what backward needs.
    public static func forward(shape a: AttentionShape, params ap: AttentionParams, batch: TokenBatch,
                               qkv: UnsafePointer<Float>, lse: UnsafeMutablePointer<Float>,
                               out: UnsafeMutablePointer<Float>) {
        let n = batch.tokenCount
        let tasks = batch.sequenceCount * a.heads
        batch.positions.withUnsafeBufferPointer { pos in
            Parallel.forRange(tasks, callsBLAS: true) { lo, hi in
                let tile = UnsafeMutablePointer<Float>.allocate(capacity: block * block)
                let stats = UnsafeMutablePointer<Float>.allocate(capacity: 2 * block)
                defer {
                    tile.deallocate()
                    stats.deallocate()
                }
                for task in lo..<hi {
                    let s = task / a.heads
                    let h = task % a.heads
                    let view = SequenceView(batch, s, positions: pos.baseAddress!, shape: a, params: ap)
                    view.forward(head: h, qkv: qkv, out: out, lse: lse + h * n, tile: tile, stats: stats)
                }
            }
        }
    }

    /// dqkv += dL/dqkv. `out` is the forward's output and `lse` its log-sum-exps. Tasks are
    /// (sequence, kv head) so heads that share a kv head add their dK/dV in one task.
    public static func backward(shape a: AttentionShape, params ap: AttentionParams, batch: TokenBatch,
                                qkv: UnsafePointer<Float>, out: UnsafePointer<Float>, lse: UnsafePointer<Float>,
                                dout: UnsafePointer<Float>, dqkv: UnsafeMutablePointer<Float>) {
        let n = batch.tokenCount
        let tasks = batch.sequenceCount * a.kvHeads
        let maxL = batch.maxLength
        batch.positions.withUnsafeBufferPointer { pos in
            Parallel.forRange(tasks, callsBLAS: true) { lo, hi in
                let work = BackwardTiles(maxLength: maxL, softcap: ap.softcap != nil)
                defer { work.deallocate() }
                for task in lo..<hi {
                    let s = task / a.kvHeads
                    let g = task % a.kvHeads
                    let view = SequenceView(batch, s, positions: pos.baseAddress!, shape: a, params: ap)
                    let group = a.heads / a.kvHeads
                    for h in (g * group)..<((g + 1) * group) {
                        view.backward(head: h, qkv: qkv, out: out, lse: lse + h * n, dout: dout, dqkv: dqkv, work: work)
                    }
                }
            }
        }
    }
}

/// One worker's backward scratch: the probability and gradient tiles and D = rowsum(dO ∘ O).
struct BackwardTiles {
    let p: UnsafeMutablePointer<Float>
    let dp: UnsafeMutablePointer<Float>
    let raw: UnsafeMutablePointer<Float>?
    let d: UnsafeMutablePointer<Float>

    init(maxLength: Int, softcap: Bool) {
        let t = Attention.block * Attention.block
        p = .allocate(capacity: t)
        dp = .allocate(capacity: t)
        raw = softcap ? .allocate(capacity: t) : nil
        d = .allocate(capacity: max(1, maxLength))
    }

    func deallocate() {
        p.deallocate()
        dp.deallocate()
        raw?.deallocate()
        d.deallocate()
    }
}
