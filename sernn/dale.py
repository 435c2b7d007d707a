"""Dale's law: one sign per unit, and balanced excitatory/inhibitory kernels (numpy only).

Under Dale's law every outgoing weight of a unit carries that unit's sign:
excitatory units (+1) only excite, inhibitory units (-1) only inhibit. In the
Keras layout of a recurrent kernel, ``kernel[i, j]`` is the weight from unit i
to unit j, so row i holds unit i's outputs and the sign belongs to the
**presynaptic** unit: ``sign(kernel[i, j]) in {0, signs[i]}``. Task-trained
RNNs with this constraint: Song et al. (PLoS Computational Biology 2016).

- :func:`dale_signs` gives the signs, from an excitatory fraction, from E/I
  labels or from MICrONS cell types;
- :func:`balanced_ei_weights` draws an initial kernel that obeys the signs and
  balances excitation and inhibition onto every unit, which removes the
  eigenvalue outlier of unbalanced sign-constrained matrices (Rajan & Abbott,
  Physical Review Letters 2006);
- :func:`check_signs` checks a sign vector.

The Keras parts that use them are :class:`sernn.constraints.DaleConstraint`
(keeps the signs through training) and
:class:`sernn.initializers.BalancedEIInitializer`.
"""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from sernn.masks import check_mask
from sernn.validation import check_integer, check_option, check_real, check_seed, describe

__all__ = ["dale_signs", "balanced_ei_weights", "check_signs"]

_LABELS = {"e": 1.0, "excitatory": 1.0, "i": -1.0, "inhibitory": -1.0}
_BALANCES = ("exact", "mean", "none")


def check_signs(signs, name: str = "signs") -> np.ndarray:
    """``signs`` as a 1-D float64 array of +1 (excitatory) and -1 (inhibitory) values.

    Parameters
    ----------
    signs : array-like of shape (n,)
        One sign per unit (integers or floats equal to +1 or -1; booleans are refused).
    name : str, default="signs"
        The argument's name, used in the messages.

    Returns
    -------
    numpy.ndarray of shape (n,), float64

    Raises
    ------
    TypeError
        If ``signs`` does not hold real numbers (strings, booleans, ragged lists).
    ValueError
        If it is not a non-empty 1-D array, or holds values other than +1 and -1.

    Examples
    --------
    >>> from sernn.dale import check_signs
    >>> check_signs([1, -1, 1]).tolist()
    [1.0, -1.0, 1.0]
    >>> try:
    ...     check_signs([1, 0, -1])
    ... except ValueError as error:
    ...     print(error)
    signs must hold only +1 (excitatory) and -1 (inhibitory); got 1 other value(s), e.g. 0 at position 1
    """
    try:
        raw = np.asarray(signs)
    except (TypeError, ValueError) as exc:  # ragged nested sequences
        raise TypeError(f"{name} must be a 1-D array of +1/-1 values; got {describe(signs)} "
                        f"({type(signs).__name__})") from exc
    if raw.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be a 1-D array of +1/-1 values; got {describe(signs)} "
                        f"({type(signs).__name__}, dtype {raw.dtype})")
    if raw.ndim != 1 or raw.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array of +1/-1 values; got {describe(raw)}")
    values = raw.astype(np.float64)
    bad = np.flatnonzero((values != 1.0) & (values != -1.0))
    if bad.size:
        raise ValueError(f"{name} must hold only +1 (excitatory) and -1 (inhibitory); got {bad.size} other "
                         f"value(s), e.g. {describe(raw[bad[0]])} at position {int(bad[0])}")
    return values


def _strings(value, name: str) -> list:
    """``value`` as a non-empty list of str, or a TypeError/ValueError naming ``name``."""
    accepted = "a non-empty sequence of strings"
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise TypeError(f"{name} must be {accepted}; got {describe(value)} ({type(value).__name__})")
    items = list(np.asarray(value).ravel()) if isinstance(value, np.ndarray) else list(value)
    if not items:
        raise ValueError(f"{name} must be {accepted}; got an empty sequence")
    for position, item in enumerate(items):
        if not isinstance(item, str):
            raise TypeError(f"{name} must be {accepted}; got {describe(item)} ({type(item).__name__}) "
                            f"at position {position}")
    return [str(item) for item in items]


def _cell_type_key(name: str) -> str:
    return name.strip().replace("-", "_").upper()


def _from_names(names, keys, table, name, accepted):
    """Signs of ``names`` (normalised to ``keys``) through ``table``, or a ValueError listing the unknowns."""
    unknown = [(position, names[position]) for position, key in enumerate(keys) if key not in table]
    if unknown:
        shown = ", ".join(f"{item!r} at position {position}" for position, item in unknown[:3])
        more = f" and {len(unknown) - 3} more" if len(unknown) > 3 else ""
        raise ValueError(f"{name} must hold only {accepted}; got {shown}{more}")
    return np.array([table[key] for key in keys], dtype=np.float64)


