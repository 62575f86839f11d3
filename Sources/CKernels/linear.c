// Small-m matrix products with half-precision or f32 weights; see include/ckernels.h.
//
// Shape of the work: for each tile of NR = 4 weight rows (output columns), every x row
// is multiplied against the tile. Weights are streamed from memory once per call (the
// tile stays in L1/L2 while all m rows use it), which is what makes a batch of m rows cost
// little more than one row when decoding is bound by reading the weights.
//
// Per-element order (both variants): 8 lane partial sums s[l] = Σ_{k ≡ l mod 8, k < k8}
// x·w in increasing k, then ((s0+s4)+(s2+s6)) + ((s1+s5)+(s3+s7)), then the tail
// k8 ..< k in order. The AVX2 variant uses fused multiply-adds, the portable one does not
// (baseline x86-64 has no FMA), so the two agree to rounding, not bit for bit.
#include "ckernels.h"
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#include <cpuid.h>
#define PK_X86 1
#endif

enum { NR = 4, MR = 2 };

int64_t pk_linear_scratch_floats(int64_t m, int64_t k) {
    if (m < 0) m = 0;
    if (k < 0) k = 0;
    return (NR + m) * k;
}

// ---- scalar conversions (exact widening; round-to-nearest-even narrowing) ----

static inline float bf16_to_f32(uint16_t b) {
    uint32_t u = (uint32_t)b << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

static inline float f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exponent = (h >> 10) & 0x1F, mantissa = h & 0x3FF, u;
    if (exponent == 0x1F) {
        u = sign | 0x7F800000u | mantissa << 13;            // inf / NaN
    } else if (exponent != 0) {
        u = sign | (exponent + 112) << 23 | mantissa << 13;
    } else if (mantissa == 0) {
        u = sign;                                            // ±0
    } else {                                                 // subnormal: normalise
        uint32_t e = 113;
        while ((mantissa & 0x400) == 0) { mantissa <<= 1; e -= 1; }
        u = sign | e << 23 | (mantissa & 0x3FF) << 13;
    }
    float f;
    memcpy(&f, &u, 4);
    return f;
}

void pk_widen(int dtype, const void *src, float *dst, int64_t count) {
    const uint16_t *s = (const uint16_t *)src;
    if (dtype == PK_F32) { memcpy(dst, src, (size_t)(count > 0 ? count : 0) * 4); return; }
    for (int64_t i = 0; i < count; i++) dst[i] = dtype == PK_BF16 ? bf16_to_f32(s[i]) : f16_to_f32(s[i]);
}

static inline float widen1(int dtype, const void *w, int64_t i) {
    if (dtype == PK_F32) return ((const float *)w)[i];
    uint16_t h = ((const uint16_t *)w)[i];
    return dtype == PK_BF16 ? bf16_to_f32(h) : f16_to_f32(h);
}

// The fixed horizontal order of the 8 lane sums (see the top of this file).
static inline float reduce8(const float s[8]) {
    return ((s[0] + s[4]) + (s[2] + s[6])) + ((s[1] + s[5]) + (s[3] + s[7]));
}

static inline void store(float *y, float v, int accumulate) { *y = accumulate ? *y + v : v; }

// ---- portable variant: plain C, whatever the compiler makes of it for the baseline ----

// One weight row (already f32) against every x row: columns j of y.
static void row_portable(const float *wr, const float *x, int64_t m, int64_t k, float *y, int64_t ldy,
                         int64_t j, int accumulate) {
    const int64_t k8 = k & ~(int64_t)7;
    for (int64_t i = 0; i < m; i++) {
        const float *xr = x + i * k;
        float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        for (int64_t kk = 0; kk < k8; kk += 8)
            for (int l = 0; l < 8; l++) s[l] += xr[kk + l] * wr[kk + l];
        float t = reduce8(s);
        for (int64_t kk = k8; kk < k; kk++) t += xr[kk] * wr[kk];
        store(y + i * ldy + j, t, accumulate);
    }
}

void pk_linear_portable(int dtype, const float *x, int64_t m, const void *w, int64_t k,
                        float *y, int64_t ldy, int64_t n0, int64_t n1, int accumulate, float *scratch) {
    if (m <= 0 || k < 0 || n1 <= n0) return;
    for (int64_t j = n0; j < n1; j++) {
        const float *wr;
        if (dtype == PK_F32) {
            wr = (const float *)w + j * k;
        } else {
            pk_widen(dtype, (const uint16_t *)w + j * k, scratch, k);
            wr = scratch;
        }
        row_portable(wr, x, m, k, y, ldy, j, accumulate);
    }
}

