/* Tests of the files: flat JSON reports, HDF5 datasets and checkpoints round-tripped exactly, and
   every malformed input (missing file, not HDF5, missing or mistyped or misshapen datasets, NaN/Inf)
   rejected with a message that names the file and the problem. */
#include "pdtest.h"
#include "pdtest_hdf5.h"
#include <unistd.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

static void test_dict_json(void **state)
{
  PdDict      d;
  const char *s;
  PetscInt64  i;
  double      r;
  PetscBool   b;
  char        buf[512] = "";
  FILE       *f;
  PDT(PdDictCreate(&d));
  PDT(PdDictSetString(d, "name", "a \"quoted\"\\path\n"));
  PDT(PdDictSetInt(d, "n", 42));
  PDT(PdDictSetReal(d, "x", 0.25));
  PDT(PdDictSetBool(d, "ok", PETSC_TRUE));
  PDT(PdDictSetReal(d, "bad", NAN));
  PDT(PdDictSetInt(d, "n", 7)); /* replaces, keeps its place */
  PDT(PdDictGetString(d, "name", &s));
  assert_string_equal(s, "a \"quoted\"\\path\n");
  PDT(PdDictGetInt(d, "n", &i));
  assert_int_equal(i, 7);
  PDT(PdDictGetReal(d, "n", &r)); /* integers read as reals */
  PDT_CLOSE(r, 7, 0);
  PDT(PdDictGetBool(d, "ok", &b));
  assert_true(b);
  PDT_FAILS(PdDictGetInt(d, "x", &i));
  PDT_ERRMSG_HAS("not an integer");
  PDT_FAILS(PdDictGetString(d, "missing", &s));
  PDT_ERRMSG_HAS("missing");
  PDT(PdDictWriteJSON(d, PETSC_COMM_SELF, "io_dict.json"));
  f = fopen("io_dict.json", "r");
  assert_non_null(f);
  size_t n = fread(buf, 1, sizeof(buf) - 1, f);
  buf[n]   = 0;
  fclose(f);
  assert_string_equal(buf, "{\n  \"name\": \"a \\\"quoted\\\"\\\\path\\n\",\n  \"n\": 7,\n  \"x\": 0.25,\n  \"ok\": true,\n  \"bad\": null\n}\n");
  PDT_FAILS(PdDictWriteJSON(d, PETSC_COMM_SELF, "no/such/dir/r.json"));
  PDT_ERRMSG_HAS("no/such/dir/r.json");
  PDT(PdDictDestroy(&d));
}

static long FileSize(const char *file)
{
  struct stat st;
  assert_int_equal(stat(file, &st), 0);
  return (long)st.st_size;
}

/* the chunk of a file's /inputs [N, C, n] */
static void InputsChunk(const char *file, hsize_t chunk[3])
{
  hid_t f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT), d = H5Dopen2(f, "inputs", H5P_DEFAULT), pl = H5Dget_create_plist(d);
  assert_int_equal(H5Pget_chunk(pl, 3, chunk), 3);
  H5Pclose(pl);
  H5Dclose(d);
  H5Fclose(f);
}

static void MakeDataset(PdDataset *ds, PetscInt N)
{
  PDT(PdtDatasetAlloc(N, 3, (PetscInt[]){1, 3, 2}, 2, (PetscInt[]){2, 5}, ds));
  for (PetscInt i = 0; i < N * 6; i++) ds->inputs[i] = 0.5f * (float)i - 1.0f;
  for (PetscInt i = 0; i < N * 10; i++) ds->outputs[i] = (float)i / 7.0f;
  PdDictCreate(&ds->attrs);
  PdDictSetString(ds->attrs, "pde", "darcy");
  PdDictSetInt(ds->attrs, "seed", 9);
  PdDictSetReal(ds->attrs, "alpha", 2.5);
  PdDictSetBool(ds->attrs, "normalised", PETSC_FALSE);
}

static void test_dataset_roundtrip(void **state)
{
  PdDataset   a, b;
  const char *s;
  PetscInt64  seed;
  double      alpha;
  PetscBool   norm;
  MakeDataset(&a, 4);
  PDT(PdDatasetWrite(PETSC_COMM_SELF, "io_ds.h5", &a));
  assert_int_equal(access("io_ds.h5.tmp", F_OK), -1); /* renamed into place */
  PDT(PdDatasetRead(PETSC_COMM_SELF, "io_ds.h5", PETSC_TRUE, &b));
  assert_int_equal(b.N, 4);
  assert_int_equal(b.in_ndim, 4);
  assert_int_equal(b.out_shape[2], 5);
  assert_int_equal(b.in_size, 6);
  for (PetscInt i = 0; i < 24; i++) assert_true(a.inputs[i] == b.inputs[i]);
  for (PetscInt i = 0; i < 40; i++) assert_true(a.outputs[i] == b.outputs[i]);
  PDT(PdDictGetString(b.attrs, "pde", &s));
  assert_string_equal(s, "darcy");
  PDT(PdDictGetInt(b.attrs, "seed", &seed));
  assert_int_equal(seed, 9);
  PDT(PdDictGetReal(b.attrs, "alpha", &alpha));
  PDT_CLOSE(alpha, 2.5, 0);
  PDT(PdDictGetBool(b.attrs, "normalised", &norm));
  assert_false(norm);
  PDT(PdDatasetFree(&b));
  /* a failing write (missing directory) leaves the existing file untouched and no .tmp */
  PDT_FAILS(PdDatasetWrite(PETSC_COMM_SELF, "nodir/io_ds.h5", &a));
  PDT_ERRMSG_HAS("nodir/io_ds.h5");
  a.N = 0;
  PDT_FAILS(PdDatasetWrite(PETSC_COMM_SELF, "io_ds.h5", &a));
  PDT_ERRMSG_HAS("no samples");
  PDT(PdDatasetRead(PETSC_COMM_SELF, "io_ds.h5", PETSC_TRUE, &b));
  assert_int_equal(b.N, 4);
  PDT(PdDatasetFree(&b));
  PDT(PdDatasetFree(&a));
}

