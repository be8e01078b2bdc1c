/* Line plots rendered into an RGB buffer and written as PNG (training curves): linear or log10 y axis,
   tick labels, legend and title in a built-in 5x7 bitmap font; and heat maps of fields with a title,
   panel labels and colour bars. No plotting library needed. */
#include <pdeop/plot.h>

/* The classic 5x7 font for ASCII 32..126: five columns per glyph, bit k of a column is row k (top = 0). */
/* clang-format off */
static const unsigned char font5x7[95][5] = {
  {0x00, 0x00, 0x00, 0x00, 0x00}, {0x00, 0x00, 0x5F, 0x00, 0x00}, {0x00, 0x07, 0x00, 0x07, 0x00}, {0x14, 0x7F, 0x14, 0x7F, 0x14}, /*  !"# */
  {0x24, 0x2A, 0x7F, 0x2A, 0x12}, {0x23, 0x13, 0x08, 0x64, 0x62}, {0x36, 0x49, 0x55, 0x22, 0x50}, {0x00, 0x05, 0x03, 0x00, 0x00}, /* $%&' */
  {0x00, 0x1C, 0x22, 0x41, 0x00}, {0x00, 0x41, 0x22, 0x1C, 0x00}, {0x08, 0x2A, 0x1C, 0x2A, 0x08}, {0x08, 0x08, 0x3E, 0x08, 0x08}, /* ()*+ */
  {0x00, 0x50, 0x30, 0x00, 0x00}, {0x08, 0x08, 0x08, 0x08, 0x08}, {0x00, 0x60, 0x60, 0x00, 0x00}, {0x20, 0x10, 0x08, 0x04, 0x02}, /* ,-./ */
  {0x3E, 0x51, 0x49, 0x45, 0x3E}, {0x00, 0x42, 0x7F, 0x40, 0x00}, {0x42, 0x61, 0x51, 0x49, 0x46}, {0x21, 0x41, 0x45, 0x4B, 0x31}, /* 0123 */
  {0x18, 0x14, 0x12, 0x7F, 0x10}, {0x27, 0x45, 0x45, 0x45, 0x39}, {0x3C, 0x4A, 0x49, 0x49, 0x30}, {0x01, 0x71, 0x09, 0x05, 0x03}, /* 4567 */
  {0x36, 0x49, 0x49, 0x49, 0x36}, {0x06, 0x49, 0x49, 0x29, 0x1E}, {0x00, 0x36, 0x36, 0x00, 0x00}, {0x00, 0x56, 0x36, 0x00, 0x00}, /* 89:; */
  {0x08, 0x14, 0x22, 0x41, 0x00}, {0x14, 0x14, 0x14, 0x14, 0x14}, {0x00, 0x41, 0x22, 0x14, 0x08}, {0x02, 0x01, 0x51, 0x09, 0x06}, /* <=>? */
  {0x32, 0x49, 0x79, 0x41, 0x3E}, {0x7E, 0x11, 0x11, 0x11, 0x7E}, {0x7F, 0x49, 0x49, 0x49, 0x36}, {0x3E, 0x41, 0x41, 0x41, 0x22}, /* @ABC */
  {0x7F, 0x41, 0x41, 0x22, 0x1C}, {0x7F, 0x49, 0x49, 0x49, 0x41}, {0x7F, 0x09, 0x09, 0x09, 0x01}, {0x3E, 0x41, 0x49, 0x49, 0x7A}, /* DEFG */
  {0x7F, 0x08, 0x08, 0x08, 0x7F}, {0x00, 0x41, 0x7F, 0x41, 0x00}, {0x20, 0x40, 0x41, 0x3F, 0x01}, {0x7F, 0x08, 0x14, 0x22, 0x41}, /* HIJK */
  {0x7F, 0x40, 0x40, 0x40, 0x40}, {0x7F, 0x02, 0x0C, 0x02, 0x7F}, {0x7F, 0x04, 0x08, 0x10, 0x7F}, {0x3E, 0x41, 0x41, 0x41, 0x3E}, /* LMNO */
  {0x7F, 0x09, 0x09, 0x09, 0x06}, {0x3E, 0x41, 0x51, 0x21, 0x5E}, {0x7F, 0x09, 0x19, 0x29, 0x46}, {0x46, 0x49, 0x49, 0x49, 0x31}, /* PQRS */
  {0x01, 0x01, 0x7F, 0x01, 0x01}, {0x3F, 0x40, 0x40, 0x40, 0x3F}, {0x1F, 0x20, 0x40, 0x20, 0x1F}, {0x3F, 0x40, 0x38, 0x40, 0x3F}, /* TUVW */
  {0x63, 0x14, 0x08, 0x14, 0x63}, {0x07, 0x08, 0x70, 0x08, 0x07}, {0x61, 0x51, 0x49, 0x45, 0x43}, {0x00, 0x7F, 0x41, 0x41, 0x00}, /* XYZ[ */
  {0x02, 0x04, 0x08, 0x10, 0x20}, {0x00, 0x41, 0x41, 0x7F, 0x00}, {0x04, 0x02, 0x01, 0x02, 0x04}, {0x40, 0x40, 0x40, 0x40, 0x40}, /* \]^_ */
  {0x00, 0x01, 0x02, 0x04, 0x00}, {0x20, 0x54, 0x54, 0x54, 0x78}, {0x7F, 0x48, 0x44, 0x44, 0x38}, {0x38, 0x44, 0x44, 0x44, 0x20}, /* `abc */
  {0x38, 0x44, 0x44, 0x48, 0x7F}, {0x38, 0x54, 0x54, 0x54, 0x18}, {0x08, 0x7E, 0x09, 0x01, 0x02}, {0x0C, 0x52, 0x52, 0x52, 0x3E}, /* defg */
  {0x7F, 0x08, 0x04, 0x04, 0x78}, {0x00, 0x44, 0x7D, 0x40, 0x00}, {0x20, 0x40, 0x44, 0x3D, 0x00}, {0x7F, 0x10, 0x28, 0x44, 0x00}, /* hijk */
  {0x00, 0x41, 0x7F, 0x40, 0x00}, {0x7C, 0x04, 0x18, 0x04, 0x78}, {0x7C, 0x08, 0x04, 0x04, 0x78}, {0x38, 0x44, 0x44, 0x44, 0x38}, /* lmno */
  {0x7C, 0x14, 0x14, 0x14, 0x08}, {0x08, 0x14, 0x14, 0x18, 0x7C}, {0x7C, 0x08, 0x04, 0x04, 0x08}, {0x48, 0x54, 0x54, 0x54, 0x20}, /* pqrs */
  {0x04, 0x3F, 0x44, 0x40, 0x20}, {0x3C, 0x40, 0x40, 0x20, 0x7C}, {0x1C, 0x20, 0x40, 0x20, 0x1C}, {0x3C, 0x40, 0x30, 0x40, 0x3C}, /* tuvw */
  {0x44, 0x28, 0x10, 0x28, 0x44}, {0x0C, 0x50, 0x50, 0x50, 0x3C}, {0x44, 0x64, 0x54, 0x4C, 0x44}, {0x00, 0x08, 0x36, 0x41, 0x00}, /* xyz{ */
  {0x00, 0x00, 0x7F, 0x00, 0x00}, {0x00, 0x41, 0x36, 0x08, 0x00}, {0x08, 0x04, 0x08, 0x10, 0x08},                                  /* |}~ */
};
/* clang-format on */

