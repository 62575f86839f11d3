import Foundation

/// The processes of one job and the few collectives prefkit needs. Without a launcher this is
/// `Ranks.single` (rank 0 of 1): every collective returns its input and no MPI call is made.
/// Under mpirun/srun it is MPI_COMM_WORLD of the dynamically loaded Open MPI (see OpenMPI).
/// Every collective must be called by every rank in the same order, or the job hangs; callers
/// keep that by calling them from code all ranks run alike (the training loop, the shard/gather
/// of the inference stages).
public final class Ranks: @unchecked Sendable {
    public let rank: Int, size: Int
    let mpi: OpenMPI?
    public var isRoot: Bool { rank == 0 }
    public var isDistributed: Bool { size > 1 }

    init(rank: Int, size: Int, mpi: OpenMPI?) { self.rank = rank; self.size = size; self.mpi = mpi }

    /// One process, no MPI.
    public static let single = Ranks(rank: 0, size: 1, mpi: nil)

    /// This process's job, started once: MPI is initialised only when a launcher's environment
    /// is present (LaunchEnvironment), else the job is `single`.
    public static func start() throws -> Ranks { try launched.get() }

    /// The started job; a launcher whose library cannot be loaded stops the process with the reason.
    public static var world: Ranks {
        switch launched {
        case .success(let r): return r
        case .failure(let e): FileHandle.standardError.write(Data("error: \(e.message)\n".utf8)); exit(1)
        }
    }

    private static let launched: Result<Ranks, PrefkitError> = {
        guard let env = LaunchEnvironment.detect() else { return .success(single) }
        do { return .success(try initialise(env)) } catch let e as PrefkitError { return .failure(e) } catch {
            return .failure(PrefkitError("\(error)"))
        }
    }()

