/* Test helper that damages HDF5 files on purpose: replace one scalar attribute of a group or dataset, so a
   test can hand pdeop a checkpoint with an out-of-range epoch, an unknown format or a NaN loss. */
#pragma once
#include <hdf5.h>
#include <string.h>

/* Set attribute NAME of the group or dataset OBJ in FILE to the scalar *VALUE of HDF5 type TYPE (replacing any old
   one); a string value takes TYPE = 0 and is written as a fixed-length C string. */
static inline void PdtH5SetAttr(const char *file, const char *obj, const char *name, hid_t type, const void *value)
{
  hid_t f = H5Fopen(file, H5F_ACC_RDWR, H5P_DEFAULT), g, sp, at, st = type;
  assert_true(f >= 0);
  g = H5Oopen(f, obj, H5P_DEFAULT);
  assert_true(g >= 0);
  if (!type) {
    st = H5Tcopy(H5T_C_S1);
    H5Tset_size(st, strlen((const char *)value) + 1);
  }
  sp = H5Screate(H5S_SCALAR);
  if (H5Aexists(g, name) > 0) H5Adelete(g, name);
  at = H5Acreate2(g, name, st, sp, H5P_DEFAULT, H5P_DEFAULT);
  assert_true(at >= 0);
  assert_true(H5Awrite(at, st, value) >= 0);
  H5Aclose(at);
  H5Sclose(sp);
  if (!type) H5Tclose(st);
  H5Oclose(g);
  assert_true(H5Fclose(f) >= 0);
}