/* matplotlib's tab10 */
static const unsigned char tab10[10][3] = {{31, 119, 180}, {255, 127, 14}, {44, 160, 44}, {214, 39, 40}, {148, 103, 189}, {140, 86, 75}, {227, 119, 194}, {127, 127, 127}, {188, 189, 34}, {23, 190, 207}};
static const unsigned char black[3] = {0, 0, 0}, white[3] = {255, 255, 255}, grid[3] = {224, 224, 224}, minor[3] = {242, 242, 242}, frame_grey[3] = {160, 160, 160};

void PdPlotColour(PetscInt c, unsigned char rgb[3])
{
  PetscInt k = c < 0 ? 0 : c % 10;
  for (int i = 0; i < 3; i++) rgb[i] = tab10[k][i];
}

typedef struct {
  unsigned char *rgb;
  int            W, H;
} Canvas;

static void Put(Canvas *c, int x, int y, const unsigned char col[3])
{
  if (x < 0 || y < 0 || x >= c->W || y >= c->H) return;
  memcpy(c->rgb + 3 * ((size_t)y * c->W + x), col, 3);
}

static void Fill(Canvas *c, int x0, int y0, int x1, int y1, const unsigned char col[3])
{
  for (int y = y0; y <= y1; y++)
    for (int x = x0; x <= x1; x++) Put(c, x, y, col);
}

