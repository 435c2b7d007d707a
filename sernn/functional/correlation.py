"""Pearson correlation of activity traces, and min-max scaling of relation matrices."""
from __future__ import annotations

import numpy as np

__all__ = ["correlation_matrix", "minmax_scale"]


def correlation_matrix(traces) -> np.ndarray:
    """Pearson correlation between the activity traces of all pairs of neurons.

    Parameters
    ----------
    traces : array-like of shape (n_neurons, n_frames)
        One activity trace per neuron (e.g. deconvolved calcium), same frames.

    Returns
    -------
    R : ndarray of shape (n_neurons, n_neurons), float64
        ``R[i, j]`` is the Pearson correlation of traces i and j (diagonal 1).
        A constant trace has no defined correlation: its row and column are NaN.
    """
    array = np.asarray(traces, dtype=np.float64)
    if array.ndim != 2 or array.shape[1] < 2:
        raise ValueError(f"traces must have shape (n_neurons, n_frames >= 2), got {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError("traces contain NaN or infinite values; drop or fill those frames first")
    centred = array - array.mean(axis=1, keepdims=True)
    norms = np.sqrt(np.einsum("ij,ij->i", centred, centred))
    constant = norms <= 1e-12 * np.maximum(1.0, np.abs(array).max(axis=1))
    with np.errstate(divide="ignore", invalid="ignore"):
        unit = centred / norms[:, None]
    unit[constant] = 0.0
    result = np.clip(unit @ unit.T, -1.0, 1.0)
    result[constant, :] = np.nan
    result[:, constant] = np.nan
    return result


def minmax_scale(matrix, off_diagonal: bool = True, name: str = "matrix") -> np.ndarray:
    """Scale a relation matrix linearly to ``[0, 1]``.

    Parameters
    ----------
    matrix : array-like of shape (n, n)
        Values to scale; NaN entries are ignored and stay NaN.
    off_diagonal : bool, default=True
        Take the minimum and maximum over the off-diagonal entries only (the
        diagonal of a correlation or STTC matrix is 1 by definition and would
        otherwise set the maximum); the diagonal of the result is then 0.
    name : str, default="matrix"
        Name of the matrix in error messages (e.g. ``"sttc"``).

    Returns
    -------
    ndarray of shape (n, n), float64, values in [0, 1] (NaN kept).
    """
    array = np.asarray(matrix, dtype=np.float64)
    if array.ndim != 2 or array.shape[0] != array.shape[1]:
        raise ValueError(f"{name} must be square (n, n), got shape {array.shape}")
    use = np.isfinite(array)
    if off_diagonal:
        use &= ~np.eye(array.shape[0], dtype=bool)
    if not use.any():
        raise ValueError(f"{name} has no finite (off-diagonal) value to scale (e.g. every neuron silent)")
    low, high = array[use].min(), array[use].max()
    if high <= low:
        raise ValueError(f"cannot min-max scale {name}: it is constant (all values {low})")
    scaled = (array - low) / (high - low)
    if off_diagonal:
        np.fill_diagonal(scaled, 0.0)
    return scaled
