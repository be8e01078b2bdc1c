/* Shared by the cavity tests (test_cavity, test_problem, mpi_cavity): what `pdeop solve cavity`
   does from the options database, a cavity built by its setters, and the wall conditions every cavity field must meet. */
#pragma once
#include "pdtest.h"
#include <pdeop/problem.h>

/* What `pdeop solve cavity` does: the problem from the options, solved, its fields written */
static inline PetscErrorCode PdtCavityRun(MPI_Comm comm, PdDict r)
{
  PdProblem p;

  PetscFunctionBegin;
  PetscCall(PdProblemCreate(comm, &p));
  PetscCall(PdProblemSetType(p, PDPROBLEMCAVITY));
  PetscCall(PdProblemSetFromOptions(p));
  PetscCall(PdProblemSetUp(p));
  PetscCall(PdProblemSolve(p));
  PetscCall(PdProblemWriteFields(p));
  PetscCall(PdProblemGetReport(p, r));
  PetscCall(PdProblemDestroy(&p));
  PetscFunctionReturn(0);
}

/* A cavity problem built by its setters (no options): Re, nodes per side and t_max (0: the default),
   set up and solved; its report says whether it reached steady state */
static inline PetscErrorCode PdtCavitySolve(MPI_Comm comm, PetscReal re, PetscInt n, PetscReal tmax, PdProblem *p)
{
  PetscFunctionBegin;
  PetscCall(PdProblemCreate(comm, p));
  PetscCall(PdProblemSetType(*p, PDPROBLEMCAVITY));
  PetscCall(PdProblemCavitySetReynolds(*p, re));
  PetscCall(PdProblemCavitySetGridSize(*p, n));
  if (tmax > 0) PetscCall(PdProblemCavitySetMaxTime(*p, tmax));
  PetscCall(PdProblemSetUp(*p));
  PetscCall(PdProblemSolve(*p));
  PetscFunctionReturn(0);
}

/* The N x N node fields of a short run (Re 100, not steady): u = 0 on the walls except the lid's
   interior nodes (u = 1), v = 0 on the walls, psi = 0 on all walls (the net flux through every
   vertical line vanishes when div u = 0), and the main vortex turns clockwise (psi, omega < 0). */
static inline void PdtCavityCheckWalls(PetscInt N, const double *u, const double *v, const double *psi, const double *w)
{
  for (PetscInt k = 0; k < N; k++) {
    PDT_CLOSE(u[k], 0, 0);                                  /* bottom */
    PDT_CLOSE(u[(N - 1) * N + k], (k > 0 && k < N - 1), 0); /* lid */
    PDT_CLOSE(u[k * N], 0, 0);                              /* left */
    PDT_CLOSE(u[k * N + N - 1], 0, 0);                      /* right */
    PDT_CLOSE(v[k], 0, 0);
    PDT_CLOSE(v[(N - 1) * N + k], 0, 0);
    PDT_CLOSE(v[k * N], 0, 0);
    PDT_CLOSE(v[k * N + N - 1], 0, 0);
    PDT_CLOSE(psi[k], 0, 1e-7);
    PDT_CLOSE(psi[(N - 1) * N + k], 0, 1e-6);
    PDT_CLOSE(psi[k * N], 0, 1e-7);
    PDT_CLOSE(psi[k * N + N - 1], 0, 1e-6);
  }
  assert_true(psi[(N / 2) * N + N / 2] < 0);
  assert_true(w[(N / 2) * N + N / 2] < 0);
}
