/* PNG output with libpng: any RGB image (written atomically), and heat maps of one or more fields side
   by side, each on its own viridis colour scale, scaled up by an integer factor so a coarse grid is
   still visible. For looking, not for reading. */
#include <pdeop/plot.h>
#include <png.h>
#include "tmpfile.h"

/* viridis at 9 anchors (matplotlib's), interpolated linearly */
static const unsigned char viridis[9][3] = {{68, 1, 84}, {71, 44, 122}, {59, 81, 139}, {44, 113, 142}, {33, 144, 141}, {39, 173, 129}, {92, 200, 99}, {170, 220, 50}, {253, 231, 37}};

static void Colour(double t, unsigned char rgb[3])
{
  if (!(t >= 0)) t = 0; /* also NaN */
  if (t > 1) t = 1;
  double   s = t * 8;
  int      k = (int)s;
  if (k >= 8) k = 7;
  double   f = s - k;
  for (int c = 0; c < 3; c++) rgb[c] = (unsigned char)(viridis[k][c] + f * (viridis[k + 1][c] - viridis[k][c]) + 0.5);
}

/*@
  PdPNGWriteRGB - write a W x H RGB image (3 bytes a pixel, rows top to bottom) as a PNG

  Rank 0 of comm writes (only its rgb is read; other ranks may pass NULL) to file.tmp and renames it
  to file, so a reader never sees a half-written picture. Collective: every rank learns of a failure.
@*/
PetscErrorCode PdPNGWriteRGB(MPI_Comm comm, const char file[], PetscInt W, PetscInt H, const unsigned char *rgb)
{
  PetscMPIInt rank;
  int         ok = 1;
  char        msg[PETSC_MAX_PATH_LEN + 256] = "";

  PetscFunctionBegin;
  PetscCheck(W >= 1 && H >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "A PNG needs at least 1x1 pixels, got %" PetscInt_FMT "x%" PetscInt_FMT, W, H);
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) {
    char  tmp[PETSC_MAX_PATH_LEN + 8];
    FILE *f = PdTmpFileOpen(file, tmp, sizeof(tmp), "wb", msg, sizeof(msg));

    if (!f) ok = 0;
    else {
      png_structp png  = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
      png_infop   info = png ? png_create_info_struct(png) : NULL;
      if (!png || !info || setjmp(png_jmpbuf(png))) ok = 0;
      else {
        png_init_io(png, f);
        png_set_IHDR(png, info, (png_uint_32)W, (png_uint_32)H, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
        png_write_info(png, info);
        for (PetscInt y = 0; y < H; y++) png_write_row(png, (png_const_bytep)(rgb + (size_t)y * W * 3));
        png_write_end(png, NULL);
      }
      if (png) png_destroy_write_struct(&png, info ? &info : NULL);
      if (!ok) PetscCall(PetscSNPrintf(msg, sizeof(msg), "libpng failed"));
      ok = PdTmpFileCommit(f, ok, tmp, file, msg, sizeof(msg));
    }
  }
  PetscCallMPI(MPI_Bcast(&ok, 1, MPI_INT, 0, comm));
  PetscCallMPI(MPI_Bcast(msg, (PetscMPIInt)sizeof(msg), MPI_CHAR, 0, comm));
  PetscCheck(ok, comm, PETSC_ERR_FILE_WRITE, "Cannot write the picture '%s': %s", file, msg);
  PetscFunctionReturn(0);
}

/*@
  PdPNGWriteHeatmaps - write npanels nx-by-ny fields side by side as a PNG (rank 0 writes)

  Input: comm, file, npanels, nx, ny, fields (value[j*nx + i], j the y index; drawn with y up)
@*/
PetscErrorCode PdPNGWriteHeatmaps(MPI_Comm comm, const char file[], PetscInt npanels, PetscInt nx, PetscInt ny, const double *const fields[])
{
  PetscMPIInt    rank;
  const int      scale = (int)PetscMax(1, (256 + PetscMax(nx, ny) - 1) / PetscMax(nx, ny));
  const int      gap = 8, pw = (int)nx * scale, ph = (int)ny * scale, W = (int)npanels * pw + ((int)npanels - 1) * gap;
  unsigned char *img = NULL;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCheck(npanels >= 1 && nx >= 1 && ny >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "PNG heat map needs at least one panel of at least 1x1");
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) {
    PetscCall(PetscMalloc1((size_t)W * ph * 3, &img));
    memset(img, 255, (size_t)W * ph * 3);
    for (PetscInt p = 0; p < npanels; p++) {
      double lo = PETSC_MAX_REAL, hi = -PETSC_MAX_REAL;
      for (PetscInt k = 0; k < nx * ny; k++)
        if (!PetscIsInfOrNanReal(fields[p][k])) {
          lo = PetscMin(lo, fields[p][k]);
          hi = PetscMax(hi, fields[p][k]);
        }
      if (!(hi > lo)) hi = lo + 1;
      for (int y = 0; y < ph; y++)
        for (int x = 0; x < pw; x++) {
          PetscInt       j = ny - 1 - y / scale, i = x / scale; /* y up */
          unsigned char *px = img + ((size_t)y * W + (size_t)p * (pw + gap) + x) * 3;
          double v = fields[p][j * nx + i];
          if (PetscIsInfOrNanReal(v)) px[0] = px[1] = px[2] = 255; /* outside the domain: white */
          else Colour((v - lo) / (hi - lo), px);
        }
    }
  }
  ierr = PdPNGWriteRGB(comm, file, W, ph, img);
  PetscCall(PetscFree(img)); /* also when the write failed */
  PetscCall(ierr);
  PetscFunctionReturn(0);
}