def dale_signs(units=None, *, e_fraction=None, labels=None, cell_types=None, seed=None) -> np.ndarray:
    """A sign per presynaptic unit: +1 for excitatory, -1 for inhibitory.

    Row i of a recurrent kernel holds unit i's outgoing weights (``kernel[i, j]``
    is the weight from unit i to unit j), so ``signs[i]`` is the sign of row i.
    Give exactly one source of the signs.

    Parameters
    ----------
    units : int, optional
        Number of units; required with ``e_fraction``. With ``labels`` or
        ``cell_types`` it may be given as a check of their length.
    e_fraction : float in (0, 1), optional
        Fraction of excitatory units. ``n_E = floor(e_fraction * units + 0.5)``
        (rounded half up) units are excitatory, the others inhibitory; both
        groups must be non-empty. Without ``seed`` the excitatory units are
        the first ``n_E``; with ``seed`` they are a seeded random choice of
        ``n_E`` units.
    labels : sequence of str, optional
        ``"E"`` or ``"excitatory"``, ``"I"`` or ``"inhibitory"`` per unit, in
        any case (e.g. the ``cell_class`` column of a MICrONS cell table).
    cell_types : sequence of str, optional
        MICrONS cell type names per unit (the ``cell_type`` column of
        :func:`sernn.microns.load_cell_types`), e.g. ``"23P"``, ``"4P"``,
        ``"5P-IT"``, ``"6P-CT"`` (excitatory) or ``"BC"``, ``"BPC"``, ``"MC"``,
        ``"NGC"`` (inhibitory); the classes are those of
        :data:`sernn.microns.CELL_CLASSES`. Case and ``"-"`` versus ``"_"`` are
        ignored (``"5p_it"`` is ``"5P-IT"``).
    seed : int, optional
        With ``e_fraction``: which units are excitatory is drawn with
        ``numpy.random.default_rng(seed).choice(units, n_E, replace=False)``.

    Returns
    -------
    numpy.ndarray of shape (units,), float64 of +1 and -1

    Raises
    ------
    TypeError
        If an argument has the wrong type (e.g. a string for ``labels``).
    ValueError
        If no source or several are given, ``e_fraction`` is outside (0, 1)
        or leaves a group empty, a label or cell type is unknown, ``units``
        does not match the labels, or ``seed`` is given without ``e_fraction``.

    Examples
    --------
    80 % excitatory units, the first ones, or a seeded choice of them:

    >>> from sernn.dale import dale_signs
    >>> dale_signs(5, e_fraction=0.8).tolist()
    [1.0, 1.0, 1.0, 1.0, -1.0]
    >>> signs = dale_signs(10, e_fraction=0.8, seed=0)
    >>> int((signs == 1).sum()), bool((signs == dale_signs(10, e_fraction=0.8, seed=0)).all())
    (8, True)

    From labels or MICrONS cell types:

    >>> dale_signs(labels=["E", "inhibitory", "e"]).tolist()
    [1.0, -1.0, 1.0]
    >>> dale_signs(cell_types=["23P", "BC", "5P-IT", "MC"]).tolist()
    [1.0, -1.0, 1.0, -1.0]

    Wrong input gets a message naming the argument:

    >>> try:
    ...     dale_signs(10, e_fraction=1.5)
    ... except ValueError as error:
    ...     print(error)
    e_fraction must be a finite real number in (0, 1); got 1.5
    """
    given = [name for name, value in (("e_fraction", e_fraction), ("labels", labels),
                                      ("cell_types", cell_types)) if value is not None]
    if len(given) != 1:
        raise ValueError("give exactly one of e_fraction, labels, cell_types; got "
                         + (", ".join(given) if given else "none"))
    units = check_integer(units, "units", low=1, allow_none=True)
    seed = check_seed(seed)
    if e_fraction is not None:
        if units is None:
            raise ValueError("units must be given with e_fraction (an integer >= 1); got None")
        e_fraction = check_real(e_fraction, "e_fraction", low=0, high=1, inclusive="neither")
        n_excitatory = int(np.floor(e_fraction * units + 0.5))
        if not 1 <= n_excitatory <= units - 1:
            raise ValueError(f"e_fraction must leave both groups non-empty, i.e. be in "
                             f"[{0.5 / units:g}, {(units - 0.5) / units:g}) for units={units}; got "
                             f"{e_fraction!r} ({n_excitatory} excitatory of {units} units)")
        signs = -np.ones(units)
        if seed is None:
            signs[:n_excitatory] = 1.0
        else:
            signs[np.random.default_rng(seed).choice(units, n_excitatory, replace=False)] = 1.0
        return signs
    if seed is not None:
        raise ValueError(f"seed is only used with e_fraction (to choose the excitatory units); got seed={seed} "
                         f"with {given[0]}")
    if labels is not None:
        names = _strings(labels, "labels")
        signs = _from_names(names, [item.strip().lower() for item in names], _LABELS, "labels",
                            "'E' or 'excitatory' and 'I' or 'inhibitory' (any case)")
    else:
        from sernn.microns.tables import CELL_CLASSES

        table = {_cell_type_key(key): 1.0 if cls == "excitatory" else -1.0 for key, cls in CELL_CLASSES.items()}
        names = _strings(cell_types, "cell_types")
        signs = _from_names(names, [_cell_type_key(item) for item in names], table, "cell_types",
                            f"MICrONS cell types, one of {', '.join(map(repr, sorted(CELL_CLASSES)))} "
                            "(any case, '-' or '_')")
    if units is not None and units != signs.size:
        raise ValueError(f"units must equal the number of {given[0]} ({signs.size}); got {units}")
    return signs


