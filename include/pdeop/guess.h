/* KSPGuess type "nop": a Krylov solve's initial guess predicted by a pdeop neural operator (a
   model of one 2D field to one 2D field, such as `pdeop train` makes from `pdeop data darcy`). */
#pragma once
#include <petscksp.h>
#include <pdeop/nop.h>
#include <pdeop/dict.h>

#define KSPGUESSNOP "nop"
/* Name under which a Vec (the model's input field, in the solution's layout) is composed on the
   operator Mat with PetscObjectCompose; `pdeop solve darcy` composes its coefficient there. */
#define KSPGUESSNOP_INPUT "pdeop_nop_input"

/* Where the model's input comes from: auto (the field given by KSPGuessNOpSetInput, else the Vec
   composed on the operator, else the diagonal), diagonal (A_ii h^2 / 4 with h = 1/(M-1): the
   coefficient of a 5-point diffusion operator), rhs (the right-hand side b). */
typedef enum { KSPGUESSNOP_INPUT_AUTO,
               KSPGUESSNOP_INPUT_DIAGONAL,
               KSPGUESSNOP_INPUT_RHS } KSPGuessNOpInputType;
PETSC_EXTERN const char *const KSPGuessNOpInputTypes[];
/* How the prediction g is scaled before it becomes the guess alpha g: none (alpha = 1), energy
   (alpha = (g,b)/(g,Ag): the least A-norm error, for SPD A), residual (alpha = (Ag,b)/(Ag,Ag)). */
typedef enum { KSPGUESSNOP_SCALE_NONE,
               KSPGUESSNOP_SCALE_ENERGY,
               KSPGUESSNOP_SCALE_RESIDUAL } KSPGuessNOpScaleType;
PETSC_EXTERN const char *const KSPGuessNOpScaleTypes[];

PETSC_EXTERN PetscErrorCode KSPGuessCreate_NOp(KSPGuess);
/* Options: -ksp_guess_nop_model file.h5, -ksp_guess_nop_input auto|diagonal|rhs,
   -ksp_guess_nop_scale none|energy|residual */
PETSC_EXTERN PetscErrorCode KSPGuessNOpSetModelFile(KSPGuess, const char[]);
PETSC_EXTERN PetscErrorCode KSPGuessNOpGetModel(KSPGuess, NOp *);
PETSC_EXTERN PetscErrorCode KSPGuessNOpSetInput(KSPGuess, Vec);
PETSC_EXTERN PetscErrorCode KSPGuessNOpSetInputType(KSPGuess, KSPGuessNOpInputType);
PETSC_EXTERN PetscErrorCode KSPGuessNOpSetScaleType(KSPGuess, KSPGuessNOpScaleType);
/* Model evaluations so far, seconds spent forming guesses (inference included), the last alpha */
PETSC_EXTERN PetscErrorCode KSPGuessNOpGetStats(KSPGuess, PetscInt *, PetscLogDouble *, PetscReal *);

/* After a solve: guess_type, guess_seconds and guess_alpha (nop) into the report, and with the flag
   a second solve from a zero initial guess: iterations_zero_guess, solve_seconds_zero_guess */
PETSC_EXTERN PetscErrorCode PdKSPGuessReport(KSP, Vec, PetscBool, PdDict);
