/* Training losses: mean-squared error and the relative L2 error the FNO paper trains with. The
   target receives no gradient. Sums are accumulated in double. */
#include <pdeop/ops.h>

static PetscErrorCode CheckSame(const char *op, PdTensor p, PdTensor t)
{
  char sp[96], st[96];

  PetscFunctionBegin;
  if (!PdShapeEqual(p, t)) {
    PetscCall(PdShapeString(p->ndim, p->shape, sp, sizeof(sp)));
    PetscCall(PdShapeString(t->ndim, t->shape, st, sizeof(st)));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "%s: prediction %s and target %s differ in shape", op, sp, st);
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode MSEBackward(PdTensor l)
{
  PdTensor    p = l->src[0], t = l->src[1];
  const float s = 2.0f * l->grad[0] / (float)p->size;

  PetscFunctionBegin;
  /* l = mean (p - t)^2 */
  if (p->grad)
    for (PetscInt i = 0; i < p->size; i++) p->grad[i] += s * (p->data[i] - t->data[i]);
  PetscFunctionReturn(0);
}

/*@ PdMSELoss - mean over all entries of (p - t)^2 @*/
PetscErrorCode PdMSELoss(PdTensor p, PdTensor t, PdTensor *out)
{
  PdTape         tape;
  PdTensor       l;
  const PetscInt one = 1;
  double         s   = 0;

  PetscFunctionBegin;
  PetscCall(PdOpGetTape(p, t, NULL, &tape));
  PetscCall(CheckSame("PdMSELoss", p, t));
  PetscCall(PdTapeNewNode(tape, PD_OP_MSE, 1, &one, PdNeedsGrad(tape, p, NULL, NULL), &l));
  l->src[0]   = p;
  l->src[1]   = t;
  l->backward = MSEBackward;
  for (PetscInt i = 0; i < p->size; i++) {
    double d = (double)p->data[i] - (double)t->data[i];
    s += d * d;
  }
  l->data[0] = (float)(s / (double)p->size);
  *out       = l;
  PetscFunctionReturn(0);
}

static PetscErrorCode RelL2Backward(PdTensor l)
{
  PdTensor       p = l->src[0], t = l->src[1];
  const PetscInt B = p->shape[0], n = p->size / B;
  const double  *dn = (const double *)l->aux, *tn = dn + B;

  PetscFunctionBegin;
  /* l = (1/B) sum_b ||p_b - t_b|| / ||t_b||;  d/dp_b = (p_b - t_b) / (B ||p_b - t_b|| ||t_b||) */
  if (!p->grad) PetscFunctionReturn(0);
  for (PetscInt b = 0; b < B; b++) {
    if (dn[b] == 0) continue; /* exact prediction: the norm's subgradient 0 */
    const float s = (float)((double)l->grad[0] / ((double)B * dn[b] * tn[b]));
    for (PetscInt i = b * n; i < (b + 1) * n; i++) p->grad[i] += s * (p->data[i] - t->data[i]);
  }
  PetscFunctionReturn(0);
}

/*@ PdRelL2Loss - mean over samples (dimension 0) of ||p_b - t_b|| / ||t_b|| @*/
PetscErrorCode PdRelL2Loss(PdTensor p, PdTensor t, PdTensor *out)
{
  PdTape         tape;
  PdTensor       l;
  const PetscInt one = 1;
  PetscInt       B, n;
  double        *dn, *tn, s = 0;

  PetscFunctionBegin;
  PetscCall(PdOpGetTape(p, t, NULL, &tape));
  PetscCall(CheckSame("PdRelL2Loss", p, t));
  B = p->shape[0];
  n = p->size / B;
  PetscCall(PdTapeNewNode(tape, PD_OP_REL_L2, 1, &one, PdNeedsGrad(tape, p, NULL, NULL), &l));
  PetscCall(PdTapeAlloc(tape, 2 * sizeof(double) * (size_t)B, &l->aux));
  dn          = (double *)l->aux;
  tn          = dn + B;
  l->src[0]   = p;
  l->src[1]   = t;
  l->backward = RelL2Backward;
  for (PetscInt b = 0; b < B; b++) {
    double d2 = 0, t2 = 0;
    for (PetscInt i = b * n; i < (b + 1) * n; i++) {
      double d = (double)p->data[i] - (double)t->data[i];
      d2 += d * d;
      t2 += (double)t->data[i] * (double)t->data[i];
    }
    PetscCheck(t2 > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "PdRelL2Loss: target sample %" PetscInt_FMT " is all zeros, its relative error is undefined", b);
    dn[b] = PetscSqrtReal(d2);
    tn[b] = PetscSqrtReal(t2);
    s += dn[b] / tn[b];
  }
  l->data[0] = (float)(s / (double)B);
  *out       = l;
  PetscFunctionReturn(0);
}
