import Foundation

/// Rotary position embedding in HF's rotate-half layout: dimension i pairs with i + d/2.
/// Tables hold cos/sin for every position up to `maxPositions`.
public final class RopeTables {
    public let headDim: Int
    public private(set) var maxPositions: Int
    let spec: RopeSpec
    let invFreq: [Float]
    private(set) var cosT: [Float] = []
    private(set) var sinT: [Float] = []

    public init(headDim: Int, spec: RopeSpec, maxPositions: Int) {
        self.headDim = headDim
        self.spec = spec
        self.maxPositions = 0
        invFreq = spec.inverseFrequencies(headDim: headDim)
        ensure(maxPositions)
    }

    /// Grows the tables when a longer sequence arrives; positions beyond the config's
    /// maximum still follow the same formula, as in HF.
    public func ensure(_ positions: Int) {
        guard positions > maxPositions else { return }
        let half = headDim / 2
        var c = [Float](repeating: 0, count: positions * half), s = c
        for p in 0..<positions {
            for i in 0..<half {
                let a = Double(p) * Double(invFreq[i])
                c[p * half + i] = Float(cos(a)); s[p * half + i] = Float(sin(a))
            }
        }
        cosT = c; sinT = s; maxPositions = positions
    }

    /// Rotates `heads` vectors of each row in place; row r sits at position positions[r].
    /// inverse = true applies the transpose rotation (the backward pass).
    public func apply(_ x: UnsafeMutablePointer<Float>, rows: Int, rowStride: Int, heads: Int,
                      positions: UnsafePointer<Int32>, inverse: Bool) {
        let half = headDim / 2
        let hd = headDim
        let limit = maxPositions
        // The transpose rotation is the same one with sin negated.
        let sign: Float = inverse ? -1 : 1
        cosT.withUnsafeBufferPointer { cb in sinT.withUnsafeBufferPointer { sb in
            let cp = cb.baseAddress!
            let sp = sb.baseAddress!
            Parallel.forRange(rows, minPerWorker: 32) { lo, hi in
                for r in lo..<hi {
                    let pos = Int(positions[r])
                    // The tables are read through raw pointers: a position past them stops here.
                    precondition(pos >= 0 && pos < limit, "RoPE position \(pos) outside the tables [0, \(limit))")
                    let c = cp + pos * half
                    let s = sp + pos * half
                    let row = x + r * rowStride
                    for h in 0..<heads {
                        // First and second halves of the head as their own pointers: the inner
                        // loop has no index arithmetic left to overflow-check, so it vectorises.
                        let v1 = row + h * hd
                        let v2 = v1 + half
                        for i in 0..<half {
                            let a = v1[i]
                            let b = v2[i]
                            let si = sign * s[i]
                            v1[i] = a * c[i] - b * si
                            v2[i] = b * c[i] + a * si
                        }
                    }
                }
            }
        } }
    }
}
