/* Tests of the field pictures: PdPNGWriteFields draws the heat maps of PdPNGWriteHeatmaps with a
   title, panel labels and a colour bar under each panel whose pixels run through the colour map in
   order from the minimum to the maximum. */
#include "pdtest.h"
#include <png.h>

static void ReadPNG(const char *file, png_image *img, png_bytep *buf)
{
  memset(img, 0, sizeof(*img));
  img->version = PNG_IMAGE_VERSION;
  assert_true(png_image_begin_read_from_file(img, file));
  img->format = PNG_FORMAT_RGB;
  *buf        = malloc(PNG_IMAGE_SIZE(*img));
  assert_non_null(*buf);
  assert_true(png_image_finish_read(img, NULL, *buf, 0, NULL));
}

/* the position t in [0, 1] of a colour on the map (-1: not on it) */
static double MapPosition(const unsigned char px[3])
{
  static unsigned char map[1001][3];
  static int           have = 0;
  int                  best = -1, bd = 1 << 30;
  for (; have <= 1000; have++) PdPlotViridis(have / 1000.0, map[have]);
  for (int k = 0; k <= 1000; k++) {
    const unsigned char *c = map[k];
    int                  d = 0;
    for (int i = 0; i < 3; i++) d += (c[i] - px[i]) * (c[i] - px[i]);
    if (d < bd) bd = d, best = k;
  }
  return bd <= 12 ? best / 1000.0 : -1;
}

static void test_fields_picture(void **state)
{
  double        a[12 * 9], b[12 * 9];
  const double *f[2]      = {a, b};
  const char   *labels[2] = {"u", "error"};
  png_image     bare, pic;
  png_bytep     bb, pb;
  int           bars = 0, dark = 0;

  for (int j = 0; j < 9; j++) /* fields constant along x: a heat-map row is one colour */
    for (int i = 0; i < 12; i++) a[j * 12 + i] = j, b[j * 12 + i] = -0.001 * j * j;
  PDT(PdPNGWriteHeatmaps(PETSC_COMM_SELF, "pictures_bare.png", 2, 12, 9, f));
  PDT(PdPNGWriteFields(PETSC_COMM_SELF, "pictures_fields.png", "u and error on the 12 x 9 grid", 2, labels, 12, 9, f));
  ReadPNG("pictures_bare.png", &bare, &bb);
  ReadPNG("pictures_fields.png", &pic, &pb);
  /* scale ceil(256/12) = 22: bare panels 264 x 198, 8 apart; the picture adds margins, title, labels, bars */
  assert_int_equal(bare.width, 2 * 264 + 8);
  assert_int_equal(bare.height, 198);
  assert_true(pic.width >= bare.width + 24);
  assert_true(pic.height >= bare.height + 60);
  for (png_uint_32 y = 0; y < 30; y++) /* the title: dark pixels in the top band */
    for (png_uint_32 x = 0; x < pic.width; x++) dark += pb[3 * (y * pic.width + x)] < 64 && pb[3 * (y * pic.width + x) + 1] < 64;
  assert_true(dark > 50);
  /* the colour bars: rows with a run of map colours going from ~0 to ~1 without turning back */
  for (png_uint_32 y = 0; y < pic.height; y++) {
    int runs = 0;
    for (png_uint_32 x = 0; x < pic.width;) {
      double      t0 = MapPosition(pb + 3 * (y * pic.width + x)), last = t0, t;
      png_uint_32 x1   = x + 1;
      int         mono = 1;
      if (t0 < 0) {
        x++;
        continue;
      }
      for (; x1 < pic.width && (t = MapPosition(pb + 3 * (y * pic.width + x1))) >= 0; x1++) {
        mono = mono && t >= last - 1e-9;
        last = t;
      }
      if (x1 - x >= 200 && t0 < 0.02 && last > 0.98 && mono) runs++;
      x = x1;
    }
    bars += runs == 2;
  }
  assert_true(bars >= 10); /* both bars, 14 pixels high */
  free(bb);
  free(pb);
  PDT_FAILS(PdPNGWriteFields(PETSC_COMM_SELF, "nodir/x.png", NULL, 1, NULL, 12, 9, f));
  PDT_ERRMSG_HAS("nodir/x.png");
}

static const struct CMUnitTest tests[] = {cmocka_unit_test(test_fields_picture)};
PDT_MAIN("field_pictures", tests)
