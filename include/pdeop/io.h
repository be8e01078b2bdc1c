/* HDF5 files: datasets (/inputs and /outputs, float32, N x C x (spatial...), each with the
   attribute spatial_dims) and checkpoints
   (/params/<name>, /optim, attributes). Readers check everything and name the file in errors;
   writers go to a temporary name and rename, so a crash never leaves a half-written file. */
#pragma once
#include <pdeop/dict.h>
#include <pdeop/params.h>
#include <pdeop/optim.h>

typedef struct {
  PetscInt N;                 /* samples */
  int      in_ndim, out_ndim; /* dimensions including N */
  PetscInt in_shape[PD_MAX_DIMS], out_shape[PD_MAX_DIMS];
  PetscInt in_size, out_size; /* floats per sample */
  float   *inputs, *outputs;  /* N * in_size, N * out_size; outputs NULL when absent */
  PdDict   attrs;             /* attributes of the root group */
} PdDataset;

/* Read a dataset on every rank (read-only). If need_outputs, a missing /outputs is an error. The
   shapes come back as N x C x (spatial...): the attribute spatial_dims of /inputs and /outputs says
   how many spatial dimensions the file has (a file without a channel axis gets C = 1); without it
   the second axis is the channels and the rest spatial (rank 2: vectors), and one line says so. */
PETSC_EXTERN PetscErrorCode PdDatasetRead(MPI_Comm, const char[], PetscBool, PdDataset *);
/* Write (rank 0) to file.tmp then rename; the arrays are N x C x (spatial...) and get the attribute
   spatial_dims (rank - 2). attrs may be NULL. */
PETSC_EXTERN PetscErrorCode PdDatasetWrite(MPI_Comm, const char[], const PdDataset *);
PETSC_EXTERN PetscErrorCode PdDatasetFree(PdDataset *);
/* Words for a sample shape [C, spatial...] of nd dimensions ("1D fields with 64 channels",
   "vectors of 100 values"), for messages. */
PETSC_EXTERN PetscErrorCode PdSampleDescribe(int, const PetscInt[], char[], size_t);

/* Checkpoints. meta holds the model type ("model") and hyperparameters; it is written as
   attributes of the root group, with "epoch". optim may be NULL (no /optim group). */
PETSC_EXTERN PetscErrorCode PdCheckpointWrite(MPI_Comm, const char[], PdDict, PdParams, PdOptim, PetscInt);
/* The same with the training run's settings (may be NULL) in a group /training, and reading them
   back (an empty dictionary when the file has none). */
PETSC_EXTERN PetscErrorCode PdCheckpointWriteTraining(MPI_Comm, const char[], PdDict, PdParams, PdOptim, PetscInt, PdDict);
PETSC_EXTERN PetscErrorCode PdCheckpointReadTraining(MPI_Comm, const char[], PdDict *);
/* A float64 array stored with a checkpoint (a PINN's problem coefficients): written in the same
   atomic write as the parameters, read back by name with its length checked. */
typedef struct {
  const char   *name;
  PetscInt      n;
  const double *values;
} PdCheckpointArray;
PETSC_EXTERN PetscErrorCode PdCheckpointWriteArrays(MPI_Comm, const char[], PdDict, PdParams, PdOptim, PetscInt, PdDict, PetscInt, const PdCheckpointArray[]);
/* A dataset (PdDatasetWrite) with float64 arrays beside it, in the same atomic write ("group/name" allowed). */
PETSC_EXTERN PetscErrorCode PdDatasetWriteArrays(MPI_Comm, const char[], const PdDataset *, PetscInt, const PdCheckpointArray[]);
PETSC_EXTERN PetscErrorCode PdCheckpointReadArray(MPI_Comm, const char[], const char[], PetscInt, double[]);
/* Read the metadata only (to rebuild a model before loading its parameters). */
PETSC_EXTERN PetscErrorCode PdCheckpointReadMeta(MPI_Comm, const char[], PdDict *, PetscInt *);
/* Load parameters (every name and shape must match) and, if optim is not NULL, optimizer state. */
PETSC_EXTERN PetscErrorCode PdCheckpointLoad(MPI_Comm, const char[], PdParams, PdOptim);

