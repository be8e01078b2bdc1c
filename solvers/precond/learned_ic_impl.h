/* Private to solvers/: the learned_ic graph and factor (solvers/precond/learned_ic.c, the graph's
   construction and its reuse in solvers/precond/learned_ic_pattern.c) */
#pragma once
#include <pdeop/learned.h>

#define IC_NODE_FEATURES NOP_LEARNEDIC_NODE_FEATURES

/* The graph of one matrix (scaled to unit diagonal). Edges are the nonzero off-diagonal entries
   (row i, column j) as messages j -> i; the factor's entries are the n diagonal ones followed by the
   strictly lower edges (i > j). */
struct _n_PdICGraph {
  PetscInt     n, E, El;
  PetscInt     levels;          /* the factor's pattern: IC(levels) of the matrix in the order perm */
  PdICOrdering ordering;        /* asked for; perm is NULL when it is the identity */
  PetscInt    *perm;            /* node i of the graph is unknown perm[i] of the matrix */
  PetscBool    zeros;           /* the matrix stores explicit zeros off the diagonal (not edges) */
  PetscInt    *esrc, *edst;     /* E edges: column j (source), row i (destination) */
  PetscInt    *lrow, *lcol;     /* n + El factor entries: (row, column), diagonal first */
  float       *nfeat;           /* [n, 3] node features */
  float       *efeat;           /* [E, 1] scaled values */
  float       *lfeat;           /* [El, 1] scaled values of the strictly lower edges */
  float       *l0;              /* [n + El, 1] IC's factor of the scaled matrix on the pattern (ICC(0)'s for
                                  levels 0), entries as lrow/lcol */
  double      *l0d;             /* the same in double precision, for the factor itself */
  PetscReal    shift;           /* the diagonal shift it needed (0 for an H-matrix) */
  double      *dsqrt;           /* sqrt of A's diagonal */
  PetscInt    *lptr;            /* [n + 1] row starts of the strictly lower edges (n + lptr[i] in lrow/lcol) */
  double      *la;              /* [El] their scaled values in double, ICC's input */
  PetscInt     stamp;           /* the structure's id (unique per build); what decides it: */
  PetscInt     nnz, *kia, *kja; /* the matrix's CSR structure */
  PetscBool   *kzero;           /* [nnz] where it stores zeros */
  PetscInt    *vsrc, *dpos;     /* [E], [n]: each edge's, each diagonal's value in the matrix's array (-1: fill) */
  PetscInt     P;               /* (x, b) pairs, scaled, columns normalised to ||b|| = 1 */
  float       *x, *b;           /* [n, P] */
};

/* L = D^1/2 L_scaled, so M = L L^T = D^1/2 L_s L_s^T D^1/2 needs no separate scaling */
struct _n_PdICFactor {
  PetscInt  n, nnz;
  PetscInt *perm;        /* row i of L is unknown perm[i] (NULL: the identity) */
  PetscInt *ia, *ja;     /* CSR of the strictly lower part of L */
  double   *val, *idiag; /* its values; 1 / L_ii */
  PetscInt *ta, *tj;     /* the same entries by columns (CSR of L^T), for the backward sweep */
  double   *tval;
  double   *work;
  PetscInt  stamp;       /* the graph structure's it was assembled on */
  PetscInt *fpos, *tpos; /* [nnz]: the graph's lower entry l is val[fpos[l]], val[k] is tval[tpos[k]] */
};

/* PdICGraphCreatePattern into one of a few graphs that may hold former matrices': only the values when
   one has the structure (learned_ic_pattern.c) */
PETSC_INTERN PetscErrorCode PdICGraphUpdate(Mat, PetscInt, PdICOrdering, PetscInt, PdICGraph[], PetscInt *);
/* PdLearnedICFactor into a factor that may hold a former graph's: only the values when it was
   assembled on this graph's structure */
PETSC_INTERN PetscErrorCode PdLearnedICFactorUpdate(NOp, PdTape, PdICGraph, PdICFactor *);
