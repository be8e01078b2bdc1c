/* Atomic HDF5 writes: a file is built in memory by HDF5's core driver, then written from that memory
   to file.tmp, flushed and renamed over the target, so a failure never leaves a half-written file. */
#include "h5impl.h"
#include "tmpfile.h"
#include <stdlib.h>
#include <string.h>

typedef struct {
  const char *file;
  Writer      w;
  void       *ctx;
} Image;

/* The core driver's buffer, tracked through HDF5's file-image callbacks so that the finished file is
   written straight from it: no second copy of the image (H5Fget_file_image's) at the peak */
typedef struct {
  void  *mem;
  size_t size;
} CoreBuffer;

static void *CoreMalloc(size_t size, H5FD_file_image_op_t op, void *udata)
{
  CoreBuffer *b = (CoreBuffer *)udata;
  (void)op;
  b->mem  = malloc(size);
  b->size = b->mem ? size : 0;
  return b->mem;
}

static void *CoreRealloc(void *ptr, size_t size, H5FD_file_image_op_t op, void *udata)
{
  CoreBuffer *b = (CoreBuffer *)udata;
  void       *p = realloc(ptr, size);
  (void)op;
  if (p) b->mem = p, b->size = size;
  return p;
}

static void *CoreMemcpy(void *dest, const void *src, size_t size, H5FD_file_image_op_t op, void *udata)
{
  (void)op, (void)udata;
  return memcpy(dest, src, size);
}

static herr_t CoreFree(void *ptr, H5FD_file_image_op_t op, void *udata)
{
  CoreBuffer *b = (CoreBuffer *)udata;
  (void)op;
  free(ptr);
  if (ptr == b->mem) b->mem = NULL, b->size = 0;
  return 0;
}

static void  *CoreUdataCopy(void *udata) { return udata; } /* one buffer record, shared by the property list's copies */
static herr_t CoreUdataFree(void *udata)
{
  (void)udata;
  return 0;
}

/* The superblock of a file open for writing has its consistency flags set, and HDF5 clears them in
   an image it hands out (H5Fget_file_image) as it does on close; the same here, in place. The flags
   sit after the signature and the version fields (HDF5 file format specification, "Superblock"):
   4 bytes at offset 20 in superblock versions 0 and 1, one byte at offset 11 in versions 2 and 3.
   False if the buffer does not start with a superblock. */
static PetscBool ClearOpenFlags(unsigned char *m, size_t size)
{
  static const unsigned char signature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

  if (size < 24 || memcmp(m, signature, 8)) return PETSC_FALSE;
  if (m[8] <= 1) memset(m + 20, 0, 4);
  else if (m[8] <= 3) m[11] = 0;
  else return PETSC_FALSE;
  return PETSC_TRUE;
}

/* the writer's HDF5 file, made in memory (the core driver, no backing store), its image written to out
   from the driver's own buffer */
static PetscErrorCode FillImage(FILE *out, void *vctx, int *ok, char msg[], size_t mlen)
{
  const Image                *im = (const Image *)vctx;
  hid_t                       f, fcpl = H5Pcreate(H5P_FILE_CREATE), fapl = H5Pcreate(H5P_FILE_ACCESS);
  PetscErrorCode              ierr = 0;
  ssize_t                     size = -1;
  int                         written;
  CoreBuffer                  buf = {NULL, 0};
  H5FD_file_image_callbacks_t cb  = {CoreMalloc, CoreMemcpy, CoreRealloc, CoreFree, CoreUdataCopy, CoreUdataFree, &buf};

  PetscFunctionBegin;
  H5Pset_attr_creation_order(fcpl, H5P_CRT_ORDER_TRACKED);
  H5Pset_obj_track_times(fcpl, 0); /* the root group without timestamps, as the datasets */
  H5Pset_fapl_core(fapl, 1 << 20, 0);
  H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG); /* nothing a writer left open keeps the file (and buf) alive */
  H5Pset_file_image_callbacks(fapl, &cb);
  {
    H5QUIET_BEGIN;
    f = H5Fcreate(im->file, H5F_ACC_TRUNC, fcpl, fapl); /* in memory: the name is only a label */
    H5QUIET_END;
  }
  H5Pclose(fcpl);
  H5Pclose(fapl);
  if (f < 0) {
    *ok = 0;
    PetscCall(PetscSNPrintf(msg, mlen, "HDF5 cannot create a file in memory (out of memory?)"));
    PetscFunctionReturn(0);
  }
  /* from here to H5Fclose nothing returns early: buf lives in this frame */
  if (PetscPushErrorHandler(PetscReturnErrorHandler, NULL) == 0) {
    ierr = im->w(f, im->file, im->ctx);
    (void)PetscPopErrorHandler();
  } else ierr = PETSC_ERR_MEM;
  /* flushed, the driver's buffer holds the whole file: its first `size` bytes (the end of the
     allocated address space) are what H5Fget_file_image would copy out, once the open flags are cleared */
  if (!ierr && H5Fflush(f, H5F_SCOPE_GLOBAL) >= 0) size = H5Fget_file_image(f, NULL, 0);
  if (size > 0 && (!buf.mem || (size_t)size > buf.size || !ClearOpenFlags((unsigned char *)buf.mem, (size_t)size))) size = -1;
  written = !ierr && size > 0 && fwrite(buf.mem, 1, (size_t)size, out) == (size_t)size;
  if (H5Fclose(f) < 0) PetscCall(PdH5SetWriteFailed()); /* HDF5 1.10 keeps a file whose close failed, and crashes in H5close */
  if (ierr || size <= 0) {
    *ok = 0;
    PetscCall(PetscSNPrintf(msg, mlen, ierr ? "writing its contents in memory failed (out of memory?)" : "HDF5 could not make the file's image (%.0f bytes; out of memory?)", (double)size));
  } else *ok = written;
  PetscFunctionReturn(0);
}

/* Run writer(f) on rank 0 into an HDF5 file held in memory, then write that memory to file.tmp, flush
   it to the disk and rename it over file; tell every rank whether it worked. A full disk or any
   failure leaves an existing file untouched, and HDF5 never holds a half-written file open. */
PetscErrorCode AtomicWrite(MPI_Comm comm, const char file[], Writer w, void *ctx)
{
  Image im = {file, w, ctx};
  int   ok;
  char  msg[PETSC_MAX_PATH_LEN + 256];

  PetscFunctionBegin;
  PetscCall(PdTmpFileWriteRoot(comm, file, "wb", FillImage, &im, &ok, msg, sizeof(msg)));
  PetscCheck(ok, comm, PETSC_ERR_FILE_WRITE, "Cannot write '%s': %s; an existing '%s' is unchanged", file, msg, file);
  PetscFunctionReturn(0);
}
