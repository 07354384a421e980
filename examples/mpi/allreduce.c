/* Every rank contributes rank + 1; MPI_Allreduce sums them, and every rank checks the sum against
 * n(n+1)/2. Then 1 Mi doubles are summed the same way (8 MB across the nodes). Rank 0 prints one line
 * per rank (gathered), then "allreduce ok" or "allreduce BAD"; the exit code is 0 only when all agree. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define BIG (1 << 20)

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  long mine = rank + 1, sum = 0;
  MPI_Allreduce(&mine, &sum, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
  double *big = malloc(BIG * sizeof(double)), *total = malloc(BIG * sizeof(double));
  for (int i = 0; i < BIG; i++) big[i] = rank + 1;
  MPI_Allreduce(big, total, BIG, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
  long expect = (long)size * (size + 1) / 2;
  int ok = sum == expect && total[0] == expect && total[BIG - 1] == expect;
  const char *node = getenv("AZ_BATCH_NODE_ID");
  char line[256];
  snprintf(line, sizeof line, "rank %d/%d on %s: sum=%ld expect=%ld big=%s", rank, size,
           node ? node : "?", sum, expect, ok ? "OK" : "BAD");
  char *lines = rank == 0 ? malloc((size_t)size * sizeof line) : NULL;
  MPI_Gather(line, sizeof line, MPI_CHAR, lines, sizeof line, MPI_CHAR, 0, MPI_COMM_WORLD);
  int all = 0;
  MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD);
  if (rank == 0) {
    for (int r = 0; r < size; r++) printf("%s\n", lines + (size_t)r * sizeof line);
    printf("allreduce %s\n", all ? "ok" : "BAD");
  }
  MPI_Finalize();
  return all ? 0 : 1;
}
