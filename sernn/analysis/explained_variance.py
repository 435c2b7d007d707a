"""Explained variance by cross-validated lasso: how much of each unit's activity the task's labels explain.

The regression of the functional analyses of the seRNN paper (Achterberg et al., Nature Machine
Intelligence 2023): every unit's (window-averaged) activity is regressed on one-hot predictors of the
trial's labels by the lasso, the penalty chosen by cross-validation, and the explained variance (EV)
read on held-out trials, in total and per group of predictors (the drop when the group is removed).

=====================================  ===================================================================
:func:`design_matrix`                  one-hot (or multi-hot) predictors and their column groups
:func:`lasso`                          many lasso regressions on one design at once (coordinate descent)
:func:`explained_variance`             cross-validated EV per unit and window, in total and per group
=====================================  ===================================================================

All targets (units x windows) and all folds are solved together by one vectorised coordinate descent on
Gram matrices, so a network of 100 units and 10 windows costs well under a second rather than 1,000
separate fits. :mod:`sernn.analysis.activity` builds the per-network analyses on it.
"""
from __future__ import annotations

import numpy as np

from sernn.validation import check_array, check_integer, check_option, check_seed, describe

__all__ = ["N_ALPHAS", "ALPHA_RATIO", "design_matrix", "lasso", "explained_variance"]

#: Length of the default per-target alpha grid of :func:`explained_variance`, and its smallest ratio
#: ``alpha_min / alpha_max`` (those of scikit-learn's ``LassoCV`` are 100 and 1e-3).
N_ALPHAS = 30
ALPHA_RATIO = 1e-3


def design_matrix(labels: dict) -> tuple[np.ndarray, dict]:
    """One-hot predictors from category labels, and the columns of each label.

    Parameters
    ----------
    labels : dict
        Label name -> per-trial values, either a 1-D array of integer category codes (one column per
        distinct code, in increasing order) or a 2-D ``(trials, k)`` array of 0/1 indicators used as is
        (e.g. the two offered directions of the maze task as a two-hot vector over the four directions).
        All labels must have the same number of trials.

    Returns
    -------
    X : numpy.ndarray, shape (trials, p)
        The columns of the labels, in the order of ``labels``.
    groups : dict
        Label name -> array of its column indices in ``X``.

    Examples
    --------
    >>> X, groups = design_matrix({"goal": [0, 2, 2], "options": [[1, 1, 0], [0, 1, 1], [1, 0, 1]]})
    >>> X.astype(int)
    array([[1, 0, 1, 1, 0],
           [0, 1, 0, 1, 1],
           [0, 1, 1, 0, 1]])
    >>> groups["options"]
    array([2, 3, 4])
    """
    if not isinstance(labels, dict) or not labels:
        raise TypeError(f"labels must be a non-empty dict of name -> per-trial codes; got {describe(labels)} "
                        f"({type(labels).__name__})")
    blocks, groups, trials, start = [], {}, None, 0
    for name, values in labels.items():
        key = f"labels[{name!r}]"
        raw = check_array(values, key, dtype=None)
        if raw.ndim == 1:
            if raw.dtype.kind not in "biu" and not np.all(raw == np.round(raw)):
                raise ValueError(f"{key} must hold integer category codes; got {describe(raw)}")
            codes = np.unique(raw)
            block = (raw[:, None] == codes[None, :]).astype(np.float64)
        elif raw.ndim == 2:
            if not np.all((raw == 0) | (raw == 1)):
                raise ValueError(f"{key} must hold 0/1 indicators when 2-D; got {describe(raw)} with other values")
            block = raw.astype(np.float64)
        else:
            raise ValueError(f"{key} must be a 1-D array of codes or a 2-D (trials, k) 0/1 array; "
                             f"got {describe(raw)}")
        if trials is None:
            trials = block.shape[0]
        elif block.shape[0] != trials:
            raise ValueError(f"{key} must have one row per trial ({trials}, as the first label); "
                             f"got {describe(raw)}")
        groups[name] = np.arange(start, start + block.shape[1])
        start += block.shape[1]
        blocks.append(block)
    return np.concatenate(blocks, axis=1), groups


