/* `pdeop precond bench`: the driver of PdPrecondBench (<pdeop/precondbench.h>,
   solvers/precond/bench.c): CG over a sequence of held-out systems of a family with each
   preconditioner (PETSc's and the learned ones), timing set-up and solve separately, and for
   learned_sor the iterations against every fixed relaxation factor in hindsight. */
#include "cli.h"
#include <pdeop/pdeop.h>

/*@
  PdCommandPrecondBench - `pdeop precond bench [-model ic.h5] [-dcdm_model dcdm.h5] [-sor_model sor.bin] -problem darcy|poisson|cavity -res N -count 100
  -seed S -rtol 1e-8 -methods none,jacobi,sor,icc,gamg,hypre,learned_ic,learned_sor`, or -f a.petsc,b.petsc
  (every system of PETSc binary files; default methods icc, gamg, hypre if PETSc has it, learned_ic with -model)

  Every system is solved by CG with each method from a zero guess; the table has set-up, solve and
  total seconds and iterations, summed over the sequence. With learned_sor in the list the same
  systems are also solved with SSOR at every fixed omega of the grid (the bandit's own grid) to report the best fixed omega in hindsight.
@*/
PetscErrorCode PdCommandPrecondBench(MPI_Comm comm, PdDict report)
{
  PdPrecondBench bench;
  PetscBool      help;

  PetscFunctionBegin;
  PetscCall(PdPrecondBenchCreate(comm, &bench));
  PetscCall(PdPrecondBenchSetFromOptions(bench));
  PetscCall(PdOptionsHelp(&help));
  if (!help) {
    PetscCall(PdPrecondBenchSetUp(bench));
    PetscCall(PdOptionsCheckUnused(comm, "precond bench"));
    PetscCall(PdPrecondBenchRun(bench));
    PetscCall(PdPrecondBenchView(bench));
    PetscCall(PdPrecondBenchReport(bench, report));
  }
  PetscCall(PdPrecondBenchDestroy(&bench));
  PetscFunctionReturn(0);
}
