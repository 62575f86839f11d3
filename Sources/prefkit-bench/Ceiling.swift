import Core
import Foundation

/// What this machine can do at best, measured in the same run as the cases so that
/// ratios stay meaningful on a shared VM.
enum Ceiling {
    /// Best sgemm rate over a few square products large enough to use every core.
    static func sgemmGFLOPs(size n: Int = 2048, reps: Int = 4) -> Double {
        let a = FloatBuffer(count: n * n), b = FloatBuffer(count: n * n), c = FloatBuffer(count: n * n)
        var rng = SplitMix64(seed: 1)
        for i in 0..<(n * n) { a[i] = rng.nextFloat() - 0.5; b[i] = rng.nextFloat() - 0.5 }
        var best = 0.0
        for _ in 0..<reps {
            let t0 = DispatchTime.now().uptimeNanoseconds
            sgemm(m: n, n: n, k: n, a: a.ptr, lda: n, b: b.ptr, ldb: n, c: c.ptr, ldc: n)
            let dt = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            best = max(best, 2 * Double(n) * Double(n) * Double(n) / dt / 1e9)
        }
        return best
    }

    /// The best rate any product of the run can reach: square sgemm, sgemm on each of the 0.5B
    /// model's own shapes (512 rows), and the decode kernel (DecodeLinear) on the model's
    /// projections at 64 rows in f32 and bf16. Cases count model FLOPs over wall time, so none
    /// can honestly exceed this; a square sgemm alone under-stated it on a noisy VM (the
    /// dpo_05b rows printed 103–108%).
    static func modelGFLOPs() -> (ceiling: Double, detail: String) {
        let square = sgemmGFLOPs()
        var bestShape = 0.0, bestName = ""
        for (name, ta, tb, m, n, k) in GemmShapes.qwen05b(rows: 512) {
            let a = FloatBuffer(count: m * k), b = FloatBuffer(count: k * n), c = FloatBuffer(count: m * n)
            a.ptr.update(repeating: 0.5, count: m * k)   // real pages, not the shared zero page
            b.ptr.update(repeating: 0.5, count: k * n)
            let lda = ta ? m : k, ldb = tb ? k : n
            for rep in 0..<3 {
                let t0 = now()
                sgemm(transA: ta, transB: tb, m: m, n: n, k: k, a: a.ptr, lda: lda, b: b.ptr, ldb: ldb, beta: 1, c: c.ptr, ldc: n)
                let r = 2 * Double(m * n * k) / (now() - t0) / 1e9
                if rep > 0 && r > bestShape { bestShape = r; bestName = name }
            }
        }
        var bestDecode = 0.0
        let rows = DecodeLinear.rowBlock, scratch = Scratch()
        for (n, k) in [(1152, 896), (9728, 896), (896, 4864)] {
            for dtype in [WeightsDType.f32, .bf16] {
                let x = FloatBuffer(count: rows * k), y = FloatBuffer(count: rows * n)
                x.ptr.update(repeating: 0.5, count: rows * k)   // real pages, not the shared zero page
                let w = [UInt8](repeating: 0x3C, count: n * k * dtype.byteWidth)   // small finite values
                w.withUnsafeBytes { wp in
                    for rep in 0..<3 {
                        let t0 = now()
                        DecodeLinear.forward(x: x.ptr, w: wp.baseAddress!, dtype: dtype, b: nil, y: y.ptr, rows: rows,
                                             inDim: k, outDim: n, scratch: scratch)
                        if rep > 0 { bestDecode = max(bestDecode, 2 * Double(rows * n * k) / (now() - t0) / 1e9) }
                    }
                }
            }
        }
        let detail = String(format: "2048³ %.1f, best model shape %.1f (%@), decode kernel %.1f (%@)", square, bestShape,
                            bestName, bestDecode, KernelVariant.selected.rawValue)
        return (max(square, bestShape, bestDecode), detail)
    }

    /// Memory read bandwidth: sum a 1 GiB float array on every core, best of 3. Decoding one
    /// row at a time streams the weights once per token, so this bounds its tokens/s.
    static func readBandwidthGBps(bytes: Int = 1 << 30, reps: Int = 3) -> Double {
        let n = bytes / 4
        let a = FloatBuffer(count: n)
        // Written first: an untouched page of a large buffer reads as the kernel's one shared
        // zero page (PageMemory), which would measure the cache, not the memory.
        a.ptr.update(repeating: 1, count: n)
        let workers = Parallel.workers, chunk = (n / workers) & ~15
        var best = 0.0, sink: Float = 0
        for _ in 0..<reps {
            var partial = [Float](repeating: 0, count: workers)
            let t0 = DispatchTime.now().uptimeNanoseconds
            partial.withUnsafeMutableBufferPointer { out in
                let o = out.baseAddress!
                Parallel.forRange(workers) { lo, hi in
                    for w in lo..<hi {
                        let raw = UnsafeRawPointer(a.ptr + w * chunk)
                        var acc = SIMD16<Float>(), acc2 = SIMD16<Float>()
                        var i = 0
                        while i < chunk {
                            acc += raw.load(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                            acc2 += raw.load(fromByteOffset: i * 4 + 64, as: SIMD16<Float>.self)
                            i += 32
                        }
                        o[w] = (acc + acc2).sum()
                    }
                }
            }
            let dt = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            sink += partial.reduce(0, +)
            best = max(best, Double(chunk * workers * 4) / dt / 1e9)
        }
        if sink.isNaN { print("") }   // keeps the sums observable so they are not optimised away
        return best
    }
}

/// Peak resident set size of this process, in MiB: VmHWM of /proc/self/status, the high-water
/// mark of this address space only. (getrusage's ru_maxrss survives fork and exec, so a case
/// spawned by a parent that once held a 2 GiB model reported the parent's peak.) Elsewhere,
/// ru_maxrss.
func peakRSSMiB() -> Double {
    if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
       let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
       let kib = Double(line.split(separator: " ").dropFirst().first ?? "") {
        return kib / 1024
    }
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Double(u.ru_maxrss) / 1024
}

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
