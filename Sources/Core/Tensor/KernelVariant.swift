import CKernels
import Foundation

/// Which compiled variant of the C kernels (CKernels) runs: the widest one CPUID says the CPU
/// and OS support (AVX-512, else AVX2/FMA), else the portable one, so one binary runs on
/// baseline x86-64 and on other architectures. PREFKIT_NO_AVX512=1 stops at AVX2;
/// PREFKIT_NO_AVX2=1 forces the portable variant (to compare, or to rule the vector code out).
public enum KernelVariant: String, Sendable, CaseIterable {
    case avx512, avx2, portable

    /// Chosen once per process.
    public static let selected = choose(environment: ProcessInfo.processInfo.environment, supported: supported)

    /// The variants this CPU can run, widest first.
    public static var supported: [KernelVariant] {
        (pk_cpu_has_avx512() != 0 ? [.avx512] : []) + (pk_cpu_has_avx2_fma() != 0 ? [.avx2] : []) + [.portable]
    }

    public static func choose(environment: [String: String], supported: [KernelVariant]) -> KernelVariant {
        func set(_ k: String) -> Bool { environment[k].map { !$0.isEmpty && $0 != "0" } ?? false }
        var allowed = supported
        if set("PREFKIT_NO_AVX512") { allowed.removeAll { $0 == .avx512 } }
        if set("PREFKIT_NO_AVX2") { allowed.removeAll { $0 != .portable } }
        return allowed.first ?? .portable
    }
}
