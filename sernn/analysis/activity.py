"""What the units of a trained network compute: explained variance, mixed selectivity, spatial clustering.

The functional analyses of the seRNN paper (Achterberg et al., Nature Machine Intelligence 2023) on the
hidden states (post-activation) of a network playing the maze task, ``states`` of shape
``(trials, steps, units)`` (goal shown at steps 0–19, delay 20–29, choice options 30–49):

=====================================  ===================================================================
:func:`window_means`                   mean activity in windows of ``WINDOW`` = 5 steps
:func:`design_matrix`                  one-hot predictors (:mod:`sernn.analysis.explained_variance`)
:func:`lasso`                          many lasso fits at once (:mod:`sernn.analysis.explained_variance`)
:func:`explained_variance`             cross-validated EV per unit and window, in total and per group
:func:`mixed_selectivity`              Pearson r between two EVs across units
:func:`preference`                     EV goal − EV choice per unit
:func:`clustering_p`                   weighted mean pairwise distance of a unit set and its P_perm
:func:`spatial_clustering`             :func:`clustering_p` of goal-preferring and choice-preferring units
:func:`top_units_clustering`           the unweighted control on the units with the largest EV
:func:`energy`                         mean activation over trials, steps and units
:func:`trajectory_pca`                 explained variance ratio of the principal components of the states
:func:`structure_function_table`       correlation matrix of per-network features
:func:`network_activity`               all of the above for one network
=====================================  ===================================================================

Windows are numbered from 0: window ``k`` holds steps ``5k .. 5k + 4``, so windows 3, 6 and 9 are steps
15–19 (end of the goal), 30–34 (first window of the choice options) and 45–49 (end of the trial).
See ``docs/analysis.md`` ("Functional analyses of trained networks") for the definitions, the choices
made where the paper is silent, and where the authors' own analysis code differs.
"""
from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from sernn.analysis.explained_variance import design_matrix, explained_variance, lasso
from sernn.validation import check_array, check_bool, check_integer, check_option, check_seed, describe

__all__ = ["WINDOW", "window_means", "design_matrix", "lasso", "explained_variance", "mixed_selectivity",
           "preference", "clustering_p", "spatial_clustering", "top_units_clustering", "energy",
           "trajectory_pca", "structure_function_table", "network_activity"]

#: Steps per window of :func:`window_means`.
WINDOW = 5


def _states(states, name="states"):
    return check_array(states, name, ndim=3)


