import Foundation

/// A parallel-for over index ranges on a fixed number of workers (the machine's cores).
/// Work is split into contiguous chunks so each worker touches its own rows.
public enum Parallel {
    /// Under an MPI launcher the ranks on one machine share its cores (LaunchEnvironment).
    public static let workers: Int = max(1, LaunchEnvironment.detect()?.threadsPerRank()
                                             ?? ProcessInfo.processInfo.activeProcessorCount)

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
            // The body is not @Sendable: callers pass closures over raw pointers into their own
            // buffers. What makes the concurrent calls safe is that each gets a disjoint range
            // and bodies write only rows of their range (every caller's contract); the
            // compiler cannot check that, so the closure is handed over unchecked. TSan runs
            // over these loops (`make sanitize`).
            withoutActuallyEscaping(body) { escaping in
                nonisolated(unsafe) let shared = escaping
                DispatchQueue.concurrentPerform(iterations: w) { i in
                    let lo = i * chunk
                    let hi = min(count, lo + chunk)
                    if lo < hi { shared(lo, hi) }
                }
            }
        }
        if callsBLAS { BLASThreads.single(run) } else { run() }
    }
}
