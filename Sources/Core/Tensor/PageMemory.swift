#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Large zeroed blocks straight from the kernel (anonymous mmap). Such a page occupies memory
/// only once it is written, so a buffer laid out for every parameter but filled only in part
/// costs only what was filled: a model whose matrices live in bf16 (HalfWeights) keeps its f32
/// parameter buffer for the norms and biases, and the matrices' f32 pages are never touched.
/// Small blocks come from the allocator as before: mmap rounds up to a page.
enum PageMemory {
    /// Blocks of at least this many bytes are mapped.
    static let mappedFrom = 1 << 20

    /// `bytes` zeroed bytes, 64-byte aligned (mapped blocks are page aligned). `hugePages`:
    /// ask for 2 MiB pages where the kernel gives them on request (transparent_hugepage
    /// "madvise"), for blocks written whole and then streamed (half-precision weights), where
    /// 4 KiB pages cost a TLB miss every 4 KiB. Not for blocks filled in part: a huge page
    /// is backed whole once any byte of it is written.
    static func allocate(bytes: Int, hugePages: Bool = false) -> UnsafeMutableRawPointer {
        let size = max(1, bytes)
        guard size >= mappedFrom else {
            let raw = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
            raw.initializeMemory(as: UInt8.self, repeating: 0, count: size)
            return raw
        }
        let p = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let p, p != MAP_FAILED else {
            fatalError("out of memory: could not map \(size) bytes")
        }
        if hugePages {
            _ = madvise(p, size, MADV_HUGEPAGE)
        }
        return p
    }

    static func deallocate(_ p: UnsafeMutableRawPointer, bytes: Int) {
        let size = max(1, bytes)
        if size >= mappedFrom {
            munmap(p, size)
        } else {
            p.deallocate()
        }
    }

    /// Gives back the whole pages inside [p, p + bytes) of a mapped block; they read as zeros
    /// afterwards and cost memory again only once written. Partial pages at either end are
    /// left as they are (they may hold neighbouring data).
    static func release(_ p: UnsafeMutableRawPointer, bytes: Int) {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (Int(bitPattern: p) + page - 1) / page * page
        let end = (Int(bitPattern: p) + bytes) / page * page
        guard end > start, let base = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(base, end - start, MADV_DONTNEED)
    }
}
