/// y = x · Wᵀ (+ b) with W stored as bfloat16 in HF's [out, in] layout.
/// Decoding a few rows is bound by reading the weights, not by FLOPs; bf16 halves those bytes.
///
/// Widening must cost less than the bytes it saves. Swift's SIMD16<UInt16> → SIMD16<UInt32>
/// conversion compiles to scalar code (measured: ~1 element/ns per core, slower than fp32),
/// so each 32-bit load takes two bf16 values at once: `v << 16` is the even one and
/// `v & 0xFFFF0000` the odd one, both plain 32-bit lane ops. The weights thus come out with
/// their k dimension permuted (evens, then odds); x gets the same permutation, and a dot
/// product does not care about the order of k.
public enum BF16Linear {
    /// Floats of one worker's widened block (128 KiB: fits L2 beside x and y).
    public static let blockFloats = 32 * 1024

    public static func forward(x: UnsafePointer<Float>, w: UnsafePointer<UInt16>, b: UnsafePointer<Float>?,
                               y: UnsafeMutablePointer<Float>, rows: Int, inDim: Int, outDim: Int,
                               accumulate: Bool = false, scratch: Scratch) {
        let workers = min(Parallel.workers, max(1, outDim / 64))
        // A block holds at least one widened row: inputs wider than blockFloats get a wider
        // block rather than spilling into the next worker's.
        let block = max(blockFloats, inDim)
        let blockRows = block / inDim
        let space = scratch.get(Parallel.workers * block + rows * inDim)
        let xp = space + Parallel.workers * block
        precondition(blockRows >= 1 && blockRows * inDim <= block, "BF16Linear: a block must hold whole rows")
        for r in 0..<rows { split(x + r * inDim, to: xp + r * inDim, count: inDim) }
        let perWorker = (outDim + workers - 1) / workers
        Parallel.forRange(workers, callsBLAS: true) { lo, hi in
            for worker in lo..<hi {
                var r = worker * perWorker
                let end = min(outDim, r + perWorker)
                if rows == 1 {
                    matvec(xp: xp, w: w, y: y, rows: r..<end, inDim: inDim, accumulate: accumulate)
                    continue
                }
                let mine = space + worker * block
                while r < end {
                    let n = min(blockRows, end - r)
                    for i in 0..<n { widenSplit(w + (r + i) * inDim, to: mine + i * inDim, count: inDim) }
                    sgemm(transB: true, m: rows, n: n, k: inDim, a: xp, lda: inDim, b: mine, ldb: inDim,
                          beta: accumulate ? 1 : 0, c: y + r, ldc: outDim)
                    r += n
                }
            }
        }
        if let b {
            for r in 0..<rows { let yr = y + r * outDim; for o in 0..<outDim { yr[o] += b[o] } }
        }
    }

    /// The k permutation applied to an fp32 row: even indices, then odd ones (an odd count
    /// leaves its last element last, matching widenSplit).
    static func split(_ x: UnsafePointer<Float>, to dst: UnsafeMutablePointer<Float>, count: Int) {
        let half = count / 2
        for j in 0..<half { dst[j] = x[2 * j]; dst[half + j] = x[2 * j + 1] }
        if count % 2 == 1 { dst[count - 1] = x[count - 1] }
    }

    /// One bf16 row widened into the permuted fp32 layout.
    @inline(__always)
    static func widenSplit(_ src: UnsafePointer<UInt16>, to dst: UnsafeMutablePointer<Float>, count: Int) {
        let half = count / 2, s = UnsafeRawPointer(src), d = UnsafeMutableRawPointer(dst)
        var j = 0
        while j + 16 <= half {
            let v = s.loadUnaligned(fromByteOffset: 4 * j, as: SIMD16<UInt32>.self)
            d.storeBytes(of: unsafeBitCast(v &<< 16, to: SIMD16<Float>.self), toByteOffset: 4 * j, as: SIMD16<Float>.self)
            d.storeBytes(of: unsafeBitCast(v & 0xFFFF_0000, to: SIMD16<Float>.self), toByteOffset: 4 * (half + j),
                         as: SIMD16<Float>.self)
            j += 16
        }
        while j < half {
            dst[j] = Float(bitPattern: UInt32(src[2 * j]) << 16)
            dst[half + j] = Float(bitPattern: UInt32(src[2 * j + 1]) << 16)
            j += 1
        }
        if count % 2 == 1 { dst[count - 1] = Float(bitPattern: UInt32(src[count - 1]) << 16) }
    }

