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

    /// Memory read bandwidth: sum a 1 GiB float array on every core, best of 3. Decoding one
    /// row at a time streams the weights once per token, so this bounds its tokens/s.
    static func readBandwidthGBps(bytes: Int = 1 << 30, reps: Int = 3) -> Double {
        let n = bytes / 4
        let a = FloatBuffer(count: n)   // zeroed on allocation, so every page is mapped
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

/// Peak resident set size of this process, in MiB (Linux reports KiB).
func peakRSSMiB() -> Double {
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Double(u.ru_maxrss) / 1024
}

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
