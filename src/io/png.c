/* PNG output with libpng: any RGB image (written atomically), and the viridis colour map of the heat
   maps (drawn in plot.c). */
#include <pdeop/plot.h>
#include <png.h>
#include "tmpfile.h"

/* viridis at 9 anchors (matplotlib's), interpolated linearly */
static const unsigned char viridis[9][3] = {{68, 1, 84}, {71, 44, 122}, {59, 81, 139}, {44, 113, 142}, {33, 144, 141}, {39, 173, 129}, {92, 200, 99}, {170, 220, 50}, {253, 231, 37}};

/*@ PdPlotViridis - the viridis colour of t in [0, 1] (clamped; NaN: the colour of 0) @*/
void PdPlotViridis(double t, unsigned char rgb[3])
{
  if (!(t >= 0)) t = 0; /* also NaN */
  if (t > 1) t = 1;
  double s = t * 8;
  int    k = (int)s;
  if (k >= 8) k = 7;
  double f = s - k;
  for (int c = 0; c < 3; c++) rgb[c] = (unsigned char)(viridis[k][c] + f * (viridis[k + 1][c] - viridis[k][c]) + 0.5);
}

/*@
  PdPNGWriteRGB - write a W x H RGB image (3 bytes a pixel, rows top to bottom) as a PNG

  Rank 0 of comm writes (only its rgb is read; other ranks may pass NULL) to file.tmp and renames it
  to file, so a reader never sees a half-written picture. Collective: every rank learns of a failure.
@*/
typedef struct {
  PetscInt             W, H;
  const unsigned char *rgb;
} Image;

/* the image encoded by libpng into f */
static PetscErrorCode FillPNG(FILE *f, void *ctx, int *ok, char msg[], size_t mlen)
{
  const Image *im   = (const Image *)ctx;
  png_structp  png  = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  png_infop    info = png ? png_create_info_struct(png) : NULL;

  PetscFunctionBegin;
  if (!png || !info || setjmp(png_jmpbuf(png))) *ok = 0;
  else {
    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32)im->W, (png_uint_32)im->H, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (PetscInt y = 0; y < im->H; y++) png_write_row(png, (png_const_bytep)(im->rgb + (size_t)y * im->W * 3));
    png_write_end(png, NULL);
  }
  if (png) png_destroy_write_struct(&png, info ? &info : NULL);
  if (!*ok) PetscCall(PetscSNPrintf(msg, mlen, "libpng failed"));
  PetscFunctionReturn(0);
}

PetscErrorCode PdPNGWriteRGB(MPI_Comm comm, const char file[], PetscInt W, PetscInt H, const unsigned char *rgb)
{
  Image im = {W, H, rgb};
  int   ok;
  char  msg[PETSC_MAX_PATH_LEN + 256];

  PetscFunctionBegin;
  PetscCheck(W >= 1 && H >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "A PNG needs at least 1x1 pixels, got %" PetscInt_FMT "x%" PetscInt_FMT, W, H);
  PetscCall(PdTmpFileWriteRoot(comm, file, "wb", FillPNG, &im, &ok, msg, sizeof(msg)));
  PetscCheck(ok, comm, PETSC_ERR_FILE_WRITE, "Cannot write the picture '%s': %s", file, msg);
  PetscFunctionReturn(0);
}
