import COpenBLAS

/// Row-major sgemm: C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C.
/// Every matrix product of the engine goes through here so that all FLOPs run in OpenBLAS.
@inline(__always)
public func sgemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                  alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                  b: UnsafePointer<Float>, ldb: Int,
                  beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
    if m == 0 || n == 0 { return }
    if k == 0 {
        // BLAS leaves C untouched only when beta == 1; make k == 0 mean "scale C by beta".
        if beta != 1 { for i in 0..<m { let row = c + i * ldc; for j in 0..<n { row[j] = beta == 0 ? 0 : row[j] * beta } } }
        return
    }
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// OpenBLAS owns the cores during GEMMs; our own parallel loops call single-threaded GEMMs
/// inside, so they switch BLAS to one thread for their duration to avoid oversubscription.
public enum BLASThreads {
    public static var count: Int { Int(openblas_get_num_threads()) }
    public static func set(_ n: Int) { openblas_set_num_threads(Int32(n)) }
    @inline(__always)
    public static func single<R>(_ body: () throws -> R) rethrows -> R {
        let before = openblas_get_num_threads()
        if before == 1 { return try body() }
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(before) }
        return try body()
    }
}

/// Row-major y[m] = alpha · A[m×n] · x[n] + beta · y: the one-row case of a projection,
/// where sgemm's packing would cost more than the product.
@inline(__always)
public func sgemv(m: Int, n: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                  x: UnsafePointer<Float>, beta: Float = 0, y: UnsafeMutablePointer<Float>) {
    if m == 0 { return }
    if n == 0 { for i in 0..<m { y[i] = beta == 0 ? 0 : y[i] * beta }; return }
    cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(m), Int32(n), alpha, a, Int32(lda), x, 1, beta, y, 1)
}