// ---- AVX2 + FMA (+ F16C for f16 weights) ----

#ifdef PK_X86

int pk_cpu_has_avx2_fma(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    const unsigned fma = 1u << 12, osxsave = 1u << 27, avx = 1u << 28, f16c = 1u << 29;
    if ((c & (fma | osxsave | avx | f16c)) != (fma | osxsave | avx | f16c)) return 0;
    // The OS must save the ymm registers on context switches (XCR0 bits 1 and 2).
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    if ((lo & 6) != 6) return 0;
    if (__get_cpuid_max(0, 0) < 7) return 0;
    __cpuid_count(7, 0, a, b, c, d);
    return (b & (1u << 5)) != 0;   // AVX2
}

#define PK_AVX2 __attribute__((target("avx2,fma,f16c")))

// Weight rows are read as NR interleaved streams; the hardware prefetcher alone kept one row
// of bf16 at ~20 GB/s per core. Prefetching 8 KiB ahead in each stream (measured best of
// 1–16 KiB) brings it to the memory's pace. A prefetch never faults, so running past the end
// of the matrix is harmless.
#define PK_PREFETCH(p) _mm_prefetch((const char *)(p) + 8192, _MM_HINT_T0)

// 8 weights at w[i ..< i+8] as f32 lanes.
#define PK_INLINE __attribute__((always_inline)) static inline

PK_AVX2 PK_INLINE __m256 load8(int dtype, const void *w, int64_t i) {
    if (dtype == PK_F32) return _mm256_loadu_ps((const float *)w + i);
    __m128i h = _mm_loadu_si128((const __m128i *)((const uint16_t *)w + i));
    if (dtype == PK_BF16) return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
    return _mm256_cvtph_ps(h);
}

PK_AVX2 PK_INLINE float hsum(__m256 v) {
    float s[8];
    _mm256_storeu_ps(s, v);
    return reduce8(s);
}

// Rows r0 ..< r0+nr (nr ≤ NR) of weights (any dtype, row stride k) against x rows i0 ..< i0+mr
// (mr ≤ MR). Accumulators stay in registers: NR·MR = 8 of them, 4 weight and 1 x registers.
PK_AVX2 PK_INLINE void tile(int dtype, const void *w, int64_t r0, int nr, const float *x, int64_t i0, int mr,
                                int64_t k, float *y, int64_t ldy, int accumulate, int prefetch) {
    const int width = dtype == PK_F32 ? 4 : 2;
    __m256 acc[MR][NR];
    for (int i = 0; i < MR; i++)
        for (int r = 0; r < NR; r++) acc[i][r] = _mm256_setzero_ps();
    const int64_t k8 = k & ~(int64_t)7;
    for (int64_t kk = 0; kk < k8; kk += 8) {
        __m256 wv[NR];
        for (int r = 0; r < NR; r++) {
            // One line per 64 bytes of the stream: every iteration for f32, every other for halves.
            if (prefetch && r < nr && ((kk * width) & 63) == 0) PK_PREFETCH((const char *)w + ((r0 + r) * k + kk) * width);
            wv[r] = r < nr ? load8(dtype, w, (r0 + r) * k + kk) : _mm256_setzero_ps();
        }
        for (int i = 0; i < MR; i++) {
            if (i >= mr) break;
            __m256 xv = _mm256_loadu_ps(x + (i0 + i) * k + kk);
            for (int r = 0; r < NR; r++) acc[i][r] = _mm256_fmadd_ps(xv, wv[r], acc[i][r]);
        }
    }
    for (int i = 0; i < mr; i++) {
        const float *xr = x + (i0 + i) * k;
        for (int r = 0; r < nr; r++) {
            float t = hsum(acc[i][r]);
            // Tail in the same order as the portable variant; fmaf keeps FMA rounding.
            for (int64_t kk = k8; kk < k; kk++) t = __builtin_fmaf(xr[kk], widen1(dtype, w, (r0 + r) * k + kk), t);
            store(y + (i0 + i) * ldy + r0 + r, t, accumulate);
        }
    }
}

