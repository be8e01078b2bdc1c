/* PdDict: an ordered list of named values (string, integer, real, boolean) used for model
   hyperparameters, dataset attributes and the flat JSON objects written by -report. */
#include <pdeop/dict.h>
#include "tmpfile.h"
#include "sys/array.h"

typedef struct {
  char      *key;
  PdDictType type;
  char      *s;
  PetscInt64 i;
  double     r;
} PdDictEntry;

struct _n_PdDict {
  PdDictEntry *e;
  PetscInt     n, max;
};

PetscErrorCode PdDictCreate(PdDict *d)
{
  PetscFunctionBegin;
  PetscCall(PetscNew(d));
  PetscFunctionReturn(0);
}

PetscErrorCode PdDictDestroy(PdDict *d)
{
  PetscFunctionBegin;
  if (!*d) PetscFunctionReturn(0);
  for (PetscInt k = 0; k < (*d)->n; k++) {
    PetscCall(PetscFree((*d)->e[k].key));
    PetscCall(PetscFree((*d)->e[k].s));
  }
  PetscCall(PetscFree((*d)->e));
  PetscCall(PetscFree(*d));
  PetscFunctionReturn(0);
}

static PetscErrorCode Find(PdDict d, const char key[], PetscInt *k)
{
  PetscFunctionBegin;
  *k = -1;
  for (PetscInt j = 0; j < d->n; j++) {
    PetscBool same;
    PetscCall(PetscStrcmp(d->e[j].key, key, &same));
    if (same) {
      *k = j;
      break;
    }
  }
  PetscFunctionReturn(0);
}

/* the entry for key, new (appended) or existing (its old string value freed) */
static PetscErrorCode Slot(PdDict d, const char key[], PdDictEntry **e)
{
  PetscInt k;

  PetscFunctionBegin;
  PetscCheck(key && key[0], PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "Dictionary keys must be non-empty");
  PetscCall(Find(d, key, &k));
  if (k < 0) {
    PetscCall(PdArrayMakeRoom(sizeof(PdDictEntry), d->n, 16, &d->max, (void **)&d->e));
    k = d->n++;
    PetscCall(PetscStrallocpy(key, &d->e[k].key));
  } else PetscCall(PetscFree(d->e[k].s));
  *e = &d->e[k];
  PetscFunctionReturn(0);
}

PetscErrorCode PdDictSetString(PdDict d, const char key[], const char value[])
{
  PdDictEntry *e;

  PetscFunctionBegin;
  PetscCall(Slot(d, key, &e));
  e->type = PD_DICT_STRING;
  PetscCall(PetscStrallocpy(value ? value : "", &e->s));
  PetscFunctionReturn(0);
}

PetscErrorCode PdDictSetInt(PdDict d, const char key[], PetscInt64 value)
{
  PdDictEntry *e;

  PetscFunctionBegin;
  PetscCall(Slot(d, key, &e));
  e->type = PD_DICT_INT;
  e->i    = value;
  PetscFunctionReturn(0);
}

PetscErrorCode PdDictSetReal(PdDict d, const char key[], double value)
{
  PdDictEntry *e;

  PetscFunctionBegin;
  PetscCall(Slot(d, key, &e));
  e->type = PD_DICT_REAL;
  e->r    = value;
  PetscFunctionReturn(0);
}

PetscErrorCode PdDictSetBool(PdDict d, const char key[], PetscBool value)
{
  PdDictEntry *e;

  PetscFunctionBegin;
  PetscCall(Slot(d, key, &e));
  e->type = PD_DICT_BOOL;
  e->i    = value ? 1 : 0;
  PetscFunctionReturn(0);
}

