#include <cblas.h>
// OpenBLAS extensions: let our own thread pool and BLAS take turns on the cores.
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