// Widens weight rows r0 ..< r0+nr into dst [nr, k] (exact), so that m > MR rows reuse one
// conversion instead of redoing it per pair of x rows.
PK_AVX2 static void widen_rows(int dtype, const void *w, int64_t r0, int nr, int64_t k, float *dst) {
    const int64_t k8 = k & ~(int64_t)7;
    for (int r = 0; r < nr; r++) {
        int64_t base = (r0 + r) * k;
        for (int64_t kk = 0; kk < k8; kk += 8) {
            if (((kk * 2) & 63) == 0) PK_PREFETCH((const char *)w + (base + kk) * (dtype == PK_F32 ? 4 : 2));
            _mm256_storeu_ps(dst + r * k + kk, load8(dtype, w, base + kk));
        }
        for (int64_t kk = k8; kk < k; kk++) dst[r * k + kk] = widen1(dtype, w, base + kk);
    }
}

// The body of pk_linear_avx2 for one dtype. Always inlined with constant dtype, nr and mr at
// the hot call sites, so each combination compiles to straight-line register code.
PK_AVX2 PK_INLINE void linear_avx2(const int dtype, const float *x, int64_t m, const void *w, int64_t k,
                                   float *y, int64_t ldy, int64_t n0, int64_t n1, int accumulate, float *scratch) {
    for (int64_t r0 = n0; r0 < n1; r0 += NR) {
        int nr = (int)(n1 - r0 < NR ? n1 - r0 : NR);
        if (m <= MR) {
            // Few rows: widen in registers, the weights' bytes are the only memory traffic.
            if (nr == NR && m == 1) tile(dtype, w, r0, NR, x, 0, 1, k, y, ldy, accumulate, 1);
            else if (nr == NR && m == MR) tile(dtype, w, r0, NR, x, 0, MR, k, y, ldy, accumulate, 1);
            else tile(dtype, w, r0, nr, x, 0, (int)m, k, y, ldy, accumulate, 1);
            continue;
        }
        const void *tw = w;
        int64_t tr0 = r0;
        if (dtype != PK_F32) {
            widen_rows(dtype, w, r0, nr, k, scratch);
            tw = scratch; tr0 = 0;
        }
        // y columns r0 ..< r0+nr are rows tr0 ..< tr0+nr of tw: shift y so tile's columns land there.
        float *ys = y + (r0 - tr0);
        for (int64_t i0 = 0; i0 < m; i0 += MR) {
            int mr = (int)(m - i0 < MR ? m - i0 : MR);
            // The first pass over an f32 tile reads it from memory; the others find it in cache.
            int pf = dtype == PK_F32 && i0 == 0;
            if (nr == NR && mr == MR) tile(PK_F32, tw, tr0, NR, x, i0, MR, k, ys, ldy, accumulate, pf);
            else tile(PK_F32, tw, tr0, nr, x, i0, mr, k, ys, ldy, accumulate, pf);
        }
    }
}

PK_AVX2 void pk_linear_avx2(int dtype, const float *x, int64_t m, const void *w, int64_t k,
                            float *y, int64_t ldy, int64_t n0, int64_t n1, int accumulate, float *scratch) {
    if (m <= 0 || k < 0 || n1 <= n0) return;
    switch (dtype) {
    case PK_BF16: linear_avx2(PK_BF16, x, m, w, k, y, ldy, n0, n1, accumulate, scratch); break;
    case PK_F16: linear_avx2(PK_F16, x, m, w, k, y, ldy, n0, n1, accumulate, scratch); break;
    default: linear_avx2(PK_F32, x, m, w, k, y, ldy, n0, n1, accumulate, scratch); break;
    }
}

// ---- AVX-512 (F, plus F16C's conversions in 512-bit form) ----
//
// The same structure with 16 lanes and 32 registers: a tile of NR = 4 weight rows by MR512 = 4
// x rows keeps 16 accumulators, 4 weight and 1 x register.
//
// bf16 weights are widened without shuffles: one 32-bit lane holds two bf16 values, and
// `v << 16` is the even one, `v & 0xFFFF0000` the odd one, both single-cycle integer ops
// (the vpmovzxwd widening is a cross-lane shuffle and made one row compute-bound below the
// memory bandwidth). So within each block of 32 k's the weights come out as the 16 even k's,
// then the 16 odd ones; x is permuted the same way once per call (xs), and the widened tiles
// of the many-rows path are stored in that order too, so both paths sum alike.
// Per-element order: 16 lane sums over k < kv (kv = k rounded down to 16; to 32 for bf16) in
// block order, a fixed horizontal sum, then the tail k ≥ kv in natural order with FMAs.

enum { MR512 = 4 };


