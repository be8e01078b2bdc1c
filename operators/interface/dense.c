/* A stack of fully connected layers with an activation between them: the building block of the
   mlp type and of DeepONet's branch and trunk networks. */
#include "interface/nopimpl.h"

const char *const PdActivations[] = {"tanh", "gelu", "relu", "sin", "softplus", "PdActivation", "PD_ACT_", NULL};

/* Declare layers sizes[0] -> sizes[1] -> ... -> sizes[n], Glorot-uniform weights and zero biases,
   named <prefix>.layer<l>.weight/bias (or layer<l>.* with an empty prefix). */
PetscErrorCode PdDenseStackSetUp(PdDenseStack *s, PdParams params, const char prefix[], PetscInt n, const PetscInt sizes[], PdActivation act, PetscBool act_last)
{
  PetscFunctionBegin;
  s->n        = n;
  s->act      = act;
  s->act_last = act_last;
  PetscCall(PetscCalloc2(n, &s->W, n, &s->b));
  for (PetscInt l = 0; l < n; l++) {
    PetscInt ws[2] = {sizes[l + 1], sizes[l]};
    char     name[96];

    PetscCall(PetscSNPrintf(name, sizeof(name), "%s%slayer%" PetscInt_FMT ".weight", prefix, prefix[0] ? "." : "", l));
    PetscCall(PdParamsAdd(params, name, 2, ws, PD_INIT_UNIFORM, (float)PetscSqrtReal(6.0 / (double)(sizes[l] + sizes[l + 1])), &s->W[l]));
    PetscCall(PdParamsSetKind(params, s->W[l], PD_PARAM_MATRIX));
    PetscCall(PetscSNPrintf(name, sizeof(name), "%s%slayer%" PetscInt_FMT ".bias", prefix, prefix[0] ? "." : "", l));
    PetscCall(PdParamsAdd(params, name, 1, &ws[0], PD_INIT_ZERO, 0.0f, &s->b[l]));
  }
  PetscFunctionReturn(0);
}

/* the engine's op of each activation, indexed by PdActivation */
static PetscErrorCode (*const ActivationOps[])(PdTensor, PdTensor *) = {PdTanh, PdGelu, PdRelu, PdSin, PdSoftplus};

/* y = act(x) elementwise */
PetscErrorCode PdActivate(PdActivation act, PdTensor x, PdTensor *y)
{
  PetscFunctionBegin;
  PetscCheck(act >= PD_ACT_TANH && act <= PD_ACT_SOFTPLUS, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "PdActivate: unknown activation %d", (int)act);
  PetscCall(ActivationOps[act](x, y));
  PetscFunctionReturn(0);
}

/* x [R, sizes[0]] -> [R, sizes[n]] */
PetscErrorCode PdDenseStackForward(PdDenseStack *s, PdTensor x, PdTensor *y)
{
  PdTensor h = x;

  PetscFunctionBegin;
  for (PetscInt l = 0; l < s->n; l++) {
    PetscCall(PdLinear(h, s->W[l], s->b[l], &h));
    if (l < s->n - 1 || s->act_last) PetscCall(PdActivate(s->act, h, &h));
  }
  *y = h;
  PetscFunctionReturn(0);
}

PetscErrorCode PdDenseStackDestroy(PdDenseStack *s)
{
  PetscFunctionBegin;
  PetscCall(PetscFree2(s->W, s->b));
  PetscFunctionReturn(0);
}

PetscErrorCode PdActivationFromString(MPI_Comm comm, const char str[], PdActivation *act)
{
  PetscBool found = PETSC_FALSE;

  PetscFunctionBegin;
  for (int i = 0; i < 5 && !found; i++) {
    PetscCall(PetscStrcmp(str, PdActivations[i], &found));
    if (found) *act = (PdActivation)i;
  }
  PetscCheck(found, comm, PETSC_ERR_FILE_UNEXPECTED, "Unknown activation '%s' (tanh, gelu, relu, sin, softplus)", str);
  PetscFunctionReturn(0);
}