/* Bresenham, each point a thick x thick square; clipped to [cx0, cx1] x [cy0, cy1] */
static void Line(Canvas *c, int x0, int y0, int x1, int y1, int thick, int cx0, int cy0, int cx1, int cy1, const unsigned char col[3])
{
  int dx = abs(x1 - x0), dy = -abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1, err = dx + dy, lo = -(thick - 1) / 2;

  for (;;) {
    for (int j = 0; j < thick; j++)
      for (int i = 0; i < thick; i++) {
        int x = x0 + lo + i, y = y0 + lo + j;
        if (x >= cx0 && x <= cx1 && y >= cy0 && y <= cy1) Put(c, x, y, col);
      }
    if (x0 == x1 && y0 == y1) break;
    int e2 = 2 * err;
    if (e2 >= dy) {
      err += dy;
      x0 += sx;
    }
    if (e2 <= dx) {
      err += dx;
      y0 += sy;
    }
  }
}

static int TextWidth(const char *s, int scale)
{
  int n = (int)strlen(s);
  return n ? n * 6 * scale - scale : 0;
}

/* text with its top-left corner at (x, y); each font pixel a scale x scale square */
static void Text(Canvas *c, int x, int y, const char *s, int scale, const unsigned char col[3])
{
  for (; *s; s++, x += 6 * scale) {
    int ch = (unsigned char)*s;
    if (ch < 32 || ch > 126) ch = '?';
    for (int i = 0; i < 5; i++)
      for (int j = 0; j < 7; j++)
        if (font5x7[ch - 32][i] >> j & 1) Fill(c, x + i * scale, y + j * scale, x + i * scale + scale - 1, y + j * scale + scale - 1, col);
  }
}

/* a 1-2-5 step giving about target intervals over range */
static double NiceStep(double range, int target)
{
  double raw = range / target, p = pow(10.0, floor(log10(raw))), f = raw / p;
  return (f < 1.5 ? 1 : f < 3 ? 2
                      : f < 7 ? 5
                              : 10) *
         p;
}

/* m x 10^d on a log axis: 1e-3, 2e-3, ..., 1, 2, 10, 20, 100, 1e3 */
static void LogLabel(int m, int d, char *buf, size_t n)
{
  if (d >= 0 && d <= 2) snprintf(buf, n, "%d", m * (d == 0 ? 1 : d == 1 ? 10
                                                                        : 100));
  else snprintf(buf, n, "%de%d", m, d);
}

static void TickLabel(double v, double step, PetscBool logy, char *buf, size_t n)
{
  if (logy) LogLabel(1, (int)lround(v), buf, n);
  else {
    if (fabs(v) < 1e-9 * step) v = 0;
    snprintf(buf, n, "%g", v);
  }
}

#define MAXTICKS 32

/* ticks covering [lo, hi] (widened to whole steps); integer x values give integer steps */
static void Ticks(double *lo, double *hi, PetscBool integer, int target, double *t, int *nt)
{
  double step;
  if (!(*hi > *lo)) {
    *lo -= integer ? 1 : (*lo != 0 ? 0.5 * fabs(*lo) : 1);
    *hi += integer ? 1 : (*hi != 0 ? 0.5 * fabs(*hi) : 1);
  }
  step = NiceStep(*hi - *lo, target);
  if (integer && step < 1) step = 1;
  *lo = floor(*lo / step + 1e-9) * step;
  *hi = ceil(*hi / step - 1e-9) * step;
  *nt = 0;
  for (double v = *lo; v <= *hi + 1e-9 * step && *nt < MAXTICKS; v += step) t[(*nt)++] = v;
}

static PetscBool Usable(double y, PetscBool logy)
{
  return (PetscBool)(!PetscIsInfOrNanReal(y) && (!logy || y > 0));
}

/* pixel column and row of a data point in the plotting area */
static int PX(const PdPlotFrame *f, double v) { return (int)f->left + (int)lround((v - f->xmin) / (f->xmax - f->xmin) * (double)(f->right - f->left)); }
static int PY(const PdPlotFrame *f, double v) { return (int)f->bottom - (int)lround((v - f->ymin) / (f->ymax - f->ymin) * (double)(f->bottom - f->top)); }