def _balance_arguments(signs, spectral_radius, balance, mask, seed):
    """The checked arguments of :func:`balanced_ei_weights` (shared with its Keras initializer)."""
    signs = check_signs(signs)
    n = signs.size
    spectral_radius = check_real(spectral_radius, "spectral_radius", low=0, inclusive="neither",
                                 allow_none=True)
    balance = check_option(balance, "balance", _BALANCES)
    seed = check_seed(seed)
    if mask is not None:
        mask = check_mask(mask)
        if mask.shape != (n, n):
            raise ValueError(f"mask must have shape ({n}, {n}) (one row and column per sign); "
                             f"got shape {mask.shape}")
    allowed = np.ones((n, n), dtype=bool) if mask is None else mask
    excitatory, inhibitory = signs > 0, signs < 0
    if balance == "exact":
        lacking = np.flatnonzero(~allowed[excitatory].any(axis=0) | ~allowed[inhibitory].any(axis=0))
        if lacking.size:
            raise ValueError(
                "balance='exact' needs every unit (column) to receive at least one excitatory and one "
                f"inhibitory connection (signs and mask); got {lacking.size} column(s) without, e.g. column "
                f"{int(lacking[0])} (use balance='mean' or 'none', or change signs or mask)")
    elif balance == "mean" and not (allowed[excitatory].any() and allowed[inhibitory].any()):
        raise ValueError("balance='mean' needs both excitatory and inhibitory connections (signs and mask); "
                         f"got {int(excitatory.sum())} excitatory and {int(inhibitory.sum())} inhibitory units")
    return signs, spectral_radius, balance, mask, seed


