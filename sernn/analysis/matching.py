"""Comparing two groups of networks at matched total weight, and the seRNN paper's own test.

Weighted graph measures track the total weight of a network closely (among
trained seRNNs, corr(log Σ|W|, Q) ≈ −0.96), so two groups of networks whose
total weights differ cannot be compared on those measures directly: a
difference at matched accuracy may be the difference in weight. Two
adjustments are offered, both on the *overlapping* range of the covariate
(by default ``log Σ|W|``):

* :func:`adjusted_difference`: ordinary least squares of the measure on a
  group indicator and the covariate (one common slope), restricted to the
  networks inside the overlap; the group coefficient is the difference at
  equal covariate, with its classical standard error and a t interval.
* :func:`binned_difference`: the overlap cut into bins at quantiles of the
  pooled covariate; in each bin with at least two networks of each group the
  difference of means, pooled over bins with the weights
  ``w_k = n_a,k n_b,k / (n_a,k + n_b,k)`` (those of a stratified difference of
  means), and a normal interval from the bins' variances
  ``s_a,k² / n_a,k + s_b,k² / n_b,k``. No slope is assumed.

:func:`pooled_t_test` is the seRNN paper's statistic (Achterberg et al.,
Nature Machine Intelligence 2023): a two-sample t-test with pooled variance
and Cohen's d with the pooled standard deviation, over the networks as they
are (no matching).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from sernn.validation import check_integer, check_real

__all__ = ["overlap", "adjusted_difference", "binned_difference", "pooled_t_test"]


def _values(frame, group, label, measure, covariate, log):
    part = frame[frame[group] == label]
    x = part[covariate].to_numpy(dtype=np.float64)
    y = part[measure].to_numpy(dtype=np.float64)
    if log:
        with np.errstate(divide="ignore", invalid="ignore"):
            x = np.log(x)
    keep = np.isfinite(x) & np.isfinite(y)
    return x[keep], y[keep]


def overlap(a, b) -> tuple[float, float]:
    """The range both samples cover: ``(max of the minima, min of the maxima)`` (empty when low > high).

    Examples
    --------
    >>> overlap([1, 2, 5], [3, 4, 9])
    (3.0, 5.0)
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.size == 0 or b.size == 0:
        return (np.nan, np.nan)
    return float(max(a.min(), b.min())), float(min(a.max(), b.max()))


def adjusted_difference(frame: pd.DataFrame, measure: str, group: str, a: str, b: str,
                        covariate: str = "total_weight", log: bool = True, confidence: float = 0.95) -> dict:
    """Difference ``a − b`` of a measure at equal covariate: OLS ``y ~ 1 + [a] + x`` on the overlap.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per network with columns ``group``, ``measure`` and ``covariate``.
    measure, group : str
        Column names.
    a, b : str
        The two groups (``a`` gets the indicator).
    covariate : str, default="total_weight"
        The column to match on.
    log : bool, default=True
        Use ``log(covariate)`` (total weights span decades).
    confidence : float, default=0.95

    Returns
    -------
    dict
        ``difference`` (the group coefficient), ``se``, ``ci_low``, ``ci_high``, ``p`` (two-sided t
        test of the coefficient), ``slope`` (of the covariate), ``n_a``, ``n_b`` (networks in the
        overlap), ``overlap`` (its range, on the covariate's scale: exponentiated with ``log``).
        NaN estimates when a group has fewer than 2 networks in the overlap.

    Examples
    --------
    Planted: y = 0.5 [group a] − 0.1 log w, weights of group a twice those of b, and noise.

    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> w = np.exp(rng.uniform(3, 6, 400))
    >>> g = np.repeat(["a", "b"], 200)
    >>> w[:200] *= 2
    >>> y = 0.5 * (g == "a") - 0.1 * np.log(w) + rng.normal(0, 0.05, 400)
    >>> result = adjusted_difference(pd.DataFrame({"g": g, "y": y, "total_weight": w}), "y", "g", "a", "b")
    >>> round(result["difference"], 2), round(result["slope"], 2), result["ci_low"] < 0.5 < result["ci_high"]
    (0.5, -0.1, True)
    """
    confidence = check_real(confidence, "confidence", low=0, high=1, inclusive="neither")
    xa, ya = _values(frame, group, a, measure, covariate, log)
    xb, yb = _values(frame, group, b, measure, covariate, log)
    low, high = overlap(xa, xb)
    ina, inb = (xa >= low) & (xa <= high), (xb >= low) & (xb <= high)
    result = {"n_a": int(ina.sum()), "n_b": int(inb.sum()),
              "overlap": tuple(float(np.exp(v)) if log else v for v in (low, high))}
    nan = dict(difference=np.nan, se=np.nan, ci_low=np.nan, ci_high=np.nan, p=np.nan, slope=np.nan)
    if result["n_a"] < 2 or result["n_b"] < 2:
        return {**nan, **result}
    x = np.concatenate([xa[ina], xb[inb]])
    y = np.concatenate([ya[ina], yb[inb]])
    design = np.column_stack([np.ones_like(x), np.r_[np.ones(ina.sum()), np.zeros(inb.sum())], x])
    coef, _, rank, _ = np.linalg.lstsq(design, y, rcond=None)
    dof = len(y) - 3
    if rank < 3 or dof < 1:
        return {**nan, **result}
    residual = y - design @ coef
    sigma2 = residual @ residual / dof
    cov = sigma2 * np.linalg.inv(design.T @ design)
    se = float(np.sqrt(cov[1, 1]))
    t = stats.t.ppf(0.5 + confidence / 2, dof)
    p = float(2 * stats.t.sf(abs(coef[1]) / se, dof)) if se > 0 else np.nan
    return {**result, "difference": float(coef[1]), "se": se, "ci_low": float(coef[1] - t * se),
            "ci_high": float(coef[1] + t * se), "p": p, "slope": float(coef[2])}


