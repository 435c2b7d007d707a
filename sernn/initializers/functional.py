"""Recurrent kernels from recorded activity (W*, W!) and from EM wiring (synapse init).

Functional initialisation (the MICrONS inductive-bias study)::

    W_bio = W_lognormal ⊙ minmax(corr) ⊙ minmax(STTC)

with ``W_lognormal`` drawn i.i.d. from a log-normal distribution (published:
``mu = -0.5``, ``sigma = 0.5`` of the underlying normal), and ``corr`` / ``STTC``
the Pearson correlation and spike time tiling coefficient matrices of the
neurons' activity (:mod:`sernn.functional`), each min-max scaled to ``[0, 1]``
over its off-diagonal entries. Then, in this order:

1. scale to a target mean (default 0.1; mean over the off-diagonal entries);
2. zero every weight below a threshold (default 0.01);
3. rescale to a target spectral radius (default 0.95), for stable dynamics.

Choices made here where the published description is silent: self-connections
are 0 unless ``self_connections=True`` (the diagonal of corr and STTC is 1 by
definition and carries no information); NaN entries (a silent or constant
neuron) count as "no relation" and become 0 after scaling; a matrix whose
spectral radius is 0 (no cycle, e.g. sparse feed-forward wiring) cannot be
rescaled and is left after step 2.

The permuted control (W!) shuffles the product before steps 1–3:
``permute="entries"`` shuffles all off-diagonal entries (topology destroyed;
distribution, density and — after step 3 — spectral radius kept);
``permute="neurons"`` relabels the neurons (the same random permutation of rows
and columns: the graph is kept but detached from the neurons' positions).

:class:`SynapseInitializer` runs steps 1–3 on an EM weight matrix (synapse
counts or summed cleft sizes, :func:`sernn.microns.wiring_matrix`), optionally
with a sign per presynaptic neuron (inhibitory rows negative).
"""
from __future__ import annotations

import numbers

import keras
import numpy as np

from sernn.arraycodec import decode_array, encode_array
from sernn.functional.correlation import minmax_scale

__all__ = ["FunctionalInitializer", "SynapseInitializer", "functional_weights", "synapse_weights",
           "scale_weights", "permute_weights", "PERMUTATIONS"]

#: Accepted ``permute`` values.
PERMUTATIONS = (None, "entries", "neurons")


def _square(matrix, name) -> np.ndarray:
    """A float64 square matrix from an array, nested lists or an encoded config value."""
    try:
        array = np.array(decode_array(matrix), dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a numeric square (n, n) matrix") from None
    if array.ndim != 2 or array.shape[0] != array.shape[1] or array.shape[0] < 2:
        raise ValueError(f"{name} must be a square (n, n) matrix with n >= 2, got shape {array.shape}")
    return array


def _positive(value, name, allow_zero=False):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value) \
            or value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{name} must be a {'non-negative' if allow_zero else 'positive'} number, "
                         f"got {value!r}")
    return float(value)