def balanced_ei_weights(signs, *, spectral_radius=0.95, balance="exact", mask=None, seed=None) -> np.ndarray:
    """A recurrent kernel that obeys Dale's law with excitation balancing inhibition.

    With ``n = len(signs)``, ``E`` the excitatory rows (``signs == +1``) and
    ``I`` the inhibitory rows (``signs == -1``):

    1. magnitudes ``A[i, j] = |z[i, j]| / sqrt(n)``, ``z[i, j] ~ N(0, 1)``
       independent (half-normal, mean ``sqrt(2 / pi) / sqrt(n)``), drawn with
       ``numpy.random.default_rng(seed).standard_normal((n, n))``, times
       ``mask[i, j]`` if a mask is given;
    2. signs and balance, ``W[i, j] = signs[i] * g[i, j] * A[i, j]`` with
       ``g = 1`` on excitatory rows and on inhibitory rows

       - ``"exact"``: ``g[i, j] = sum_{k in E} A[k, j] / sum_{k in I} A[k, j]``,
         so that **every column sums to zero**, ``sum_i W[i, j] = 0``;
       - ``"mean"``: ``g = sum(mask[E, :]) / sum(mask[I, :])`` (``n_E / n_I =
         f_E / f_I`` without a mask), so that the expected sum of every column
         is zero (the sums themselves are not, and some eigenvalues still
         lie outside the bulk);
       - ``"none"``: ``g = 1`` (unbalanced);

    3. if ``spectral_radius`` is not None, ``W`` is multiplied by
       ``spectral_radius / max|eig(W)|``.

    Columns, because column j of the kernel holds the inputs of unit j (the
    recurrent input of unit j is ``sum_i h[i] W[i, j]``): in ``"exact"``
    balance the excitatory and inhibitory input weights onto every unit are
    equal in total. Then ``1^T W = 0``, and with the rank-one mean part
    ``M = u 1^T`` (without a mask ``u[i] = mu`` on excitatory rows and
    ``-mu n_E / n_I`` on inhibitory rows, ``mu = sqrt(2 / pi) / sqrt(n)``, so
    ``sum_i u[i] = 0``), ``1^T (W - M) = 0`` too, so W has exactly the
    eigenvalues of its near-zero-mean part ``W - M`` (``det(W - x) =
    det(W - M - x) (1 - sum_i u[i] / x)``): a bulk of radius about ``sqrt(sum_i var(W[i, j]))``
    (the same for every column j), without the outlier that the mean part
    gives to an unbalanced kernel. Unbalanced (``"none"``, no mask) the
    mean part has the eigenvalue ``sum_i u[i] = (n_E - n_I) sqrt(2 / pi) /
    sqrt(n) = sqrt(n) sqrt(2 / pi) (f_E - f_I)``, and W an outlier there
    when it is larger than the bulk radius ``sqrt(1 - 2 / pi)`` (Rajan &
    Abbott, Physical Review Letters 2006).

    Parameters
    ----------
    signs : array-like of shape (n,)
        +1 (excitatory) or -1 (inhibitory) per presynaptic unit (row), e.g.
        from :func:`dale_signs`.
    spectral_radius : float > 0 or None, default=0.95
        Largest eigenvalue modulus of the result; None keeps the scale of step 2.
    balance : {"exact", "mean", "none"}, default="exact"
        See step 2.
    mask : array-like of shape (n, n), bool or 0/1, optional
        Allowed connections; the other entries are 0 and the balance is
        computed over the allowed ones.
    seed : int, optional
        Same seed, same kernel (None: fresh draws).

    Returns
    -------
    numpy.ndarray of shape (n, n), float64
        ``W[i, j] * signs[i] >= 0`` everywhere.

    Raises
    ------
    ValueError
        If the signs are not +1/-1, ``spectral_radius`` is not positive,
        ``balance`` is not an option, ``mask`` has the wrong shape, or the
        balance cannot be reached (``"exact"``: a column without allowed
        excitatory or inhibitory entries).

    Examples
    --------
    Every row carries its unit's sign, every column sums to 0, and the
    spectral radius is the target:

    >>> import numpy as np
    >>> from sernn.dale import balanced_ei_weights, dale_signs
    >>> signs = dale_signs(50, e_fraction=0.8)
    >>> W = balanced_ei_weights(signs, spectral_radius=0.9, seed=0)
    >>> bool(np.all(W * signs[:, None] >= 0))
    True
    >>> float(np.abs(W.sum(axis=0)).max()) < 1e-12
    True
    >>> round(float(np.abs(np.linalg.eigvals(W)).max()), 6)
    0.9

    The same magnitudes unbalanced have an outlier near
    ``sqrt(n) sqrt(2 / pi) (f_E - f_I) = sqrt(50) * 0.798 * 0.6 = 3.39``, far
    from the bulk (radius about ``sqrt(1 - 2 / pi) = 0.60``):

    >>> raw = balanced_ei_weights(signs, spectral_radius=None, balance="none", seed=0)
    >>> eigenvalues = np.sort(np.abs(np.linalg.eigvals(raw)))
    >>> bool(3.0 < eigenvalues[-1] < 3.8), bool(eigenvalues[-2] < 1.0)
    (True, True)
    """
    signs, spectral_radius, balance, mask, seed = _balance_arguments(signs, spectral_radius, balance, mask, seed)
    n = signs.size
    magnitudes = np.abs(np.random.default_rng(seed).standard_normal((n, n))) / np.sqrt(n)
    if mask is not None:
        magnitudes = magnitudes * mask
    excitatory, inhibitory = signs > 0, signs < 0
    gain = np.ones((n, n))
    if balance == "exact":
        gain[inhibitory] = magnitudes[excitatory].sum(axis=0) / magnitudes[inhibitory].sum(axis=0)
    elif balance == "mean":
        allowed = np.ones((n, n), dtype=bool) if mask is None else mask
        gain[inhibitory] = allowed[excitatory].sum() / allowed[inhibitory].sum()
    weights = signs[:, None] * gain * magnitudes
    if spectral_radius is not None:
        radius = float(np.abs(np.linalg.eigvals(weights)).max())
        if not radius > 1e-12 * np.abs(weights).max():
            raise ValueError("the kernel has no non-zero eigenvalue (e.g. a triangular mask), so "
                             "spectral_radius cannot be set; use spectral_radius=None or another mask")
        weights = weights * (spectral_radius / radius)
    return weights
