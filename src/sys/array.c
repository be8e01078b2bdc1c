/* Arrays that grow by doubling: the dictionaries' entries, the parameters, the tape's nodes. */
#include "array.h"

/* Room for element n of *array (n elements of size bytes in use, *max allocated): when it is full,
   a new zeroed array of max(min, 2 * *max) elements takes the n elements over. */
PetscErrorCode PdArrayMakeRoom(size_t size, PetscInt n, PetscInt min, PetscInt *max, void **array)
{
  PetscInt m = PetscMax(min, 2 * *max);
  void    *grown;

  PetscFunctionBegin;
  if (n < *max) PetscFunctionReturn(0);
  PetscCall(PetscCalloc(m * size, &grown));
  if (n) PetscCall(PetscMemcpy(grown, *array, n * size));
  PetscCall(PetscFree(*array));
  *array = grown;
  *max   = m;
  PetscFunctionReturn(0);
}