int pk_cpu_has_avx512(void) {
    if (!pk_cpu_has_avx2_fma()) return 0;
    unsigned a, b, c, d;
    __cpuid_count(7, 0, a, b, c, d);
    if ((b & (1u << 16)) == 0) return 0;            // AVX512F
    // The OS must save opmask and zmm state (XCR0 bits 5, 6, 7) besides ymm (1, 2).
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (lo & 0xE6) == 0xE6;
}

#define PK_AVX512 __attribute__((target("avx512f,avx2,fma,f16c")))

// 16 weights at w[i ..< i+16] as f32 lanes (f32 and f16; bf16 goes through bf16_pair).
PK_AVX512 PK_INLINE __m512 load16(int dtype, const void *w, int64_t i) {
    if (dtype == PK_F32) return _mm512_loadu_ps((const float *)w + i);
    return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)((const uint16_t *)w + i)));
}

// 32 bf16 weights at w[i ..< i+32]: the even k's and the odd k's as f32 lanes.
PK_AVX512 PK_INLINE void bf16_pair(const uint16_t *w, int64_t i, __m512 *even, __m512 *odd) {
    __m512i v = _mm512_loadu_si512((const void *)(w + i));
    *even = _mm512_castsi512_ps(_mm512_slli_epi32(v, 16));
    *odd = _mm512_castsi512_ps(_mm512_and_si512(v, _mm512_set1_epi32((int)0xFFFF0000u)));
}

// ((8 pairwise sums of the two halves), then reduce8's order): fixed, whatever the tile.
PK_AVX512 PK_INLINE float hsum16(__m512 v) {
    float s[16], t[8];
    _mm512_storeu_ps(s, v);
    for (int l = 0; l < 8; l++) t[l] = s[l] + s[l + 8];
    return reduce8(t);
}

// The tail k ≥ kv of one output element, natural order, on the original (unpermuted) x row
// and weight row, then the store.
PK_INLINE void finish(float t, const float *xr, int dtype, const void *w, int64_t row, int64_t kv, int64_t k,
                      float *y, int accumulate) {
    for (int64_t kk = kv; kk < k; kk++) t = __builtin_fmaf(xr[kk], widen1(dtype, w, row * k + kk), t);
    store(y, t, accumulate);
}

// f32 or f16 weight rows r0 ..< r0+nr (or a widened tile, as f32) against x rows i0 ..< i0+mr;
// vector loop over k < kv. xv: the x the vector loop reads (permuted for bf16 tiles); x: the
// original rows, for the tail. tw/tdtype: where the tail's weights are read (natural order).
PK_AVX512 PK_INLINE void tile512(int dtype, const void *w, int64_t r0, int nr, const float *xv, const float *x,
                                 int64_t i0, int mr, int64_t k, int64_t kv, float *y, int64_t ldy, int accumulate,
                                 int prefetch) {
    const int width = dtype == PK_F32 ? 4 : 2;
    __m512 acc[MR512][NR];
    for (int i = 0; i < MR512; i++)
        for (int r = 0; r < NR; r++) acc[i][r] = _mm512_setzero_ps();
    for (int64_t kk = 0; kk < kv; kk += 16) {
        __m512 wv[NR];
        for (int r = 0; r < NR; r++) {
            if (prefetch && r < nr) PK_PREFETCH((const char *)w + ((r0 + r) * k + kk) * width);
            wv[r] = r < nr ? load16(dtype, w, (r0 + r) * k + kk) : _mm512_setzero_ps();
        }
        for (int i = 0; i < MR512; i++) {
            if (i >= mr) break;
            __m512 xx = _mm512_loadu_ps(xv + (i0 + i) * k + kk);
            for (int r = 0; r < NR; r++) acc[i][r] = _mm512_fmadd_ps(xx, wv[r], acc[i][r]);
        }
    }
    for (int i = 0; i < mr; i++)
        for (int r = 0; r < nr; r++)
            finish(hsum16(acc[i][r]), x + (i0 + i) * k, dtype, w, r0 + r, kv, k, y + (i0 + i) * ldy + r0 + r, accumulate);
}

