"""Keras initializers of recurrent kernels from recorded activity (W*, W!) and from EM wiring.

:class:`FunctionalInitializer` gives a layer the functional kernel
``W_bio = W_lognormal ⊙ minmax(corr) ⊙ minmax(STTC)`` (or its permuted control
W!), :class:`SynapseInitializer` the kernel of an EM weight matrix, both scaled
to a target mean, thresholded and set to a target spectral radius. The kernels
themselves, and the choices made where the published description is silent,
are in :mod:`sernn.initializers.microns_kernels`.
"""
from __future__ import annotations

import keras
import numpy as np

from sernn.arraycodec import encode_array
from sernn.initializers.microns_kernels import functional_weights, lognormal_weights, square_matrix, synapse_weights
from sernn.initializers.microns_kernels import PERMUTATIONS, permute_weights, scale_weights  # noqa: F401  (moved)
from sernn.validation import check_real, check_seed

__all__ = ["FunctionalInitializer", "SynapseInitializer", "ScaledLognormalInitializer"]


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
    mu : float, default=-0.5
        Mean of the normal underlying the log-normal draws.
    sigma : float, default=0.5
        Standard deviation of the normal underlying the log-normal draws.
    target_mean : float, default=0.1
        Mean of the off-diagonal entries after scaling
        (:func:`~sernn.initializers.microns_kernels.scale_weights`).
    threshold : float, default=0.01
        Entries below it become 0.
    spectral_radius : float, default=0.95
        Spectral radius of the kernel.
    permute : {None, "entries", "neurons"}, default=None
        ``"entries"`` or ``"neurons"`` gives the permuted control W!.
    self_connections : bool, default=False
        Keep the diagonal.
    seed : int, optional
        Same seed, same kernel (None: fresh draws).

    Notes
    -----
    The matrices are stored in the config (NaN as null), so a model that uses
    this initializer saves and loads on its own. See
    :func:`~sernn.initializers.microns_kernels.functional_weights`.

    Examples
    --------
    The layer receives :func:`~sernn.initializers.microns_kernels.functional_weights`
    as float32; the same seed gives the same kernel, also after a ``get_config``
    round trip:

    >>> import keras, numpy as np
    >>> from sernn.initializers import FunctionalInitializer
    >>> from sernn.initializers.microns_kernels import functional_weights
    >>> corr = np.array([[1, 0.8, 0.1, 0.4], [0.8, 1, 0.3, 0.2],
    ...                  [0.1, 0.3, 1, 0.6], [0.4, 0.2, 0.6, 1]])
    >>> sttc = np.array([[1, 0.5, 0.2, 0.3], [0.5, 1, 0.1, 0.4],
    ...                  [0.2, 0.1, 1, 0.7], [0.3, 0.4, 0.7, 1]])
    >>> init = FunctionalInitializer(corr, sttc, seed=0)
    >>> kernel = keras.ops.convert_to_numpy(init((4, 4)))
    >>> kernel.shape, str(kernel.dtype)
    ((4, 4), 'float32')
    >>> bool(np.allclose(kernel, functional_weights(corr, sttc, seed=0)))
    True
    >>> again = FunctionalInitializer.from_config(init.get_config())
    >>> bool(np.array_equal(again.initial_kernel(), init.initial_kernel()))
    True

    The permuted control keeps the spectral radius:

    >>> control = FunctionalInitializer(corr, sttc, permute="entries", seed=0).initial_kernel()
    >>> round(float(np.abs(np.linalg.eigvals(control)).max()), 4)
    0.95
    """

    def __init__(self, correlation, sttc, mu=-0.5, sigma=0.5, target_mean=0.1, threshold=0.01,
                 spectral_radius=0.95, permute=None, self_connections=False, seed=None, recipe="pairs",
                 small="floor"):
        self.correlation = None if correlation is None else square_matrix(correlation, "correlation")
        self.sttc = square_matrix(sttc, "sttc")
        self.params = dict(mu=check_real(mu, "mu"), sigma=check_real(sigma, "sigma"),
                           target_mean=check_real(target_mean, "target_mean"),
                           threshold=check_real(threshold, "threshold"),
                           spectral_radius=check_real(spectral_radius, "spectral_radius"),
                           permute=permute, self_connections=bool(self_connections),
                           seed=check_seed(seed), recipe=recipe, small=small)
        self.initial_kernel()  # validate now, not at build time

    def initial_kernel(self) -> np.ndarray:
        """The kernel as a float64 array (what the layer receives, before casting)."""
        return functional_weights(self.correlation, self.sttc, **self.params)

    def get_config(self):
        correlation = None if self.correlation is None else encode_array(self.correlation)
        return {"correlation": correlation, "sttc": encode_array(self.sttc), **self.params}


@keras.saving.register_keras_serializable(package="sernn")
class ScaledLognormalInitializer(keras.initializers.Initializer):
    """The matched-scale random control of W*: log-normal draws scaled as :class:`FunctionalInitializer`'s.

    See :func:`~sernn.initializers.microns_kernels.lognormal_weights`; the kernel's
    size comes from the layer.

    Examples
    --------
    >>> import numpy as np
    >>> kernel = np.asarray(ScaledLognormalInitializer(seed=0)((6, 6)))
    >>> round(float(np.abs(np.linalg.eigvals(kernel)).max()), 3), bool((kernel >= 0).all())
    (0.95, True)
    """

    def __init__(self, mu=-0.5, sigma=0.5, target_mean=0.1, threshold=0.01, spectral_radius=0.95,
                 self_connections=False, seed=None, small="floor"):
        self.params = dict(mu=check_real(mu, "mu"), sigma=check_real(sigma, "sigma"),
                           target_mean=check_real(target_mean, "target_mean"),
                           threshold=check_real(threshold, "threshold"),
                           spectral_radius=check_real(spectral_radius, "spectral_radius"),
                           self_connections=bool(self_connections), seed=check_seed(seed), small=small)
        lognormal_weights(2, **self.params)  # validate now, not at build time

    def __call__(self, shape, dtype=None):
        shape = tuple(int(s) for s in shape)
        if len(shape) != 2 or shape[0] != shape[1]:
            raise ValueError(f"ScaledLognormalInitializer makes square kernels; the layer asks for {shape}")
        return keras.ops.convert_to_tensor(lognormal_weights(shape[0], **self.params), dtype=dtype or "float32")

    def get_config(self):
        return dict(self.params)


@keras.saving.register_keras_serializable(package="sernn")
class SynapseInitializer(_KernelInitializer):
    """Recurrent kernel from EM wiring (synapse counts or sizes), scaled.

    Parameters
    ----------
    wiring : array-like of shape (n, n)
        Non-negative weights, ``wiring[i, j]`` from cell i to cell j.
    target_mean : float, default=0.1
        Mean of the off-diagonal entries after scaling.
    threshold : float, default=0.0
        Entries below it become 0 (0: every existing synapse is kept).
    spectral_radius : float, default=0.95
        Spectral radius of the kernel.
    signs : array-like of shape (n,), optional
        +1/-1 per presynaptic cell.
    permute : {None, "entries", "neurons"}, default=None
        A shuffled control (see :func:`~sernn.initializers.microns_kernels.permute_weights`).
    seed : int, optional
        Seed of the permutation.

    Notes
    -----
    See :func:`~sernn.initializers.microns_kernels.synapse_weights`. Pair with
    ``sernn.constraints.MaskConstraint(wiring > 0)`` to keep the EM topology.

    Examples
    --------
    The kernel is zero exactly where there is no synapse (``mask``), and the
    configuration round-trips:

    >>> import keras, numpy as np
    >>> from sernn.initializers import SynapseInitializer
    >>> counts = np.array([[0, 3, 1], [2, 0, 0], [4, 1, 0]], dtype=float)
    >>> init = SynapseInitializer(counts, signs=[1, 1, -1])
    >>> kernel = keras.ops.convert_to_numpy(init((3, 3)))
    >>> init.mask.astype(int).tolist()
    [[0, 1, 1], [1, 0, 0], [1, 1, 0]]
    >>> bool(np.array_equal(kernel != 0, init.mask))
    True
    >>> round(float(np.abs(np.linalg.eigvals(kernel)).max()), 4)
    0.95
    >>> again = SynapseInitializer.from_config(init.get_config())
    >>> bool(np.array_equal(again.initial_kernel(), init.initial_kernel()))
    True
    """

    def __init__(self, wiring, target_mean=0.1, threshold=0.0, spectral_radius=0.95, signs=None,
                 permute=None, seed=None):
        self.wiring = square_matrix(wiring, "wiring")
        self.params = dict(target_mean=check_real(target_mean, "target_mean"),
                           threshold=check_real(threshold, "threshold"),
                           spectral_radius=check_real(spectral_radius, "spectral_radius"),
                           signs=None if signs is None else [float(s) for s in np.ravel(signs)],
                           permute=permute, seed=check_seed(seed))
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