/* the outline of a rectangle, one pixel wide */
static void Outline(Canvas *c, int x0, int y0, int x1, int y1, const unsigned char col[3])
{
  Line(c, x0, y0, x1, y0, 1, 0, 0, c->W - 1, c->H - 1, col);
  Line(c, x0, y1, x1, y1, 1, 0, 0, c->W - 1, c->H - 1, col);
  Line(c, x0, y0, x0, y1, 1, 0, 0, c->W - 1, c->H - 1, col);
  Line(c, x1, y0, x1, y1, 1, 0, 0, c->W - 1, c->H - 1, col);
}

/* data ranges over the usable points; whether every x is a whole number; PETSC_FALSE if no point is usable */
static PetscBool DataRange(PetscInt npoints, PetscInt ncurves, const double x[], const double *const y[], PetscBool logy, PdPlotFrame *f, PetscBool *integer)
{
  PetscBool any = PETSC_FALSE;

  f->xmin = f->ymin = PETSC_MAX_REAL;
  f->xmax = f->ymax = -PETSC_MAX_REAL;
  *integer          = PETSC_TRUE;
  for (PetscInt i = 0; i < npoints; i++) {
    if (PetscIsInfOrNanReal(x[i])) continue;
    for (PetscInt k = 0; k < ncurves; k++)
      if (Usable(y[k][i], logy)) {
        double v = logy ? log10(y[k][i]) : y[k][i];
        any      = PETSC_TRUE;
        f->xmin  = PetscMin(f->xmin, x[i]);
        f->xmax  = PetscMax(f->xmax, x[i]);
        f->ymin  = PetscMin(f->ymin, v);
        f->ymax  = PetscMax(f->ymax, v);
        if (x[i] != floor(x[i])) *integer = PETSC_FALSE;
      }
  }
  return any;
}

/* y ticks on a log axis: whole decades, at most ~7 labelled; widens [ymin, ymax] to them */
static void LogTicks(PdPlotFrame *f, double yt[], int *nyt)
{
  double lo = floor(f->ymin + 1e-12), hi = ceil(f->ymax - 1e-12), step;
  if (hi <= lo) hi = lo + 1;
  step    = ceil((hi - lo) / 7);
  lo      = floor(lo / step) * step;
  hi      = ceil(hi / step) * step;
  f->ymin = lo;
  f->ymax = hi;
  *nyt    = 0;
  for (double v = lo; v <= hi + 1e-9 && *nyt < MAXTICKS; v += step) yt[(*nyt)++] = v;
}

/* lines between consecutive usable points, a dot at each point when there are few */
static void DrawCurves(Canvas *c, const PdPlotFrame *f, int s, PetscInt npoints, PetscInt ncurves, const double x[], const double *const y[])
{
  const int L = (int)f->left, T = (int)f->top, R = (int)f->right, B = (int)f->bottom;

  for (PetscInt k = 0; k < ncurves; k++) {
    unsigned char col[3];
    int           px = 0, py = 0, have = 0, dots = npoints <= 60;
    PdPlotColour(k, col);
    for (PetscInt i = 0; i < npoints; i++) {
      int qx, qy;
      if (PetscIsInfOrNanReal(x[i]) || !Usable(y[k][i], f->logy)) continue;
      qx = PX(f, x[i]);
      qy = PY(f, f->logy ? log10(y[k][i]) : y[k][i]);
      if (have) Line(c, px, py, qx, qy, s + 1, L, T, R, B, col);
      if (dots || !have) Fill(c, PetscMax(qx - s - 1, L), PetscMax(qy - s - 1, T), PetscMin(qx + s + 1, R), PetscMin(qy + s + 1, B), col);
      px   = qx;
      py   = qy;
      have = 1;
    }
  }
}