// One x row against bf16 weight rows r0 ..< r0+nr, widened in registers (even/odd layout).
PK_AVX512 PK_INLINE void tile512_bf16(const uint16_t *w, int64_t r0, int nr, const float *xs, const float *x,
                                      int64_t k, int64_t kv, float *y, int accumulate) {
    __m512 acc[NR];
    for (int r = 0; r < NR; r++) acc[r] = _mm512_setzero_ps();
    for (int64_t kk = 0; kk < kv; kk += 32) {
        __m512 xe = _mm512_loadu_ps(xs + kk), xo = _mm512_loadu_ps(xs + kk + 16);
        for (int r = 0; r < NR; r++) {
            if (r >= nr) break;
            __m512 we, wo;
            PK_PREFETCH(w + (r0 + r) * k + kk);
            bf16_pair(w, (r0 + r) * k + kk, &we, &wo);
            acc[r] = _mm512_fmadd_ps(xe, we, acc[r]);
            acc[r] = _mm512_fmadd_ps(xo, wo, acc[r]);
        }
    }
    for (int r = 0; r < nr; r++) finish(hsum16(acc[r]), x, PK_BF16, w, r0 + r, kv, k, y + r0 + r, accumulate);
}

// Weight rows r0 ..< r0+nr widened into dst [nr, k] (bf16 in the even/odd layout below kv).
PK_AVX512 static void widen_rows512(int dtype, const void *w, int64_t r0, int nr, int64_t k, int64_t kv, float *dst) {
    for (int r = 0; r < nr; r++) {
        int64_t base = (r0 + r) * k;
        float *d = dst + r * k;
        if (dtype == PK_BF16) {
            for (int64_t kk = 0; kk < kv; kk += 32) {
                __m512 we, wo;
                PK_PREFETCH((const uint16_t *)w + base + kk);
                bf16_pair((const uint16_t *)w, base + kk, &we, &wo);
                _mm512_storeu_ps(d + kk, we);
                _mm512_storeu_ps(d + kk + 16, wo);
            }
        } else {
            for (int64_t kk = 0; kk < kv; kk += 16) {
                PK_PREFETCH((const char *)w + (base + kk) * (dtype == PK_F32 ? 4 : 2));
                _mm512_storeu_ps(d + kk, load16(dtype, w, base + kk));
            }
        }
        for (int64_t kk = kv; kk < k; kk++) d[kk] = widen1(dtype, w, base + kk);
    }
}

// x rows in the even/odd layout below kv, natural from kv on.
static void permute_even_odd(const float *x, int64_t m, int64_t k, int64_t kv, float *xs) {
    for (int64_t i = 0; i < m; i++) {
        const float *a = x + i * k;
        float *b = xs + i * k;
        for (int64_t kk = 0; kk < kv; kk += 32)
            for (int j = 0; j < 16; j++) { b[kk + j] = a[kk + 2 * j]; b[kk + 16 + j] = a[kk + 2 * j + 1]; }
        for (int64_t kk = kv; kk < k; kk++) b[kk] = a[kk];
    }
}

PK_AVX512 PK_INLINE void linear_avx512(const int dtype, const float *x, int64_t m, const void *w, int64_t k,
                                       float *y, int64_t ldy, int64_t n0, int64_t n1, int accumulate, float *scratch) {
    const int64_t kv = dtype == PK_BF16 ? k & ~(int64_t)31 : k & ~(int64_t)15;
    float *tilebuf = scratch;                       // [NR, k] widened weight rows
    const float *xv = x;
    if (dtype == PK_BF16) {
        float *xs = scratch + NR * k;               // [m, k] x in the even/odd layout
        permute_even_odd(x, m, k, kv, xs);
        xv = xs;
    }
    for (int64_t r0 = n0; r0 < n1; r0 += NR) {
        int nr = (int)(n1 - r0 < NR ? n1 - r0 : NR);
        if (m == 1) {
            // One row: widen in registers, the weights' bytes are the only memory traffic.
            if (dtype == PK_BF16) {
                if (nr == NR) tile512_bf16((const uint16_t *)w, r0, NR, xv, x, k, kv, y, accumulate);
                else tile512_bf16((const uint16_t *)w, r0, nr, xv, x, k, kv, y, accumulate);
            } else if (nr == NR) {
                tile512(dtype, w, r0, NR, xv, x, 0, 1, k, kv, y, ldy, accumulate, 1);
            } else {
                tile512(dtype, w, r0, nr, xv, x, 0, 1, k, kv, y, ldy, accumulate, 1);
            }
            continue;
        }
        // Several rows: half weights are widened into an L1-resident tile once, in one prefetched
        // stream; f32 tiles are read in place (copying them measured slower below 32 rows).
        const void *tw = w;
        int64_t tr0 = r0;
        if (dtype != PK_F32) {
            widen_rows512(dtype, w, r0, nr, k, kv, tilebuf);
            tw = tilebuf; tr0 = 0;
        }
        // y columns r0 ..< r0+nr are rows tr0 ..< tr0+nr of tw: shift y so tile's columns land there.
        float *ys = y + (r0 - tr0);
        for (int64_t i0 = 0; i0 < m; i0 += MR512) {
            int mr = (int)(m - i0 < MR512 ? m - i0 : MR512);
            // The first pass over an f32 tile reads it from memory; the others find it in cache.
            int pf = dtype == PK_F32 && i0 == 0;
            if (nr == NR && mr == MR512) tile512(PK_F32, tw, tr0, NR, xv, x, i0, MR512, k, kv, ys, ldy, accumulate, pf);
            else tile512(PK_F32, tw, tr0, nr, xv, x, i0, mr, k, kv, ys, ldy, accumulate, pf);
        }
    }
}

