/* Tests of the line plots (src/io/plot.c): curves land where their data say on linear and log axes,
   NaN/Inf are skipped, the PNG on disk is valid (signature, IHDR size) and holds the rendered pixels. */
#include "pdtest.h"
#include <pdeop/output.h>
#include <png.h>
#include <unistd.h>

/* is there a pixel of colour col within r pixels of (x, y)? */
static int Near(const unsigned char *rgb, const PdPlotFrame *f, int x, int y, int r, const unsigned char col[3])
{
  for (int j = y - r; j <= y + r; j++)
    for (int i = x - r; i <= x + r; i++) {
      if (i < 0 || j < 0 || i >= f->width || j >= f->height) continue;
      if (!memcmp(rgb + 3 * ((size_t)j * f->width + i), col, 3)) return 1;
    }
  return 0;
}

static int CountColour(const unsigned char *rgb, const PdPlotFrame *f, int x0, int y0, int x1, int y1, const unsigned char col[3])
{
  int n = 0;
  for (int j = y0; j <= y1; j++)
    for (int i = x0; i <= x1; i++)
      if (!memcmp(rgb + 3 * ((size_t)j * f->width + i), col, 3)) n++;
  return n;
}

static int PX(const PdPlotFrame *f, double x)
{
  return f->left + (int)lround((x - f->xmin) / (f->xmax - f->xmin) * (double)(f->right - f->left));
}
static int PY(const PdPlotFrame *f, double y)
{
  double v = f->logy ? log10(y) : y;
  return f->bottom - (int)lround((v - f->ymin) / (f->ymax - f->ymin) * (double)(f->bottom - f->top));
}

/* y = x on a small canvas: curve-coloured pixels along the diagonal, none in the far (top-left) corner */
static void test_diagonal(void **state)
{
  double         x[11], yv[11];
  const double  *y[1]     = {yv};
  const char    *names[1] = {"y=x"};
  unsigned char *rgb, col[3];
  PdPlotFrame    f;

  for (int i = 0; i < 11; i++) x[i] = yv[i] = i;
  PDT(PdPlotRender(200, 150, "diagonal", "x", 11, 1, x, y, names, PETSC_FALSE, &rgb, &f));
  assert_int_equal(f.width, 200);
  assert_true(f.left > 0 && f.right < 199 && f.top > 0 && f.bottom < 149 && f.right - f.left > 100 && f.bottom - f.top > 80);
  assert_true(f.xmin <= 0 && f.xmax >= 10 && f.ymin <= 0 && f.ymax >= 10);
  PdPlotColour(0, col);
  for (double t = 0.5; t < 10; t += 1.0) {
    if (!Near(rgb, &f, PX(&f, t), PY(&f, t), 2, col)) fail_msg("no curve pixel near (%g, %g) = pixel (%d, %d)", t, t, PX(&f, t), PY(&f, t));
  }
  /* the top-left corner (x < 3, y > 7) is far from the line and the legend avoids it */
  assert_int_equal(CountColour(rgb, &f, f.left + 1, f.top + 1, PX(&f, 3), PY(&f, 7), col), 0);
  PetscFree(rgb);
}

