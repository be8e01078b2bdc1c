/* Private to the pinn-ball objective and PdPinn (solvers/train/impls/pinn_ball/): the problem, the
   model and its optimizer, the closed forms the training and the evaluation share. */
#pragma once
#include <pdeop/pinn.h>
#include <pdeop/io.h>
#include <pdeop/vecmath.h>
#include "../../trainimpl.h"

struct _n_PdPinn {
  MPI_Comm         comm;
  PdPinnPDE        pde;
  PdPinnSolution   sol;
  PdPinnBoundary   bc;
  PdEstimatorType  est;
  PdDirDist        dist;
  PdPinnInit       init;
  PdPinnProtocol   protocol;
  PdPinnRHSType    rhs;
  PetscInt         d, batch, V, iters, bbatch, test_points, max_rows, it;
  PetscInt         depth, eval_every;
  PdPinnLossWeight lw; /* the boundary penalty's weight */
  PetscInt64       seed;
  PetscInt64       problem_seed; /* the coefficients c_i's; -1: seed */
  PetscInt         nc;
  double          *c;  /* the coefficients c_i of the exact solution */
  float           *cf; /* the same in float for the vectorised closed forms */
  float           *work;
  NOp              nop;
  PdOptim          optim;
  PdTape           tape, etape;
  PdRng            rng;
  PdDiffOp         op;
  PetscBool        setup;
  double           loss, rel_l2, train_time, train_cpu;
  double           rel_l2_min, eval_time, eval_cpu; /* the best test error; time spent evaluating */
  double           save_time, save_cpu;             /* time spent writing checkpoints */
  PetscInt         test_used, rel_l2_min_iter;
  PetscInt         it_run;          /* steps trained by this process (it: all, a resumed checkpoint's included) */
  double           ck_time, ck_cpu; /* the training time of the steps a resumed checkpoint timed (ck_steps) */
  PetscInt         ck_steps;
  PetscBool        loss_known; /* p->loss is a step's (this process's or a resumed checkpoint's) */
  PetscBool        training;   /* inside PdPinnTrain, which started at these clocks and step: */
  PetscLogDouble   run_t0;
  double           run_c0, run_e0, run_ec0;
  PetscInt         run_it0;
  char             ckpt[PETSC_MAX_PATH_LEN]; /* PdPinnSetCheckpoint's file ("" none) and steps between writes */
  PetscInt         ckpt_every;
};

PETSC_INTERN PetscErrorCode PdPinnCheckProblem(PdPinn);
PETSC_INTERN PetscErrorCode PdPinnRunTimes(PdPinn, double *, double *, PetscInt *);
PETSC_INTERN PetscErrorCode PdPinnDrawCoefficients(PdPinn);
PETSC_INTERN void           PdPinnExactPoint(PdPinn, const float *, double *, double *);
PETSC_INTERN double         PdPinnRHS(PdPinn, double, double);
PETSC_INTERN PetscErrorCode PdPinnJetModel(void *, PdTape, const PdJetSeed *, PetscInt, PdJet *);
