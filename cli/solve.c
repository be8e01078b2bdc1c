/* `pdeop solve`: a thin driver over PdProblem. The subcommand names the problem type (or -f file
   the `system` type); the object reads its options, solves, writes its fields and reports. */
#include "cli.h"

/* `pdeop solve -help`: one line per registered problem type */
static PetscErrorCode PrintProblems(MPI_Comm comm)
{
  PetscInt           n;
  const char *const *usages;

  PetscFunctionBegin;
  PetscCall(PdProblemGetTypes(&n, NULL, &usages));
  for (PetscInt k = 0; k < n; k++)
    if (usages[k]) PetscCall(PetscPrintf(comm, "  pdeop solve %s\n", usages[k]));
  PetscCall(PetscPrintf(comm, "  `pdeop solve <problem> -help` lists a problem's options; KSP/PC options are PETSc's\n"));
  PetscFunctionReturn(0);
}

/* "'poisson', 'darcy', ..., or -f system.petsc" for the error without a problem */
static PetscErrorCode ProblemChoices(char buf[], size_t len)
{
  PetscInt           n;
  const char *const *names, *const *usages;
  PetscBool sys;

  PetscFunctionBegin;
  buf[0] = 0;
  PetscCall(PdProblemGetTypes(&n, &names, &usages));
  for (PetscInt k = 0; k < n; k++) {
    PetscCall(PetscStrcmp(names[k], PDPROBLEMSYSTEM, &sys));
    if (sys || !usages[k]) continue;
    PetscCall(PetscStrlcat(buf, "'", len));
    PetscCall(PetscStrlcat(buf, names[k], len));
    PetscCall(PetscStrlcat(buf, "', ", len));
  }
  PetscCall(PetscStrlcat(buf, "or -f system.petsc", len));
  PetscFunctionReturn(0);
}

/* One line a PETSc user expects after a linear solve (unless -quiet): the solver, its iterations and
   converged reason, the residual norm, and the error where an exact solution is known */
static PetscErrorCode PrintSummary(MPI_Comm comm, const char problem[], PdDict report)
{
  PetscBool   has, haserr;
  const char *ktype, *ptype, *reason;
  PetscInt64  its, n     = 0;
  double      rnorm, err = 0;

  PetscFunctionBegin;
  PetscCall(PdDictHas(report, "iterations", &has));
  if (!has) PetscFunctionReturn(0); /* a time-stepping problem prints its own summary */
  PetscCall(PdDictGetString(report, "ksp_type", &ktype));
  PetscCall(PdDictGetString(report, "pc_type", &ptype));
  PetscCall(PdDictGetString(report, "converged_reason", &reason));
  PetscCall(PdDictGetInt(report, "iterations", &its));
  PetscCall(PdDictGetReal(report, "residual_norm", &rnorm));
  PetscCall(PdDictHas(report, "unknowns", &has));
  if (has) PetscCall(PdDictGetInt(report, "unknowns", &n));
  PetscCall(PdDictHas(report, "rows", &has));
  if (has) PetscCall(PdDictGetInt(report, "rows", &n));
  PetscCall(PdDictHas(report, "error", &haserr));
  if (haserr) PetscCall(PdDictGetReal(report, "error", &err));
  if (haserr && err >= 0) PetscCall(PdPrintf(comm, "%s: %" PetscInt64_FMT " unknowns, KSP %s + PC %s: %" PetscInt64_FMT " iterations, %s, residual norm %.3e; L2 error against the exact solution %.3e\n", problem, n, ktype, ptype, its, reason, rnorm, err));
  else PetscCall(PdPrintf(comm, "%s: %" PetscInt64_FMT " unknowns, KSP %s + PC %s: %" PetscInt64_FMT " iterations, %s, residual norm %.3e\n", problem, n, ktype, ptype, its, reason, rnorm));
  PetscCall(PdDictHas(report, "iterations_zero_guess", &has));
  if (has) { /* -compare_zero_guess */
    PetscInt64 its0;
    double     t, t0, tg = 0;
    PetscBool  hasg;
    PetscCall(PdDictGetInt(report, "iterations_zero_guess", &its0));
    PetscCall(PdDictGetReal(report, "solve_seconds", &t));
    PetscCall(PdDictGetReal(report, "solve_seconds_zero_guess", &t0));
    PetscCall(PdDictHas(report, "guess_seconds", &hasg));
    if (hasg) PetscCall(PdDictGetReal(report, "guess_seconds", &tg));
    PetscCall(PdPrintf(comm, "  initial guess: %" PetscInt64_FMT " iterations in %.3g s (%.3g s forming the guess); zero initial guess: %" PetscInt64_FMT " iterations in %.3g s\n", its, t, tg, its0, t0));
  }
  PetscFunctionReturn(0);
}

/* A march to a steady state that ran out of time is not a result: an error (PETSC_ERR_NOT_CONVERGED,
   after the fields and the report are written, so the run's last state can be looked at) */
static PetscErrorCode CheckSteady(MPI_Comm comm, const char problem[], PdDict report)
{
  PetscBool has, steady;
  double    t = 0, change = 0;

  PetscFunctionBegin;
  PetscCall(PdDictHas(report, "steady", &has));
  if (!has) PetscFunctionReturn(0);
  PetscCall(PdDictGetBool(report, "steady", &steady));
  PetscCall(PdDictHas(report, "time", &has));
  if (has) PetscCall(PdDictGetReal(report, "time", &t));
  PetscCall(PdDictHas(report, "final_change", &has));
  if (has) PetscCall(PdDictGetReal(report, "final_change", &change));
  PetscCheck(steady, comm, PETSC_ERR_NOT_CONVERGED, "%s: no steady state by t = %g (-t_max): |du/dt| is still %.3g, above -steady_tol; the last state is written. Raise -t_max (or loosen -steady_tol)", problem, t, change);
  PetscFunctionReturn(0);
}

PetscErrorCode PdCommandSolve(MPI_Comm comm, const char sub[], PdDict report)
{
  char      choices[256];
  PetscBool flg, help;
  PdProblem p;

  PetscFunctionBegin;
  PetscCall(PdOptionsHelp(&help));
  if (!sub) {
    PetscCall(PetscOptionsHasName(NULL, NULL, "-f", &flg));
    if (help && !flg) {
      PetscCall(PrintProblems(comm));
      PetscFunctionReturn(0);
    }
    PetscCall(ProblemChoices(choices, sizeof(choices)));
    PetscCheck(flg, comm, PETSC_ERR_ARG_WRONG, "pdeop solve needs a problem: %s", choices);
  }
  PetscCall(PdProblemCreate(comm, &p));
  PetscCall(PdProblemSetType(p, sub ? sub : PDPROBLEMSYSTEM));
  PetscCall(PdProblemSetFromOptions(p));
  if (!help) {
    PetscCall(PdProblemSetUp(p));
    PetscCall(PdProblemSolve(p));
    PetscCall(PdProblemWriteFields(p));
    PetscCall(PdProblemGetReport(p, report));
    PetscCall(PrintSummary(comm, sub ? sub : "system", report));
    PetscCall(CheckSteady(comm, sub, report));
  }
  PetscCall(PdProblemDestroy(&p));
  PetscFunctionReturn(0);
}