    private static func initialise(_ env: LaunchEnvironment) throws -> Ranks {
        let mpi = try OpenMPI()
        var provided: Int32 = 0
        // FUNNELED: only the main thread calls MPI; our worker threads never do.
        guard mpi.initThread(nil, nil, 1, &provided) == 0 else { throw PrefkitError("MPI_Init_thread failed (\(env.source))") }
        var r: Int32 = 0, n: Int32 = 0
        _ = mpi.commRank(mpi.comm, &r); _ = mpi.commSize(mpi.comm, &n)
        let ranks = Ranks(rank: Int(r), size: Int(n), mpi: mpi)
        finalizer = ranks
        atexit { Ranks.finalizeAtExit() }
        if ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"] == nil {
            BLASThreads.set(env.threadsPerRank())
        }
        return ranks
    }

    nonisolated(unsafe) private static var finalizer: Ranks? = nil
    /// A normal exit finalises MPI (mpirun counts a rank that exits without it as failed); a
    /// failed rank calls `abort` instead, which never returns.
    private static func finalizeAtExit() {
        guard let r = finalizer, let mpi = r.mpi else { return }
        finalizer = nil
        _ = mpi.finalize()
    }

    /// Ends the whole job now (every rank), after the caller printed why. mpirun exits non-zero.
    public func abort(_ code: Int32 = 1) -> Never {
        if let mpi { _ = mpi.abort(mpi.comm, code) }
        exit(code)
    }

    private func check(_ rc: Int32, _ what: String) {
        // Open MPI's default handler aborts the job on errors; a non-zero return means another one was set.
        if rc != 0 {
            FileHandle.standardError.write(Data("error (rank \(rank) of \(size)): \(what) failed with MPI error \(rc)\n".utf8))
            abort(1)
        }
    }

    // MARK: collectives

    /// Floats per MPI call: counts are C ints, and 64 MiB pieces keep any one message modest.
    public static let bucketFloats = 1 << 24

    /// p[0..<count] ← the sum of every rank's p, in place, in buckets.
    public func allreduceSum(_ p: UnsafeMutablePointer<Float>, count: Int) {
        guard let mpi, size > 1 else { return }
        var i = 0
        while i < count {
            let n = min(Self.bucketFloats, count - i)
            check(mpi.allreduce(mpi.inPlace, p + i, Int32(n), mpi.float, mpi.sum, mpi.comm), "MPI_Allreduce")
            i += n
        }
    }

    /// The element-wise sum of every rank's values (all ranks pass the same count).
    public func allreduceSum(_ v: [Double]) -> [Double] {
        guard let mpi, size > 1, !v.isEmpty else { return v }
        var out = v
        out.withUnsafeMutableBytes { check(mpi.allreduce(mpi.inPlace, $0.baseAddress, Int32(v.count), mpi.double, mpi.sum, mpi.comm), "MPI_Allreduce") }
        return out
    }

    /// Every rank's bytes, in rank order, on every rank.
    public func allgather(_ bytes: [UInt8]) throws -> [[UInt8]] {
        guard let mpi, size > 1 else { return [bytes] }
        let counts = try exchangeCounts(bytes.count)
        let (displs, total) = try displacements(counts)
        var all = [UInt8](repeating: 0, count: total)
        bytes.withUnsafeBytes { src in
            all.withUnsafeMutableBytes { dst in
                check(mpi.allgatherv(src.baseAddress, Int32(bytes.count), mpi.byte, dst.baseAddress, counts, displs, mpi.byte, mpi.comm), "MPI_Allgatherv")
            }
        }
        return split(all, counts)
    }

    /// Every rank's bytes, in rank order, on rank 0; nil on the others.
    public func gatherToRoot(_ bytes: [UInt8]) throws -> [[UInt8]]? {
        guard let mpi, size > 1 else { return [bytes] }
        let counts = try exchangeCounts(bytes.count)
        let (displs, total) = isRoot ? try displacements(counts) : ([], 0)
        var all = [UInt8](repeating: 0, count: total)
        bytes.withUnsafeBytes { src in
            all.withUnsafeMutableBytes { dst in
                check(mpi.gatherv(src.baseAddress, Int32(bytes.count), mpi.byte, dst.baseAddress, isRoot ? counts : nil,
                                  isRoot ? displs : nil, mpi.byte, 0, mpi.comm), "MPI_Gatherv")
            }
        }
        return isRoot ? split(all, counts) : nil
    }

    /// p[0..<count] ← rank 0's values.
    public func broadcast(_ p: UnsafeMutablePointer<Float>, count: Int) {
        guard let mpi, size > 1 else { return }
        var i = 0
        while i < count {
            let n = min(Self.bucketFloats, count - i)
            check(mpi.bcast(p + i, Int32(n), mpi.float, 0, mpi.comm), "MPI_Bcast")
            i += n
        }
    }

    /// Rank 0's bytes, on every rank.
    public func broadcast(_ bytes: [UInt8]) -> [UInt8] {
        guard let mpi, size > 1 else { return bytes }
        var n = UInt64(bytes.count)
        check(mpi.bcast(&n, 1, mpi.uint64, 0, mpi.comm), "MPI_Bcast")
        var out = isRoot ? bytes : [UInt8](repeating: 0, count: Int(n))
        if n > 0 { out.withUnsafeMutableBytes { check(mpi.bcast($0.baseAddress, Int32(n), mpi.byte, 0, mpi.comm), "MPI_Bcast") } }
        return out
    }

    public func barrier() {
        guard let mpi, size > 1 else { return }
        check(mpi.barrier(mpi.comm), "MPI_Barrier")
    }

    private func exchangeCounts(_ mine: Int) throws -> [Int32] {
        guard let mpi else { return [Int32(mine)] }
        // Every rank learns whether any piece is too large, so all of them refuse together.
        var mine32 = Int32(clamping: mine)
        var counts = [Int32](repeating: 0, count: size)
        check(mpi.allgather(&mine32, 1, mpi.int32, &counts, 1, mpi.int32, mpi.comm), "MPI_Allgather")
        if counts.contains(Int32.max) || counts.reduce(0, { $0 + Int($1) }) >= Int(Int32.max) {
            throw PrefkitError("a gather between ranks of more than 2 GiB: use fewer records per run or more ranks")
        }
        return counts
    }

    private func displacements(_ counts: [Int32]) throws -> ([Int32], Int) {
        var d: [Int32] = [], t = 0
        for c in counts { d.append(Int32(t)); t += Int(c) }
        return (d, t)
    }

    private func split(_ all: [UInt8], _ counts: [Int32]) -> [[UInt8]] {
        var out: [[UInt8]] = [], o = 0
        for c in counts { out.append(Array(all[o..<(o + Int(c))])); o += Int(c) }
        return out
    }
}
