/* Pictures from the engine (src/io/png.c, src/io/plot.c): PNG heat maps and RGB images (libpng) and
   line plots such as training curves, drawn without a plotting library. */
#pragma once
#include <petscsys.h>

/* Heat maps of npanels arrays of nx x ny values (value[j*nx+i], j the y index, drawn with y up),
   side by side, each with its own colour scale (viridis), scaled up to at least ~256 pixels.
   Written by rank 0 of comm; the arrays must be complete on rank 0. */
PETSC_EXTERN PetscErrorCode PdPNGWriteHeatmaps(MPI_Comm, const char[], PetscInt, PetscInt, PetscInt, const double *const[]);
/* The same heat maps as a picture to read: a title on top (may be NULL), a label over each panel
   (labels may be NULL), and under each panel a colour bar with its minimum, middle and maximum values.
   Arguments: comm, file, title, npanels, labels, nx, ny, fields. */
PETSC_EXTERN PetscErrorCode PdPNGWriteFields(MPI_Comm, const char[], const char[], PetscInt, const char *const[], PetscInt, PetscInt, const double *const[]);
/* The colour of t in [0, 1] on the heat maps' scale (viridis; clamped, NaN as 0) */
PETSC_EXTERN void PdPlotViridis(double, unsigned char[3]);

/* A W x H RGB image (3 bytes a pixel, rows top to bottom) as a PNG. Rank 0 writes (other ranks may
   pass NULL) to file.tmp and renames it, so a reader never sees a partial picture. */
PETSC_EXTERN PetscErrorCode PdPNGWriteRGB(MPI_Comm, const char[], PetscInt, PetscInt, const unsigned char *);

/* Line plots. The pixel rectangle of the plotting area and the data range it shows:
   x in [xmin, xmax] maps to columns [left, right], y (log10 y on a log axis) in [ymin, ymax] to rows
   [bottom, top] (rows grow downwards). */
typedef struct {
  PetscInt  width, height;
  PetscInt  left, top, right, bottom;
  double    xmin, xmax, ymin, ymax;
  PetscBool logy;
} PdPlotFrame;
/* Colour of curve c (matplotlib's tab10 cycle). */
PETSC_EXTERN void PdPlotColour(PetscInt, unsigned char[3]);
/* Render ncurves curves y[c][i] against x[i] (i < npoints) on a width x height RGB canvas (PetscMalloc'ed,
   the caller frees it): axes with tick labels, y on a log10 axis if logy, a legend when names is not
   NULL, a title and an x-axis label (either may be NULL). NaN/Inf points (and y <= 0 on a log axis) are
   skipped. frame (may be NULL) receives the plotting area. */
PETSC_EXTERN PetscErrorCode PdPlotRender(PetscInt, PetscInt, const char[], const char[], PetscInt, PetscInt, const double[], const double *const[], const char *const[], PetscBool, unsigned char **, PdPlotFrame *);
/* The same plot at 640 x 400 written as a PNG by rank 0 of comm (its arrays must be complete). */
PETSC_EXTERN PetscErrorCode PdPNGWriteCurves(MPI_Comm, const char[], const char[], const char[], PetscInt, PetscInt, const double[], const double *const[], const char *const[], PetscBool);
