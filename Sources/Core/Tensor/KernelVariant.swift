import CKernels
import Foundation

/// Which compiled variant of the C kernels (CKernels) runs: the AVX2/FMA one when CPUID says
/// the CPU and OS support it, else the portable one, so one binary runs on baseline x86-64.
/// PREFKIT_NO_AVX2=1 forces the portable variant (to compare, or to rule the vector code out).
public enum KernelVariant: String, Sendable, CaseIterable {
    case avx2, portable

    /// Chosen once per process.
    public static let selected = choose(environment: ProcessInfo.processInfo.environment,
                                        cpuHasAVX2: pk_cpu_has_avx2_fma() != 0)

    /// Whether this CPU could run the AVX2 variant.
    public static var cpuHasAVX2: Bool { pk_cpu_has_avx2_fma() != 0 }

    public static func choose(environment: [String: String], cpuHasAVX2: Bool) -> KernelVariant {
        let off = environment["PREFKIT_NO_AVX2"].map { !$0.isEmpty && $0 != "0" } ?? false
        return cpuHasAVX2 && !off ? .avx2 : .portable
    }
}
