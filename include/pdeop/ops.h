/* Differentiable operations of the pdeop engine. Each records itself on the tape of its inputs
   (parameters have no tape of their own) and has an exact backward rule that accumulates (+=). */
#pragma once
#include <pdeop/tensor.h>
#include <petscpc.h>

/* Dense products (OpenBLAS sgemm).
   PdMatMul:      c = op(a) op(b), a [M,K] (or [K,M] with ta), b [K,N] (or [N,K] with tb), c [M,N]
   PdBatchMatMul: c[i] = a[i] b[i], a [B,M,K], b [B,K,N], c [B,M,N]
   PdLinear:      y = x w^T + bias, x [..., in], w [out, in], bias [out] or NULL, y [..., out] */
PETSC_EXTERN PetscErrorCode PdMatMul(PdTensor, PdTensor, PetscBool, PetscBool, PdTensor *);
PETSC_EXTERN PetscErrorCode PdBatchMatMul(PdTensor, PdTensor, PdTensor *);
PETSC_EXTERN PetscErrorCode PdLinear(PdTensor, PdTensor, PdTensor, PdTensor *);

/* Elementwise arithmetic with broadcasting of leading dimensions: the smaller operand's shape
   must equal a trailing part of the larger one's (e.g. [B,C,H,W] + [H,W]), or have one element. */
PETSC_EXTERN PetscErrorCode PdAdd(PdTensor, PdTensor, PdTensor *);
PETSC_EXTERN PetscErrorCode PdSub(PdTensor, PdTensor, PdTensor *);
PETSC_EXTERN PetscErrorCode PdMul(PdTensor, PdTensor, PdTensor *);
PETSC_EXTERN PetscErrorCode PdDiv(PdTensor, PdTensor, PdTensor *);
PETSC_EXTERN PetscErrorCode PdScale(PdTensor, float, PdTensor *);
PETSC_EXTERN PetscErrorCode PdAddScalar(PdTensor, float, PdTensor *);

/* Reductions: PdSum/PdMean to one element (shape [1]); PdSumDim removes one dimension */
PETSC_EXTERN PetscErrorCode PdSum(PdTensor, PdTensor *);
PETSC_EXTERN PetscErrorCode PdMean(PdTensor, PdTensor *);
PETSC_EXTERN PetscErrorCode PdSumDim(PdTensor, int, PdTensor *);

/* Pointwise functions. GELU is the exact erf form (PyTorch's default). */
PETSC_EXTERN PetscErrorCode PdTanh(PdTensor, PdTensor *);
PETSC_EXTERN PetscErrorCode PdSin(PdTensor, PdTensor *);
PETSC_EXTERN PetscErrorCode PdCos(PdTensor, PdTensor *);
PETSC_EXTERN PetscErrorCode PdExp(PdTensor, PdTensor *);
PETSC_EXTERN PetscErrorCode PdGelu(PdTensor, PdTensor *);
PETSC_EXTERN PetscErrorCode PdRelu(PdTensor, PdTensor *);
PETSC_EXTERN PetscErrorCode PdSoftplus(PdTensor, PdTensor *);
PETSC_EXTERN PetscErrorCode PdSquare(PdTensor, PdTensor *);

/* Layout: concatenation and slicing along one dimension (channels are dimension 1 in [B,C,...]),
   and reshape (the same values in a new shape; a copy on the tape, whose gradient flows back unchanged). */
PETSC_EXTERN PetscErrorCode PdConcat(PdTensor, PdTensor, int, PdTensor *);
PETSC_EXTERN PetscErrorCode PdSlice(PdTensor, int, PetscInt, PetscInt, PdTensor *);
PETSC_EXTERN PetscErrorCode PdReshape(PdTensor, int, const PetscInt[], PdTensor *);

