/* pdeop: PDE solving and operator learning on PETSc. Include this one header for everything: it
   includes every public header, floor by floor. */
#pragma once
#include <pdeop/version.h>
/* floor 1: the engine */
#include <pdeop/tensor.h>
#include <pdeop/ops.h>
#include <pdeop/jetops.h>
#include <pdeop/vecmath.h>
#include <pdeop/rng.h>
#include <pdeop/dict.h>
#include <pdeop/params.h>
#include <pdeop/optim.h>
#include <pdeop/io.h>
#include <pdeop/plot.h>
#include <pdeop/progress.h>
#include <pdeop/options.h>
#include <pdeop/registry.h>
#include <pdeop/parallel.h>
/* floor 2: meshes */
#include <pdeop/mesh.h>
#include <pdeop/field.h>
#include <pdeop/output.h>
/* floor 3: operators */
#include <pdeop/nop.h>
#include <pdeop/jet.h>
/* floor 4: solvers */
#include <pdeop/solve.h>
#include <pdeop/poisson.h>
#include <pdeop/darcy.h>
#include <pdeop/ns.h>
#include <pdeop/problem.h>
#include <pdeop/train.h>
#include <pdeop/pinn.h>
#include <pdeop/precond.h>
#include <pdeop/guess.h>
#include <pdeop/systems.h>
#include <pdeop/learned.h>
#include <pdeop/learnedtrain.h>
#include <pdeop/precondbench.h>

/* PetscInitialize plus pdeop's registrations (log events, model, PC and KSP types) and the
   engine's options. Safe to call PdRegisterAll() yourself after PetscInitialize instead. */
PETSC_EXTERN PetscErrorCode PdInitialize(int *, char ***, const char[], const char[]);
PETSC_EXTERN PetscErrorCode PdRegisterAll(void);
