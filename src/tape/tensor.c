/* The tape: an arena for tensors recorded during a forward pass, and the reverse sweep that runs
   their backward rules. After the first pass of a given shape the arena has grown to its high-water
   mark, and later passes (PdTapeReset, then the same forward) allocate nothing. */
#include <pdeop/ops.h>
#include "sys/array.h"
#if defined(__linux__)
  #include <sys/mman.h>
#endif

const char *const PdOpNames[] = {"leaf", "matmul", "bmm", "linear", "add", "sub", "mul", "div", "scale", "add_scalar", "sum", "mean", "sum_dim", "tanh", "sin", "cos", "exp", "gelu", "relu", "softplus", "square", "concat", "slice", "reshape", "channel_mix", "spectral_conv", "conv3x3", "conv3x3_t", "mse", "rel_l2", "gather", "scatter_add", "edge_matvec", "jet_activation", "gather_columns", "channel_mix_fused", "mat_apply", "pc_apply", "swap_leading", "channel_mlp"};
_Static_assert(sizeof(PdOpNames) / sizeof(PdOpNames[0]) == PD_OP_COUNT, "every PdOpType needs a name in PdOpNames");

#define PD_ALIGN       64
#define PD_BLOCK_BYTES ((size_t)1 << 22)

typedef struct _PdBlock {
  struct _PdBlock *next;
  size_t           size, used;
  char            *mem;
} PdBlock;

struct _n_PdTape {
  MPI_Comm  comm;
  PdBlock  *first, *cur;
  PdTensor *nodes;
  PetscInt  nnodes, maxnodes;
  PetscBool grad_enabled;
  PetscInt  nblockallocs; /* how many times the arena grew: constant after the first pass */
};

PetscErrorCode PdTapeCreate(MPI_Comm comm, PdTape *tape)
{
  PdTape t;

  PetscFunctionBegin;
  PetscCall(PetscNew(&t));
  t->comm         = comm;
  t->grad_enabled = PETSC_TRUE;
  *tape           = t;
  PetscFunctionReturn(0);
}

PetscErrorCode PdTapeDestroy(PdTape *tape)
{
  PdBlock *b, *n;

  PetscFunctionBegin;
  if (!*tape) PetscFunctionReturn(0);
  for (b = (*tape)->first; b; b = n) {
    n = b->next;
    PetscCall(PdFreeHuge(&b->mem));
    PetscCall(PetscFree(b));
  }
  PetscCall(PetscFree((*tape)->nodes));
  PetscCall(PetscFree(*tape));
  PetscFunctionReturn(0);
}

/* Forget all recorded tensors; their memory is reused by the next forward pass. */
PetscErrorCode PdTapeReset(PdTape tape)
{
  PetscFunctionBegin;
  for (PdBlock *b = tape->first; b; b = b->next) b->used = 0;
  tape->cur    = tape->first;
  tape->nnodes = 0;
  PetscFunctionReturn(0);
}

PetscErrorCode PdTapeSetGradEnabled(PdTape tape, PetscBool flg)
{
  PetscFunctionBegin;
  tape->grad_enabled = flg;
  PetscFunctionReturn(0);
}

PetscErrorCode PdTapeGetGradEnabled(PdTape tape, PetscBool *flg)
{
  PetscFunctionBegin;
  *flg = tape->grad_enabled;
  PetscFunctionReturn(0);
}

PetscErrorCode PdTapeGetComm(PdTape tape, MPI_Comm *comm)
{
  PetscFunctionBegin;
  *comm = tape->comm;
  PetscFunctionReturn(0);
}

/* Bytes reserved by the arena and how many times it has grown (for tests of "no allocation
   after the first step"). */
PetscErrorCode PdTapeGetArenaSize(PdTape tape, size_t *bytes, PetscInt *growths)
{
  PetscFunctionBegin;
  if (bytes) {
    *bytes = 0;
    for (PdBlock *b = tape->first; b; b = b->next) *bytes += b->size;
  }
  if (growths) *growths = tape->nblockallocs;
  PetscFunctionReturn(0);
}

static PetscErrorCode TapeAlloc(PdTape tape, size_t bytes, PetscBool zero, void **ptr);

