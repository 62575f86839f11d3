import Foundation

/// Open MPI's C library, loaded with dlopen only when a launcher started this process.
///
/// Why not link it: every stage would then need libmpi to start, pay for loading it (and its
/// hwloc/pmix/libevent) on every run, and the package would not build without libopenmpi-dev.
/// Loaded at run time, a machine without Open MPI builds and runs everything as today, and the
/// same binary becomes rank r of N under mpirun or srun. The price is that the handles below
/// follow Open MPI's ABI (libmpi.so.40, Open MPI 3 to 5): MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM
/// are the addresses of the exported globals `ompi_mpi_comm_world`, `ompi_mpi_float`, … (that
/// is how mpi.h defines them). MPICH-ABI libraries use integer handles and are refused by name.
final class OpenMPI: @unchecked Sendable {
    typealias Handle = UnsafeMutableRawPointer
    let comm: Handle, float: Handle, double: Handle, byte: Handle, int32: Handle, uint64: Handle
    let sum: Handle, max: Handle, inPlace = UnsafeMutableRawPointer(bitPattern: 1)!

    typealias InitThread = @convention(c) (UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?, Int32, UnsafeMutablePointer<Int32>) -> Int32
    typealias CommInt = @convention(c) (Handle, UnsafeMutablePointer<Int32>) -> Int32
    typealias Allreduce = @convention(c) (UnsafeRawPointer?, UnsafeMutableRawPointer?, Int32, Handle, Handle, Handle) -> Int32
    typealias Allgather = @convention(c) (UnsafeRawPointer?, Int32, Handle, UnsafeMutableRawPointer?, Int32, Handle, Handle) -> Int32
    typealias Allgatherv = @convention(c) (UnsafeRawPointer?, Int32, Handle, UnsafeMutableRawPointer?, UnsafePointer<Int32>?, UnsafePointer<Int32>?, Handle, Handle) -> Int32
    typealias Gather = @convention(c) (UnsafeRawPointer?, Int32, Handle, UnsafeMutableRawPointer?, Int32, Handle, Int32, Handle) -> Int32
    typealias Gatherv = @convention(c) (UnsafeRawPointer?, Int32, Handle, UnsafeMutableRawPointer?, UnsafePointer<Int32>?, UnsafePointer<Int32>?, Handle, Int32, Handle) -> Int32
    typealias Bcast = @convention(c) (UnsafeMutableRawPointer?, Int32, Handle, Int32, Handle) -> Int32
    typealias CommOnly = @convention(c) (Handle) -> Int32
    typealias Abort = @convention(c) (Handle, Int32) -> Int32
    typealias NoArgs = @convention(c) () -> Int32
    let initThread: InitThread
    let commRank: CommInt, commSize: CommInt
    /// MPI_Allreduce(sendbuf, recvbuf, count, datatype, op, comm)
    let allreduce: Allreduce
    /// MPI_Allgather(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm)
    let allgather: Allgather
    /// MPI_Allgatherv(sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs, recvtype, comm)
    let allgatherv: Allgatherv
    /// MPI_Gather(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, root, comm)
    let gather: Gather
    /// MPI_Gatherv(sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs, recvtype, root, comm)
    let gatherv: Gatherv
    /// MPI_Bcast(buffer, count, datatype, root, comm)
    let bcast: Bcast
    let barrier: CommOnly
    let abort: Abort
    let finalize: NoArgs

    /// PREFKIT_MPI_LIB names the library when it is not the system's libmpi.so.40.
    static func candidates(_ env: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        if let p = env["PREFKIT_MPI_LIB"], !p.isEmpty { return [p] }
        return ["libmpi.so.40", "libmpi.so", "libmpi.40.dylib", "libmpi.dylib"]
    }

    /// Loads the library and every symbol, or says what is missing.
    init() throws {
        var lib: UnsafeMutableRawPointer? = nil
        var tried: [String] = []
        for name in Self.candidates() {
            // RTLD_GLOBAL: Open MPI's own plugins (mca_*.so) resolve libmpi's symbols globally.
            lib = dlopen(name, RTLD_NOW | RTLD_GLOBAL)
            if lib != nil { break }
            tried.append(name + (dlerror().map { " (" + String(cString: $0) + ")" } ?? ""))
        }
        guard let h = lib else {
            throw PrefkitError("started by an MPI launcher but Open MPI's library could not be loaded: tried \(tried.joined(separator: ", ")). "
                               + "Install it (make deps: openmpi-bin libopenmpi-dev) or set PREFKIT_MPI_LIB=/path/to/libmpi.so")
        }
        func sym(_ s: String) throws -> UnsafeMutableRawPointer {
            guard let p = dlsym(h, s) else {
                throw PrefkitError("the MPI library has no \(s): prefkit speaks Open MPI's ABI (libmpi.so.40); MPICH-style libraries are not supported")
            }
            return p
        }
        func fn<F>(_ s: String, _: F.Type) throws -> F { unsafeBitCast(try sym(s), to: F.self) }
        comm = try sym("ompi_mpi_comm_world"); float = try sym("ompi_mpi_float"); double = try sym("ompi_mpi_double")
        byte = try sym("ompi_mpi_byte"); int32 = try sym("ompi_mpi_int32_t"); uint64 = try sym("ompi_mpi_uint64_t")
        sum = try sym("ompi_mpi_op_sum"); max = try sym("ompi_mpi_op_max")
        initThread = try fn("MPI_Init_thread", InitThread.self)
        commRank = try fn("MPI_Comm_rank", CommInt.self); commSize = try fn("MPI_Comm_size", CommInt.self)
        allreduce = try fn("MPI_Allreduce", Allreduce.self); allgather = try fn("MPI_Allgather", Allgather.self)
        allgatherv = try fn("MPI_Allgatherv", Allgatherv.self); gather = try fn("MPI_Gather", Gather.self)
        gatherv = try fn("MPI_Gatherv", Gatherv.self); bcast = try fn("MPI_Bcast", Bcast.self)
        barrier = try fn("MPI_Barrier", CommOnly.self); abort = try fn("MPI_Abort", Abort.self)
        finalize = try fn("MPI_Finalize", NoArgs.self)
    }
}
