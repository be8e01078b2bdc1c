/* Private to the pinn-mesh objective and PdPinnMesh (solvers/train/impls/pinn_mesh/): the mesh, its
   sampling tables, the model and its optimizer, the loss weights. */
#pragma once
#include <pdeop/pinn.h>
#include <pdeop/mesh.h>
#include <pdeop/io.h>
#include "../../trainimpl.h"

struct _n_PdPinnMesh {
  MPI_Comm         comm;
  PdScalarProblem  pb;
  DM               dm;    /* the mesh; PdPinnMeshEvaluate adds the P1 field and its boundary condition */
  PetscInt         ncell; /* triangles: 6 coordinates each, cumulative areas */
  double          *tri, *carea, area;
  PetscInt         nseg; /* boundary edges: 4 coordinates each, cumulative lengths */
  double          *seg, *clen, perimeter;
  PetscReal        lower[2], upper[2];
  NOp              nop;
  PdOptim          optim;
  PdTape           tape, etape;
  PdRng            rng;
  PdDiffOp         op;
  PdDirSet         dirs; /* the two axes of the exact Laplacian, drawn once for -batch points */
  PetscInt         batch, bbatch, iters, it, seed;
  PdPinnLossWeight lw; /* the boundary loss's weight */
  double           loss, loss_r, loss_b, train_time;
  double           rel_l2, rel_l2_fem, fem_rel_l2;
  PetscInt         fem_its;
  char             log[PETSC_MAX_PATH_LEN];
  PetscBool        setup;
};
