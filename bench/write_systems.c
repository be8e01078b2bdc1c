/* Writes families of 2D diffusion systems that pdeop does not generate to one PETSc binary file
   (matrix + right-hand side per system, as -ksp_view_mat/-ksp_view_rhs would): 5-point finite
   differences of -div(K grad u) = 1 on an n x n node grid of the unit square, u = 0 on the boundary
   with the Dirichlet rows kept (diagonal only), harmonic face means.
     -kind iid:   K = a, a i.i.d. per node, 12 or 3 with probability 1/2
     -kind aniso: K = a diag(1, eps) or a diag(eps, 1) (the strong direction drawn per system),
                  eps log-uniform in [-eps_min, -eps_max] (1e-3, 1e-1), a = 12 or 3 on random 4x4 blocks
   System s of a seed is the same whatever -count and -first (-first s0 writes s0, s0 + 1, ...).
   Usage: bench_write_systems -kind iid|aniso -n 64 -count 10 -seed 0 [-first 0] [-coupled] -o file.petsc */
#include <pdeop/pdeop.h>
#include <pdeop/systems.h>
#include <pdeop/rng.h>

static PetscBool coupled = PETSC_FALSE; /* -coupled: interior rows keep their boundary neighbours (not symmetric) */
static PetscReal eps_min = 1e-3, eps_max = 1e-1;

static PetscReal Harmonic(PetscReal a, PetscReal b)
{
  return 2 * a * b / (a + b);
}

/* system s of a kind: the coefficient field a[n*n] and the anisotropy (kx, ky) */
static void Coefficients(const char *kind, PetscInt n, PetscInt64 seed, PetscInt s, double a[], double *kx, double *ky)
{
  PdRng rng;
  PdRngSeed(&rng, (uint64_t)seed, (uint64_t)s);
  *kx = *ky = 1;
  if (!strcmp(kind, "iid")) {
    for (PetscInt i = 0; i < n * n; i++) a[i] = PdRngUniform(&rng) < 0.5 ? 12.0 : 3.0;
    return;
  }
  {
    const PetscInt nb  = (n + 3) / 4;
    double         eps = eps_min * pow(eps_max / eps_min, PdRngUniform(&rng)), *blk = (double *)malloc(sizeof(double) * (size_t)(nb * nb));
    if (PdRngUniform(&rng) < 0.5) *ky = eps;
    else *kx = eps;
    for (PetscInt i = 0; i < nb * nb; i++) blk[i] = PdRngUniform(&rng) < 0.5 ? 12.0 : 3.0;
    for (PetscInt j = 0; j < n; j++)
      for (PetscInt i = 0; i < n; i++) a[j * n + i] = blk[(j / 4) * nb + i / 4];
    free(blk);
  }
}

static PetscErrorCode Assemble(PetscInt n, const double a[], double kx, double ky, Mat A, Vec b)
{
  const PetscReal h2 = 1.0 / ((n - 1.0) * (n - 1.0));

  PetscFunctionBegin;
  for (PetscInt j = 0; j < n; j++)
    for (PetscInt i = 0; i < n; i++) {
      PetscInt    row = j * n + i, cols[5], k = 0;
      PetscScalar v[5];
      PetscReal   c = a[row], w, e, s, no;
      if (i == 0 || j == 0 || i == n - 1 || j == n - 1) {
        PetscReal d = 2 * (kx + ky) * c;
        PetscCall(MatSetValues(A, 1, &row, 1, &row, &d, INSERT_VALUES));
        PetscCall(VecSetValue(b, row, 0.0, INSERT_VALUES));
        continue;
      }
      w  = kx * Harmonic(c, a[row - 1]);
      e  = kx * Harmonic(c, a[row + 1]);
      s  = ky * Harmonic(c, a[row - n]);
      no = ky * Harmonic(c, a[row + n]);
      if (j > 1 || coupled) cols[k] = row - n, v[k++] = -s;
      if (i > 1 || coupled) cols[k] = row - 1, v[k++] = -w;
      cols[k] = row, v[k++] = w + e + s + no;
      if (i < n - 2 || coupled) cols[k] = row + 1, v[k++] = -e;
      if (j < n - 2 || coupled) cols[k] = row + n, v[k++] = -no;
      PetscCall(MatSetValues(A, 1, &row, k, cols, v, INSERT_VALUES));
      PetscCall(VecSetValue(b, row, h2, INSERT_VALUES));
    }
  PetscCall(MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY));
  PetscCall(VecAssemblyBegin(b));
  PetscCall(VecAssemblyEnd(b));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  char     kind[16] = "iid", out[PETSC_MAX_PATH_LEN] = "";
  PetscInt n = 64, count = 10, seed = 0, first = 0;
  double  *a;

  PetscCall(PdInitialize(&argc, &argv, NULL, "Writes diffusion systems to a PETSc binary file\n"));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-kind", kind, sizeof(kind), NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-o", out, sizeof(out), NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-n", &n, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-count", &count, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-seed", &seed, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-first", &first, NULL));
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-coupled", &coupled, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-eps_min", &eps_min, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-eps_max", &eps_max, NULL));
  PetscCheck(eps_min > 0 && eps_max >= eps_min, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "Need 0 < -eps_min <= -eps_max");
  PetscCheck(!strcmp(kind, "iid") || !strcmp(kind, "aniso"), PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-kind must be iid or aniso, got %s", kind);
  PetscCheck(n >= 5 && count >= 1 && out[0], PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "Need -n >= 5, -count >= 1 and -o file.petsc");
  PetscCall(PetscMalloc1(n * n, &a));
  for (PetscInt s = first; s < first + count; s++) {
    Mat    A;
    Vec    b;
    double kx, ky;
    Coefficients(kind, n, seed, s, a, &kx, &ky);
    PetscCall(MatCreateSeqAIJ(PETSC_COMM_SELF, n * n, n * n, 5, NULL, &A));
    PetscCall(MatCreateVecs(A, NULL, &b));
    PetscCall(Assemble(n, a, kx, ky, A, b));
    PetscCall(PdSystemFileAppend(out, A, b));
    PetscCall(MatDestroy(&A));
    PetscCall(VecDestroy(&b));
  }
  PetscCall(PetscFree(a));
  PetscCall(PetscFinalize());
  return 0;
}
