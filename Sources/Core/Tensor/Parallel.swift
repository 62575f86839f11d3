import Foundation

/// A parallel-for over index ranges on a fixed number of workers (the machine's cores).
/// Work is split into contiguous chunks so each worker touches its own rows.
public enum Parallel {
    public static var workers: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Calls body(lo, hi) on disjoint sub-ranges covering 0..<count.
    /// Small jobs (count < minPerWorker * 2) run inline: thread hand-off would cost more.
    /// Bodies that call BLAS must say so (`callsBLAS`): BLAS then runs single-threaded inside,
    /// so the two thread pools never oversubscribe the cores. Others skip that switch.
    @inline(__always)
    public static func forRange(_ count: Int, minPerWorker: Int = 1, callsBLAS: Bool = false, _ body: (Int, Int) -> Void) {
        let w = min(workers, count / max(1, minPerWorker))
        if w <= 1 { if count > 0 { body(0, count) }; return }
        let chunk = (count + w - 1) / w
        func run() {
            DispatchQueue.concurrentPerform(iterations: w) { i in
                let lo = i * chunk, hi = min(count, lo + chunk)
                if lo < hi { body(lo, hi) }
            }
        }
        if callsBLAS { BLASThreads.single(run) } else { run() }
    }
}