PK_AVX512 void pk_linear_avx512(int dtype, const float *x, int64_t m, const void *w, int64_t k,
                                float *y, int64_t ldy, int64_t n0, int64_t n1, int accumulate, float *scratch) {
    if (m <= 0 || k < 0 || n1 <= n0) return;
    switch (dtype) {
    case PK_BF16: linear_avx512(PK_BF16, x, m, w, k, y, ldy, n0, n1, accumulate, scratch); break;
    case PK_F16: linear_avx512(PK_F16, x, m, w, k, y, ldy, n0, n1, accumulate, scratch); break;
    default: linear_avx512(PK_F32, x, m, w, k, y, ldy, n0, n1, accumulate, scratch); break;
    }
}

PK_AVX2 void pk_widen_avx2(int dtype, const void *src, float *dst, int64_t count) {
    if (count <= 0) return;
    const int64_t c8 = count & ~(int64_t)7;
    switch (dtype) {
    case PK_BF16:
        for (int64_t i = 0; i < c8; i += 8) _mm256_storeu_ps(dst + i, load8(PK_BF16, src, i));
        break;
    case PK_F16:
        for (int64_t i = 0; i < c8; i += 8) _mm256_storeu_ps(dst + i, load8(PK_F16, src, i));
        break;
    default:
        memcpy(dst, src, (size_t)count * 4);
        return;
    }
    pk_widen(dtype, (const uint16_t *)src + c8, dst + c8, count - c8);
}

#else

void pk_widen_avx2(int dtype, const void *src, float *dst, int64_t count) { pk_widen(dtype, src, dst, count); }

int pk_cpu_has_avx2_fma(void) { return 0; }

int pk_cpu_has_avx512(void) { return 0; }

void pk_linear_avx512(int dtype, const float *x, int64_t m, const void *w, int64_t k,
                      float *y, int64_t ldy, int64_t n0, int64_t n1, int accumulate, float *scratch) {
    pk_linear_portable(dtype, x, m, w, k, y, ldy, n0, n1, accumulate, scratch);
}

void pk_linear_avx2(int dtype, const float *x, int64_t m, const void *w, int64_t k,
                    float *y, int64_t ldy, int64_t n0, int64_t n1, int accumulate, float *scratch) {
    pk_linear_portable(dtype, x, m, w, k, y, ldy, n0, n1, accumulate, scratch);
}

#endif

int64_t pk_first_nonfinite(int dtype, const void *src, int64_t count) {
    const uint16_t *s = (const uint16_t *)src;
    const uint16_t exponent = dtype == PK_BF16 ? 0x7F80 : 0x7C00;
    for (int64_t i = 0; i < count; i++)
        if ((s[i] & exponent) == exponent) return i;
    return -1;
}

// ---- narrowing (round to nearest even, as torch's .to(bfloat16/float16)) ----

void pk_narrow(int dtype, const float *src, void *dst, int64_t count) {
    uint16_t *d = (uint16_t *)dst;
    for (int64_t i = 0; i < count; i++) {
        uint32_t u;
        memcpy(&u, &src[i], 4);
        if (dtype == PK_BF16) {
            if ((u & 0x7FFFFFFFu) > 0x7F800000u) { d[i] = (uint16_t)((u >> 16) | 0x40); continue; }  // NaN stays NaN
            d[i] = (uint16_t)((u + 0x7FFFu + ((u >> 16) & 1)) >> 16);
        } else {
            _Float16 h = (_Float16)src[i];   // C's conversion rounds to nearest even
            memcpy(&d[i], &h, 2);
        }
    }
}