/* frame, ticks, tick labels, axis label and title */
static void DrawAxes(Canvas *c, const PdPlotFrame *f, int s, int tick, int ch, const double xt[], int nxt, const double yt[], int nyt, const char title[], const char xlabel[])
{
  const int L = (int)f->left, T = (int)f->top, R = (int)f->right, B = (int)f->bottom;
  char      buf[32];

  Outline(c, L, T, R, B, black);
  for (int t = 0; t < nxt; t++) {
    int X = PX(f, xt[t]);
    Line(c, X, B, X, B + tick, 1, 0, 0, c->W - 1, c->H - 1, black);
    TickLabel(xt[t], nxt > 1 ? xt[1] - xt[0] : 1, PETSC_FALSE, buf, sizeof(buf));
    Text(c, X - TextWidth(buf, s) / 2, B + tick + 3, buf, s, black);
  }
  for (int t = 0; t < nyt; t++) {
    int Y = PY(f, yt[t]);
    Line(c, L - tick, Y, L, Y, 1, 0, 0, c->W - 1, c->H - 1, black);
    TickLabel(yt[t], nyt > 1 ? yt[1] - yt[0] : 1, f->logy, buf, sizeof(buf));
    Text(c, L - tick - 3 - TextWidth(buf, s), Y - 7 * s / 2, buf, s, black);
  }
  if (f->logy && nyt <= 3 && yt[1] - yt[0] == 1) /* at most two decades: label 2 and 5 too */
    for (int t = 0; t + 1 < nyt; t++)
      for (int m = 2; m <= 5; m += 3) {
        int Y = PY(f, yt[t] + log10((double)m));
        Line(c, L - tick / 2, Y, L, Y, 1, 0, 0, c->W - 1, c->H - 1, black);
        LogLabel(m, (int)lround(yt[t]), buf, sizeof(buf));
        Text(c, L - tick - 3 - TextWidth(buf, s), Y - 7 * s / 2, buf, s, black);
      }
  if (xlabel && xlabel[0]) Text(c, (L + R) / 2 - TextWidth(xlabel, s) / 2, B + tick + 3 + ch + 2, xlabel, s, black);
  if (title && title[0]) Text(c, (L + R) / 2 - TextWidth(title, s) / 2, (T - 7 * s) / 2, title, s, black);
}

/* legend in the corner of the plotting area that the curves cross least (top right, bottom right,
   top left, bottom left, in that order of preference) */
static void DrawLegend(Canvas *c, const PdPlotFrame *f, int s, int cw, int ch, PetscInt ncurves, const char *const names[])
{
  int lw = 0, bw, bh, bestcount = -1, bx = 0, by = 0, sw = 5 * cw / 2;

  for (PetscInt k = 0; k < ncurves; k++) lw = PetscMax(lw, TextWidth(names[k] ? names[k] : "", s));
  bw = 3 * s + sw + cw + lw + 3 * s;
  bh = (int)ncurves * (ch + 2 * s) + 4 * s;
  for (int corner = 0; corner < 4; corner++) {
    int x0 = corner < 2 ? (int)f->right - 4 - bw : (int)f->left + 4, y0 = corner % 2 == 0 ? (int)f->top + 4 : (int)f->bottom - 4 - bh, count = 0;
    for (int yy = y0; yy <= y0 + bh; yy++)
      for (int xx = x0; xx <= x0 + bw; xx++) {
        const unsigned char *p = c->rgb + 3 * ((size_t)PetscMax(0, PetscMin(yy, c->H - 1)) * c->W + PetscMax(0, PetscMin(xx, c->W - 1)));
        if (!(p[0] == p[1] && p[1] == p[2])) count++; /* a coloured (curve) pixel */
      }
    if (bestcount < 0 || count < bestcount) {
      bestcount = count;
      bx        = x0;
      by        = y0;
    }
  }
  Fill(c, bx, by, bx + bw, by + bh, white);
  Outline(c, bx, by, bx + bw, by + bh, frame_grey);
  for (PetscInt k = 0; k < ncurves; k++) {
    unsigned char col[3];
    int           ty = by + 2 * s + (int)k * (ch + 2 * s) + s;
    PdPlotColour(k, col);
    Line(c, bx + 3 * s, ty + 7 * s / 2, bx + 3 * s + sw, ty + 7 * s / 2, s + 1, 0, 0, c->W - 1, c->H - 1, col);
    Text(c, bx + 3 * s + sw + cw, ty, names[k] ? names[k] : "", s, black);
  }
}