def _coordinate_descent(G, C, alpha, B, *, tol, max_iter, scale):
    """Lasso by cyclic coordinate descent on Gram matrices, for a batch of problems at once.

    ``G`` (F, p, p) = XᵀX/n of centred X, ``C`` (F, p, m) = XᵀY/n, ``alpha`` broadcastable to (F, m),
    ``B`` (F, p, m) the starting coefficients (changed in place). A target stops when none of its
    coefficients moved by more than ``tol * scale`` (``scale`` (m,) per target) in a sweep; the
    targets still moving are carried on alone.
    """
    p, m = G.shape[1], C.shape[2]
    diag = np.einsum("fjj->fj", G)
    safe = np.where(diag > 0, diag, 1.0)[:, :, None]
    empty = diag <= 0
    alpha = np.broadcast_to(alpha, (C.shape[0], m))
    limit = np.broadcast_to(tol * scale, (m,))
    active = np.arange(m)
    Bs, Cs, As, Ls = B, C, alpha, limit
    Q = G @ Bs
    for _ in range(max_iter):
        moved = np.zeros(As.shape, dtype=bool)
        for j in range(p):
            old = Bs[:, j, :]
            rho = Cs[:, j, :] - Q[:, j, :] + diag[:, j, None] * old
            new = np.maximum(np.abs(rho) - As, 0.0)
            new *= np.sign(rho)
            new /= safe[:, j]
            new[empty[:, j]] = 0.0
            delta = new - old
            change = np.abs(delta) > Ls
            if change.any():
                moved |= change
                Q += G[:, :, j, None] * delta[:, None, :]
                Bs[:, j, :] = new
        still = moved.any(axis=0)
        if not still.any():
            break
        if 2 * still.sum() < still.size:   # carry on with the targets still moving
            if Bs is not B:
                B[:, :, active] = Bs
            active = active[still]
            Bs, Cs, As, Ls, Q = (B[:, :, active], C[:, :, active], alpha[:, active], limit[active],
                                 Q[:, :, still])
    if Bs is not B:
        B[:, :, active] = Bs
    return B


def lasso(X, Y, *, alpha, tol=1e-8, max_iter=10_000) -> tuple[np.ndarray, np.ndarray]:
    """Lasso regressions of many targets on one design, solved together.

    Minimises, for every column ``y`` of ``Y``, scikit-learn's objective
    ``(1 / (2 n)) ||y − X b − b0||² + alpha ||b||₁`` with an unpenalised intercept ``b0``, by cyclic
    coordinate descent on the Gram matrix of the centred design (one pass over the ``p`` columns updates
    all targets at once).

    Parameters
    ----------
    X : array-like, shape (n, p)
        The design.
    Y : array-like, shape (n, m) or (n,)
        The targets.
    alpha : float or array-like of shape (m,)
        Penalty, one for all targets or one per target (>= 0).
    tol : float, default=1e-8
        Stop when no coefficient changes by more than ``tol`` times its target's standard deviation
        in a sweep.
    max_iter : int, default=10000
        Most sweeps.

    Returns
    -------
    coef : numpy.ndarray, shape (p, m) (or (p,) for 1-D ``Y``)
    intercept : numpy.ndarray, shape (m,) (or a float for 1-D ``Y``)

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> coef, intercept = lasso(X, 2 * X[:, 0] + 1, alpha=0.0)
    >>> print(np.round(coef, 6), np.round(intercept, 6))
    [2.] 1.0
    """
    X = check_array(X, "X", ndim=2, min_rows=1)
    flat = np.ndim(Y) == 1
    Y = check_array(Y, "Y", dtype=np.float64)
    if flat:
        Y = Y[:, None]
    if Y.ndim != 2 or Y.shape[0] != X.shape[0]:
        raise ValueError(f"Y must be an array of shape ({X.shape[0]},) or ({X.shape[0]}, m) (one row per row "
                         f"of X); got {describe(Y)}")
    alpha = check_array(alpha, "alpha", dtype=np.float64)
    if alpha.ndim > 1 or (alpha.ndim == 1 and alpha.shape[0] != Y.shape[1]) or np.any(alpha < 0):
        raise ValueError(f"alpha must be a number >= 0 or one per target ({Y.shape[1]}); got {describe(alpha)}")
    check_integer(max_iter, "max_iter", low=1)
    x_mean, y_mean = X.mean(axis=0), Y.mean(axis=0)
    Xc, Yc = X - x_mean, Y - y_mean
    n = X.shape[0]
    G, C = (Xc.T @ Xc / n)[None], (Xc.T @ Yc / n)[None]
    B = np.zeros((1, X.shape[1], Y.shape[1]))
    scale = np.maximum(Yc.std(axis=0), np.finfo(float).tiny)
    coef = _coordinate_descent(G, C, alpha, B, tol=float(tol), max_iter=int(max_iter), scale=scale)[0]
    intercept = y_mean - x_mean @ coef
    return (coef[:, 0], float(intercept[0])) if flat else (coef, intercept)


def _folds(n, k, rng):
    return np.array_split(rng.permutation(n), k)


