// Matrix products for decoding: y[m, n] (= or +=) x[m, k] · W[n, k]ᵀ with few rows m
// (the active sequences of a batch) and W in HF's [out, in] layout, stored as f32, bf16 or f16.
//
// Why C: the AVX2/FMA and AVX-512 variants are compiled with __attribute__((target(...))) and
// chosen at run time from CPUID, so one binary runs on baseline x86-64 (the portable variant)
// and uses the vector units where they exist. Swift SIMD types only vectorise to what the
// whole target is compiled for.
//
// Within a variant, every output element is computed the same way whatever m, the row's
// position in the batch or the slice [n0, n1) a thread is given: lane sums over k in order
// (8 lanes; 16 for AVX-512), one fixed horizontal sum, then the tail. So a sequence's logits
// do not depend on which other sequences share its batch (continuous batching relies on this).
#ifndef PREFKIT_CKERNELS_H
#define PREFKIT_CKERNELS_H

#include <stdint.h>

enum { PK_F32 = 0, PK_BF16 = 1, PK_F16 = 2 };

// 1 when the CPU (and OS, via XGETBV) supports AVX2, FMA and F16C; 0 elsewhere (non-x86 too).
int pk_cpu_has_avx2_fma(void);

// 1 when the CPU and OS support AVX-512F (and everything pk_cpu_has_avx2_fma checks).
int pk_cpu_has_avx512(void);

// Output columns j in [n0, n1) only: callers split n over their threads.
// x: [m, k] row stride k. w: [n, k] of `dtype` elements, row stride k. y: [m, ldy].
// scratch: at least pk_linear_scratch_floats(m, k) floats, private to the calling thread.
// accumulate != 0: y += x·Wᵀ, else y = x·Wᵀ. Sizes must be ≥ 0; nothing is read or written
// outside x[0 ..< m·k], w[n0·k ..< n1·k], y rows' columns [n0, n1) and scratch.
void pk_linear_portable(int dtype, const float *x, int64_t m, const void *w, int64_t k,
                        float *y, int64_t ldy, int64_t n0, int64_t n1, int accumulate, float *scratch);
void pk_linear_avx2(int dtype, const float *x, int64_t m, const void *w, int64_t k,
                    float *y, int64_t ldy, int64_t n0, int64_t n1, int accumulate, float *scratch);
void pk_linear_avx512(int dtype, const float *x, int64_t m, const void *w, int64_t k,
                      float *y, int64_t ldy, int64_t n0, int64_t n1, int accumulate, float *scratch);

// The signature the three variants share.
typedef void (*pk_linear_fn)(int dtype, const float *x, int64_t m, const void *w, int64_t k,
                             float *y, int64_t ldy, int64_t n0, int64_t n1, int accumulate, float *scratch);

// Runs fn(ctx, i) for i in [0, workers), index 0 on the calling thread and the others on a team
// of helper threads that spin briefly between jobs (team.c says why). Returns when all are done.
// One job at a time: a call made while another runs (another thread, or from inside fn) runs
// its indices one after the other on the calling thread.
typedef void (*pk_team_fn)(void *ctx, int index);
void pk_team_run(int workers, pk_team_fn fn, void *ctx);

// kernel over output columns [0, n) split into `workers` equal slices on the team; worker i
// uses scratch + i·scratch_per_worker.
void pk_linear_team(pk_linear_fn kernel, int workers, int dtype, const float *x, int64_t m, const void *w, int64_t k,
                    float *y, int64_t ldy, int64_t n, int accumulate, float *scratch, int64_t scratch_per_worker);

// Floats of scratch one call needs: a tile of widened weight rows and a permuted copy of x.
int64_t pk_linear_scratch_floats(int64_t m, int64_t k);

// Exact widening of `count` elements of `dtype` to f32 (tests compare against the values a
// kernel sees).
void pk_widen(int dtype, const void *src, float *dst, int64_t count);

// The same widening with AVX2 (and F16C): what products on frozen half-precision matrices
// (WeightMatrix) use to widen a block before sgemm. Falls back to pk_widen off x86.
void pk_widen_avx2(int dtype, const void *src, float *dst, int64_t count);

// Index of the first element of `dtype` (bf16 or f16 bits) that is inf or NaN, or -1.
// A half checkpoint narrowed from f32 overflows to inf in f16: the loader names the tensor.
int64_t pk_first_nonfinite(int dtype, const void *src, int64_t count);

// f32 → bf16 / f16 bits, round to nearest even (NaN stays NaN; f16 overflows to ±inf).
void pk_narrow(int dtype, const float *src, void *dst, int64_t count);

#endif
