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
}

/// Peak resident set size of this process, in MiB (Linux reports KiB).
func peakRSSMiB() -> Double {
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Double(u.ru_maxrss) / 1024
}

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