/*@
  PdPlotRender - render curves y[c][i] against x[i] on a width x height RGB canvas

  Input: width, height, title (or NULL), xlabel (or NULL), npoints, ncurves, x, y, names (or NULL: no
  legend), logy (log10 y axis)
  Output: rgb (PetscMalloc'ed, 3 bytes a pixel, rows top to bottom), frame (or NULL)

  NaN/Inf points, and y <= 0 on a log axis, are skipped; the line joins the neighbouring usable points.
@*/
PetscErrorCode PdPlotRender(PetscInt width, PetscInt height, const char title[], const char xlabel[], PetscInt npoints, PetscInt ncurves, const double x[], const double *const y[], const char *const names[], PetscBool logy, unsigned char **rgb, PdPlotFrame *frame)
{
  Canvas      c;
  PdPlotFrame f;
  const int   s = width >= 480 && height >= 300 ? 2 : 1, cw = 6 * s, ch = 8 * s, tick = 2 + 2 * s;
  double      xt[MAXTICKS], yt[MAXTICKS];
  PetscBool   integer;
  int         nxt, nyt, ylw = 0;
  char        buf[32];

  PetscFunctionBegin;
  PetscCheck(width >= 64 && height >= 48, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "A plot needs at least 64x48 pixels, got %" PetscInt_FMT "x%" PetscInt_FMT, width, height);
  PetscCheck(npoints >= 0 && ncurves >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "Negative number of points or curves");
  f.width  = width;
  f.height = height;
  f.logy   = logy;
  if (!DataRange(npoints, ncurves, x, y, logy, &f, &integer)) { /* empty axes */
    f.xmin  = 0;
    f.xmax  = 1;
    f.ymin  = logy ? -1 : 0;
    f.ymax  = logy ? 0 : 1;
    integer = PETSC_FALSE;
  }
  Ticks(&f.xmin, &f.xmax, integer, 6, xt, &nxt);
  if (logy) LogTicks(&f, yt, &nyt);
  else Ticks(&f.ymin, &f.ymax, PETSC_FALSE, 5, yt, &nyt);

  /* layout: room for the y tick labels on the left, the last x label on the right */
  for (int t = 0; t < nyt; t++) {
    TickLabel(yt[t], nyt > 1 ? yt[1] - yt[0] : 1, logy, buf, sizeof(buf));
    ylw = PetscMax(ylw, TextWidth(buf, s));
    if (logy) {
      LogLabel(5, (int)lround(yt[t]), buf, sizeof(buf));
      ylw = PetscMax(ylw, TextWidth(buf, s));
    }
  }
  TickLabel(xt[nxt - 1], nxt > 1 ? xt[1] - xt[0] : 1, PETSC_FALSE, buf, sizeof(buf));
  f.left   = 4 + ylw + 3 + tick;
  f.right  = width - 1 - PetscMax(8, TextWidth(buf, s) / 2 + 2);
  f.top    = title && title[0] ? 2 * ch : ch;
  f.bottom = height - 1 - (tick + 3 + ch + (xlabel && xlabel[0] ? ch + 2 : 0));
  PetscCheck(f.right - f.left >= 16 && f.bottom - f.top >= 16, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "A %" PetscInt_FMT "x%" PetscInt_FMT " canvas leaves no room for the plot", width, height);

  c.W = (int)width;
  c.H = (int)height;
  PetscCall(PetscMalloc1((size_t)c.W * c.H * 3, &c.rgb));
  memset(c.rgb, 255, (size_t)c.W * c.H * 3);
  /* grid lines: minor ones at 2..9 x 10^k on a log axis, then the major ones */
  if (logy && yt[1] - yt[0] == 1)
    for (int t = 0; t + 1 < nyt; t++)
      for (int m = 2; m <= 9; m++) Line(&c, (int)f.left, PY(&f, yt[t] + log10((double)m)), (int)f.right, PY(&f, yt[t] + log10((double)m)), 1, 0, 0, c.W - 1, c.H - 1, minor);
  for (int t = 0; t < nxt; t++) Line(&c, PX(&f, xt[t]), (int)f.top, PX(&f, xt[t]), (int)f.bottom, 1, 0, 0, c.W - 1, c.H - 1, grid);
  for (int t = 0; t < nyt; t++) Line(&c, (int)f.left, PY(&f, yt[t]), (int)f.right, PY(&f, yt[t]), 1, 0, 0, c.W - 1, c.H - 1, grid);
  DrawCurves(&c, &f, s, npoints, ncurves, x, y);
  DrawAxes(&c, &f, s, tick, ch, xt, nxt, yt, nyt, title, xlabel);
  if (names && ncurves > 0) DrawLegend(&c, &f, s, cw, ch, ncurves, names);
  if (frame) *frame = f;
  *rgb = c.rgb;
  PetscFunctionReturn(0);
}