def window_means(states, *, window=WINDOW) -> np.ndarray:
    """Mean of the states over consecutive windows of ``window`` steps.

    Parameters
    ----------
    states : array-like, shape (trials, T, units)
        Hidden states; ``T`` must be a multiple of ``window``.
    window : int, default=5
        Steps per window.

    Returns
    -------
    numpy.ndarray, shape (trials, T // window, units)
        Window ``k`` is the mean over steps ``k * window .. (k + 1) * window - 1``.

    Examples
    --------
    >>> import numpy as np
    >>> states = np.arange(10.0).reshape(1, 10, 1)
    >>> window_means(states)[0, :, 0]
    array([2., 7.])
    """
    states = _states(states)
    window = check_integer(window, "window", low=1)
    trials, steps, units = states.shape
    if steps % window:
        raise ValueError(f"states must have a number of steps that is a multiple of window={window}; "
                         f"got {describe(states)} ({steps} steps)")
    return states.reshape(trials, steps // window, window, units).mean(axis=2)


def _vector(values, name, size=None):
    values = check_array(values, name, ndim=1, finite=False)
    if size is not None and values.shape[0] != size:
        raise ValueError(f"{name} must have one value per unit ({size}); got {describe(values)}")
    return values


def mixed_selectivity(ev_goal, ev_choice) -> float:
    """Pearson correlation across units between two explained variances (the paper's mixed selectivity).

    Parameters
    ----------
    ev_goal, ev_choice : array-like, shape (units,)

    Returns
    -------
    float
        ``r``; NaN when either vector is constant or has fewer than two units.

    Examples
    --------
    >>> mixed_selectivity([0.1, 0.5, 0.3], [0.4, 0.0, 0.2])
    -1.0
    """
    x = _vector(ev_goal, "ev_goal")
    y = _vector(ev_choice, "ev_choice", x.shape[0])
    if x.shape[0] < 2:
        return float("nan")
    x, y = x - x.mean(), y - y.mean()
    denominator = np.sqrt((x @ x) * (y @ y))
    if not np.isfinite(denominator) or denominator == 0:
        return float("nan")
    return float(np.clip(x @ y / denominator, -1.0, 1.0))


def preference(ev_goal, ev_choice, *, absolute=False) -> np.ndarray:
    """Each unit's preference for the goal over the choice: ``EV goal − EV choice``.

    Positive: goal unit; negative: choice unit; 0: neither.

    Parameters
    ----------
    ev_goal, ev_choice : array-like, shape (units,)
    absolute : bool, default=False
        ``|EV goal| − |EV choice|`` instead, as the authors' analysis code computes it (a negative EV,
        a group that only adds noise on held-out trials, then counts as much as a positive one).

    Returns
    -------
    numpy.ndarray, shape (units,)

    Examples
    --------
    >>> preference([0.5, 0.1], [0.2, 0.3])
    array([ 0.3, -0.2])
    """
    x = _vector(ev_goal, "ev_goal")
    y = _vector(ev_choice, "ev_choice", x.shape[0])
    if check_bool(absolute, "absolute"):
        x, y = np.abs(x), np.abs(y)
    return x - y


def _rng(seed):
    seed = check_seed(seed, allow_generator=True)
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def _distances(coordinates):
    coordinates = check_array(coordinates, "coordinates", ndim=2, min_rows=1)
    difference = coordinates[:, None, :] - coordinates[None, :, :]
    return coordinates, np.sqrt((difference ** 2).sum(axis=-1))


def clustering_p(coordinates, selected, weights=None, *, n_perm=1000, seed=0,
                 include_self=False) -> tuple[float, float]:
    """Weighted mean pairwise distance among selected units, and its permutation P value.

    With the ``k`` selected units ``s_1 .. s_k`` (in the order given) and their weights ``w_i``, the
    statistic is ``Σ_{i≠j} |w_i| D(s_i, s_j) / (k (k − 1))`` (each ordered pair weighted by the weight
    of its first unit, the authors' formula; ``|w_i|`` = 1 without weights). The null draws ``n_perm``
    random sets of ``k`` units among all units and gives them the same weights in the same order;
    ``P_perm`` is the fraction of null values strictly below the observed one, so a small P means the
    selected units lie closer together than chance.

    Random numbers: ``rng.random((n_perm, units))`` with ``rng = numpy.random.default_rng(seed)``; set
    ``p`` is the first ``k`` entries of the stable argsort of row ``p`` (a uniformly random ordered
    sample without replacement).

    Parameters
    ----------
    coordinates : array-like, shape (units, d)
        Unit positions.
    selected : array-like
        Boolean mask over the units, or their indices.
    weights : array-like, optional
        One weight per selected unit (in the order of ``selected``) or one per unit (then those of the
        selected units are used).
    n_perm : int, default=1000
    seed : int, numpy Generator or None, default=0
    include_self : bool, default=False
        Divide by ``k²`` instead, counting the zero self-distances as the authors' code does
        (``mean(D .* w, 'all')``); the statistic shrinks by ``(k − 1) / k``, P is unchanged.

    Returns
    -------
    (float, float)
        The statistic and ``P_perm``; ``(nan, nan)`` with fewer than 2 selected units.

    Examples
    --------
    >>> import numpy as np
    >>> line = np.arange(10.0)[:, None]
    >>> statistic, p = clustering_p(line, [0, 1, 2], n_perm=200)
    >>> statistic, p < 0.05
    (1.3333333333333333, True)
    """
    coordinates, D = _distances(coordinates)
    units = coordinates.shape[0]
    index = np.asarray(selected)
    if index.dtype == bool:
        if index.shape != (units,):
            raise ValueError(f"selected must be a boolean mask of shape ({units},) or unit indices; "
                             f"got {describe(index)}")
        index = np.flatnonzero(index)
    else:
        index = check_array(index, "selected", ndim=1, dtype=None) if index.ndim else index.reshape(1)
        if index.size and (index.dtype.kind not in "iu" or index.min() < 0 or index.max() >= units
                           or np.unique(index).size != index.size):
            raise ValueError(f"selected must hold distinct unit indices in [0, {units - 1}]; "
                             f"got {describe(index)}")
        index = index.astype(np.intp)
    n_perm = check_integer(n_perm, "n_perm", low=1)
    include_self = check_bool(include_self, "include_self")
    k = index.size
    if weights is None:
        w = np.ones(k)
    else:
        w = check_array(weights, "weights", ndim=1)
        if w.shape[0] == units and k != units:
            w = w[index]
        elif w.shape[0] != k:
            raise ValueError(f"weights must have one value per selected unit ({k}) or per unit ({units}); "
                             f"got {describe(w)}")
        w = np.abs(w)
    rng = _rng(seed)
    if k < 2:
        return float("nan"), float("nan")
    pairs = k * k if include_self else k * (k - 1)
    observed = float(w @ D[np.ix_(index, index)].sum(axis=1) / pairs)
    draws = np.argsort(rng.random((n_perm, units)), axis=1, kind="stable")[:, :k]
    member = np.zeros((n_perm, units))
    np.put_along_axis(member, draws, 1.0, axis=1)
    rows = np.take_along_axis(member @ D, draws, axis=1)   # Σ_j D(s_i, s_j) for each drawn unit
    null = rows @ w / pairs
    return observed, float(np.mean(null < observed))


def spatial_clustering(ev_goal, ev_choice, coordinates, *, n_perm=1000, seed=0, absolute=False) -> dict:
    """Spatial clustering of goal-preferring and of choice-preferring units.

    Goal units have :func:`preference` > 0, choice units < 0; each set is tested by
    :func:`clustering_p` with weights ``|preference|``.

    Parameters
    ----------
    ev_goal, ev_choice : array-like, shape (units,)
    coordinates : array-like, shape (units, d)
    n_perm : int, default=1000
    seed : int, numpy Generator or None, default=0
        One generator serves the goal test, then the choice test.
    absolute : bool, default=False
        Passed to :func:`preference`.

    Returns
    -------
    dict
        ``{"goal": (statistic, P_perm), "choice": (statistic, P_perm)}``.

    Examples
    --------
    >>> import numpy as np
    >>> line = np.arange(6.0)[:, None]
    >>> result = spatial_clustering([.9, .8, .7, 0, 0, 0], [0, 0, 0, .6, .5, .4], line, n_perm=100)
    >>> result["goal"][1] < 0.1, result["choice"][1] < 0.1
    (True, True)
    """
    coordinates = check_array(coordinates, "coordinates", ndim=2)
    pref = preference(ev_goal, ev_choice, absolute=absolute)
    if pref.shape[0] != coordinates.shape[0]:
        raise ValueError(f"coordinates must have one row per unit ({pref.shape[0]}); got {describe(coordinates)}")
    rng = _rng(seed)
    out = {}
    for name, mask in (("goal", pref > 0), ("choice", pref < 0)):
        out[name] = clustering_p(coordinates, mask, pref[mask], n_perm=n_perm, seed=rng)
    return out


def top_units_clustering(ev_total, coordinates, *, top=50, n_perm=1000, seed=0) -> tuple[float, float]:
    """The unweighted control: :func:`clustering_p` of the ``top`` units with the largest EV.

    Parameters
    ----------
    ev_total : array-like, shape (units,)
        Any EV per unit (total, or one group's, as the authors' code ranks by each group's EV).
    coordinates : array-like, shape (units, d)
    top : int, default=50
    n_perm : int, default=1000
    seed : int, numpy Generator or None, default=0

    Returns
    -------
    (float, float)
        Mean pairwise distance among the top units and its ``P_perm``.

    Examples
    --------
    >>> import numpy as np
    >>> line = np.arange(20.0)[:, None]
    >>> ev = np.r_[np.ones(5), np.zeros(15)]
    >>> statistic, p = top_units_clustering(ev, line, top=5, n_perm=200)
    >>> statistic, p < 0.05
    (2.0, True)
    """
    ev = _vector(ev_total, "ev_total")
    coordinates = check_array(coordinates, "coordinates", ndim=2)
    if coordinates.shape[0] != ev.shape[0]:
        raise ValueError(f"coordinates must have one row per unit ({ev.shape[0]}); got {describe(coordinates)}")
    top = check_integer(top, "top", low=2, high=ev.shape[0])
    order = np.argsort(-np.nan_to_num(ev, nan=-np.inf), kind="stable")[:top]
    return clustering_p(coordinates, np.sort(order), n_perm=n_perm, seed=seed)


def _steps(steps, total):
    if (not isinstance(steps, (tuple, list)) or len(steps) != 2
            or not all(isinstance(s, numbers.Integral) and not isinstance(s, bool) for s in steps)
            or not 0 <= steps[0] < steps[1] <= total):
        raise ValueError(f"steps must be a pair of integers (start, stop) with 0 <= start < stop <= {total}; "
                         f"got {describe(steps)}")
    return int(steps[0]), int(steps[1])


def energy(states, *, steps=(30, 50)) -> float:
    """Mean activation over trials, the steps ``start .. stop − 1`` and units (default: the choice period).

    Parameters
    ----------
    states : array-like, shape (trials, T, units)
    steps : (int, int), default=(30, 50)

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> states = np.zeros((2, 50, 3)); states[:, 30:] = 0.5
    >>> energy(states)
    0.5
    """
    states = _states(states)
    start, stop = _steps(steps, states.shape[1])
    return float(states[:, start:stop].mean())


def trajectory_pca(states, *, components=None) -> np.ndarray:
    """Explained variance ratio of the principal components of the states.

    The states of all trials and steps are stacked into a ``(trials × T, units)`` matrix, centred, and
    decomposed (the eigenvalues of its scatter matrix, the squared singular values); the ratio is each
    component's variance over the total variance.

    Parameters
    ----------
    states : array-like, shape (trials, T, units)
    components : int, optional
        How many leading components to return (all by default).

    Returns
    -------
    numpy.ndarray
        Decreasing ratios; NaN when the states do not vary.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.linspace(0, 1, 10)
    >>> states = np.stack([t, 2 * t, np.zeros(10)], axis=1)[None]
    >>> np.round(trajectory_pca(states), 6)
    array([1., 0., 0.])
    """
    states = _states(states)
    matrix = states.reshape(-1, states.shape[2])
    rank = min(matrix.shape)
    components = check_integer(components, "components", low=1, high=rank, allow_none=True)
    centred = matrix - matrix.mean(axis=0)
    # the eigenvalues of the (units x units) scatter matrix are the squared singular values of the centred
    # states: the same ratios as an SVD of the (trials * T, units) matrix at a fraction of its cost
    variance = np.clip(np.linalg.eigvalsh(centred.T @ centred)[::-1], 0, None)[:rank]
    total = variance.sum()
    ratio = variance / total if total > 0 else np.full(variance.shape, np.nan)
    return ratio[:components] if components is not None else ratio


def structure_function_table(frame, columns=None, *, method="pearson") -> pd.DataFrame:
    """Correlation matrix of per-network features (structure and function), pairwise-complete.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per network.
    columns : list of str, optional
        The features (all numeric columns by default).
    method : {"pearson", "spearman", "kendall"}, default="pearson"

    Returns
    -------
    pandas.DataFrame
        Each entry over the networks where both features are finite; NaN where fewer than two are, or
        where a feature is constant.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"Q": [0.3, 0.4, 0.5, None], "ev_goal": [0.1, 0.3, 0.2, 0.9]})
    >>> structure_function_table(frame).round(3)
               Q  ev_goal
    Q        1.0      0.5
    ev_goal  0.5      1.0
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"frame must be a pandas DataFrame; got {describe(frame)} ({type(frame).__name__})")
    method = check_option(method, "method", ("pearson", "spearman", "kendall"))
    if columns is None:
        columns = list(frame.select_dtypes(include="number").columns)
    else:
        columns = list(columns)
        missing = [column for column in columns if column not in frame.columns]
        if missing:
            raise ValueError(f"columns must name columns of frame; got {missing!r}, not among "
                             f"{list(frame.columns)!r}")
    values = frame[columns].apply(pd.to_numeric, errors="coerce").replace([np.inf, -np.inf], np.nan)
    return values.corr(method=method, min_periods=2)


def network_activity(states, labels, coordinates, *, windows=(3, 6, 9), n_perm=1000, seed=0,
                     contrast="options", absolute=False, top=50, **ev_options) -> dict:
    """Every functional analysis of one network: per-network features and a per-unit table.

    Window means (:func:`window_means`), EV of every window (:func:`explained_variance`), then for each
    window ``k`` of ``windows`` (0-based, see the module's docstring): mean EVs, mixed selectivity, spatial
    clustering of goal and choice units and the top-units control; and the energy and PCA of the states.
    "Choice" in the preference, mixed selectivity and clustering is the label named by ``contrast``.

    Parameters
    ----------
    states : array-like, shape (trials, T, units)
        Hidden states, ``T`` a multiple of ``WINDOW``.
    labels : dict
        Per-trial codes (e.g. ``goal``, ``options``, ``choice``), as for :func:`design_matrix`; must hold
        ``"goal"`` and ``contrast``.
    coordinates : array-like, shape (units, d)
    windows : tuple of int, default=(3, 6, 9)
        0-based window indices of the features.
    n_perm : int, default=1000
    seed : int or None, default=0
    contrast : str, default="options"
        The label opposed to the goal: ``"options"`` (the offered pair, whose EV the authors' code
        uses as "EV choices") or ``"choice"`` (the correct answer).
    absolute : bool, default=False
        Passed to :func:`preference`.
    top : int, default=50
        Units of the top-units control.
    **ev_options
        Passed to :func:`explained_variance` (``alphas``, ``cv_folds``, ...).

    Returns
    -------
    dict
        ``"features"``: a flat dict of floats: ``ev_total_w{k}`` and ``ev_{label}_w{k}`` (means over
        units), ``mixed_selectivity_w{k}``, ``p_goal_w{k}``, ``p_choice_w{k}`` (and the statistics
        ``d_goal_w{k}``, ``d_choice_w{k}``, the set sizes ``n_goal_w{k}``, ``n_choice_w{k}``),
        ``p_top{top}_w{k}`` (ranked by total EV) and ``p_top{top}_{label}_w{k}`` (ranked by each label's
        EV), ``energy``, ``mean_activity``, ``pca_1``, ``pca_3`` (variance ratio of the first 1 and 3
        components). ``"units"``: a DataFrame with one row per window and unit: ``window``, ``unit``,
        ``ev_total``, ``ev_{label}`` for each label, ``preference``, ``activity`` (mean over trials).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> goal, options = rng.integers(0, 4, 60), rng.integers(0, 5, 60)
    >>> states = rng.random((60, 50, 8)); states[:, :, 0] += goal[:, None]
    >>> coordinates = rng.random((8, 3))
    >>> out = network_activity(states, {"goal": goal, "options": options}, coordinates, n_perm=50, top=4)
    >>> out["features"]["ev_goal_w9"] > 0.05, out["units"].shape
    (True, (80, 7))
    """
    states = _states(states)
    n_units = states.shape[2]
    coordinates = check_array(coordinates, "coordinates", ndim=2)
    if coordinates.shape[0] != n_units:
        raise ValueError(f"coordinates must have one row per unit ({n_units}); got {describe(coordinates)}")
    if not isinstance(labels, dict) or "goal" not in labels or contrast not in labels:
        raise ValueError(f"labels must be a dict holding 'goal' and contrast={contrast!r}; got "
                         f"{describe(list(labels) if isinstance(labels, dict) else labels)}")
    means = window_means(states)
    n_windows = means.shape[1]
    windows = tuple(windows)
    for k in windows:
        if isinstance(k, bool) or not isinstance(k, numbers.Integral) or not 0 <= k < n_windows:
            raise ValueError(f"windows must hold window indices in [0, {n_windows - 1}]; got {describe(windows)}")
    top = check_integer(top, "top", low=2, high=n_units)
    ev = explained_variance(means, labels, seed=seed, **ev_options)
    names = list(labels)
    rng = _rng(seed)
    features = {}
    for k in windows:
        for key in ["total", *names]:
            features[f"ev_{key}_w{k}"] = float(ev[key][k].mean())
        goal, other = ev["goal"][k], ev[contrast][k]
        features[f"mixed_selectivity_w{k}"] = mixed_selectivity(goal, other)
        pref = preference(goal, other, absolute=absolute)
        clusters = spatial_clustering(goal, other, coordinates, n_perm=n_perm, seed=rng, absolute=absolute)
        for side, mask in (("goal", pref > 0), ("choice", pref < 0)):
            features[f"d_{side}_w{k}"], features[f"p_{side}_w{k}"] = clusters[side]
            features[f"n_{side}_w{k}"] = float(mask.sum())
        features[f"p_top{top}_w{k}"] = top_units_clustering(ev["total"][k], coordinates, top=top,
                                                            n_perm=n_perm, seed=rng)[1]
        for key in names:
            features[f"p_top{top}_{key}_w{k}"] = top_units_clustering(ev[key][k], coordinates, top=top,
                                                                      n_perm=n_perm, seed=rng)[1]
    features["energy"] = energy(states, steps=(min(30, states.shape[1] - 1), states.shape[1]))
    features["mean_activity"] = float(states.mean())
    ratio = trajectory_pca(states)
    features["pca_1"] = float(ratio[0])
    features["pca_3"] = float(ratio[:3].sum())
    window_index, unit_index = np.meshgrid(np.arange(n_windows), np.arange(n_units), indexing="ij")
    table = {"window": window_index.ravel(), "unit": unit_index.ravel(), "ev_total": ev["total"].ravel()}
    for key in names:
        table[f"ev_{key}"] = ev[key].ravel()
    table["preference"] = preference(ev["goal"].ravel(), ev[contrast].ravel(), absolute=absolute)
    table["activity"] = means.mean(axis=0).ravel()
    return {"features": features, "units": pd.DataFrame(table)}