/* Files written whole or not at all, for writers of other formats (CSV, VTK, PETSc's viewers):
   PdFileWrite has rank 0 fill file.tmp (fill returns an error to abandon it), flushes it to the disk
   and renames it over file. A writer that opens files by name writes to PdFileTempName's name and
   then calls PdFileCommit with its reason for failing (NULL: it did not); a PETSc binary viewer
   should skip its .info file (PetscViewerBinarySetSkipInfo). Both are collective; on a failure an
   existing file keeps its bytes and one error says which file, what (may be NULL) and why, a full
   disk included. Temporaries are regular files: a link, FIFO or directory at file.tmp is refused. */
typedef PetscErrorCode (*PdFileFill)(FILE *, void *);
PETSC_EXTERN PetscErrorCode PdFileWrite(MPI_Comm, const char[], const char[], PdFileFill, void *);
PETSC_EXTERN PetscErrorCode PdFileTempName(const char[], PetscBool, char[], size_t);
PETSC_EXTERN PetscErrorCode PdFileCommit(MPI_Comm, const char[], const char[], const char[], const char[]);
/* A CSV log written row by row while a run goes on (csvlog.c): a new one replaces the old file at its
   first row, a resumed one is appended to; collective, rank 0 writes, write errors are one error. */
typedef struct {
  MPI_Comm  comm;
  char      path[PETSC_MAX_PATH_LEN], tmp[PETSC_MAX_PATH_LEN + 8], what[64];
  FILE     *f;     /* rank 0's stream */
  PetscBool fresh; /* written under tmp until its first row */
} PdCSVLog;
PETSC_EXTERN PetscErrorCode PdCSVLogOpen(MPI_Comm, const char[], const char[], const char[], PetscInt, PdCSVLog *);
PETSC_EXTERN PetscErrorCode PdCSVLogRow(PdCSVLog *, const char[]);
PETSC_EXTERN PetscErrorCode PdCSVLogClose(PdCSVLog *);
/* An input must exist, be a regular file and readable; else one error saying which it is not */
PETSC_EXTERN PetscErrorCode PdFileCheckInput(MPI_Comm, const char[], const char[]);

/* Generic helpers for other writers (fields, PINN problems): one float or double array dataset. */
PETSC_EXTERN PetscErrorCode PdH5WriteFields(MPI_Comm, const char[], PetscInt, const char *const[], const float *const[], PetscInt, const PetscInt[], PdDict);
/* HDF5 as pdeop uses it (its own error printing off; objects closed in PetscFinalize); engine start-up calls it. */
PETSC_EXTERN PetscErrorCode PdH5Initialize(void);
/* A write through PETSc's HDF5 viewer failed: HDF5 1.10 holds the file open and crashes closing it,
   so a program should end without finalizing MPI (pdeop's main does). */
PETSC_EXTERN PetscErrorCode PdH5SetWriteFailed(void);
PETSC_EXTERN PetscErrorCode PdH5GetWriteFailed(PetscBool *);
PETSC_EXTERN PetscErrorCode PdH5ReadFloatArray(MPI_Comm, const char[], const char[], int *, PetscInt[], float **);

/* A command's file argument: the option that named it and the path (src/io/files.c). */
typedef struct {
  const char *option;
  const char *path;
} PdFileArg;
/* Before any work: no output is an input or another output (same device and inode, or the same
   resolved path), and each output's directory exists and is writable. One error naming both. */
PETSC_EXTERN PetscErrorCode PdFilesCheck(MPI_Comm, PetscInt, const PdFileArg[], PetscInt, const PdFileArg[]);
/* Whether two paths name the same file (device and inode, or the resolved path). */
PETSC_EXTERN PetscErrorCode PdFilesSame(MPI_Comm, const char[], const char[], PetscBool *);