/*@
  PdPNGWriteCurves - a 640 x 400 line plot of curves y[c][i] against x[i] written as a PNG by rank 0

  Input: comm, file, title (or NULL), xlabel (or NULL), npoints, ncurves, x, y, names (or NULL), logy

  Only rank 0's arrays are read. The file is written to file.tmp and renamed, so it can be rewritten
  while someone looks at it. NaN/Inf points are skipped.
@*/
PetscErrorCode PdPNGWriteCurves(MPI_Comm comm, const char file[], const char title[], const char xlabel[], PetscInt npoints, PetscInt ncurves, const double x[], const double *const y[], const char *const names[], PetscBool logy)
{
  const PetscInt W = 640, H = 400;
  PetscMPIInt    rank;
  unsigned char *rgb = NULL;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) PetscCall(PdPlotRender(W, H, title, xlabel, npoints, ncurves, x, y, names, logy, &rgb, NULL));
  ierr = PdPNGWriteRGB(comm, file, W, H, rgb);
  PetscCall(PetscFree(rgb)); /* also when the write failed */
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- heat maps of fields */

/* one field's finite range (lo = hi = 0 when it has none) */
static void FieldRange(PetscInt n, const double f[], double *lo, double *hi)
{
  *lo = PETSC_MAX_REAL;
  *hi = -PETSC_MAX_REAL;
  for (PetscInt k = 0; k < n; k++)
    if (!PetscIsInfOrNanReal(f[k])) {
      *lo = PetscMin(*lo, f[k]);
      *hi = PetscMax(*hi, f[k]);
    }
  if (*lo > *hi) *lo = *hi = 0;
}

/* a horizontal colour bar at (x, y), w x h, black frame, ticks and values lo, mid, hi under it */
static void ColourBar(Canvas *c, int x, int y, int w, int h, double lo, double hi)
{
  char      b[3][32];
  const int tick = 4;
  int       s;

  for (int i = 0; i < w; i++) {
    unsigned char col[3];
    PdPlotViridis(w > 1 ? (double)i / (w - 1) : 0, col);
    Fill(c, x + i, y, x + i, y + h - 1, col);
  }
  Outline(c, x - 1, y - 1, x + w, y + h, black);
  snprintf(b[0], sizeof(b[0]), "%.3g", lo);
  snprintf(b[1], sizeof(b[1]), "%.3g", 0.5 * (lo + hi));
  snprintf(b[2], sizeof(b[2]), "%.3g", hi);
  s = TextWidth(b[0], 2) + TextWidth(b[2], 2) + 16 <= w ? 2 : 1;
  for (int t = 0; t < 3; t++) {
    const int tx = x + (t * (w - 1)) / 2, lw = TextWidth(b[t], s);
    int       lx = t == 0 ? x : t == 2 ? x + w - lw
                                       : tx - lw / 2;
    if (t == 1 && (lx < x + TextWidth(b[0], s) + 6 * s || lx + lw > x + w - TextWidth(b[2], s) - 6 * s)) continue; /* no room in the middle */
    Fill(c, tx, y + h, tx, y + h + tick - 1, black);
    Text(c, lx, y + h + tick + 2, b[t], s, black);
  }
}

/* The heat maps on a canvas: bare (panels 8 pixels apart, nothing else: PdPNGWriteHeatmaps) or with
   the title, the panel labels and a colour bar under each panel */