/* Zeroed, 64-byte aligned scratch memory that lives until the next PdTapeReset. */
PetscErrorCode PdTapeAlloc(PdTape tape, size_t bytes, void **ptr)
{
  PetscFunctionBegin;
  PetscCall(TapeAlloc(tape, bytes, PETSC_TRUE, ptr));
  PetscFunctionReturn(0);
}

/* Uninitialised, 64-byte aligned scratch memory that lives until the next PdTapeReset. */
PetscErrorCode PdTapeAllocUninit(PdTape tape, size_t bytes, void **ptr)
{
  PetscFunctionBegin;
  PetscCall(TapeAlloc(tape, bytes, PETSC_FALSE, ptr));
  PetscFunctionReturn(0);
}

/* The arena's current position: a block and its fill */
PetscErrorCode PdTapeGetMark(PdTape tape, PdTapeMark *mark)
{
  PetscFunctionBegin;
  mark->block = tape->cur;
  mark->used  = tape->cur ? tape->cur->used : 0;
  PetscFunctionReturn(0);
}

/* Back to a mark: later allocations reuse what was allocated after it (the blocks past the mark's stay
   in the arena and are refilled from their start when reached, as after PdTapeReset). An operation's
   scratch thus lives only while the operation runs, and a pass's arena holds its tensors and the
   largest scratch rather than the sum of all scratch. */
PetscErrorCode PdTapeRelease(PdTape tape, const PdTapeMark *mark)
{
  PetscFunctionBegin;
  if (mark->block) {
    tape->cur       = (PdBlock *)mark->block;
    tape->cur->used = mark->used;
  } else if (tape->first) { /* marked before the first block existed */
    tape->cur         = tape->first;
    tape->first->used = 0;
  }
  PetscFunctionReturn(0);
}

/*@ PdMallocHuge - uninitialised memory for large arrays that are filled once and reused: on Linux,
  whole 2 MB pages, 2 MB aligned, with a request for transparent huge pages (a hint, where the system
  leaves them to madvise), so that the first pass over it takes one page fault per 2 MB instead of one
  per 4 KB. That matters on virtual machines, where a fault is expensive. *bytes may grow (to whole
  huge pages). Free with PdFreeHuge. The tape's arena lives in it: the trial forward pass of a 65^3
  dcdm solve, which faults in its 80 MB, took 0.19-0.20 s with 4 KB pages and 0.04-0.16 s with this
  (on a virtual machine where the system gives huge pages on madvise; the spread is its compaction). @*/
#define PD_HUGE_BYTES ((size_t)1 << 21)
PetscErrorCode PdMallocHuge(size_t *bytes, void **mem)
{
  PetscFunctionBegin;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  {
    /* through PetscMalloc, so that PETSc's leak checks still see it: 2 MB more, the aligned start
       past a pointer to what PetscMalloc returned (the pages before it are never touched but that one) */
    char *base;
    *bytes = (*bytes + PD_HUGE_BYTES - 1) / PD_HUGE_BYTES * PD_HUGE_BYTES;
    PetscCall(PetscMalloc(*bytes + PD_HUGE_BYTES + sizeof(void *), &base));
    *mem                = (void *)(((uintptr_t)base + sizeof(void *) + PD_HUGE_BYTES - 1) & ~(uintptr_t)(PD_HUGE_BYTES - 1));
    ((void **)*mem)[-1] = base;
    (void)madvise(*mem, *bytes, MADV_HUGEPAGE); /* a refusal leaves ordinary pages */
  }
#else
  PetscCall(PetscMalloc(*bytes, mem));
#endif
  PetscFunctionReturn(0);
}

/*@ PdFreeHuge - frees what PdMallocHuge allocated, and sets the pointer to NULL @*/
PetscErrorCode PdFreeHuge(void *ptr)
{
  void **mem = (void **)ptr;

  PetscFunctionBegin;
  if (!*mem) PetscFunctionReturn(0);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  {
    void *base = ((void **)*mem)[-1];
    PetscCall(PetscFree(base));
    *mem = NULL;
  }
#else
  PetscCall(PetscFree(*mem));
#endif
  PetscFunctionReturn(0);
}

