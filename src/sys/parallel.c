/* Work shared over the ranks of a communicator: the contiguous split every rank-parallel loop uses. */
#include <pdeop/parallel.h>

PetscErrorCode PdRankRange(MPI_Comm comm, PetscInt n, PetscInt *lo, PetscInt *hi)
{
  PetscMPIInt rank, size;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  *lo = (PetscInt)(((PetscInt64)n * rank) / size);
  *hi = (PetscInt)(((PetscInt64)n * (rank + 1)) / size);
  PetscFunctionReturn(0);
}