/* Grid operators on [B,C,S...] tensors (S = 1 to 3 spatial dimensions).
   PdChannelMix: 1x1 convolution, w [Cout,Cin], bias [Cout] or NULL.
   PdSpectralConv: real FFT over the grid (1D [B,C,N] or 2D [B,C,H,W]), keep the lowest modes,
     multiply by complex weights per channel pair, inverse FFT (normalised by 1/(H W)).
     1D weights [m, Cin, Cout, 2] keep frequencies 0..m-1;
     2D weights [2 m1, m2, Cin, Cout, 2] keep row frequencies 0..m1-1 and H-m1..H-1 and
     column frequencies 0..m2-1; the last dimension is (real, imaginary).
     Backward is the exact adjoint. FFTW plans are made once per shape and reused; the transform is
     pruned to the kept columns, and when few are kept (m2 <= W/4) the row pass is an sgemm against
     cached cos/sin matrices (faster than FFTW there: docs/design.md).
   PdConv3x3: 3x3 convolution with zero padding 1 and stride 1 or 2 on [B,Cin,H,W],
     w [Cout,Cin,3,3], bias [Cout] or NULL; output [B,Cout,(H-1)/s+1,(W-1)/s+1]. In 3D, on
     [B,Cin,D,H,W] with w [Cout,Cin,3,3,3], the 3x3x3 convolution (same padding and stride in depth).
   PdConv3x3Transpose: the transposed convolution (adjoint of PdConv3x3 with the same stride),
     w [Cin,Cout,3,3] (3D: [Cin,Cout,3,3,3]), bias [Cout] or NULL; output [B,Cout,(H-1)s+1,(W-1)s+1]
     (3D: each of D, H, W so mapped).
   PdConv3x3Add(z, alpha, x, w, b, s, &y): y = z + alpha PdConv3x3(x, w, b, s), one node (no separate
     pointwise pass forward or backward); z has the output's shape. PdConv3x3TransposeAdd(z, alpha,
     x, w, b, s, &y): likewise y = z + alpha PdConv3x3TransposeTo(x, w, b, s, z's grid). */
PETSC_EXTERN PetscErrorCode PdChannelMix(PdTensor, PdTensor, PdTensor, PdTensor *);
/* PdChannelMixFused(x, w, bias, a, gelu, &y): y = act(w x + bias + a), the FNO layer's pointwise path
   in one node; a [B,Cout,S...] or NULL is added before the activation (GELU if gelu, else none).
   With GELU, its backward turns y's gradient into that of the pre-activation, in place. */
PETSC_EXTERN PetscErrorCode PdChannelMixFused(PdTensor, PdTensor, PdTensor, PdTensor, PetscBool, PdTensor *);
PETSC_EXTERN PetscErrorCode PdSpectralConv(PdTensor, PdTensor, PdTensor *);
/* Channel-major ("CB") layout [C,B,grid...]: the batch inside each channel, so that a 1x1 convolution
   over the whole batch is one matrix product [Cout,Cin] x [Cin, B*grid]. PdSwapLeading turns
   [B,C,grid...] into [C,B,grid...] and back; PdChannelMixFusedCB and PdSpectralConvCB are
   PdChannelMixFused and PdSpectralConv on that layout (same weights, same values). */
PETSC_EXTERN PetscErrorCode PdSwapLeading(PdTensor, PdTensor *);
PETSC_EXTERN PetscErrorCode PdChannelMixFusedCB(PdTensor, PdTensor, PdTensor, PdTensor, PetscBool, PdTensor *);
/* PdChannelMLPCB(x, w1, b1, w2, b2, &y): y = w2 GELU(w1 x + b1) + b2 on the channel-major layout, x
   [Cin,B,grid...], w1 [H,Cin], w2 [Cout,H] (the FNO's projection). Without gradients it runs tile by
   tile and never stores the hidden [H,B,grid...] tensor; with them it is two PdChannelMixFusedCB. */
PETSC_EXTERN PetscErrorCode PdChannelMLPCB(PdTensor, PdTensor, PdTensor, PdTensor, PdTensor, PdTensor *);
PETSC_EXTERN PetscErrorCode PdSpectralConvCB(PdTensor, PdTensor, PdTensor *);
PETSC_EXTERN PetscErrorCode PdConv3x3(PdTensor, PdTensor, PdTensor, PetscInt, PdTensor *);
PETSC_EXTERN PetscErrorCode PdConv3x3Transpose(PdTensor, PdTensor, PdTensor, PetscInt, PdTensor *);
PETSC_EXTERN PetscErrorCode PdConv3x3TransposeTo(PdTensor, PdTensor, PdTensor, PetscInt, const PetscInt[], PdTensor *);
/* PdConvSetDirectMax(n): 3x3x3 convolutions with Cin Cout <= n (stride 1 and 2, their transposes at
   stride 2, and the input gradients) use direct register-blocked kernels, the others im2col + sgemm
   (default 16; 0: always im2col; weight gradients are always sgemm); returns the previous value */
PETSC_EXTERN PetscInt PdConvSetDirectMax(PetscInt);
/* PdConvSetWinogradMin(n): stride-1 2D 3x3 convolutions (and their input gradients) with min(Cin, Cout)
   >= n use Winograd F(2x2,3x3), the others im2col + sgemm (default 16; 0 never). Returns the old value. */
PETSC_EXTERN PetscInt PdConvSetWinogradMin(PetscInt);
/* PdConvSetWinogradMinTiles(n): and only on grids of at least n 2x2 output tiles (default 16); returns
   the previous value */
