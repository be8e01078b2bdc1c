/* Transfers between a distributed DMDA Vec (double) and one engine sample (float, the whole grid,
   x fastest): the boundary between PETSc's solvers and the networks. */
#include <pdeop/field.h>

/*@
  PdVecGatherNatural - the whole field of a DMDA Vec in natural order (x fastest) as doubles,
  on every rank (toall) or on rank 0 only (*out is NULL on the others); free with PetscFree
@*/
PetscErrorCode PdVecGatherNatural(DM da, Vec u, PetscBool toall, double **out)
{
  Vec                nat, all;
  VecScatter         sc;
  const PetscScalar *a;
  PetscInt           n;

  PetscFunctionBegin;
  PetscCall(DMDACreateNaturalVector(da, &nat));
  PetscCall(DMDAGlobalToNaturalBegin(da, u, INSERT_VALUES, nat));
  PetscCall(DMDAGlobalToNaturalEnd(da, u, INSERT_VALUES, nat));
  if (toall) PetscCall(VecScatterCreateToAll(nat, &sc, &all));
  else PetscCall(VecScatterCreateToZero(nat, &sc, &all));
  PetscCall(VecScatterBegin(sc, nat, all, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterEnd(sc, nat, all, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecGetLocalSize(all, &n));
  *out = NULL;
  if (n) {
    PetscCall(PetscMalloc1(n, out));
    PetscCall(VecGetArrayRead(all, &a));
    for (PetscInt i = 0; i < n; i++) (*out)[i] = PetscRealPart(a[i]);
    PetscCall(VecRestoreArrayRead(all, &a));
  }
  PetscCall(VecScatterDestroy(&sc));
  PetscCall(VecDestroy(&all));
  PetscCall(VecDestroy(&nat));
  PetscFunctionReturn(0);
}

/*@ PdVecToSample - the whole field of a DMDA Vec as floats in natural order, on every rank @*/
PetscErrorCode PdVecToSample(DM da, Vec u, float out[])
{
  double  *all;
  PetscInt n;

  PetscFunctionBegin;
  PetscCall(VecGetSize(u, &n));
  PetscCall(PdVecGatherNatural(da, u, PETSC_TRUE, &all));
  for (PetscInt i = 0; i < n; i++) out[i] = (float)all[i];
  PetscCall(PetscFree(all));
  PetscFunctionReturn(0);
}

/*@ PdSampleToVec - fill a DMDA Vec from a whole-grid sample (each rank takes its own part) @*/
PetscErrorCode PdSampleToVec(DM da, const float in[], Vec u)
{
  PetscInt     xs, ys, zs, xm, ym, zm, M, N, idx = 0;
  PetscScalar *a;

  PetscFunctionBegin;
  PetscCall(DMDAGetInfo(da, NULL, &M, &N, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL));
  PetscCall(DMDAGetCorners(da, &xs, &ys, &zs, &xm, &ym, &zm));
  PetscCall(VecGetArray(u, &a));
  for (PetscInt k = zs; k < zs + zm; k++)
    for (PetscInt j = ys; j < ys + ym; j++)
      for (PetscInt i = xs; i < xs + xm; i++) a[idx++] = in[((size_t)k * N + j) * M + i];
  PetscCall(VecRestoreArray(u, &a));
  PetscFunctionReturn(0);
}