static PetscErrorCode RenderFields(PetscBool bare, const char title[], PetscInt npanels, const char *const labels[], PetscInt nx, PetscInt ny, const double *const fields[], Canvas *c)
{
  const int scale = (int)PetscMax(1, (256 + PetscMax(nx, ny) - 1) / PetscMax(nx, ny));
  const int pw = (int)nx * scale, ph = (int)ny * scale, gap = bare ? 8 : 24, margin = bare ? 0 : 12;
  const int titleh = bare || !title || !title[0] ? 0 : 7 * 2 + 10, labelh = bare ? 0 : 7 * 2 + 6, barh = bare ? 0 : 8 + 14 + 4 + 2 + 14;
  const int content = (int)npanels * pw + ((int)npanels - 1) * gap;
  int       x0, y0;

  PetscFunctionBegin;
  c->W = 2 * margin + content;
  if (titleh) c->W = PetscMax(c->W, 2 * margin + TextWidth(title, 2));
  c->H = margin + titleh + labelh + ph + barh + margin;
  x0   = (c->W - content) / 2;
  y0   = margin + titleh + labelh;
  PetscCall(PetscMalloc1((size_t)c->W * c->H * 3, &c->rgb));
  memset(c->rgb, 255, (size_t)c->W * c->H * 3);
  if (titleh) Text(c, (c->W - TextWidth(title, 2)) / 2, margin, title, 2, black);
  for (PetscInt p = 0; p < npanels; p++) {
    const int px0 = x0 + (int)p * (pw + gap);
    double    lo, hi, range;
    FieldRange(nx * ny, fields[p], &lo, &hi);
    range = hi > lo ? hi - lo : 1;
    for (int y = 0; y < ph; y++)
      for (int x = 0; x < pw; x++) {
        const PetscInt j = ny - 1 - y / scale, i = x / scale; /* y up */
        const double   v      = fields[p][j * nx + i];
        unsigned char  col[3] = {255, 255, 255}; /* outside the domain (NaN): white */
        if (!PetscIsInfOrNanReal(v)) PdPlotViridis((v - lo) / range, col);
        Put(c, px0 + x, y0 + y, col);
      }
    if (bare) continue;
    if (labels && labels[p] && labels[p][0]) {
      const int s = TextWidth(labels[p], 2) <= pw ? 2 : 1;
      Text(c, px0 + (pw - TextWidth(labels[p], s)) / 2, y0 - 6 - 7 * s, labels[p], s, black);
    }
    ColourBar(c, px0, y0 + ph + 8, pw, 14, lo, hi);
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteFields(MPI_Comm comm, const char file[], PetscBool bare, const char title[], PetscInt npanels, const char *const labels[], PetscInt nx, PetscInt ny, const double *const fields[])
{
  PetscMPIInt    rank;
  Canvas         c = {NULL, 1, 1};
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCheck(npanels >= 1 && nx >= 1 && ny >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "PNG heat map needs at least one panel of at least 1x1");
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) PetscCall(RenderFields(bare, title, npanels, labels, nx, ny, fields, &c));
  PetscCallMPI(MPI_Bcast(&c.W, 1, MPI_INT, 0, comm));
  PetscCallMPI(MPI_Bcast(&c.H, 1, MPI_INT, 0, comm));
  ierr = PdPNGWriteRGB(comm, file, c.W, c.H, c.rgb);
  PetscCall(PetscFree(c.rgb)); /* also when the write failed */
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

/*@
  PdPNGWriteHeatmaps - write npanels nx-by-ny fields side by side as a PNG (rank 0 writes), each on
  its own viridis scale, scaled up by an integer factor to at least ~256 pixels; nothing else drawn

  Input: comm, file, npanels, nx, ny, fields (value[j*nx + i], j the y index; drawn with y up)
@*/
PetscErrorCode PdPNGWriteHeatmaps(MPI_Comm comm, const char file[], PetscInt npanels, PetscInt nx, PetscInt ny, const double *const fields[])
{
  PetscFunctionBegin;
  PetscCall(WriteFields(comm, file, PETSC_TRUE, NULL, npanels, NULL, nx, ny, fields));
  PetscFunctionReturn(0);
}

/*@
  PdPNGWriteFields - the heat maps of PdPNGWriteHeatmaps with a title (may be NULL), a label over each
  panel (labels may be NULL) and a colour bar under each, its minimum, middle and maximum marked

  Input: comm, file, title, npanels, labels, nx, ny, fields (as PdPNGWriteHeatmaps; rank 0 writes)
@*/
PetscErrorCode PdPNGWriteFields(MPI_Comm comm, const char file[], const char title[], PetscInt npanels, const char *const labels[], PetscInt nx, PetscInt ny, const double *const fields[])
{
  PetscFunctionBegin;
  PetscCall(WriteFields(comm, file, PETSC_FALSE, title, npanels, labels, nx, ny, fields));
  PetscFunctionReturn(0);
}