/* write one dataset of the given HDF5 type and shape */
static void RawFile(const char *file, const char *name, hid_t type, int nd, const hsize_t *dims, const void *data, const char *name2, int nd2, const hsize_t *dims2, const void *data2)
{
  hid_t f  = H5Fcreate(file, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  hid_t sp = H5Screate_simple(nd, dims, NULL), ds = H5Dcreate2(f, name, type, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dwrite(ds, type == H5T_IEEE_F32LE ? H5T_NATIVE_FLOAT : type == H5T_IEEE_F64LE ? H5T_NATIVE_DOUBLE
                                                                                  : H5T_NATIVE_INT,
           H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
  H5Dclose(ds);
  H5Sclose(sp);
  if (name2) {
    sp = H5Screate_simple(nd2, dims2, NULL);
    ds = H5Dcreate2(f, name2, H5T_IEEE_F32LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, data2);
    H5Dclose(ds);
    H5Sclose(sp);
  }
  H5Fclose(f);
}

static void test_bad_datasets(void **state)
{
  PdDataset ds;
  float     good[24], nan[24], inf[24], huge[24];
  double    dbl[24];
  int       ints[24];
  hsize_t   d2[2] = {4, 6}, d1[1] = {24}, d3[2] = {3, 8};
  FILE     *f;
  for (int i = 0; i < 24; i++) {
    good[i] = nan[i] = inf[i] = huge[i] = (float)i;
    dbl[i]                              = i;
    ints[i]                             = i;
  }
  nan[13] = NAN;
  inf[5]  = INFINITY;
  huge[7] = -3e38f; /* finite, but its square overflows: the normalisation became Inf, the loss 0 */
  PDT_FAILS(PdDatasetRead(PETSC_COMM_SELF, "io_missing.h5", PETSC_TRUE, &ds));
  PDT_ERRMSG_HAS("io_missing.h5");
  PDT_ERRMSG_HAS("no such file");
  PDT_FAILS(PdDatasetRead(PETSC_COMM_SELF, ".", PETSC_TRUE, &ds)); /* a directory, a device: said as such */
  PDT_ERRMSG_HAS("Cannot open '.': it is a directory");
  PDT_FAILS(PdDatasetRead(PETSC_COMM_SELF, "/dev/null", PETSC_TRUE, &ds));
  PDT_ERRMSG_HAS("Cannot open '/dev/null': not a regular file");
  f = fopen("io_text.h5", "w");
  fputs("this is not HDF5\n", f);
  fclose(f);
  PDT_FAILS(PdDatasetRead(PETSC_COMM_SELF, "io_text.h5", PETSC_TRUE, &ds));
  PDT_ERRMSG_HAS("not an HDF5 file");
  RawFile("io_noout.h5", "inputs", H5T_IEEE_F32LE, 2, d2, good, NULL, 0, NULL, NULL);
  PDT_FAILS(PdDatasetRead(PETSC_COMM_SELF, "io_noout.h5", PETSC_TRUE, &ds));
  PDT_ERRMSG_HAS("no dataset /outputs");
  PDT(PdDatasetRead(PETSC_COMM_SELF, "io_noout.h5", PETSC_FALSE, &ds)); /* fine for prediction */
  assert_null(ds.outputs);
  PDT(PdDatasetFree(&ds));
  {
    /* each file: /inputs of the type and shape, /outputs float32; the error names msg and msg2 */
    const struct {
      const char *file;
      hid_t       type;
      int         nd;
      hsize_t    *dims;
      const void *in;
      hsize_t    *dims2;
      const void *out;
      const char *msg, *msg2;
    } cases[] = {
      {"io_rank.h5", H5T_IEEE_F32LE, 1, d1, good, d2, good, "rank 1", NULL},
      {"io_f64.h5", H5T_IEEE_F64LE, 2, d2, dbl, d2, good, "float64", "io_f64.h5"},
      {"io_int.h5", H5T_STD_I32LE, 2, d2, ints, d2, good, "integers", NULL},
      {"io_nan.h5", H5T_IEEE_F32LE, 2, d2, nan, d2, good, "NaN at flat index 13", NULL},
      {"io_inf.h5", H5T_IEEE_F32LE, 2, d2, good, d2, inf, "Inf", "/outputs"},
      {"io_huge.h5", H5T_IEEE_F32LE, 2, d2, good, d2, huge, "holds -3e+38 at flat index 7", "rescale the data"},
      {"io_n.h5", H5T_IEEE_F32LE, 2, d2, good, d3, good, "4 samples but /outputs has 3", NULL},
    };
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
      RawFile(cases[k].file, "inputs", cases[k].type, cases[k].nd, cases[k].dims, cases[k].in, "outputs", 2, cases[k].dims2, cases[k].out);
      PDT_FAILS(PdDatasetRead(PETSC_COMM_SELF, cases[k].file, PETSC_TRUE, &ds));
      PDT_ERRMSG_HAS(cases[k].msg);
      if (cases[k].msg2) PDT_ERRMSG_HAS(cases[k].msg2);
    }
  }
}

static PetscErrorCode MakeParams(PetscInt wide, PdParams *p)
{
  PetscInt s1[2] = {3, wide}, s2[1] = {5};
  PdTensor t;
  PdRng    rng;
  PetscFunctionBegin;
  PetscCall(PdParamsCreate(PETSC_COMM_SELF, p));
  PetscCall(PdParamsAdd(*p, "layer0.weight", 2, s1, PD_INIT_NORMAL, 1.0f, &t));
  PetscCall(PdParamsAdd(*p, "block/bias", 1, s2, PD_INIT_UNIFORM, 1.0f, &t));
  PetscCall(PdRngSeed(&rng, wide, 0));
  PetscCall(PdParamsSetUp(*p, &rng));
  PetscFunctionReturn(0);
}

static void test_checkpoint_roundtrip(void **state)
{
  PdParams    a, b, c;
  PdOptim     oa, ob;
  PdDict      meta, back;
  float      *da, *db, *ga, *ma, *va, *mb, *vb;
  PetscInt    nbuf, epoch;
  PetscInt64  step;
  const char *s;
  PDT(MakeParams(4, &a));
  PDT(PdOptimCreate(a, &oa));
  PDT(PdParamsGetArrays(a, &da, &ga));
  PDT(PdParamsGetBufferSize(a, &nbuf));
  for (int k = 0; k < 3; k++) { /* a few Adam steps give non-trivial moments */
    for (PetscInt j = 0; j < 2; j++) {
      PdTensor t;
      PDT(PdParamsGetTensor(a, j, &t));
      for (PetscInt i = 0; i < t->size; i++) t->grad[i] = (float)sin(i + j + k);
    }
    PDT(PdOptimStep(oa, NULL));
  }
  PDT(PdDictCreate(&meta));
  PDT(PdDictSetString(meta, "model", "mlp"));
  PDT(PdDictSetInt(meta, "mlp_width", 4));
  PDT(PdCheckpointWrite(PETSC_COMM_SELF, "io_ckpt.h5", meta, a, oa, 12));
  PDT(PdCheckpointReadMeta(PETSC_COMM_SELF, "io_ckpt.h5", &back, &epoch));
  assert_int_equal(epoch, 12);
  PDT(PdDictGetString(back, "model", &s));
  assert_string_equal(s, "mlp");
  PDT(PdDictDestroy(&back));
  PDT(MakeParams(4, &b));
  PDT(PdParamsGetArrays(b, &db, NULL));
  for (PetscInt i = 0; i < nbuf; i++) db[i] = 0;
  PDT(PdOptimCreate(b, &ob));
  PDT(PdCheckpointLoad(PETSC_COMM_SELF, "io_ckpt.h5", b, ob));
  for (PetscInt i = 0; i < nbuf; i++) assert_true(da[i] == db[i]); /* padding is zero in both */
  PDT(PdOptimGetState(oa, &step, &ma, &va));
  PDT(PdOptimGetState(ob, &step, &mb, &vb));
  assert_int_equal(step, 3);
  for (PetscInt i = 0; i < nbuf; i++) assert_true(ma[i] == mb[i] && va[i] == vb[i]);
  /* a model of another shape is refused with the parameter's name and both shapes */
  PDT(MakeParams(6, &c));
  PDT_FAILS(PdCheckpointLoad(PETSC_COMM_SELF, "io_ckpt.h5", c, NULL));
  PDT_ERRMSG_HAS("layer0.weight");
  PDT_ERRMSG_HAS("[3,4]");
  PDT_ERRMSG_HAS("[3,6]");
  PDT(PdParamsDestroy(&c));
  /* a checkpoint without a parameter the model has */
  {
    PdParams d;
    PetscInt s[1] = {2};
    PdTensor t;
    PdRng    rng;
    PDT(PdParamsCreate(PETSC_COMM_SELF, &d));
    PDT(PdParamsAdd(d, "other", 1, s, PD_INIT_ZERO, 0, &t));
    PDT(PdRngSeed(&rng, 1, 0));
    PDT(PdParamsSetUp(d, &rng));
    PDT_FAILS(PdCheckpointLoad(PETSC_COMM_SELF, "io_ckpt.h5", d, NULL));
    PDT_ERRMSG_HAS("no parameter other");
    PDT(PdParamsDestroy(&d));
  }
  /* float64 arrays beside the parameters come back bit for bit; a wrong length or name is an error */
  {
    double            x[5] = {1.0 / 3, -2e300, 0, 5e-310, 7}, y[5] = {0};
    PdCheckpointArray arr = {"c", 5, x};
    PDT(PdCheckpointWriteArrays(PETSC_COMM_SELF, "io_ckpt3.h5", meta, a, oa, 4, NULL, 1, &arr));
    PDT(PdCheckpointReadArray(PETSC_COMM_SELF, "io_ckpt3.h5", "c", 5, y));
    assert_memory_equal(x, y, sizeof(x));
    PDT_FAILS(PdCheckpointReadArray(PETSC_COMM_SELF, "io_ckpt3.h5", "c", 4, y));
    PDT_ERRMSG_HAS("should hold 4");
    PDT_FAILS(PdCheckpointReadArray(PETSC_COMM_SELF, "io_ckpt3.h5", "d", 5, y));
    PDT_ERRMSG_HAS("no dataset d");
    PDT(PdCheckpointLoad(PETSC_COMM_SELF, "io_ckpt3.h5", b, ob)); /* still an ordinary checkpoint */
  }
  /* without optimizer state, resuming is refused */
  PDT(PdCheckpointWrite(PETSC_COMM_SELF, "io_ckpt2.h5", meta, a, NULL, 1));
  PDT_FAILS(PdCheckpointLoad(PETSC_COMM_SELF, "io_ckpt2.h5", b, ob));
  PDT_ERRMSG_HAS("no optimizer state");
  PDT_FAILS(PdCheckpointReadMeta(PETSC_COMM_SELF, "io_ds.h5", &back, &epoch));
  PDT_ERRMSG_HAS("not a pdeop checkpoint");
  PDT(PdDictDestroy(&meta));
  PDT(PdOptimDestroy(&oa));
  PDT(PdOptimDestroy(&ob));
  PDT(PdParamsDestroy(&a));
  PDT(PdParamsDestroy(&b));
}

/* Hostile checkpoints: each is one clear error, never a read past a buffer or a silent wrong model. */
static void test_checkpoint_hostile(void **state)
{
  PdParams a, b;
  PdOptim  sgd, adam, sgd2;
  PdDict   meta, back;
  float   *da, *ga, *ma, *mb;
  PetscInt nbuf, epoch;
  PDT(MakeParams(4, &a));
  PDT(PdParamsGetArrays(a, &da, &ga));
  PDT(PdParamsGetBufferSize(a, &nbuf));
  PDT(PdOptimCreate(a, &sgd));
  PDT(PdOptimSetType(sgd, PD_OPTIM_SGD));
  PDT(PdOptimSetMomentum(sgd, 0.9));
  for (int k = 0; k < 2; k++) {
    for (PetscInt i = 0; i < nbuf; i++) ga[i] = (float)cos(i + k);
    PDT(PdOptimStep(sgd, NULL));
  }
  PDT(PdDictCreate(&meta));
  PDT(PdDictSetString(meta, "model", "mlp"));
  PDT(PdCheckpointWrite(PETSC_COMM_SELF, "io_sgd.h5", meta, a, sgd, 2));
  /* an SGD checkpoint resumes with SGD (momentum buffer restored exactly) ... */
  PDT(MakeParams(4, &b));
  PDT(PdOptimCreate(b, &sgd2));
  PDT(PdOptimSetType(sgd2, PD_OPTIM_SGD));
  PDT(PdCheckpointLoad(PETSC_COMM_SELF, "io_sgd.h5", b, sgd2));
  PDT(PdOptimGetState(sgd, NULL, &ma, NULL));
  PDT(PdOptimGetState(sgd2, NULL, &mb, NULL));
  for (PetscInt i = 0; i < nbuf; i++) assert_true(ma[i] == mb[i]);
  /* ... but not with Adam, which needs a second moment the file does not have */
  PDT(PdOptimCreate(b, &adam));
  PDT_FAILS(PdCheckpointLoad(PETSC_COMM_SELF, "io_sgd.h5", b, adam));
  PDT_ERRMSG_HAS("/optim/v");
  PDT_ERRMSG_HAS("another optimizer");
  /* /optim/m shorter than the parameters */
  {
    hid_t   f    = H5Fopen("io_sgd.h5", H5F_ACC_RDWR, H5P_DEFAULT), sp, ds;
    hsize_t n    = 3;
    float   z[3] = {0, 0, 0};
    assert_true(f >= 0);
    H5Ldelete(f, "/optim/m", H5P_DEFAULT);
    sp = H5Screate_simple(1, &n, NULL);
    ds = H5Dcreate2(f, "/optim/m", H5T_IEEE_F32LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, z);
    H5Dclose(ds);
    H5Sclose(sp);
    H5Fclose(f);
  }
  PDT_FAILS(PdCheckpointLoad(PETSC_COMM_SELF, "io_sgd.h5", b, sgd2));
  PDT_ERRMSG_HAS("/optim/m has 3 entries");
  /* the epoch and the format are checked */
  {
    const long long bad[2] = {-1000000, (long long)1 << 62};
    for (int k = 0; k < 3; k++) {
      if (k < 2) PdtH5SetAttr("io_sgd.h5", "/", "epoch", H5T_NATIVE_LLONG, &bad[k]);
      else PdtH5SetAttr("io_sgd.h5", "/", "format", 0, "pdeop checkpoint 9");
      PDT_FAILS(PdCheckpointReadMeta(PETSC_COMM_SELF, "io_sgd.h5", &back, &epoch));
      PDT_ERRMSG_HAS(k < 2 ? "corrupted" : "checkpoint format 'pdeop checkpoint 9'");
      if (k == 1) { /* restore a valid epoch before testing the format */
        const long long ok = 2;
        PdtH5SetAttr("io_sgd.h5", "/", "epoch", H5T_NATIVE_LLONG, &ok);
      }
    }
  }
  /* one flipped mantissa bit in a parameter: the checksum catches it */
  {
    PdTensor       t;
    FILE          *fp;
    long           size, hit = -1;
    unsigned char *bytes;
    const float    mark = 1.2345678f;
    PDT(PdParamsGetTensor(a, 0, &t));
    for (PetscInt i = 0; i < t->size; i++) t->data[i] = mark;
    PDT(PdCheckpointWrite(PETSC_COMM_SELF, "io_flip.h5", meta, a, NULL, 1));
    PDT(PdCheckpointLoad(PETSC_COMM_SELF, "io_flip.h5", b, NULL)); /* intact: loads */
    fp = fopen("io_flip.h5", "r+b");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    size  = ftell(fp);
    bytes = malloc((size_t)size);
    fseek(fp, 0, SEEK_SET);
    assert_int_equal(fread(bytes, 1, (size_t)size, fp), (size_t)size);
    for (long i = 0; i + 4 <= size && hit < 0; i++)
      if (!memcmp(bytes + i, &mark, 4)) hit = i;
    assert_true(hit >= 0);
    bytes[hit] ^= 0x01; /* lowest mantissa bit of the first weight: still a finite float */
    fseek(fp, hit, SEEK_SET);
    fwrite(bytes + hit, 1, 1, fp);
    fclose(fp);
    free(bytes);
    PDT_FAILS(PdCheckpointLoad(PETSC_COMM_SELF, "io_flip.h5", b, NULL));
    PDT_ERRMSG_HAS("checksum");
  }
  /* a dataset that declares an absurd size, or declares data it never holds */
  {
    hid_t    f = H5Fcreate("io_huge.h5", H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), sp, ds, dcpl = H5Pcreate(H5P_DATASET_CREATE);
    hsize_t  big[3] = {(hsize_t)1 << 20, (hsize_t)1 << 20, (hsize_t)1 << 10}, mid[2] = {(hsize_t)1 << 16, (hsize_t)1 << 16};
    int      nd;
    PetscInt shape[PD_MAX_DIMS];
    float   *data;
    H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_LATE);
    sp = H5Screate_simple(3, big, NULL);
    ds = H5Dcreate2(f, "huge", H5T_IEEE_F32LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Dclose(ds);
    H5Sclose(sp);
    sp = H5Screate_simple(2, mid, NULL);
    ds = H5Dcreate2(f, "unwritten", H5T_IEEE_F32LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Dclose(ds);
    H5Sclose(sp);
    H5Pclose(dcpl);
    H5Fclose(f);
    PDT_FAILS(PdH5ReadFloatArray(PETSC_COMM_SELF, "io_huge.h5", "huge", &nd, shape, &data));
    PDT_ERRMSG_HAS("implausible size");
    PDT_FAILS(PdH5ReadFloatArray(PETSC_COMM_SELF, "io_huge.h5", "unwritten", &nd, shape, &data));
    PDT_ERRMSG_HAS("holds no data");
  }
  PDT(PdDictDestroy(&meta));
  PDT(PdOptimDestroy(&sgd));
  PDT(PdOptimDestroy(&sgd2));
  PDT(PdOptimDestroy(&adam));
  PDT(PdParamsDestroy(&a));
  PDT(PdParamsDestroy(&b));
}

/* Outputs never overwrite inputs or each other, and their directories must be writable. */
static void test_files_check(void **state)
{
  FILE *f = fopen("io_in.h5", "w");
  assert_non_null(f);
  fclose(f);
  unlink("io_link.h5");
  assert_int_equal(symlink("io_in.h5", "io_link.h5"), 0);
  unlink("io_hard.h5");
  assert_int_equal(link("io_in.h5", "io_hard.h5"), 0);
  {
    PdFileArg in[2] = {{"-data", "io_in.h5"}, {"-test", NULL}};
    PdFileArg ok[2] = {{"-o", "io_out.h5"}, {"-log", "io_out.csv"}};
    PDT(PdFilesCheck(PETSC_COMM_SELF, 2, in, 2, ok));
    const char *same[] = {"io_in.h5", "./io_in.h5", "io_link.h5", "io_hard.h5", "../tests/io_in.h5"};
    for (int k = 0; k < 5; k++) {
      PdFileArg out[1] = {{"-o", same[k]}};
      char      cwd[PATH_MAX];
      if (k == 4) { /* the same file by another relative path, when the cwd is called tests */
        assert_non_null(getcwd(cwd, sizeof(cwd)));
        if (strcmp(strrchr(cwd, '/'), "/tests")) continue;
      }
      PDT_FAILS(PdFilesCheck(PETSC_COMM_SELF, 2, in, 1, out));
      PDT_ERRMSG_HAS("is also the input -data");
    }
  }
  {
    PdFileArg in[1]  = {{"-data", "io_in.h5"}};
    PdFileArg two[2] = {{"-o", "io_out.h5"}, {"-report", "./io_out.h5"}};
    PdFileArg nod[1] = {{"-o", "io_no_such_dir/x.h5"}};
    PdFileArg dir[1] = {{"-o", "."}};
    PDT_FAILS(PdFilesCheck(PETSC_COMM_SELF, 1, in, 2, two));
    PDT_ERRMSG_HAS("name the same file");
    PDT_FAILS(PdFilesCheck(PETSC_COMM_SELF, 1, in, 1, nod));
    PDT_ERRMSG_HAS("does not exist");
    PDT_FAILS(PdFilesCheck(PETSC_COMM_SELF, 1, in, 1, dir));
    PDT_ERRMSG_HAS("is a directory");
  }
  unlink("io_link.h5");
  unlink("io_hard.h5");
}

/* files written whole or not at all by other writers (PdFileWrite, PdFileTempName + PdFileCommit) */
static PetscErrorCode FillHello(FILE *f, void *ctx)
{
  PetscFunctionBegin;
  fprintf(f, "hello %s\n", (const char *)ctx);
  PetscFunctionReturn(0);
}

static PetscErrorCode FillFails(FILE *f, void *ctx)
{
  PetscFunctionBegin;
  fprintf(f, "half a file");
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "the contents are not ready (%s)", (const char *)ctx);
}

static void ReadAll(const char *file, char *buf, size_t len)
{
  FILE  *f = fopen(file, "r");
  size_t n;
  assert_non_null(f);
  n      = fread(buf, 1, len - 1, f);
  buf[n] = 0;
  fclose(f);
}

static void test_whole_files(void **state)
{
  char buf[256], tmp[PETSC_MAX_PATH_LEN];
  int  fd;
  (void)state;
  PDT(PdFileWrite(PETSC_COMM_SELF, "io_w.csv", "a test", FillHello, "world"));
  ReadAll("io_w.csv", buf, sizeof(buf));
  assert_string_equal(buf, "hello world\n");
  assert_int_equal(access("io_w.csv.tmp", F_OK), -1);
  /* a fill that fails: the old file stays, the temporary goes, the message names file, what and why */
  PDT_FAILS(PdFileWrite(PETSC_COMM_SELF, "io_w.csv", "a test", FillFails, "x"));
  PDT_ERRMSG_HAS("Cannot write 'io_w.csv' (a test)");
  PDT_ERRMSG_HAS("not ready");
  PDT_ERRMSG_HAS("is unchanged");
  ReadAll("io_w.csv", buf, sizeof(buf));
  assert_string_equal(buf, "hello world\n");
  assert_int_equal(access("io_w.csv.tmp", F_OK), -1);
  /* a second writer of the same file while the first holds its temporary is refused */
  fd = open("io_w.csv.tmp", O_WRONLY | O_CREAT, 0666);
  assert_true(fd >= 0);
  assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
  PDT_FAILS(PdFileWrite(PETSC_COMM_SELF, "io_w.csv", NULL, FillHello, "again"));
  PDT_ERRMSG_HAS("another process is writing it");
  close(fd);
  unlink("io_w.csv.tmp");
  ReadAll("io_w.csv", buf, sizeof(buf));
  assert_string_equal(buf, "hello world\n");
  /* temporary names: the ending kept when it chooses a format */
  PDT(PdFileTempName("dir.v1/a.vts", PETSC_TRUE, tmp, sizeof(tmp)));
  assert_string_equal(tmp, "dir.v1/a.tmp.vts");
  PDT(PdFileTempName("dir.v1/a", PETSC_TRUE, tmp, sizeof(tmp)));
  assert_string_equal(tmp, "dir.v1/a.tmp");
  PDT(PdFileTempName("a.vts", PETSC_FALSE, tmp, sizeof(tmp)));
  assert_string_equal(tmp, "a.vts.tmp");
  /* commit: a writer's failure, an empty or missing temporary keep the old file; a good one replaces it */
  PDT(PdFileTempName("io_w.csv", PETSC_FALSE, tmp, sizeof(tmp)));
  FILE *f = fopen(tmp, "w");
  assert_non_null(f);
  fprintf(f, "new\n");
  fclose(f);
  PDT_FAILS(PdFileCommit(PETSC_COMM_SELF, tmp, "io_w.csv", "a test", "the writer gave up"));
  PDT_ERRMSG_HAS("the writer gave up");
  assert_int_equal(access(tmp, F_OK), -1);
  fclose(fopen(tmp, "w"));
  PDT_FAILS(PdFileCommit(PETSC_COMM_SELF, tmp, "io_w.csv", NULL, NULL));
  PDT_ERRMSG_HAS("is empty");
  PDT_FAILS(PdFileCommit(PETSC_COMM_SELF, tmp, "io_w.csv", NULL, NULL));
  PDT_ERRMSG_HAS("is missing");
  ReadAll("io_w.csv", buf, sizeof(buf));
  assert_string_equal(buf, "hello world\n");
  f = fopen(tmp, "w");
  assert_non_null(f);
  fprintf(f, "new\n");
  fclose(f);
  PDT(PdFileCommit(PETSC_COMM_SELF, tmp, "io_w.csv", NULL, NULL));
  ReadAll("io_w.csv", buf, sizeof(buf));
  assert_string_equal(buf, "new\n");
  assert_int_equal(access(tmp, F_OK), -1);
  /* hostile names: the file as its own temporary, a directory as the temporary, no name, a buffer too short */
  PDT_FAILS(PdFileCommit(PETSC_COMM_SELF, "io_w.csv", "io_w.csv", NULL, "given up"));
  PDT_ERRMSG_HAS("is the file itself");
  ReadAll("io_w.csv", buf, sizeof(buf));
  assert_string_equal(buf, "new\n");
  rmdir("io_w_dir"); /* a failed earlier run may have left it */
  assert_int_equal(mkdir("io_w_dir", 0777), 0);
  PDT_FAILS(PdFileCommit(PETSC_COMM_SELF, "io_w_dir", "io_w.csv", NULL, NULL));
  PDT_ERRMSG_HAS("not a regular file");
  assert_int_equal(access("io_w_dir", F_OK), 0);
  PDT_FAILS(PdFileWrite(PETSC_COMM_SELF, "io_w_dir/", NULL, FillHello, "x"));
  PDT_ERRMSG_HAS("names a directory");
  PDT_FAILS(PdFileWrite(PETSC_COMM_SELF, "", NULL, FillHello, "x"));
  PDT_ERRMSG_HAS("no file name given");
  PDT_FAILS(PdFileTempName("io_w.csv", PETSC_FALSE, tmp, 12));
  PDT_ERRMSG_HAS("needs 13 bytes");
  /* a link or a FIFO at file.tmp is refused at once: nothing is written through it, nothing hangs */
  {
    FILE *o = fopen("io_w_other.txt", "w");
    assert_non_null(o);
    fprintf(o, "other\n");
    fclose(o);
  }
  assert_int_equal(symlink("io_w_other.txt", "io_w.csv.tmp"), 0);
  PDT_FAILS(PdFileWrite(PETSC_COMM_SELF, "io_w.csv", NULL, FillHello, "x"));
  PDT_ERRMSG_HAS("is a symbolic link");
  PDT_FAILS(PdFileTempName("io_w.csv", PETSC_FALSE, tmp, sizeof(tmp)));
  PDT_ERRMSG_HAS("is a symbolic link");
  ReadAll("io_w_other.txt", buf, sizeof(buf));
  assert_string_equal(buf, "other\n");
  unlink("io_w.csv.tmp");
  assert_int_equal(mkfifo("io_w.csv.tmp", 0666), 0);
  PDT_FAILS(PdFileWrite(PETSC_COMM_SELF, "io_w.csv", NULL, FillHello, "x"));
  PDT_ERRMSG_HAS("not a regular file");
  unlink("io_w.csv.tmp");
  ReadAll("io_w.csv", buf, sizeof(buf));
  assert_string_equal(buf, "new\n");
  rmdir("io_w_dir");
  unlink("io_w_other.txt");
  unlink("io_w.csv");
}

/* set the integer attribute spatial_dims of dataset `name` in an existing file */
static void SetSpatialDims(const char *file, const char *name, long long v)
{
  PdtH5SetAttr(file, name, "spatial_dims", H5T_NATIVE_LLONG, &v);
}

/* the layout rule: N x C x (spatial...); the attribute spatial_dims decides, files without it are
   read by the rule (second axis = channels); pdeop's own files carry it */
static void test_dataset_layout(void **state)
{
  PdDataset ds, w;
  float     v[2 * 3 * 4];
  hsize_t   d3[3] = {2, 3, 4}, d2[2] = {2, 12};
  for (int i = 0; i < 24; i++) v[i] = (float)i;
  /* an N x H x W file without the attribute: read as 1D fields with H channels (and one line says so) */
  RawFile("lay_nhw.h5", "inputs", H5T_IEEE_F32LE, 3, d3, v, "outputs", 3, d3, v);
  PDT(PdDatasetRead(PETSC_COMM_SELF, "lay_nhw.h5", PETSC_TRUE, &ds));
  PDT_SHAPE_IS(ds.in_ndim, ds.in_shape, 2, 3, 4);
  PDT(PdDatasetFree(&ds));
  /* the same file saying spatial_dims = 2: one channel on a 3 x 4 grid */
  SetSpatialDims("lay_nhw.h5", "inputs", 2);
  SetSpatialDims("lay_nhw.h5", "outputs", 2);
  PDT(PdDatasetRead(PETSC_COMM_SELF, "lay_nhw.h5", PETSC_TRUE, &ds));
  PDT_SHAPE_IS(ds.in_ndim, ds.in_shape, 2, 1, 3, 4);
  PDT_SHAPE_IS(ds.out_ndim, ds.out_shape, 2, 1, 3, 4);
  assert_int_equal(ds.in_size, 12);
  assert_true(ds.inputs[13] == 13.0f);
  /* written back, the file says N x C x H x W with spatial_dims = 2 and reads the same */
  PDT(PdDatasetWrite(PETSC_COMM_SELF, "lay_w.h5", &ds));
  PDT(PdDatasetRead(PETSC_COMM_SELF, "lay_w.h5", PETSC_TRUE, &w));
  PDT_SHAPE_IS(w.in_ndim, w.in_shape, 2, 1, 3, 4);
  PDT_SHAPE_IS(w.out_ndim, w.out_shape, 2, 1, 3, 4);
  {
    hid_t     f = H5Fopen("lay_w.h5", H5F_ACC_RDONLY, H5P_DEFAULT), a = H5Aopen_by_name(f, "inputs", "spatial_dims", H5P_DEFAULT, H5P_DEFAULT);
    long long sd = -1;
    H5Aread(a, H5T_NATIVE_LLONG, &sd);
    H5Aclose(a);
    H5Fclose(f);
    assert_int_equal(sd, 2);
  }
  PDT(PdDatasetFree(&w));
  PDT(PdDatasetFree(&ds));
  /* spatial_dims that the rank cannot hold */
  SetSpatialDims("lay_nhw.h5", "inputs", 0);
  PDT_FAILS(PdDatasetRead(PETSC_COMM_SELF, "lay_nhw.h5", PETSC_TRUE, &ds));
  PDT_ERRMSG_HAS("spatial_dims = 0");
  SetSpatialDims("lay_nhw.h5", "inputs", 7);
  PDT_FAILS(PdDatasetRead(PETSC_COMM_SELF, "lay_nhw.h5", PETSC_TRUE, &ds));
  PDT_ERRMSG_HAS("from 0 to 3");
  /* an old N x m file: vectors; with spatial_dims = 1, one channel on a 1D grid */
  RawFile("lay_nm.h5", "inputs", H5T_IEEE_F32LE, 2, d2, v, "outputs", 2, d2, v);
  PDT(PdDatasetRead(PETSC_COMM_SELF, "lay_nm.h5", PETSC_TRUE, &ds));
  PDT_SHAPE_IS(ds.in_ndim, ds.in_shape, 2, 12);
  PDT(PdDatasetFree(&ds));
  SetSpatialDims("lay_nm.h5", "inputs", 1);
  SetSpatialDims("lay_nm.h5", "outputs", 1);
  PDT(PdDatasetRead(PETSC_COMM_SELF, "lay_nm.h5", PETSC_TRUE, &ds));
  PDT_SHAPE_IS(ds.in_ndim, ds.in_shape, 2, 1, 12);
  PDT(PdDatasetFree(&ds));
}

/* A written file is the file HDF5 would hand out itself: pdeop builds it in memory and writes the
   core driver's buffer, clearing the superblock's "open for writing" flags as H5Fget_file_image does;
   opened read-only, HDF5's own image of the file must be the file byte for byte. Chunks hold 16 MB at
   most (HDF5 holds two copies of a chunk while writing it): a larger sample is cut into equal pieces
   (an edge chunk is stored whole, so 16 MB + 4 bytes in two 16 MB chunks would double the file), and
   small samples share chunks (one chunk each makes reading quadratic in their number). */
static void test_file_image(void **state)
{
  PdDataset      a, b;
  const PetscInt n = 5000000; /* 20 MB of float32 in one sample */
  MakeDataset(&a, 4);
  PDT(PdDatasetWrite(PETSC_COMM_SELF, "img.h5", &a));
  PDT(PdDatasetFree(&a));
  {
    FILE          *fp   = fopen("img.h5", "rb");
    long           size = FileSize("img.h5");
    unsigned char *disk, *image;
    hid_t          f;
    assert_non_null(fp);
    disk  = malloc((size_t)size);
    image = malloc((size_t)size);
    assert_int_equal(fread(disk, 1, (size_t)size, fp), (size_t)size);
    fclose(fp);
    f = H5Fopen("img.h5", H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(f >= 0);
    assert_int_equal(H5Fget_file_image(f, NULL, 0), size);
    assert_int_equal(H5Fget_file_image(f, image, (size_t)size), size);
    H5Fclose(f);
    assert_int_equal(memcmp(disk, image, (size_t)size), 0);
    free(disk);
    free(image);
  }
  PDT(PdtDatasetAlloc(1, 2, (PetscInt[]){1, n}, 2, (PetscInt[]){1, 1}, &a)); /* inputs [1, 1, n] */
  for (PetscInt i = 0; i < n; i++) a.inputs[i] = (float)(i % 1000) - 0.25f;
  a.outputs[0] = 3.0f;
  PDT(PdDatasetWrite(PETSC_COMM_SELF, "img_big.h5", &a));
  {
    hsize_t chunk[3];
    InputsChunk("img_big.h5", chunk);
    assert_int_equal(chunk[0], 1);
    assert_int_equal(chunk[1], 1);
    assert_int_equal(chunk[2], n / 2); /* two equal pieces of 10 MB */
  }
  assert_true(FileSize("img_big.h5") < (long)sizeof(float) * n + (1 << 20)); /* no padded edge chunk */
  PDT(PdDatasetRead(PETSC_COMM_SELF, "img_big.h5", PETSC_TRUE, &b));
  assert_int_equal(b.in_size, n);
  assert_int_equal(memcmp(a.inputs, b.inputs, sizeof(float) * (size_t)n), 0);
  PDT(PdDatasetFree(&b));
  PDT(PdDatasetFree(&a));
  /* 5,000 samples of 4,000 bytes: two chunks of 2,500 samples */
  PDT(PdtDatasetAlloc(5000, 2, (PetscInt[]){1, 1000}, 2, (PetscInt[]){1, 1}, &a));
  for (PetscInt i = 0; i < 5000 * 1000; i++) a.inputs[i] = (float)(i % 977);
  for (PetscInt i = 0; i < 5000; i++) a.outputs[i] = (float)i;
  PDT(PdDatasetWrite(PETSC_COMM_SELF, "img_many.h5", &a));
  {
    hsize_t chunk[3];
    InputsChunk("img_many.h5", chunk);
    assert_int_equal(chunk[0], 2500);
    assert_int_equal(chunk[1], 1);
    assert_int_equal(chunk[2], 1000);
  }
  PDT(PdDatasetRead(PETSC_COMM_SELF, "img_many.h5", PETSC_TRUE, &b));
  assert_int_equal(b.N, 5000);
  assert_int_equal(memcmp(a.inputs, b.inputs, sizeof(float) * 5000 * 1000), 0);
  assert_int_equal(memcmp(a.outputs, b.outputs, sizeof(float) * 5000), 0);
  PDT(PdDatasetFree(&b));
  PDT(PdDatasetFree(&a));
  unlink("img_big.h5");
  unlink("img_many.h5");
}

/* the values' checksum: a dataset whose values no longer match the "fnv1a64" pdeop wrote beside them
   (what a damaged chunk address or type description makes of them) is refused; a file without the
   attribute (written by another tool) still reads */
static void test_values_checksum(void **state)
{
  PdDataset a, b;
  hid_t     f, ds, at;
  uint64_t  h = 12345;

  (void)state;
  MakeDataset(&a, 4);
  PDT(PdDatasetWrite(PETSC_COMM_SELF, "io_sum.h5", &a));
  PDT(PdDatasetRead(PETSC_COMM_SELF, "io_sum.h5", PETSC_TRUE, &b));
  PDT(PdDatasetFree(&b));
  f  = H5Fopen("io_sum.h5", H5F_ACC_RDWR, H5P_DEFAULT);
  ds = H5Dopen2(f, "/inputs", H5P_DEFAULT);
  at = H5Aopen(ds, "fnv1a64", H5P_DEFAULT);
  assert_true(at >= 0);
  assert_true(H5Awrite(at, H5T_NATIVE_UINT64, &h) >= 0);
  H5Aclose(at);
  H5Dclose(ds);
  H5Fclose(f);
  assert_int_not_equal(PdDatasetRead(PETSC_COMM_SELF, "io_sum.h5", PETSC_TRUE, &b), 0);
  f  = H5Fopen("io_sum.h5", H5F_ACC_RDWR, H5P_DEFAULT);
  ds = H5Dopen2(f, "/inputs", H5P_DEFAULT);
  assert_true(H5Adelete(ds, "fnv1a64") >= 0);
  H5Dclose(ds);
  H5Fclose(f);
  PDT(PdDatasetRead(PETSC_COMM_SELF, "io_sum.h5", PETSC_TRUE, &b));
  for (PetscInt k = 0; k < 24; k++) assert_true(a.inputs[k] == b.inputs[k]);
  PDT(PdDatasetFree(&b));
  PDT(PdDatasetFree(&a));
}

/* inputs the fuzzers found that crashed HDF5 1.10 inside H5Dread (a stored chunk shorter than its
   layout) or ran out of memory: each reader must now refuse them with an error (under ASan, a read past a buffer fails) */
static void test_fuzz_regressions(void **state)
{
  const char *src = getenv("PDEOP_SOURCE_DIR");
  char        path[PETSC_MAX_PATH_LEN];
  PdDataset   ds;
  NOp         nop = NULL;

  (void)state;
  assert_non_null(src);
  snprintf(path, sizeof(path), "%s/tests/fuzz/regress/dataset/chunk-shorter-than-layout", src);
  assert_int_not_equal(PdDatasetRead(PETSC_COMM_SELF, path, PETSC_FALSE, &ds), 0);
  /* a few stored chunks of a dataset that declares gigabytes: refused before the allocation */
  snprintf(path, sizeof(path), "%s/tests/fuzz/regress/dataset/chunks-missing-huge-size", src);
  assert_int_not_equal(PdDatasetRead(PETSC_COMM_SELF, path, PETSC_FALSE, &ds), 0);
  snprintf(path, sizeof(path), "%s/tests/fuzz/regress/checkpoint/chunk-shorter-than-layout", src);
  assert_int_not_equal(NOpLoad(PETSC_COMM_SELF, path, &nop, NULL), 0);
  assert_int_equal(NOpDestroy(&nop), 0); /* what a failed load built so far */
}

static const struct CMUnitTest tests[] = {cmocka_unit_test(test_dict_json), cmocka_unit_test(test_dataset_roundtrip), cmocka_unit_test(test_bad_datasets), cmocka_unit_test(test_dataset_layout), cmocka_unit_test(test_checkpoint_roundtrip), cmocka_unit_test(test_checkpoint_hostile), cmocka_unit_test(test_files_check), cmocka_unit_test(test_whole_files), cmocka_unit_test(test_fuzz_regressions), cmocka_unit_test(test_values_checksum), cmocka_unit_test(test_file_image)};
PDT_MAIN("engine_io", tests)
