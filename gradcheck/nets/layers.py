"""Dense (affine) layers and their VJPs, in both conventions and three bias styles.

Conventions (all arrays 2-D):
- column: examples are columns, as in the source documents. x (n_in, N), W (n_out, n_in), b (n_out, 1),
  z = W x + b; a single example is x of shape (n_in, 1).
- row-batch: examples are rows. X (N, n_in), W (n_in, n_out), b (n_out,), Z = X W + b.
Bias styles: a vector b, no bias (b=None), or "ones column": the input gets a leading
ones column (row-batch) / ones row (column), and W carries the bias as its first row
(row-batch) / first column (column), as in
the matrix-form question with a softmax output (reference case matrix-form-backprop-softmax-qa).
Forwards are array-API generic; the VJPs are numpy and never modify their inputs.
"""

from __future__ import annotations

import array_api_compat
import numpy as np


def add_ones_column(X):
    """[1, X]: prepend a column of ones to row-batch input X (N, n) -> (N, n + 1)."""
    xp = array_api_compat.array_namespace(X)
    ones = xp.ones((X.shape[0], 1), dtype=X.dtype, device=array_api_compat.device(X))
    return xp.concat([ones, X], axis=1)


def add_ones_row(x):
    """[1; x]: prepend a row of ones to column-convention input x (n, N) -> (n + 1, N)."""
    xp = array_api_compat.array_namespace(x)
    ones = xp.ones((1, x.shape[1]), dtype=x.dtype, device=array_api_compat.device(x))
    return xp.concat([ones, x], axis=0)


# --- row-batch convention: Z = X W + b ---------------------------------------------------


def dense_row(X, W, b=None):
    """Z = X W (+ b): X (N, n_in), W (n_in, n_out), b (n_out,) or None."""
    Z = X @ W
    return Z if b is None else Z + b


def dense_row_vjp(X, W, dZ, *, bias=True):
    """Given dZ = dE/dZ return (dX, dW, db) for Z = X W (+ b); db is None when bias=False."""
    X, W, dZ = np.asarray(X), np.asarray(W), np.asarray(dZ)
    dW = X.T @ dZ  # dW = X^T dZ (row-batch)
    dX = dZ @ W.T  # dX = dZ W^T
    db = np.sum(dZ, axis=0) if bias else None  # db = sum over rows of dZ (= dZ^T 1)
    return dX, dW, db


def dense_row_ones(X, W):
    """Z = [1, X] W: W (n_in + 1, n_out) with the bias as its first row."""
    return add_ones_column(X) @ W


def dense_row_ones_vjp(X, W, dZ):
    """Given dZ return (dX, dW) for Z = [1, X] W; the ones column's row of W is dropped for dX."""
    X, W, dZ = np.asarray(X), np.asarray(W), np.asarray(dZ)
    X1 = np.concatenate([np.ones((X.shape[0], 1), dtype=X.dtype), X], axis=1)
    dW = X1.T @ dZ  # dW = [1, X]^T dZ (row-batch)
    dX = dZ @ W[1:].T  # dX = dZ W[1:]^T (the bias row W[0] does not see X)
    return dX, dW


# --- column convention: z = W x + b ------------------------------------------------------


def dense_col(W, x, b=None):
    """z = W x (+ b): W (n_out, n_in), x (n_in, N), b (n_out, 1) or None."""
    z = W @ x
    return z if b is None else z + b


def dense_col_vjp(W, x, dz, *, bias=True):
    """Given dz = dE/dz return (dx, dW, db) for z = W x (+ b); db is None when bias=False."""
    W, x, dz = np.asarray(W), np.asarray(x), np.asarray(dz)
    dW = dz @ x.T  # dW = delta x^T (column; summed over the N example columns)
    dx = W.T @ dz  # dx = W^T delta
    db = np.sum(dz, axis=1, keepdims=True) if bias else None  # db = delta 1 (sum over columns)
    return dx, dW, db


def dense_col_ones(W, x):
    """z = W [1; x]: W (n_out, n_in + 1) with the bias as its first column."""
    return W @ add_ones_row(x)


def dense_col_ones_vjp(W, x, dz):
    """Given dz return (dx, dW) for z = W [1; x]; the ones row's column of W is dropped for dx."""
    W, x, dz = np.asarray(W), np.asarray(x), np.asarray(dz)
    x1 = np.concatenate([np.ones((1, x.shape[1]), dtype=x.dtype), x], axis=0)
    dW = dz @ x1.T  # dW = delta [1; x]^T
    dx = W[:, 1:].T @ dz  # dx = W[:, 1:]^T delta (the bias column W[:, 0] does not see x)
    return dx, dW