/* log axis: y = 10^-x; NaN, Inf and non-positive values are skipped, not drawn */
static void test_logy_skips(void **state)
{
  double         x[6] = {0, 1, 2, 3, 4, 5}, y0[6] = {1, 1e-1, NAN, 1e-3, INFINITY, 1e-5}, y1[6] = {NAN, NAN, NAN, 0, -1, NAN};
  const double  *y[2]     = {y0, y1};
  const char    *names[2] = {"decay", "nothing usable"};
  unsigned char *rgb, c0[3], c1[3];
  PdPlotFrame    f;

  PDT(PdPlotRender(320, 240, NULL, NULL, 6, 2, x, y, names, PETSC_TRUE, &rgb, &f));
  assert_true(f.logy);
  PDT_CLOSE(f.ymin, -5, 0);
  PDT_CLOSE(f.ymax, 0, 0);
  PdPlotColour(0, c0);
  PdPlotColour(1, c1);
  assert_true(Near(rgb, &f, PX(&f, 1), PY(&f, 1e-1), 2, c0));
  assert_true(Near(rgb, &f, PX(&f, 3), PY(&f, 1e-3), 2, c0));
  assert_true(Near(rgb, &f, PX(&f, 2), PY(&f, 1e-2), 2, c0)); /* the line joins over the NaN */
  /* the second curve has no usable point; its colour is in the legend's swatch */
  assert_true(CountColour(rgb, &f, f.left + 1, f.top + 1, f.right - 1, f.bottom - 1, c1) > 0);
  PetscFree(rgb);
  /* nothing usable at all: empty axes, no error */
  PDT(PdPlotRender(320, 240, "empty", "epoch", 6, 1, x, y + 1, NULL, PETSC_TRUE, &rgb, &f));
  assert_int_equal(CountColour(rgb, &f, 0, 0, 319, 239, c0), 0);
  PetscFree(rgb);
  PDT(PdPlotRender(320, 240, "none", NULL, 0, 0, NULL, NULL, NULL, PETSC_FALSE, &rgb, NULL));
  PetscFree(rgb);
}

/* the file: PNG signature, IHDR 640x400, and the pixels of PdPlotRender */
static void test_png_file(void **state)
{
  double              x[5] = {1, 2, 3, 4, 5}, a[5] = {1, 0.5, 0.2, 0.1, 0.05}, b[5] = {1.2, 0.7, NAN, 0.2, 0.15};
  const double       *y[2]     = {a, b};
  const char         *names[2] = {"train", "test"};
  unsigned char       head[24], *rgb;
  const unsigned char sig[8] = {137, 80, 78, 71, 13, 10, 26, 10};
  FILE               *fp;
  png_image           img;
  png_bytep           buf;

  remove("plot_curves.png");
  PDT(PdPNGWriteCurves(PETSC_COMM_WORLD, "plot_curves.png", "curves", "epoch", 5, 2, x, y, names, PETSC_TRUE));
  fp = fopen("plot_curves.png", "rb");
  assert_non_null(fp);
  assert_int_equal(fread(head, 1, 24, fp), 24);
  fclose(fp);
  assert_memory_equal(head, sig, 8);
  assert_memory_equal(head + 12, "IHDR", 4);
  assert_int_equal((head[16] << 24) | (head[17] << 16) | (head[18] << 8) | head[19], 640);
  assert_int_equal((head[20] << 24) | (head[21] << 16) | (head[22] << 8) | head[23], 400);
  assert_int_equal(access("plot_curves.png.tmp", F_OK), -1); /* renamed into place */
  memset(&img, 0, sizeof(img));
  img.version = PNG_IMAGE_VERSION;
  assert_true(png_image_begin_read_from_file(&img, "plot_curves.png"));
  img.format = PNG_FORMAT_RGB;
  buf        = malloc(PNG_IMAGE_SIZE(img));
  assert_true(png_image_finish_read(&img, NULL, buf, 0, NULL));
  PDT(PdPlotRender(640, 400, "curves", "epoch", 5, 2, x, y, names, PETSC_TRUE, &rgb, NULL));
  assert_memory_equal(buf, rgb, 640 * 400 * 3);
  free(buf);
  PetscFree(rgb);
  remove("plot_curves.png");
}

static void test_errors(void **state)
{
  double         x[2] = {0, 1}, v[2] = {0, 1};
  const double  *y[1] = {v};
  unsigned char *rgb  = NULL;

  PDT_FAILS(PdPlotRender(20, 20, NULL, NULL, 2, 1, x, y, NULL, PETSC_FALSE, &rgb, NULL));
  PDT_ERRMSG_HAS("at least 64x48");
  PDT_FAILS(PdPNGWriteCurves(PETSC_COMM_WORLD, "no/such/dir/c.png", NULL, NULL, 2, 1, x, y, NULL, PETSC_FALSE));
  PDT_ERRMSG_HAS("no/such/dir/c.png");
}

static const struct CMUnitTest tests[] = {
  cmocka_unit_test(test_diagonal),
  cmocka_unit_test(test_logy_skips),
  cmocka_unit_test(test_png_file),
  cmocka_unit_test(test_errors),
};
PDT_MAIN("plot", tests)