static PetscErrorCode TapeAlloc(PdTape tape, size_t bytes, PetscBool zero, void **ptr)
{
  PdBlock *b = tape->cur;

  PetscFunctionBegin;
  bytes = (bytes + PD_ALIGN - 1) / PD_ALIGN * PD_ALIGN;
  if (!bytes) bytes = PD_ALIGN;
  while (b && b->used + bytes > b->size) {
    b = b->next;
    if (b) b->used = 0;
  }
  if (!b) {
    PdBlock *nb;
    size_t   sz = PetscMax(PD_BLOCK_BYTES, bytes + PD_ALIGN);

    PetscCall(PetscNew(&nb));
    PetscCall(PdMallocHuge(&sz, (void **)&nb->mem)); /* the arena's first pass faults in huge pages; sz may grow */
    nb->size = sz;
    if (tape->cur) {
      nb->next        = tape->cur->next;
      tape->cur->next = nb;
    } else {
      nb->next    = tape->first;
      tape->first = nb;
    }
    b = nb;
    tape->nblockallocs++;
  }
  tape->cur = b;
  {
    char     *p   = b->mem + b->used;
    uintptr_t pad = (PD_ALIGN - ((uintptr_t)p % PD_ALIGN)) % PD_ALIGN;

    if (b->used + pad + bytes > b->size) { /* alignment pushed us over: take a fresh block */
      tape->cur->used = b->size;
      PetscCall(TapeAlloc(tape, bytes, zero, ptr));
      PetscFunctionReturn(0);
    }
    p += pad;
    b->used += pad + bytes;
    if (zero) PetscCall(PetscMemzero(p, bytes));
    *ptr = p;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode PdShapeSize(int ndim, const PetscInt shape[], PetscInt *size)
{
  PetscInt64 s = 1;

  PetscFunctionBegin;
  PetscCheck(ndim >= 1 && ndim <= PD_MAX_DIMS, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "Tensor rank %d outside 1..%d", ndim, PD_MAX_DIMS);
  for (int i = 0; i < ndim; i++) {
    PetscCheck(shape[i] >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "Tensor dimension %d has size %" PetscInt_FMT "; sizes must be at least 1", i, shape[i]);
    s *= shape[i];
    PetscCheck(s <= PETSC_MAX_INT, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "A tensor with a dimension of size %" PetscInt_FMT " has more entries than PetscInt counts (%" PetscInt64_FMT " after %d dimensions): a model or data size is too large", shape[i], s, i + 1);
  }
  *size = (PetscInt)s;
  PetscFunctionReturn(0);
}

PetscErrorCode PdShapeString(int ndim, const PetscInt shape[], char str[], size_t len)
{
  size_t n = 0;

  PetscFunctionBegin;
  str[0] = 0;
  n += (size_t)snprintf(str + n, len - n, "[");
  for (int i = 0; i < ndim && n < len; i++) n += (size_t)snprintf(str + n, len - n, i ? ",%" PetscInt_FMT : "%" PetscInt_FMT, shape[i]);
  if (n < len) snprintf(str + n, len - n, "]");
  PetscFunctionReturn(0);
}

PetscBool PdShapeEqual(PdTensor a, PdTensor b)
{
  if (a->ndim != b->ndim) return PETSC_FALSE;
  for (int i = 0; i < a->ndim; i++)
    if (a->shape[i] != b->shape[i]) return PETSC_FALSE;
  return PETSC_TRUE;
}

static PetscErrorCode NewNode(PdTape tape, PdOpType op, int ndim, const PetscInt shape[], PetscBool needgrad, PetscBool zerograd, PdTensor *out);

/* A new recorded tensor. Its data are NOT initialised (every op writes all of its output; those
   that accumulate zero it first); its gradient, when needgrad, is zeroed. */
PetscErrorCode PdTapeNewNode(PdTape tape, PdOpType op, int ndim, const PetscInt shape[], PetscBool needgrad, PdTensor *out)
{
  PetscFunctionBegin;
  PetscCall(NewNode(tape, op, ndim, shape, needgrad, PETSC_TRUE, out));
  PetscFunctionReturn(0);
}

/* A new recorded tensor whose gradient is left unset (see tensor.h): one full pass fewer per tensor
   when the first backward to reach it overwrites instead of adding. */
PetscErrorCode PdTapeNewNodeUnsetGrad(PdTape tape, PdOpType op, int ndim, const PetscInt shape[], PetscBool needgrad, PdTensor *out)
{
  PetscFunctionBegin;
  PetscCall(NewNode(tape, op, ndim, shape, needgrad, PETSC_FALSE, out));
  PetscFunctionReturn(0);
}

/* An op's node on up to three inputs (NULL: none), its sources src[0..2]: it needs a gradient when
   one of them has one, and backward is its rule. */
PetscErrorCode PdTapeRecord(PdTape tape, PdOpType op, int ndim, const PetscInt shape[], PdBackwardFn backward, PdTensor a, PdTensor b, PdTensor c, PdTensor *out)
{
  PetscFunctionBegin;
  PetscCall(NewNode(tape, op, ndim, shape, PdNeedsGrad(tape, a, b, c), PETSC_TRUE, out));
  (*out)->src[0]   = a;
  (*out)->src[1]   = b;
  (*out)->src[2]   = c;
  (*out)->backward = backward;
  PetscFunctionReturn(0);
}

/* For a backward rule about to write t's gradient: true when nothing has written it yet, so the rule
   must overwrite (assign, or beta = 0) instead of adding; the gradient then counts as written. */
PetscBool PdGradFirstWrite(PdTensor t)
{
  PetscBool first = t->grad_unset;
  t->grad_unset   = PETSC_FALSE;
  return first;
}

static PetscErrorCode NewNode(PdTape tape, PdOpType op, int ndim, const PetscInt shape[], PetscBool needgrad, PetscBool zerograd, PdTensor *out)
{
  PdTensor t;
  PetscInt size;

  PetscFunctionBegin;
  PetscCall(PdShapeSize(ndim, shape, &size));
  PetscCall(PdTapeAlloc(tape, sizeof(struct _n_PdTensor), (void **)&t));
  t->ndim = ndim;
  for (int i = 0; i < ndim; i++) t->shape[i] = shape[i];
  t->size = size;
  t->tape = tape;
  t->op   = op;
  PetscCall(TapeAlloc(tape, sizeof(float) * (size_t)size, PETSC_FALSE, (void **)&t->data));
  if (needgrad && tape->grad_enabled) {
    PetscCall(TapeAlloc(tape, sizeof(float) * (size_t)size, zerograd, (void **)&t->grad));
    t->grad_unset = (PetscBool)!zerograd;
  }
  PetscCall(PdArrayMakeRoom(sizeof(PdTensor), tape->nnodes, 64, &tape->maxnodes, (void **)&tape->nodes));
  tape->nodes[tape->nnodes++] = t;
  *out                        = t;
  PetscFunctionReturn(0);
}

/* A leaf on the tape that receives no gradient: the caller fills ->data (a batch of inputs). */
PetscErrorCode PdTapeInput(PdTape tape, int ndim, const PetscInt shape[], PdTensor *t)
{
  PetscFunctionBegin;
  PetscCall(PdTapeNewNode(tape, PD_OP_LEAF, ndim, shape, PETSC_FALSE, t));
  PetscFunctionReturn(0);
}

/* A leaf on the tape that receives a gradient (for derivatives with respect to inputs). */
PetscErrorCode PdTapeVariable(PdTape tape, int ndim, const PetscInt shape[], PdTensor *t)
{
  PetscFunctionBegin;
  PetscCall(PdTapeNewNode(tape, PD_OP_LEAF, ndim, shape, PETSC_TRUE, t));
  PetscFunctionReturn(0);
}

/* The tape an operation records on: that of any input that has one. */
PetscErrorCode PdOpGetTape(PdTensor a, PdTensor b, PdTensor c, PdTape *tape)
{
  PetscFunctionBegin;
  *tape = NULL;
  if (a && a->tape) *tape = a->tape;
  else if (b && b->tape) *tape = b->tape;
  else if (c && c->tape) *tape = c->tape;
  PetscCheck(*tape, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE, "Operation has no tape: at least one input must be recorded on a PdTape (PdTapeInput/PdTapeVariable)");
  PetscFunctionReturn(0);
}

PetscBool PdNeedsGrad(PdTape tape, PdTensor a, PdTensor b, PdTensor c)
{
  if (!tape->grad_enabled) return PETSC_FALSE;
  return (PetscBool)((a && a->grad) || (b && b->grad) || (c && c->grad));
}

/* Reverse sweep with the caller's seed already in out->grad (any shape; assigned, if out's gradient
   was left unset): runs each recorded operation's backward rule in reverse order. Gradients
   accumulate into parameters. Unset gradients are zeroed here only where a rule would add to them. */
PetscErrorCode PdTapeBackwardSeeded(PdTape tape, PdTensor out)
{
  PetscFunctionBegin;
  PetscCheck(out->grad, tape->comm, PETSC_ERR_ARG_WRONGSTATE, "Backward from a tensor that does not depend on any parameter or variable (or gradients were disabled)");
  PetscCall(PetscLogEventBegin(PD_EVENT_Backward, 0, 0, 0, 0));
  out->grad_unset = PETSC_FALSE; /* the caller's seed */
  for (PetscInt i = tape->nnodes - 1; i >= 0; i--) {
    PdTensor t = tape->nodes[i];
    if (!t->grad || !t->backward) continue;
    if (t->grad_unset) PetscCall(PetscArrayzero(t->grad, t->size)); /* nothing after it wrote it */
    t->grad_unset = PETSC_FALSE;
    if (!t->grad_overwrite) /* a backward that adds: its sources' gradients must hold values */
      for (int k = 0; k < 4; k++) {
        PdTensor s = t->src[k];
        if (s && s->grad && s->grad_unset) {
          PetscCall(PetscArrayzero(s->grad, s->size));
          s->grad_unset = PETSC_FALSE;
        }
      }
    PetscCall(t->backward(t));
  }
  PetscCall(PetscLogEventEnd(PD_EVENT_Backward, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* Reverse sweep from a one-element tensor (a loss): seeds d(out)/d(out) = 1. */
PetscErrorCode PdTapeBackward(PdTape tape, PdTensor out)
{
  PetscFunctionBegin;
  PetscCheck(out->size == 1, tape->comm, PETSC_ERR_ARG_SIZ, "Backward needs a one-element output (a loss), got %" PetscInt_FMT " elements", out->size);
  PetscCheck(out->grad, tape->comm, PETSC_ERR_ARG_WRONGSTATE, "Backward from a tensor that does not depend on any parameter or variable (or gradients were disabled)");
  if (out->grad_unset) out->grad[0] = 0.0f;
  out->grad[0] += 1.0f;
  PetscCall(PdTapeBackwardSeeded(tape, out));
  PetscFunctionReturn(0);
}

PetscErrorCode PdTensorCreate(int ndim, const PetscInt shape[], PetscBool withgrad, PdTensor *out)
{
  PdTensor t;

  PetscFunctionBegin;
  PetscCall(PetscNew(&t));
  PetscCall(PdShapeSize(ndim, shape, &t->size));
  t->ndim = ndim;
  for (int i = 0; i < ndim; i++) t->shape[i] = shape[i];
  PetscCall(PetscCalloc1(t->size, &t->data));
  if (withgrad) PetscCall(PetscCalloc1(t->size, &t->grad));
  *out = t;
  PetscFunctionReturn(0);
}

PetscErrorCode PdTensorDestroy(PdTensor *t)
{
  PetscFunctionBegin;
  if (!*t) PetscFunctionReturn(0);
  PetscCheck(!(*t)->tape, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE, "Tensors recorded on a tape are freed by PdTapeReset/PdTapeDestroy");
  PetscCall(PetscFree((*t)->data));
  PetscCall(PetscFree((*t)->grad));
  PetscCall(PetscFree(*t));
  PetscFunctionReturn(0);
}

PetscErrorCode PdTensorView(PdTensor t, PetscViewer viewer)
{
  char s[128];

  PetscFunctionBegin;
  if (!viewer) viewer = PETSC_VIEWER_STDOUT_SELF;
  PetscCall(PdShapeString(t->ndim, t->shape, s, sizeof(s)));
  PetscCall(PetscViewerASCIIPrintf(viewer, "PdTensor %s%s op=%s shape %s\n", t->name ? t->name : "", t->name ? ":" : "", PdOpNames[t->op], s));
  for (PetscInt i = 0; i < PetscMin(t->size, 16); i++) PetscCall(PetscViewerASCIIPrintf(viewer, " %g", (double)t->data[i]));
  PetscCall(PetscViewerASCIIPrintf(viewer, "%s\n", t->size > 16 ? " ..." : ""));
  PetscFunctionReturn(0);
}