def _real(value, name) -> float:
    """``value`` as a float, or a ValueError naming ``name`` if it is not a real number."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number, got {value!r}")
    return float(value)


def _check_seed(seed):
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0):
        raise ValueError(f"seed must be a non-negative integer or None, got {seed!r}")
    return None if seed is None else int(seed)


def permute_weights(weights, mode: str, rng) -> np.ndarray:
    """A shuffled copy of ``weights`` (the W! control).

    Parameters
    ----------
    weights : ndarray of shape (n, n)
    mode : {"entries", "neurons"}
        ``"entries"``: shuffle the off-diagonal entries (diagonal kept);
        ``"neurons"``: apply one random permutation to rows and columns.
    rng : numpy.random.Generator
    """
    weights = np.array(weights, dtype=np.float64)
    n = weights.shape[0]
    if mode == "entries":
        off = ~np.eye(n, dtype=bool)
        weights[off] = rng.permutation(weights[off])
        return weights
    if mode == "neurons":
        order = rng.permutation(n)
        return weights[np.ix_(order, order)]
    raise ValueError(f"permute must be one of {PERMUTATIONS}, got {mode!r}")


def scale_weights(weights, target_mean: float = 0.1, threshold: float = 0.01,
                  spectral_radius: float = 0.95, self_connections: bool = False) -> np.ndarray:
    """Steps 1–3: target mean, threshold, target spectral radius.

    Parameters
    ----------
    weights : ndarray of shape (n, n)
        The weights (the mean and the threshold act on magnitudes, so signed
        weights keep their signs).
    target_mean : float, default 0.1
        Mean of the entries after step 1 (off-diagonal entries unless
        ``self_connections``).
    threshold : float, default 0.01
        Entries below it (in magnitude) become 0 (step 2); 0 disables it.
    spectral_radius : float, default 0.95
        Largest eigenvalue modulus after step 3.
    self_connections : bool, default False
        Keep the diagonal (otherwise it is set to 0 first).

    Returns
    -------
    ndarray of shape (n, n), float64.
    """
    target_mean = _positive(target_mean, "target_mean")
    threshold = _positive(threshold, "threshold", allow_zero=True)
    spectral_radius = _positive(spectral_radius, "spectral_radius")
    weights = np.array(weights, dtype=np.float64)
    n = weights.shape[0]
    if not self_connections:
        np.fill_diagonal(weights, 0.0)
    entries = weights if self_connections else weights[~np.eye(n, dtype=bool)]
    mean = np.abs(entries).mean()
    if mean <= 0:
        raise ValueError("the weight matrix is all zero; there is nothing to scale")
    weights *= target_mean / mean
    weights[np.abs(weights) < threshold] = 0.0
    radius = np.abs(np.linalg.eigvals(weights)).max()
    if radius > 1e-12 * max(1.0, np.abs(weights).max()):
        weights *= spectral_radius / radius
    return weights


def functional_weights(correlation, sttc, mu: float = -0.5, sigma: float = 0.5,
                       target_mean: float = 0.1, threshold: float = 0.01,
                       spectral_radius: float = 0.95, permute=None, self_connections: bool = False,
                       seed=None) -> np.ndarray:
    """The functional initial kernel ``W_bio`` as a numpy array (see the module docstring).

    Parameters
    ----------
    correlation : array-like of shape (n, n)
        Pearson correlation of the neurons' traces (NaN allowed: no relation).
    sttc : array-like of shape (n, n)
        STTC matrix (NaN allowed, e.g. silent neurons).
    mu, sigma : float, default -0.5, 0.5
        Parameters of the log-normal draws (mean and standard deviation of the
        underlying normal).
    target_mean, threshold, spectral_radius, self_connections :
        See :func:`scale_weights`.
    permute : {None, "entries", "neurons"}, default None
        The W! control (see :func:`permute_weights`).
    seed : int or None
        Seed of the log-normal draws and of the permutation.

    Returns
    -------
    W : ndarray of shape (n, n), float64, non-negative; ``W[i, j]`` from i to j.
    """
    correlation = _square(correlation, "correlation")
    sttc = _square(sttc, "sttc")
    if correlation.shape != sttc.shape:
        raise ValueError(f"correlation {correlation.shape} and sttc {sttc.shape} must have the same shape")
    if permute not in PERMUTATIONS:
        raise ValueError(f"permute must be one of {PERMUTATIONS}, got {permute!r}")
    sigma = _positive(sigma, "sigma")
    if isinstance(mu, bool) or not isinstance(mu, numbers.Real) or not np.isfinite(mu):
        raise ValueError(f"mu must be a finite number, got {mu!r}")
    rng = np.random.default_rng(_check_seed(seed))
    relation = np.nan_to_num(minmax_scale(correlation, name="correlation") * minmax_scale(sttc, name="sttc"),
                             nan=0.0)
    weights = rng.lognormal(mean=mu, sigma=sigma, size=relation.shape) * relation
    if permute is not None:
        weights = permute_weights(weights, permute, rng)
    return scale_weights(weights, target_mean, threshold, spectral_radius, self_connections)


def synapse_weights(wiring, target_mean: float = 0.1, threshold: float = 0.0,
                    spectral_radius: float = 0.95, signs=None, permute=None, seed=None) -> np.ndarray:
    """An initial kernel from EM wiring (synapse counts or summed sizes).

    Parameters
    ----------
    wiring : array-like of shape (n, n), non-negative
        ``wiring[i, j]``: synapses (or cleft size) from cell i to cell j.
    target_mean, threshold, spectral_radius :
        See :func:`scale_weights` (the threshold defaults to 0 here: every
        existing synapse is kept).
    signs : array-like of shape (n,) of +1/-1, optional
        Sign of each presynaptic cell (e.g. -1 for inhibitory): row ``i`` is
        multiplied by ``signs[i]`` before the spectral radius is set.
    permute : {None, "entries", "neurons"}, default None
        A shuffled control (see :func:`permute_weights`).
    seed : int or None
        Seed of the permutation (the rest is deterministic).

    Returns
    -------
    W : ndarray of shape (n, n), float64, zero diagonal.
    """
    wiring = _square(wiring, "wiring")
    if not np.isfinite(wiring).all() or (wiring < 0).any():
        raise ValueError("wiring must be finite and non-negative (synapse counts or sizes)")
    if permute not in PERMUTATIONS:
        raise ValueError(f"permute must be one of {PERMUTATIONS}, got {permute!r}")
    weights = wiring.copy()
    np.fill_diagonal(weights, 0.0)
    if permute is not None:
        weights = permute_weights(weights, permute, np.random.default_rng(_check_seed(seed)))
    weights = scale_weights(weights, target_mean, threshold, spectral_radius=1.0)
    if signs is not None:
        signs = np.asarray(signs, dtype=np.float64)
        if signs.shape != (weights.shape[0],) or not np.isin(signs, (-1.0, 1.0)).all():
            raise ValueError(f"signs must be {weights.shape[0]} values of +1 or -1")
        weights = weights * signs[:, None]
    radius = np.abs(np.linalg.eigvals(weights)).max()
    if radius > 1e-12:
        weights *= _positive(spectral_radius, "spectral_radius") / radius
    return weights


class _KernelInitializer(keras.initializers.Initializer):
    """Returns a fixed numpy kernel, checking the requested shape."""

    def initial_kernel(self) -> np.ndarray:  # pragma: no cover - overridden
        raise NotImplementedError

    def __call__(self, shape, dtype=None):
        kernel = self.initial_kernel()
        if tuple(int(s) for s in shape) != kernel.shape:
            raise ValueError(f"{type(self).__name__} was built for a {kernel.shape} kernel but the "
                             f"layer asks for {tuple(shape)}; set the layer's units to {kernel.shape[0]}")
        return keras.ops.convert_to_tensor(kernel, dtype=dtype or "float32")


@keras.saving.register_keras_serializable(package="sernn")
class FunctionalInitializer(_KernelInitializer):
    """Recurrent kernel from activity: ``lognormal ⊙ minmax(corr) ⊙ minmax(STTC)``, scaled.

    Parameters
    ----------
    correlation, sttc : array-like of shape (n, n)
        Pearson correlation and STTC matrices of the n neurons (NaN allowed).
    mu, sigma : float, default -0.5, 0.5
        Log-normal parameters.
    target_mean : float, default 0.1
    threshold : float, default 0.01
    spectral_radius : float, default 0.95
    permute : {None, "entries", "neurons"}, default None
        ``"entries"`` or ``"neurons"`` gives the permuted control W!.
    self_connections : bool, default False
    seed : int or None
        Same seed, same kernel.

    Notes
    -----
    The matrices are stored in the config (NaN as null), so a model that uses
    this initializer saves and loads on its own. See :func:`functional_weights`.
    """

    def __init__(self, correlation, sttc, mu=-0.5, sigma=0.5, target_mean=0.1, threshold=0.01,
                 spectral_radius=0.95, permute=None, self_connections=False, seed=None):
        self.correlation = _square(correlation, "correlation")
        self.sttc = _square(sttc, "sttc")
        self.params = dict(mu=_real(mu, "mu"), sigma=_real(sigma, "sigma"),
                           target_mean=_real(target_mean, "target_mean"),
                           threshold=_real(threshold, "threshold"),
                           spectral_radius=_real(spectral_radius, "spectral_radius"),
                           permute=permute, self_connections=bool(self_connections),
                           seed=_check_seed(seed))
        self.initial_kernel()  # validate now, not at build time

    def initial_kernel(self) -> np.ndarray:
        """The kernel as a float64 array (what the layer receives, before casting)."""
        return functional_weights(self.correlation, self.sttc, **self.params)

    def get_config(self):
        return {"correlation": encode_array(self.correlation), "sttc": encode_array(self.sttc), **self.params}


@keras.saving.register_keras_serializable(package="sernn")
class SynapseInitializer(_KernelInitializer):
    """Recurrent kernel from EM wiring (synapse counts or sizes), scaled.

    Parameters
    ----------
    wiring : array-like of shape (n, n)
        Non-negative weights, ``wiring[i, j]`` from cell i to cell j.
    target_mean : float, default 0.1
    threshold : float, default 0.0
    spectral_radius : float, default 0.95
    signs : array-like of shape (n,), optional
        +1/-1 per presynaptic cell.
    permute : {None, "entries", "neurons"}, default None
    seed : int or None

    See :func:`synapse_weights`. Pair with
    ``sernn.constraints.MaskConstraint(wiring > 0)`` to keep the EM topology.
    """

    def __init__(self, wiring, target_mean=0.1, threshold=0.0, spectral_radius=0.95, signs=None,
                 permute=None, seed=None):
        self.wiring = _square(wiring, "wiring")
        self.params = dict(target_mean=_real(target_mean, "target_mean"),
                           threshold=_real(threshold, "threshold"),
                           spectral_radius=_real(spectral_radius, "spectral_radius"),
                           signs=None if signs is None else [float(s) for s in np.ravel(signs)],
                           permute=permute, seed=_check_seed(seed))
        self.initial_kernel()

    @property
    def mask(self) -> np.ndarray:
        """Boolean mask of the existing connections (off-diagonal non-zero wiring)."""
        mask = self.wiring != 0
        np.fill_diagonal(mask, False)
        return mask

    def initial_kernel(self) -> np.ndarray:
        return synapse_weights(self.wiring, **self.params)

    def get_config(self):
        return {"wiring": encode_array(self.wiring), **self.params}
