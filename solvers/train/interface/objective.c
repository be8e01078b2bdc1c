/* PdObjective: what a training loop minimises (a type from a PetscFunctionList registry), with the
   properties that tell the one loop of PdTrainer how to treat it (solvers/train/trainimpl.h). */
#include "../trainimpl.h"
#include <pdeop/registry.h>

static PdRegistry PdObjectiveRegistry = PD_REGISTRY_INITIALIZER("objective type");

/*@
  PdObjectiveRegister - add an objective type: create fills the ops table, sets obj->data (a
  PetscMalloc block, freed by the interface after the type's destroy) and obj->params

  Input: name, create
@*/
PetscErrorCode PdObjectiveRegister(const char name[], PetscErrorCode (*create)(PdObjective))
{
  PetscFunctionBegin;
  PetscCall(PdObjectiveRegisterAll());
  PetscCall(PdRegistryAdd(&PdObjectiveRegistry, name, NULL, (PetscVoidFunction)create));
  PetscFunctionReturn(0);
}

/*@ PdObjectiveRegisterAll - register the built-in objective types (once; freed at PetscFinalize) @*/
PetscErrorCode PdObjectiveRegisterAll(void)
{
  PetscBool todo;

  PetscFunctionBegin;
  PetscCall(PdRegistryBeginAll(&PdObjectiveRegistry, &todo));
  if (!todo) PetscFunctionReturn(0);
  PetscCall(PdObjectiveRegister(PDOBJECTIVESUPERVISED, PdObjectiveCreate_Supervised));
  PetscCall(PdObjectiveRegister(PDOBJECTIVEROLLOUT, PdObjectiveCreate_Rollout));
  PetscCall(PdObjectiveRegister(PDOBJECTIVELEARNEDIC, PdObjectiveCreate_LearnedIC));
  PetscCall(PdObjectiveRegister(PDOBJECTIVEDCDM, PdObjectiveCreate_DCDM));
  PetscCall(PdObjectiveRegister(PDOBJECTIVEPINNBALL, PdObjectiveCreate_PinnBall));
  PetscCall(PdObjectiveRegister(PDOBJECTIVEPINNMESH, PdObjectiveCreate_PinnMesh));
  PetscFunctionReturn(0);
}

/*@ PdObjectiveCreate - an objective without a type (PdObjectiveSetType next) @*/
PetscErrorCode PdObjectiveCreate(MPI_Comm comm, PdObjective *obj)
{
  PdObjective o;

  PetscFunctionBegin;
  PetscCall(PdObjectiveRegisterAll());
  PetscCall(PetscNew(&o));
  o->comm         = comm;
  o->refct        = 1;
  o->stream       = PD_RNG_STREAM_EPOCH;
  o->shuffle      = PETSC_TRUE;
  o->averaging    = PD_OBJECTIVE_SHARE;
  o->metric_print = "%.4e";
  o->metric_csv   = "%.9g";
  PetscCall(PetscStrncpy(o->loss_label, "loss", sizeof(o->loss_label)));
  PetscCall(PetscStrncpy(o->loss_column, "loss", sizeof(o->loss_column)));
  *obj = o;
  PetscFunctionReturn(0);
}

/*@ PdObjectiveSetType - choose the type (registered with PdObjectiveRegister) @*/
PetscErrorCode PdObjectiveSetType(PdObjective obj, PdObjectiveType type)
{
  PetscErrorCode (*create)(PdObjective);

  PetscFunctionBegin;
  PetscCall(PdRegistryChange(&PdObjectiveRegistry, obj->comm, obj->type, type, (PetscVoidFunction *)&create));
  if (!create) PetscFunctionReturn(0);
  if (obj->ops->destroy) PetscCall((*obj->ops->destroy)(obj));
  PetscCall(PetscMemzero(obj->ops, sizeof(obj->ops)));
  PetscCall(PetscFree(obj->data));
  PetscCall(PetscFree(obj->type));
  PetscCall(PetscStrallocpy(type, &obj->type));
  PetscCall((*create)(obj));
  PetscFunctionReturn(0);
}

/* A step-based objective (the PINNs): each trainer "epoch" is one optimizer step over its items in
   order, with no epoch line, CSV row or curve, under one progress line labelled progress */
PetscErrorCode PdObjectiveSetStepBased(PdObjective obj, const char progress[])
{
  PetscFunctionBegin;
  obj->shuffle      = PETSC_FALSE;
  obj->quiet_epochs = PETSC_TRUE;
  PetscCall(PetscStrncpy(obj->progress, progress, sizeof(obj->progress)));
  PetscFunctionReturn(0);
}

/* A type's SetModel: obj must be of the type whose destroy is given (types names it in the error);
   it trains the parameters of nop (not copied), its epochs ordered by seed */
PetscErrorCode PdObjectiveSetModelParams(PdObjective obj, PetscErrorCode (*destroy)(PdObjective), const char types[], NOp nop, PetscInt64 seed)
{
  PetscFunctionBegin;
  PetscCheck(obj->ops->destroy == destroy, obj->comm, PETSC_ERR_ARG_WRONG, "The objective is %s, not %s", obj->type, types);
  obj->seed = seed;
  PetscCall(NOpGetParams(nop, &obj->params));
  PetscFunctionReturn(0);
}

/*@ PdObjectiveGetType - the type's name @*/
PetscErrorCode PdObjectiveGetType(PdObjective obj, PdObjectiveType *type)
{
  PetscFunctionBegin;
  *type = obj->type;
  PetscFunctionReturn(0);
}

/*@ PdObjectiveGetParams - the parameters the objective trains @*/
PetscErrorCode PdObjectiveGetParams(PdObjective obj, PdParams *params)
{
  PetscFunctionBegin;
  *params = obj->params;
  PetscFunctionReturn(0);
}

/*@ PdObjectiveDestroy - drop a reference (a trainer holds one); the last frees the type's data @*/
PetscErrorCode PdObjectiveDestroy(PdObjective *obj)
{
  PetscFunctionBegin;
  if (!*obj) PetscFunctionReturn(0);
  if (--(*obj)->refct > 0) {
    *obj = NULL;
    PetscFunctionReturn(0);
  }
  if ((*obj)->ops->destroy) PetscCall((*(*obj)->ops->destroy)(*obj));
  PetscCall(PetscFree((*obj)->data));
  PetscCall(PetscFree((*obj)->type));
  PetscCall(PetscFree(*obj));
  PetscFunctionReturn(0);
}
