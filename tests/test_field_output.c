/* Tests of the mesh field output: PdPlexWriteVTU writes the vertices, the cells in VTK's types and
   a P1 field under its Vec's name, value by value (here on a 3D box of hexahedra: Q1). */
#include "pdtest.h"
#include <pdeop/output.h>
#include <petscdmplex.h>
#include <petscfe.h>

static PetscErrorCode Linear(PetscInt dim, PetscReal t, const PetscReal x[], PetscInt Nc, PetscScalar *u, void *ctx)
{
  u[0] = x[0] + 2 * x[1] + 3 * x[2];
  return 0;
}

static void test_vtu_hexahedra(void **state)
{
  DM        dm;
  PetscFE   fe;
  Vec       f;
  PetscInt  faces[3]                                                                                  = {2, 2, 2}, cStart, cEnd, vStart, vEnd;
  PetscBool bc                                                                                        = PETSC_FALSE;
  PetscErrorCode (*funcs[1])(PetscInt, PetscReal, const PetscReal[], PetscInt, PetscScalar *, void *) = {Linear};
  FILE  *fp;
  char   line[256];
  int    section = 0, npts = 0, nval = 0, nhex = 0, bad = 0;
  double xyz[64][3];

  PDT(DMPlexCreateBoxMesh(PETSC_COMM_SELF, 3, PETSC_FALSE, faces, NULL, NULL, NULL, PETSC_TRUE, &dm));
  PDT(PetscFECreateLagrange(PETSC_COMM_SELF, 3, 1, PETSC_FALSE, 1, PETSC_DETERMINE, &fe));
  PDT(DMSetField(dm, 0, NULL, (PetscObject)fe));
  PDT(DMCreateDS(dm));
  PDT(PetscFEDestroy(&fe));
  PDT(DMCreateGlobalVector(dm, &f));
  PDT(PetscObjectSetName((PetscObject)f, "f"));
  PDT(DMProjectFunction(dm, 0.0, funcs, NULL, INSERT_ALL_VALUES, f));
  PDT(PdPlexWriteVTU(dm, "field_output_test.vtu", 1, &f, &bc));
  PDT(DMPlexGetHeightStratum(dm, 0, &cStart, &cEnd));
  PDT(DMPlexGetDepthStratum(dm, 0, &vStart, &vEnd));
  fp = fopen("field_output_test.vtu", "r");
  assert_non_null(fp);
  while (fgets(line, sizeof(line), fp)) { /* sections: 1 points, 2 types, 3 the field */
    if (strstr(line, "</DataArray>")) section = 0;
    else if (strstr(line, "NumberOfComponents=\"3\"")) section = 1;
    else if (strstr(line, "Name=\"types\"")) section = 2;
    else if (strstr(line, "Name=\"f\"")) section = 3;
    else if (section == 1 && npts < 64) {
      assert_int_equal(sscanf(line, "%lf %lf %lf", &xyz[npts][0], &xyz[npts][1], &xyz[npts][2]), 3);
      npts++;
    } else if (section == 2) nhex += atoi(line) == 12;
    else if (section == 3 && nval < npts) {
      double v = atof(line), w = xyz[nval][0] + 2 * xyz[nval][1] + 3 * xyz[nval][2];
      bad += fabs(v - w) > 1e-12;
      nval++;
    }
  }
  fclose(fp);
  assert_int_equal(npts, vEnd - vStart);
  assert_int_equal(npts, 27);
  assert_int_equal(nhex, cEnd - cStart);
  assert_int_equal(nval, npts);
  assert_int_equal(bad, 0);
  PDT(VecDestroy(&f));
  PDT(DMDestroy(&dm));
}

static const struct CMUnitTest tests[] = {cmocka_unit_test(test_vtu_hexahedra)};
PDT_MAIN("field_output", tests)
