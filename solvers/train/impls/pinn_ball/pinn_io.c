/* PdPinn checkpoints: the mlp, Adam's state, the iterations and the problem with its coefficients. */
#include "pinnimpl.h"

/* ---------------- checkpoints ---------------- */

static PetscErrorCode ProblemMeta(PdPinn p, PdDict meta)
{
  PetscFunctionBegin;
  PetscCall(NOpGetMeta(p->nop, meta));
  PetscCall(PdDictSetString(meta, "pinn_pde", PdPinnPDEs[p->pde]));
  PetscCall(PdDictSetString(meta, "pinn_solution", PdPinnSolutions[p->sol]));
  PetscCall(PdDictSetInt(meta, "pinn_dim", p->d));
  PetscCall(PdDictSetString(meta, "pinn_boundary", PdPinnBoundaries[p->bc]));
  PetscCall(PdDictSetInt(meta, "pinn_seed", p->seed));
  PetscCall(PdDictSetInt(meta, "pinn_problem_seed", p->problem_seed >= 0 ? p->problem_seed : p->seed));
  PetscCall(PdDictSetString(meta, "pinn_estimator", PdEstimatorTypes[p->est]));
  PetscCall(PdDictSetString(meta, "pinn_stde_dist", PdDirDists[p->dist]));
  PetscCall(PdDictSetInt(meta, "pinn_stde_dirs", p->V));
  PetscCall(PdDictSetInt(meta, "pinn_batch", p->batch));
  PetscCall(PdDictSetString(meta, "pinn_exact_solution", p->sol == PD_PINN_TWO_BODY ? "(1 - |x|^2) sum_{i=1}^{d-1} c_i sin(x_i + cos(x_{i+1}) + x_{i+1} cos(x_i))" : "(1 - |x|^2) sum_{i=1}^{d-2} c_i exp(x_i x_{i+1} x_{i+2})"));
  PetscFunctionReturn(0);
}

/*@
  PdPinnSave - checkpoint: mlp parameters, Adam state, iterations, and the problem (attributes
  pinn_pde, pinn_solution, pinn_dim, pinn_boundary, ...; dataset /c of the coefficients, float64)
@*/
PetscErrorCode PdPinnSave(PdPinn p, const char file[])
{
  PdDict            meta;
  PdParams          params;
  PdCheckpointArray c = {"c", p->nc, p->c};

  PetscFunctionBegin;
  PetscCall(PdDictCreate(&meta));
  PetscCall(ProblemMeta(p, meta));
  PetscCall(NOpGetParams(p->nop, &params));
  PetscCall(PdCheckpointWriteArrays(p->comm, file, meta, params, p->optim, p->it, NULL, 1, &c));
  PetscCall(PdDictDestroy(&meta));
  PetscFunctionReturn(0);
}

/*@ PdPinnIsCheckpoint - whether a checkpoint was written by PdPinnSave @*/
PetscErrorCode PdPinnIsCheckpoint(MPI_Comm comm, const char file[], PetscBool *flg)
{
  PdDict meta;

  PetscFunctionBegin;
  PetscCall(PdCheckpointReadMeta(comm, file, &meta, NULL));
  PetscCall(PdDictHas(meta, "pinn_pde", flg));
  PetscCall(PdDictDestroy(&meta));
  PetscFunctionReturn(0);
}

static PetscErrorCode EnumFromMeta(MPI_Comm comm, PdDict meta, const char *key, const char *const *names, PetscInt n, const char *file, PetscInt *v)
{
  const char *s;
  PetscBool   same = PETSC_FALSE;

  PetscFunctionBegin;
  PetscCall(PdDictGetString(meta, key, &s));
  for (PetscInt k = 0; k < n && !same; k++) {
    PetscCall(PetscStrcmp(s, names[k], &same));
    if (same) *v = k;
  }
  PetscCheck(same, comm, PETSC_ERR_FILE_UNEXPECTED, "'%s': unknown %s '%s'", file, key, s);
  PetscFunctionReturn(0);
}

/*@ PdPinnLoad - rebuild a PINN (problem, coefficients, model, optimizer state) from a checkpoint @*/
PetscErrorCode PdPinnLoad(MPI_Comm comm, const char file[], PdPinn *pinn)
{
  PdDict     meta;
  PdPinn     p;
  PetscBool  has;
  PetscInt   v;
  PetscInt64 i64;
  PetscInt   epoch;

  PetscFunctionBegin;
  PetscCall(PdCheckpointReadMeta(comm, file, &meta, &epoch));
  PetscCall(PdDictHas(meta, "pinn_pde", &has));
  if (!has) PetscCall(PdDictDestroy(&meta));
  PetscCheck(has, comm, PETSC_ERR_FILE_UNEXPECTED, "'%s' is not a PINN checkpoint (written by pdeop pinn -o)", file);
  PetscCall(PdPinnCreate(comm, &p));
  PetscCall(EnumFromMeta(comm, meta, "pinn_pde", PdPinnPDEs, 3, file, &v));
  p->pde = (PdPinnPDE)v;
  PetscCall(EnumFromMeta(comm, meta, "pinn_solution", PdPinnSolutions, 2, file, &v));
  p->sol = (PdPinnSolution)v;
  PetscCall(EnumFromMeta(comm, meta, "pinn_boundary", PdPinnBoundaries, 2, file, &v));
  p->bc = (PdPinnBoundary)v;
  PetscCall(EnumFromMeta(comm, meta, "pinn_estimator", PdEstimatorTypes, 3, file, &v));
  p->est = (PdEstimatorType)v;
  PetscCall(EnumFromMeta(comm, meta, "pinn_stde_dist", PdDirDists, 4, file, &v));
  p->dist = (PdDirDist)v;
  PetscCall(PdDictGetInt(meta, "pinn_dim", &i64));
  p->d = (PetscInt)i64;
  PetscCall(PdDictGetInt(meta, "pinn_seed", &i64));
  p->seed = i64;
  PetscCall(PdDictHas(meta, "pinn_problem_seed", &has)); /* files before the option: the seed's */
  if (has) PetscCall(PdDictGetInt(meta, "pinn_problem_seed", &p->problem_seed));
  PetscCall(PdDictGetInt(meta, "pinn_stde_dirs", &i64));
  p->V = (PetscInt)i64;
  PetscCall(PdDictGetInt(meta, "pinn_batch", &i64));
  p->batch = (PetscInt)i64;
  PetscCall(PdDictDestroy(&meta));
  PetscCall(PdPinnCheckProblem(p));
  PetscCall(PdPinnDrawCoefficients(p));
  /* the stored coefficients are the problem's: read them rather than trust the seed */
  PetscCall(PdCheckpointReadArray(comm, file, "c", p->nc, p->c));
  for (PetscInt i = 0; i < p->nc; i++) p->cf[i] = (float)p->c[i];
  PetscCall(NOpLoad(comm, file, &p->nop, NULL));
  {
    PdParams params;
    PetscCall(NOpGetParams(p->nop, &params));
    PetscCall(PdOptimCreate(params, &p->optim));
    PetscCall(PdOptimSetType(p->optim, PD_OPTIM_ADAM));
  }
  p->it = epoch;
  *pinn = p;
  PetscFunctionReturn(0);
}