def _gram(X, Y, train):
    x_mean, y_mean = X[train].mean(axis=0), Y[train].mean(axis=0)
    Xc, Yc = X[train] - x_mean, Y[train] - y_mean
    n = len(train)
    return Xc.T @ Xc / n, Xc.T @ Yc / n, x_mean, y_mean


def _splits(n, folds):
    return [(np.setdiff1d(np.arange(n), test), np.sort(test)) for test in folds]


def _r2(Y, P):
    """Test R² per target (``1 − SSE / SST`` with the test mean); 0 where the test targets are constant."""
    sse = ((Y - P) ** 2).sum(axis=0)
    sst = ((Y - Y.mean(axis=0)) ** 2).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(sst > 0, 1.0 - sse / sst, 0.0)


def explained_variance(activity, labels, *, alphas=None, cv_folds=5, test_folds=3, repeats=2, seed=0,
                       zero="centred", tol=1e-6, max_iter=5_000) -> dict:
    """Cross-validated variance of each unit's activity explained by lasso regression on the labels.

    For every unit and window, the activity over trials is regressed on the one-hot design of
    :func:`design_matrix` by the lasso (:func:`lasso`). The penalty is chosen per target by ``cv_folds``-fold
    cross-validation over a grid (least mean squared validation error, as scikit-learn's ``LassoCV``);
    with it, the test R² of the model with all predictors (``"total"``) is averaged over ``repeats`` ×
    ``test_folds`` splits. A group's EV is the drop of the test R² when its columns are removed from the
    test design, the model not refitted.

    Random numbers: one ``numpy.random.default_rng(seed)``; the cross-validation folds are
    ``numpy.array_split(rng.permutation(trials), cv_folds)``, then each repeat draws its test folds the
    same way with ``test_folds``.

    Parameters
    ----------
    activity : array-like, shape (trials, windows, units) or (trials, units)
        E.g. the output of :func:`window_means`.
    labels : dict
        Label name -> per-trial codes, as for :func:`design_matrix`.
    alphas : array-like of float, optional
        One grid of penalties (> 0) for all targets. By default each target gets its own grid of
        ``N_ALPHAS`` = 30 values log-spaced from ``alpha_max`` (the smallest penalty with all coefficients
        zero, on all trials) down to ``ALPHA_RATIO`` = 1e-3 times it.
    cv_folds : int, default=5
        Folds of the cross-validation that chooses the penalty.
    test_folds, repeats : int, default=3, 2
        Repeated k-fold splits of the test EV.
    seed : int or None, default=0
    zero : {"centred", "raw"}, default="centred"
        How a group's columns are removed from the test design: set to their training means (zero in
        the centred design, the model's own coordinates; the EV drop is then the group's share of
        variance) or set to 0 in the raw one-hot design (which also shifts the prediction by the
        group's mean contribution).
    tol : float, default=1e-6
        Convergence tolerance of the test fits (a coefficient's change in a sweep, relative to its
        target's standard deviation, as in :func:`lasso`); the cross-validation path, whose errors
        only rank the penalties, stops at ``100 * tol``.
    max_iter : int, default=5000
        Most coordinate-descent sweeps per fit.

    Returns
    -------
    dict
        ``"total"``, one entry per label, and ``"alpha"`` (the chosen penalty), each of shape
        ``(windows, units)`` (``(units,)`` for 2-D ``activity``). Constant targets (dead units) get EV 0
        and alpha NaN.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> goal = rng.integers(0, 4, 200)
    >>> activity = np.stack([goal == 1, rng.random(200) < 0.5], axis=1) + 0.1 * rng.normal(size=(200, 2))
    >>> ev = explained_variance(activity, {"goal": goal})
    >>> np.round(ev["goal"], 1) + 0.0
    array([1., 0.])
    """
    activity = check_array(activity, "activity")
    if activity.ndim not in (2, 3):
        raise ValueError(f"activity must be an array of shape (trials, windows, units) or (trials, units); "
                         f"got {describe(activity)}")
    cv_folds = check_integer(cv_folds, "cv_folds", low=2)
    test_folds = check_integer(test_folds, "test_folds", low=2)
    repeats = check_integer(repeats, "repeats", low=1)
    seed = check_seed(seed)
    zero = check_option(zero, "zero", ("centred", "raw"))
    max_iter = check_integer(max_iter, "max_iter", low=1)
    X, groups = design_matrix(labels)
    n = activity.shape[0]
    if X.shape[0] != n:
        raise ValueError(f"labels must have one value per trial of activity ({n}); got {X.shape[0]}")
    least = 2 * max(cv_folds, test_folds)
    if n < least:
        raise ValueError(f"activity must have at least {least} trials (two per fold of cv_folds={cv_folds} "
                         f"and test_folds={test_folds}); got {describe(activity)}")
    if alphas is not None:
        alphas = check_array(alphas, "alphas", ndim=1)
        if alphas.size == 0 or np.any(alphas <= 0):
            raise ValueError(f"alphas must be a non-empty 1-D array of numbers > 0; got {describe(alphas)}")
        alphas = np.sort(alphas)[::-1]
    shape = activity.shape[1:]
    Y = activity.reshape(n, -1)
    m = Y.shape[1]
    live = Y.std(axis=0) > 0
    result = {"total": np.zeros(m), **{name: np.zeros(m) for name in groups}, "alpha": np.full(m, np.nan)}
    rng = np.random.default_rng(seed)
    cv = _splits(n, _folds(n, cv_folds, rng))
    tests = [split for _ in range(repeats) for split in _splits(n, _folds(n, test_folds, rng))]
    if live.any():
        Yl = Y[:, live]
        scale = Yl.std(axis=0)
        # penalty grid: per target from alpha_max on all trials, or the given one
        if alphas is None:
            Xc = X - X.mean(axis=0)
            alpha_max = np.abs(Xc.T @ (Yl - Yl.mean(axis=0))).max(axis=0) / n
            grid = alpha_max[None, :] * np.logspace(0, np.log10(ALPHA_RATIO), N_ALPHAS)[:, None]
        else:
            grid = np.repeat(alphas[:, None], Yl.shape[1], axis=1)
        # cross-validated error along the path (warm starts), all folds at once
        parts = [_gram(X, Yl, train) for train, _ in cv]
        G = np.stack([part[0] for part in parts])
        C = np.stack([part[1] for part in parts])
        B = np.zeros((len(cv), X.shape[1], Yl.shape[1]))
        error = np.zeros(grid.shape)
        path = np.zeros((grid.shape[0], X.shape[1], Yl.shape[1]))   # mean coefficients over the folds
        # validation error from the validation folds' moments (in the training folds' centring):
        # Σ (y − ŷ)² = Σ y'² − 2 bᵀ X'ᵀy' + bᵀ X'ᵀX' b, with X' = X − x̄_train, y' = y − ȳ_train
        moments = []
        for (_, test), part in zip(cv, parts):
            Xv, Yv = X[test] - part[2], Yl[test] - part[3]
            moments.append(((Yv ** 2).sum(axis=0) / len(test), Xv.T @ Yv / len(test), Xv.T @ Xv / len(test)))
        Syy = np.stack([moment[0] for moment in moments])
        Sxy = np.stack([moment[1] for moment in moments])
        Sxx = np.stack([moment[2] for moment in moments])
        for a, alpha in enumerate(grid):
            _coordinate_descent(G, C, alpha[None, :], B, tol=100 * tol, max_iter=max_iter, scale=scale)
            path[a] = B.mean(axis=0)
            mse = Syy - 2 * (B * Sxy).sum(axis=1) + (B * (Sxx @ B)).sum(axis=1)
            error[a] = mse.mean(axis=0)
        best = np.argmin(error, axis=0)
        chosen = grid[best, np.arange(Yl.shape[1])]
        start = path[best, :, np.arange(Yl.shape[1])].T   # warm start of the test fits
        # test EV with the chosen penalty over the repeated splits, all splits at once
        parts = [_gram(X, Yl, train) for train, _ in tests]
        G = np.stack([part[0] for part in parts])
        C = np.stack([part[1] for part in parts])
        B = np.repeat(start[None], len(tests), axis=0)
        _coordinate_descent(G, C, chosen[None, :], B, tol=tol, max_iter=max_iter, scale=scale)
        total = np.zeros(Yl.shape[1])
        drops = {name: np.zeros(Yl.shape[1]) for name in groups}
        for f, (_, test) in enumerate(tests):
            x_mean, y_mean = parts[f][2], parts[f][3]
            design = X[test] - x_mean
            full = _r2(Yl[test], y_mean + design @ B[f])
            total += full / len(tests)
            for name, columns in groups.items():
                reduced = design.copy()
                reduced[:, columns] = 0.0 if zero == "centred" else -x_mean[columns]
                drops[name] += (full - _r2(Yl[test], y_mean + reduced @ B[f])) / len(tests)
        result["total"][live] = total
        for name in groups:
            result[name][live] = drops[name]
        result["alpha"][live] = chosen
    return {key: value.reshape(shape) for key, value in result.items()}
