/* Row-by-row assembly of a stencil matrix on a DMDA, shared by the finite-difference operators
   (Poisson, Darcy, the cavity's pressure): the loop over the owned points, the insertion, the final
   assembly and the symmetric positive definite flags. */
#include "pde/interface/problemimpl.h"
#include <petscdmda.h>

/*@
  PdDMDAAssembleSPD - fill A one row at a time: for each point (i, j, k) this rank owns, row() gives
  the row's n entries (col[0..n-1], v[0..n-1], at most PD_STENCIL_MAX), inserted in that order; then
  assemble A and mark it symmetric positive definite, as all of pdeop's stencil operators are
@*/
PetscErrorCode PdDMDAAssembleSPD(DM da, Mat A, PdStencilRowFn row, void *ctx)
{
  PetscInt xs, ys, zs, xm, ym, zm;

  PetscFunctionBegin;
  PetscCall(DMDAGetCorners(da, &xs, &ys, &zs, &xm, &ym, &zm));
  for (PetscInt k = zs; k < zs + zm; k++)
    for (PetscInt j = ys; j < ys + ym; j++)
      for (PetscInt i = xs; i < xs + xm; i++) {
        MatStencil  r = {0}, col[PD_STENCIL_MAX];
        PetscScalar v[PD_STENCIL_MAX];
        PetscInt    n = 0;
        r.i           = i;
        r.j           = j;
        r.k           = k;
        PetscCall(row(ctx, r, &n, col, v));
        PetscCall(MatSetValuesStencil(A, 1, &r, n, col, v, INSERT_VALUES));
      }
  PetscCall(MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatSetOption(A, MAT_SYMMETRIC, PETSC_TRUE));
  PetscCall(MatSetOption(A, MAT_SPD, PETSC_TRUE));
  PetscFunctionReturn(0);
}
