import Foundation

/// What an MPI launcher (mpirun, srun --mpi=pmix, hydra) tells each process it starts, read
/// from the environment before anything else happens. A stage started without one sees nil
/// and runs as one rank without touching MPI at all.
public struct LaunchEnvironment: Equatable, Sendable {
    /// This process's rank and the number of ranks, as the launcher announced them.
    public let rank: Int, size: Int
    /// Ranks on this machine (they share its cores).
    public let localSize: Int
    /// The variable the launcher was recognised by, for messages.
    public let source: String

    /// Open MPI's mpirun sets OMPI_COMM_WORLD_*; PMIx launchers (srun --mpi=pmix, prterun) set
    /// PMIX_RANK; PMI-1/2 launchers (hydra, srun --mpi=pmi2) set PMI_RANK/PMI_SIZE. A bare
    /// SLURM_* environment (a shell inside salloc) is not a launch: srun without an MPI plugin
    /// wires no ranks together.
    public static func detect(_ env: [String: String] = ProcessInfo.processInfo.environment) -> LaunchEnvironment? {
        func int(_ k: String) -> Int? { env[k].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } }
        let slurmLocal = int("SLURM_NTASKS_PER_NODE") ?? int("SLURM_STEP_TASKS_PER_NODE")
        if let size = int("OMPI_COMM_WORLD_SIZE"), let rank = int("OMPI_COMM_WORLD_RANK") {
            return LaunchEnvironment(rank: rank, size: size, localSize: int("OMPI_COMM_WORLD_LOCAL_SIZE") ?? size,
                                     source: "OMPI_COMM_WORLD_SIZE=\(size)")
        }
        if let rank = int("PMIX_RANK") {
            let size = int("SLURM_NTASKS") ?? int("PMIX_SIZE") ?? int("OMPI_UNIVERSE_SIZE") ?? 0
            return LaunchEnvironment(rank: rank, size: size, localSize: slurmLocal ?? int("PMIX_LOCAL_SIZE") ?? max(1, size),
                                     source: "PMIX_RANK=\(rank)")
        }
        if let size = int("PMI_SIZE"), let rank = int("PMI_RANK") {
            return LaunchEnvironment(rank: rank, size: size, localSize: int("MPI_LOCALNRANKS") ?? slurmLocal ?? size,
                                     source: "PMI_SIZE=\(size)")
        }
        return nil
    }

    /// Threads each rank gives OpenBLAS and its own loops: PREFKIT_THREADS when set, else this
    /// machine's cores shared evenly by its ranks, so N ranks × T threads never oversubscribe.
    public func threadsPerRank(cores: Int = ProcessInfo.processInfo.activeProcessorCount,
                               env: [String: String] = ProcessInfo.processInfo.environment) -> Int {
        if let t = env["PREFKIT_THREADS"].flatMap(Int.init), t > 0 { return t }
        return max(1, cores / max(1, localSize))
    }
}