    /// One row of x: widen straight into the dot product, so the bf16 bytes are the only
    /// memory traffic (no scratch written and read back). Four weight rows at a time keep
    /// four memory streams in flight and share each load of x.
    static func matvec(xp: UnsafePointer<Float>, w: UnsafePointer<UInt16>, y: UnsafeMutablePointer<Float>,
                       rows: Range<Int>, inDim: Int, accumulate: Bool) {
        let half = inDim / 2, xe = UnsafeRawPointer(xp), xo = UnsafeRawPointer(xp + half)
        var r = rows.lowerBound
        while r + 4 <= rows.upperBound {
            let r0 = UnsafeRawPointer(w + r * inDim), r1 = UnsafeRawPointer(w + (r + 1) * inDim)
            let r2 = UnsafeRawPointer(w + (r + 2) * inDim), r3 = UnsafeRawPointer(w + (r + 3) * inDim)
            var a0 = SIMD16<Float>(), a1 = SIMD16<Float>(), a2 = SIMD16<Float>(), a3 = SIMD16<Float>()
            var j = 0
            while j + 16 <= half {
                let e = xe.loadUnaligned(fromByteOffset: 4 * j, as: SIMD16<Float>.self)
                let o = xo.loadUnaligned(fromByteOffset: 4 * j, as: SIMD16<Float>.self)
                a0 += dot(r0, j, e, o); a1 += dot(r1, j, e, o); a2 += dot(r2, j, e, o); a3 += dot(r3, j, e, o)
                j += 16
            }
            for (k, a) in [(0, a0), (1, a1), (2, a2), (3, a3)] {
                let t = a.sum() + tail(xp, w + (r + k) * inDim, from: j, inDim: inDim)
                y[r + k] = accumulate ? y[r + k] + t : t
            }
            r += 4
        }
        while r < rows.upperBound {
            let row = UnsafeRawPointer(w + r * inDim)
            var a = SIMD16<Float>(), j = 0
            while j + 16 <= half {
                a += dot(row, j, xe.loadUnaligned(fromByteOffset: 4 * j, as: SIMD16<Float>.self),
                         xo.loadUnaligned(fromByteOffset: 4 * j, as: SIMD16<Float>.self))
                j += 16
            }
            let t = a.sum() + tail(xp, w + r * inDim, from: j, inDim: inDim)
            y[r] = accumulate ? y[r] + t : t
            r += 1
        }
    }

    /// 32 weights (16 even, 16 odd) against the matching permuted x lanes.
    @inline(__always)
    static func dot(_ row: UnsafeRawPointer, _ j: Int, _ e: SIMD16<Float>, _ o: SIMD16<Float>) -> SIMD16<Float> {
        let v = row.loadUnaligned(fromByteOffset: 4 * j, as: SIMD16<UInt32>.self)
        return e * unsafeBitCast(v &<< 16, to: SIMD16<Float>.self) + o * unsafeBitCast(v & 0xFFFF_0000, to: SIMD16<Float>.self)
    }

    /// The pairs past the last full 16 lanes, and an odd last element.
    @inline(__always)
    static func tail(_ xp: UnsafePointer<Float>, _ wr: UnsafePointer<UInt16>, from j0: Int, inDim: Int) -> Float {
        let half = inDim / 2
        var sum: Float = 0
        for j in j0..<half {
            sum += xp[j] * Float(bitPattern: UInt32(wr[2 * j]) << 16)
            sum += xp[half + j] * Float(bitPattern: UInt32(wr[2 * j + 1]) << 16)
        }
        if inDim % 2 == 1 { sum += xp[inDim - 1] * Float(bitPattern: UInt32(wr[inDim - 1]) << 16) }
        return sum
    }
}