PetscErrorCode PdDictHas(PdDict d, const char key[], PetscBool *has)
{
  PetscInt k;

  PetscFunctionBegin;
  PetscCall(Find(d, key, &k));
  *has = k >= 0 ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

static const char *TypeName(PdDictType t)
{
  return t == PD_DICT_STRING ? "a string" : t == PD_DICT_INT ? "an integer"
                                        : t == PD_DICT_REAL  ? "a real number"
                                                             : "a boolean";
}

static PetscErrorCode Get(PdDict d, const char key[], PdDictType want, PdDictEntry **e)
{
  PetscInt k;

  PetscFunctionBegin;
  PetscCall(Find(d, key, &k));
  PetscCheck(k >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "No entry '%s'", key);
  *e = &d->e[k];
  PetscCheck((*e)->type == want || (want == PD_DICT_REAL && (*e)->type == PD_DICT_INT) || (want == PD_DICT_BOOL && (*e)->type == PD_DICT_INT), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "Entry '%s' is %s, not %s", key, TypeName((*e)->type), TypeName(want));
  PetscFunctionReturn(0);
}

PetscErrorCode PdDictGetString(PdDict d, const char key[], const char **value)
{
  PdDictEntry *e;

  PetscFunctionBegin;
  PetscCall(Get(d, key, PD_DICT_STRING, &e));
  *value = e->s;
  PetscFunctionReturn(0);
}

PetscErrorCode PdDictGetInt(PdDict d, const char key[], PetscInt64 *value)
{
  PdDictEntry *e;

  PetscFunctionBegin;
  PetscCall(Get(d, key, PD_DICT_INT, &e));
  *value = e->i;
  PetscFunctionReturn(0);
}

PetscErrorCode PdDictGetReal(PdDict d, const char key[], double *value)
{
  PdDictEntry *e;

  PetscFunctionBegin;
  PetscCall(Get(d, key, PD_DICT_REAL, &e));
  *value = e->type == PD_DICT_INT ? (double)e->i : e->r;
  PetscFunctionReturn(0);
}

PetscErrorCode PdDictGetBool(PdDict d, const char key[], PetscBool *value)
{
  PdDictEntry *e;

  PetscFunctionBegin;
  PetscCall(Get(d, key, PD_DICT_BOOL, &e));
  *value = e->i ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode PdDictGetSize(PdDict d, PetscInt *n)
{
  PetscFunctionBegin;
  *n = d->n;
  PetscFunctionReturn(0);
}

PetscErrorCode PdDictGetEntry(PdDict d, PetscInt k, const char **key, PdDictType *type)
{
  PetscFunctionBegin;
  PetscCheck(k >= 0 && k < d->n, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "Entry %" PetscInt_FMT " of a dictionary of %" PetscInt_FMT, k, d->n);
  if (key) *key = d->e[k].key;
  if (type) *type = d->e[k].type;
  PetscFunctionReturn(0);
}

static void JSONString(FILE *f, const char *s)
{
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    switch (*p) {
    case '"':
      fputs("\\\"", f);
      break;
    case '\\':
      fputs("\\\\", f);
      break;
    case '\n':
      fputs("\\n", f);
      break;
    case '\t':
      fputs("\\t", f);
      break;
    case '\r':
      fputs("\\r", f);
      break;
    default:
      if (*p < 0x20) fprintf(f, "\\u%04x", *p);
      else fputc(*p, f);
    }
  }
  fputc('"', f);
}

/* the dictionary as one flat JSON object (the write errors are the commit's to find) */
static PetscErrorCode FillJSON(FILE *f, void *ctx, int *ok, char msg[], size_t mlen)
{
  PdDict d = (PdDict)ctx;

  PetscFunctionBegin;
  fputs("{", f);
  for (PetscInt k = 0; k < d->n; k++) {
    PdDictEntry *e = &d->e[k];
    fputs(k ? ",\n  " : "\n  ", f);
    JSONString(f, e->key);
    fputs(": ", f);
    switch (e->type) {
    case PD_DICT_STRING:
      JSONString(f, e->s);
      break;
    case PD_DICT_INT:
      fprintf(f, "%" PetscInt64_FMT, e->i);
      break;
    case PD_DICT_REAL:
      if (PetscIsInfOrNanReal(e->r)) fputs("null", f);
      else fprintf(f, "%.17g", e->r);
      break;
    case PD_DICT_BOOL:
      fputs(e->i ? "true" : "false", f);
      break;
    }
  }
  fputs("\n}\n", f);
  PetscFunctionReturn(0);
}

/*@
  PdDictWriteJSON - write the dictionary as one flat JSON object

  Rank 0 of comm writes file.tmp and renames it, so a reader never sees half a file. Reals use
  %.17g; NaN and Inf, which JSON lacks, are written as null.
@*/
PetscErrorCode PdDictWriteJSON(PdDict d, MPI_Comm comm, const char file[])
{
  int  ok;
  char msg[PETSC_MAX_PATH_LEN + 256];

  PetscFunctionBegin;
  PetscCall(PdTmpFileWriteRoot(comm, file, "w", FillJSON, d, &ok, msg, sizeof(msg)));
  PetscCheck(ok, comm, PETSC_ERR_FILE_WRITE, "Cannot write the report '%s': %s", file, msg);
  PetscFunctionReturn(0);
}
