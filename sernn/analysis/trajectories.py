"""State-space trajectories of trained networks: shared principal axes and dimensionality (numpy only).

- :func:`trajectory_pca` fits principal axes on every state of a set of trajectories at once (all trial
  types, or all networks' mean trajectories of a group), so the trajectories of different trial types
  are drawn on shared axes; :func:`project` puts other points (e.g. fixed points) on them.
- :func:`participation_ratio` is the effective dimensionality ``(sum lambda)^2 / sum lambda^2`` of the
  states' covariance eigenvalues ``lambda`` (Gao et al., bioRxiv 2017): n for isotropic states, 1 for
  states on a line.
- :func:`condition_means` averages trajectories by trial type.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sernn.validation import check_integer, describe

__all__ = ["TrajectoryPCA", "trajectory_pca", "project", "participation_ratio", "condition_means"]


def _samples(states, name="states") -> np.ndarray:
    states = np.asarray(states, dtype=np.float64)
    if states.ndim < 2 or states.shape[-1] < 1 or states.size == 0:
        raise ValueError(f"{name} must be states of shape (..., n) with at least one state; got {describe(states)}")
    if not np.all(np.isfinite(states)):
        raise ValueError(f"{name} must be finite")
    return states.reshape(-1, states.shape[-1])


@dataclass(frozen=True)
class TrajectoryPCA:
    """Principal axes of a set of states: ``components`` (c, n), ``mean`` (n,), ``explained`` (c,) variance
    ratios, and ``projections`` of the states it was fitted on, shaped as they were with n -> c.

    Examples
    --------
    >>> import numpy as np
    >>> from sernn.analysis.trajectories import trajectory_pca
    >>> pca = trajectory_pca(np.random.default_rng(0).normal(size=(4, 10, 5)), n_components=2)
    >>> pca.components.shape, pca.mean.shape, pca.projections.shape
    ((2, 5), (5,), (4, 10, 2))
    """

    components: np.ndarray
    mean: np.ndarray
    explained: np.ndarray
    projections: np.ndarray


def trajectory_pca(states, n_components: int = 3) -> TrajectoryPCA:
    """Principal axes fitted on every state of ``states`` (shape (..., n)), and the states projected on them.

    Examples
    --------
    States on a line in 3-D have one axis with all the variance:

    >>> import numpy as np
    >>> from sernn.analysis.trajectories import trajectory_pca
    >>> t = np.linspace(0, 1, 20)
    >>> states = np.stack([t, 2 * t, -t], axis=-1)[None]            # 1 trial, 20 steps, 3 units
    >>> pca = trajectory_pca(states, n_components=2)
    >>> pca.projections.shape, pca.explained.round(6).tolist()
    ((1, 20, 2), [1.0, 0.0])
    """
    flat = _samples(states)
    n_components = check_integer(n_components, "n_components", low=1)
    n_components = min(n_components, flat.shape[1])
    mean = flat.mean(axis=0)
    _, singular, vt = np.linalg.svd(flat - mean, full_matrices=False)
    variance = singular ** 2
    total = variance.sum()
    components = vt[:n_components]
    # a deterministic sign: the largest loading of each axis is positive
    flip = np.sign(components[np.arange(len(components)), np.argmax(np.abs(components), axis=1)])
    components = components * np.where(flip == 0, 1.0, flip)[:, None]
    explained = variance[:n_components] / total if total > 0 else np.zeros(n_components)
    shape = np.asarray(states).shape[:-1]
    projections = ((flat - mean) @ components.T).reshape(*shape, len(components))
    return TrajectoryPCA(components, mean, explained, projections)


def project(points, pca: TrajectoryPCA) -> np.ndarray:
    """``points`` (..., n) on the axes of ``pca``: (..., c).

    Examples
    --------
    >>> import numpy as np
    >>> from sernn.analysis.trajectories import project, trajectory_pca
    >>> pca = trajectory_pca(np.random.default_rng(0).normal(size=(4, 10, 5)))
    >>> project(np.zeros((2, 5)), pca).shape
    (2, 3)
    """
    points = np.asarray(points, dtype=np.float64)
    if points.shape[-1] != pca.mean.size:
        raise ValueError(f"points must have {pca.mean.size} units in the last axis; got {describe(points)}")
    return (points - pca.mean) @ pca.components.T


def participation_ratio(states) -> float:
    """Effective dimensionality ``(sum lambda)^2 / sum lambda^2`` of the states' covariance eigenvalues.

    Examples
    --------
    >>> import numpy as np
    >>> from sernn.analysis.trajectories import participation_ratio
    >>> round(participation_ratio(np.random.default_rng(0).normal(size=(100000, 4))), 2)   # isotropic: n
    4.0
    >>> participation_ratio(np.outer(np.arange(10.0), [1.0, 2.0, 3.0]))                      # a line: 1
    1.0
    """
    flat = _samples(states)
    centred = flat - flat.mean(axis=0)
    eigenvalues = np.linalg.svd(centred, compute_uv=False) ** 2
    total = eigenvalues.sum()
    return float(total ** 2 / np.sum(eigenvalues ** 2)) if total > 0 else 0.0


def condition_means(states, labels) -> tuple[np.ndarray, np.ndarray]:
    """Mean trajectory per trial type: ``(types (m,), means (m, T, n))`` of states (trials, T, n).

    Examples
    --------
    >>> import numpy as np
    >>> from sernn.analysis.trajectories import condition_means
    >>> types, means = condition_means(np.arange(12.0).reshape(3, 2, 2), [1, 0, 1])
    >>> types.tolist(), means[1, 0].tolist()
    ([0, 1], [4.0, 5.0])
    """
    states = np.asarray(states, dtype=np.float64)
    labels = np.asarray(labels)
    if states.ndim != 3 or labels.shape != (states.shape[0],):
        raise ValueError(f"states must be (trials, T, n) and labels one per trial; got {describe(states)} and "
                         f"{describe(labels)}")
    types = np.unique(labels)
    return types, np.stack([states[labels == value].mean(axis=0) for value in types])