def binned_difference(frame: pd.DataFrame, measure: str, group: str, a: str, b: str,
                      covariate: str = "total_weight", bins: int = 4, log: bool = True,
                      confidence: float = 0.95) -> tuple[dict, pd.DataFrame]:
    """Difference ``a − b`` within bins of the covariate's overlap, pooled over the bins.

    Parameters
    ----------
    frame, measure, group, a, b, covariate, log, confidence :
        As for :func:`adjusted_difference`.
    bins : int, default=4
        Bins at quantiles of the pooled covariate values inside the overlap.

    Returns
    -------
    pooled : dict
        ``difference`` (Σ w_k d_k / Σ w_k), ``se``, ``ci_low``, ``ci_high`` (normal interval),
        ``bins_used``, ``n_a``, ``n_b``.
    table : pandas.DataFrame
        One row per bin: ``low``, ``high`` (covariate scale), ``n_a``, ``n_b``, ``mean_a``, ``mean_b``,
        ``difference``, ``weight`` (0 for a bin left out: fewer than 2 networks of a group).

    Examples
    --------
    Two groups whose measure differs by 1 at every weight, group a heavier: the raw difference
    is confounded by the weight, the within-bin one is not.

    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> w = np.r_[rng.uniform(2, 6, 300), rng.uniform(1, 5, 300)]
    >>> g = np.repeat(["a", "b"], 300)
    >>> y = (g == "a") + 2 * w + rng.normal(0, 0.1, 600)
    >>> frame = pd.DataFrame({"g": g, "y": y, "total_weight": w})
    >>> pooled, table = binned_difference(frame, "y", "g", "a", "b", log=False)
    >>> len(table), round(pooled["difference"], 1), bool(frame.groupby("g")["y"].mean().diff().abs().iloc[-1] > 2)
    (4, 1.0, True)
    """
    bins = check_integer(bins, "bins", low=1)
    confidence = check_real(confidence, "confidence", low=0, high=1, inclusive="neither")
    xa, ya = _values(frame, group, a, measure, covariate, log)
    xb, yb = _values(frame, group, b, measure, covariate, log)
    low, high = overlap(xa, xb)
    inside = np.concatenate([xa[(xa >= low) & (xa <= high)], xb[(xb >= low) & (xb <= high)]])
    rows = []
    if inside.size:
        edges = np.unique(np.quantile(inside, np.linspace(0, 1, bins + 1)))
        for k in range(len(edges) - 1):
            last = k == len(edges) - 2
            sa = (xa >= edges[k]) & ((xa <= edges[k + 1]) if last else (xa < edges[k + 1]))
            sb = (xb >= edges[k]) & ((xb <= edges[k + 1]) if last else (xb < edges[k + 1]))
            rows.append(_bin_row(edges[k], edges[k + 1], ya[sa], yb[sb], log))
    table = pd.DataFrame(rows, columns=["low", "high", "n_a", "n_b", "mean_a", "mean_b", "difference",
                                        "variance", "weight"])
    used = table[table["weight"] > 0]
    pooled = {"bins_used": int(len(used)), "n_a": int(used["n_a"].sum()), "n_b": int(used["n_b"].sum())}
    if used.empty:
        return {**pooled, "difference": np.nan, "se": np.nan, "ci_low": np.nan, "ci_high": np.nan}, table
    w = used["weight"].to_numpy()
    difference = float(np.sum(w * used["difference"]) / w.sum())
    se = float(np.sqrt(np.sum(w ** 2 * used["variance"])) / w.sum())
    z = stats.norm.ppf(0.5 + confidence / 2)
    return {**pooled, "difference": difference, "se": se, "ci_low": difference - z * se,
            "ci_high": difference + z * se}, table


def _bin_row(low, high, ya, yb, log):
    na, nb = len(ya), len(yb)
    scale = np.exp if log else (lambda v: v)
    if na < 2 or nb < 2:
        return [scale(low), scale(high), na, nb, np.nan, np.nan, np.nan, np.nan, 0.0]
    return [scale(low), scale(high), na, nb, ya.mean(), yb.mean(), ya.mean() - yb.mean(),
            ya.var(ddof=1) / na + yb.var(ddof=1) / nb, na * nb / (na + nb)]


def pooled_t_test(a, b) -> dict:
    """The seRNN paper's test: Student's two-sample t-test (pooled variance) and Cohen's d.

    Returns ``t``, ``dof``, ``p`` (two-sided) and ``cohens_d`` = (mean a − mean b) / pooled s.d.

    Examples
    --------
    >>> result = pooled_t_test([1.0, 2.0, 3.0], [2.0, 3.0, 4.0])
    >>> round(result["t"], 4), result["dof"], round(result["cohens_d"], 4)   # pooled s.d. 1
    (-1.2247, 4, -1.0)
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if a.size < 2 or b.size < 2:
        return {"t": np.nan, "dof": int(max(a.size + b.size - 2, 0)), "p": np.nan, "cohens_d": np.nan}
    test = stats.ttest_ind(a, b, equal_var=True)
    dof = a.size + b.size - 2
    pooled = np.sqrt(((a.size - 1) * a.var(ddof=1) + (b.size - 1) * b.var(ddof=1)) / dof)
    d = (a.mean() - b.mean()) / pooled if pooled > 0 else np.nan
    return {"t": float(test.statistic), "dof": int(dof), "p": float(test.pvalue), "cohens_d": float(d)}
