// A team of worker threads for decoding's many short products; see include/ckernels.h.
//
// Why not the Swift side's DispatchQueue.concurrentPerform: a decode step of a 0.5B model makes
// ~100 products of 40–400 µs each at batch 1, and waking a sleeping pool thread (a futex, an
// inter-processor interrupt on a VM) cost tens of µs each time: the projections streamed their
// weights at ~33 GB/s against ~40 for the one large LM-head product. Here a helper that has
// just finished spins for the next job (up to PK_SPIN_NS) before it sleeps, so back-to-back
// products hand over in well under a microsecond, and an idle process does not keep a core busy.
#include "ckernels.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define PK_PAUSE() _mm_pause()
#else
#define PK_PAUSE() ((void)0)
#endif

enum { PK_MAX_HELPERS = 63 };
#define PK_SPIN_NS 200000

static struct {
    pthread_mutex_t mutex;
    pthread_cond_t wake;
    int helpers;                        // threads started so far (indices 1 ... helpers)
    atomic_uint_fast64_t generation;    // bumped once per job
    atomic_int sleepers;                // helpers blocked on `wake`
    atomic_int done;                    // helpers that finished the current job
    atomic_flag busy;                   // one job at a time; a nested or concurrent call runs inline
    pk_team_fn fn;                      // the current job, written before generation is bumped
    void *ctx;
    atomic_int workers;                 // indices of the current job (helpers past it sit out)
} team = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, 0, ATOMIC_FLAG_INIT, 0, 0, 0};

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

// What a helper starts from: its index, and the generation before the job it was started for
// (read by its creator: a helper that read it itself could miss that job's bump and wait forever).
struct helper_start {
    int index;
    uint_fast64_t seen;
};

static void *helper_main(void *arg) {
    const struct helper_start start_state = *(const struct helper_start *)arg;
    free(arg);
    const int index = start_state.index;
    uint_fast64_t seen = start_state.seen;
    for (;;) {
        // Spin for the next job, then sleep until one comes.
        uint64_t start = now_ns();
        int spins = 0;
        uint_fast64_t g;
        while ((g = atomic_load_explicit(&team.generation, memory_order_acquire)) == seen) {
            PK_PAUSE();
            if (++spins % 256 != 0 || now_ns() - start < PK_SPIN_NS) continue;
            pthread_mutex_lock(&team.mutex);
            atomic_fetch_add(&team.sleepers, 1);
            while (atomic_load(&team.generation) == seen) pthread_cond_wait(&team.wake, &team.mutex);
            atomic_fetch_sub(&team.sleepers, 1);
            pthread_mutex_unlock(&team.mutex);
            start = now_ns();
        }
        seen = g;
        if (index < atomic_load_explicit(&team.workers, memory_order_relaxed)) {
            team.fn(team.ctx, index);
            atomic_fetch_add_explicit(&team.done, 1, memory_order_release);
        }
    }
    return 0;
}

// Starts helpers up to `count` (never stops them: they sleep when idle).
static int ensure_helpers(int count) {
    if (count > PK_MAX_HELPERS) count = PK_MAX_HELPERS;
    while (team.helpers < count) {
        struct helper_start *arg = malloc(sizeof *arg);
        if (!arg) break;
        arg->index = team.helpers + 1;
        arg->seen = atomic_load(&team.generation);
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        int failed = pthread_create(&t, &attr, helper_main, arg);
        pthread_attr_destroy(&attr);
        if (failed) {
            free(arg);
            break;
        }
        team.helpers += 1;
    }
    return team.helpers;
}

void pk_team_run(int workers, pk_team_fn fn, void *ctx) {
    if (workers <= 1 || atomic_flag_test_and_set(&team.busy)) {
        for (int i = 0; i < (workers < 1 ? 1 : workers); i++) fn(ctx, i);
        return;
    }
    int helpers = ensure_helpers(workers - 1);
    // Indices no helper could take (thread creation failed) run here after index 0.
    int shared = helpers + 1 < workers ? helpers + 1 : workers;
    team.fn = fn;
    team.ctx = ctx;
    atomic_store_explicit(&team.workers, shared, memory_order_relaxed);
    atomic_store_explicit(&team.done, 0, memory_order_relaxed);
    atomic_fetch_add(&team.generation, 1);                         // seq_cst: pairs with sleepers below
    if (atomic_load(&team.sleepers) > 0) {
        pthread_mutex_lock(&team.mutex);
        pthread_cond_broadcast(&team.wake);
        pthread_mutex_unlock(&team.mutex);
    }
    fn(ctx, 0);
    for (int i = shared; i < workers; i++) fn(ctx, i);
    while (atomic_load_explicit(&team.done, memory_order_acquire) < shared - 1) PK_PAUSE();
    atomic_flag_clear(&team.busy);
}

// ---- the decode product over the team ----

struct linear_job {
    pk_linear_fn kernel;
    int dtype;
    const float *x;
    int64_t m;
    const void *w;
    int64_t k;
    float *y;
    int64_t ldy, n, chunk;
    int accumulate;
    float *scratch;
    int64_t scratch_per_worker;
};

static void linear_part(void *ctx, int worker) {
    const struct linear_job *j = (const struct linear_job *)ctx;
    int64_t n0 = (int64_t)worker * j->chunk;
    int64_t n1 = n0 + j->chunk < j->n ? n0 + j->chunk : j->n;
    if (n0 < n1)
        j->kernel(j->dtype, j->x, j->m, j->w, j->k, j->y, j->ldy, n0, n1, j->accumulate,
                  j->scratch + (int64_t)worker * j->scratch_per_worker);
}

void pk_linear_team(pk_linear_fn kernel, int workers, int dtype, const float *x, int64_t m, const void *w, int64_t k,
                    float *y, int64_t ldy, int64_t n, int accumulate, float *scratch, int64_t scratch_per_worker) {
    if (workers < 1) workers = 1;
    struct linear_job j = {kernel, dtype, x, m, w, k, y, ldy, n, (n + workers - 1) / workers, accumulate,
                           scratch, scratch_per_worker};
    pk_team_run(workers, linear_part, &j);
}