PETSC_EXTERN PetscInt PdConvSetWinogradMinTiles(PetscInt);
/* PdChannelMixSetDirect(flg): the fused channel mix (PdChannelMixFused, PdChannelMixFusedCB) computes
   its products with Cout (forward) or Cin (input gradient) a multiple of 16, and its weight gradient
   with Cin and Cout multiples of 4, by its own register-blocked kernels (PETSC_TRUE, the default) or
   always by sgemm; returns the previous value */
PETSC_EXTERN PetscBool PdChannelMixSetDirect(PetscBool);
/* PdSpectralSetDirect(flg): the spectral layer's row DFTs (when it uses them: m2 <= W/4) run on pdeop's
   own product for a small right operand (PETSC_TRUE, the default, for 2 m2 and W in 8, 16, ..., 48, 64)
   or always on sgemm; returns the previous value */
PETSC_EXTERN PetscBool      PdSpectralSetDirect(PetscBool);
PETSC_EXTERN PetscErrorCode PdConv3x3Add(PdTensor, PetscReal, PdTensor, PdTensor, PdTensor, PetscInt, PdTensor *);
PETSC_EXTERN PetscErrorCode PdConv3x3TransposeAdd(PdTensor, PetscReal, PdTensor, PdTensor, PdTensor, PetscInt, PdTensor *);

/* Losses, returning one element. The target receives no gradient.
   PdMSELoss: mean of (p - t)^2 over all elements.
   PdRelL2Loss: mean over the batch (dimension 0) of ||p_b - t_b|| / ||t_b||. */
PETSC_EXTERN PetscErrorCode PdMSELoss(PdTensor, PdTensor, PdTensor *);
PETSC_EXTERN PetscErrorCode PdRelL2Loss(PdTensor, PdTensor, PdTensor *);

/* Graph operations (message passing, sparse matrices with learned values), on row-major node or
   edge tables [rows, C]. Index arrays belong to the caller and must stay alive until backward.
   PdGather:      y[e,:] = x[idx[e],:], x [n,C], y [m,C]
   PdScatterAdd:  y[idx[e],:] += x[e,:], x [m,C], y [n,C] (zero where no index points)
   PdEdgeMatVec:  y[dst[e],:] += vals[e] z[src[e],:] over E edges, vals [E], z [n,P], y [nout,P]:
                  a sparse matrix with values vals times the columns of z (swap src and dst for the
                  transpose); differentiable in both vals and z. */
PETSC_EXTERN PetscErrorCode PdGather(PdTensor, PetscInt, const PetscInt[], PdTensor *);
PETSC_EXTERN PetscErrorCode PdScatterAdd(PdTensor, PetscInt, PetscInt, const PetscInt[], PdTensor *);
PETSC_EXTERN PetscErrorCode PdEdgeMatVec(PdTensor, PdTensor, PetscInt, const PetscInt[], const PetscInt[], PetscInt, PdTensor *);

/* PETSc operators, one per sample of a batch x [n, ...] (sequential, made on PETSC_COMM_SELF: each
   rank applies its own samples'; the caller keeps them alive until backward), src/ops/ops_mat.c.
   PdMatApply: y_b = A_b x_b by MatMult, backward MatMultTranspose (so A need not be symmetric);
     y has x's shape for square A, else [n, rows].
   PdPCApply:  y_b = M_b^{-1} x_b by PCApply, backward PCApplyTranspose (types without one fail
     when a gradient is wanted). Residual losses use them: ||M^{-1}(A u - f)||. */
PETSC_EXTERN PetscErrorCode PdMatApply(PdTensor, PetscInt, const Mat[], PdTensor *);
PETSC_EXTERN PetscErrorCode PdPCApply(PdTensor, PetscInt, const PC[], PdTensor *);

/* Finite-difference check of every gradient that flows into the given leaf variables:
   build(ctx, tape, vars, &out) must build out from vars on tape. The check forms
   L = sum(w * out) with fixed random w, runs backward, and compares each variable's gradient
   with central differences of step h. Returns the largest relative error
   max|g - g_fd| / (max|g_fd| + atol) over all variables. */
typedef PetscErrorCode (*PdGradCheckBuild)(void *, PdTape, PdTensor[], PdTensor *);
PETSC_EXTERN PetscErrorCode PdGradCheck(MPI_Comm, PdGradCheckBuild, void *, PetscInt, PdTensor[], float, PetscReal *);

/* Logging events of the main kernels (valid after PdInitialize). */
PETSC_EXTERN PetscLogEvent PD_EVENT_MatMul, PD_EVENT_SpectralConv, PD_EVENT_SpectralConvBwd, PD_EVENT_Conv, PD_EVENT_ConvBwd, PD_EVENT_Backward, PD_EVENT_OptimStep, PD_EVENT_IO, PD_EVENT_Pointwise, PD_EVENT_PetscApply;
