"""Statistics for comparing groups of networks: bootstrap and Wilson intervals, effect sizes, tests.

Every interval is two-sided at ``confidence`` (default 95 %). Bootstrap
intervals are percentile intervals from ``n_boot`` resamples drawn with an
explicit ``seed`` (the same seed gives the same interval). Groups are compared
with unpaired statistics (Welch's t-test, the Mann–Whitney U test): networks
trained at different strengths are independent samples, not pairs.
"""
from __future__ import annotations

import warnings

import numpy as np
from scipy import stats

from sernn.resources import check_fits
from sernn.validation import check_integer, check_real, check_seed

__all__ = ["wilson_interval", "newcombe_interval", "bootstrap_ci", "hedges_g", "compare_groups", "compare_paired",
           "compare_proportions"]


def _check_confidence(confidence) -> float:
    return check_real(confidence, "confidence", low=0, high=1, inclusive="neither")


def _sample(values, name) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64).ravel()
    return array[np.isfinite(array)]


def wilson_interval(successes, trials, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion ``successes / trials``.

    ``(p + z²/2n ± z sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)`` with ``z`` the
    normal quantile of ``(1 + confidence) / 2`` (Wilson, Journal of the American Statistical Association 1927). Unlike the
    normal approximation it stays inside [0, 1] and is informative at 0/n and n/n.

    Returns
    -------
    low, high : float
        NaN, NaN when ``trials`` is 0.

    Examples
    --------
    >>> [round(v, 4) for v in wilson_interval(16, 30)]
    [0.3614, 0.6977]
    """
    confidence = _check_confidence(confidence)
    k, n = int(successes), int(trials)
    if n < 0 or not 0 <= k <= max(n, 0):
        raise ValueError(f"need 0 <= successes <= trials; got successes={successes!r}, trials={trials!r}")
    if n == 0:
        return float("nan"), float("nan")
    z = stats.norm.ppf(0.5 + confidence / 2.0)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


def newcombe_interval(k1, n1, k2, n2, confidence: float = 0.95) -> tuple[float, float, float]:
    """Difference of two independent proportions ``k1/n1 - k2/n2`` with Newcombe's (1998) interval.

    The hybrid score interval (Newcombe, Statistics in Medicine 1998, method 10), built from the two Wilson
    intervals: ``d - sqrt((p1 - l1)² + (u2 - p2)²)`` to
    ``d + sqrt((u1 - p1)² + (p2 - l2)²)``.

    Returns
    -------
    difference, low, high : float

    Examples
    --------
    >>> [round(v, 4) for v in newcombe_interval(56, 70, 48, 80)]
    [0.2, 0.0524, 0.3339]
    """
    l1, u1 = wilson_interval(k1, n1, confidence)
    l2, u2 = wilson_interval(k2, n2, confidence)
    if not (n1 and n2):
        return float("nan"), float("nan"), float("nan")
    p1, p2 = k1 / n1, k2 / n2
    d = p1 - p2
    return (float(d), float(d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)),
            float(d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)))


def compare_proportions(k1, n1, k2, n2, confidence: float = 0.95) -> dict:
    """Two independent proportions: each with its Wilson interval, the difference with Newcombe's, Fisher's test.

    Returns
    -------
    result : dict
        ``rate_a, rate_b`` (``k1 / n1``, ``k2 / n2``), ``ci_a, ci_b`` (their
        Wilson intervals, :func:`wilson_interval`), ``difference`` with
        ``ci_low, ci_high`` (:func:`newcombe_interval`) and ``fisher_p``
        (two-sided Fisher's exact test of the 2x2 table).

    Examples
    --------
    56 of 70 successes against 48 of 80:

    >>> from scipy import stats
    >>> result = compare_proportions(56, 70, 48, 80)
    >>> result["rate_a"], result["rate_b"], round(result["difference"], 4)
    (0.8, 0.6, 0.2)
    >>> [round(v, 4) for v in (result["ci_low"], result["ci_high"])]
    [0.0524, 0.3339]
    >>> bool(result["fisher_p"] == stats.fisher_exact([[56, 14], [48, 32]])[1])
    True
    """
    difference, low, high = newcombe_interval(k1, n1, k2, n2, confidence)
    p_value = float(stats.fisher_exact([[k1, n1 - k1], [k2, n2 - k2]])[1]) if n1 and n2 else float("nan")
    return {"rate_a": k1 / n1 if n1 else float("nan"), "rate_b": k2 / n2 if n2 else float("nan"),
            "ci_a": wilson_interval(k1, n1, confidence), "ci_b": wilson_interval(k2, n2, confidence),
            "difference": difference, "ci_low": low, "ci_high": high, "fisher_p": p_value}


def _resampled_means(values, n_boot, rng) -> np.ndarray:
    check_fits(16 * n_boot * values.size, "n_boot", n_boot, f"{n_boot} resamples of {values.size} values")
    index = rng.integers(0, values.size, size=(n_boot, values.size))
    return values[index].mean(axis=1)


def _check_boot(n_boot) -> int:
    return check_integer(n_boot, "n_boot", low=100)


def bootstrap_ci(values, confidence: float = 0.95, n_boot: int = 10000, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of ``values`` (NaN values are dropped).

    Returns
    -------
    low, high : float
        NaN, NaN for fewer than 2 finite values.

    Examples
    --------
    >>> low, high = bootstrap_ci([1.0, 2.0, 3.0, 4.0, 5.0], seed=0)
    >>> bool(1.0 < low < 3.0 < high < 5.0)
    True
    """
    confidence = _check_confidence(confidence)
    values = _sample(values, "values")
    if values.size < 2:
        return float("nan"), float("nan")
    means = _resampled_means(values, _check_boot(n_boot), np.random.default_rng(check_seed(seed, allow_none=False)))
    tail = (1.0 - confidence) / 2.0 * 100.0
    low, high = np.percentile(means, [tail, 100.0 - tail])
    return float(low), float(high)


def hedges_g(a, b) -> float:
    """Standardised mean difference ``(mean a - mean b) / pooled sd``, small-sample corrected (Hedges 1981).

    The correction factor (Hedges, Journal of Educational Statistics 1981) is
    ``1 - 3 / (4 (n_a + n_b) - 9)``. NaN when either
    group has fewer than 2 values or the pooled s.d. is 0.

    Examples
    --------
    >>> round(hedges_g([2.0, 3.0, 4.0], [1.0, 2.0, 3.0]), 4)
    0.8
    """
    a, b = _sample(a, "a"), _sample(b, "b")
    if a.size < 2 or b.size < 2:
        return float("nan")
    pooled = np.sqrt(((a.size - 1) * a.var(ddof=1) + (b.size - 1) * b.var(ddof=1)) / (a.size + b.size - 2))
    if pooled == 0:
        return float("nan")
    correction = 1.0 - 3.0 / (4.0 * (a.size + b.size) - 9.0)
    return float((a.mean() - b.mean()) / pooled * correction)


def compare_groups(a, b, confidence: float = 0.95, n_boot: int = 10000, seed: int = 0) -> dict:
    """Compare two independent samples: means, bootstrap CIs, the difference and its CI, tests.

    Parameters
    ----------
    a, b : array-like
        The two samples (NaN values are dropped).
    confidence : float, default=0.95
    n_boot : int, default=10000
        Bootstrap resamples (each group resampled on its own).
    seed : int, default=0

    Returns
    -------
    result : dict
        ``n_a, n_b, mean_a, mean_b``, ``ci_a, ci_b`` (bootstrap CIs of the
        means), ``difference`` (``mean_a - mean_b``) with ``ci_low, ci_high``
        (bootstrap CI of the difference), ``hedges_g``, ``welch_p`` (Welch's
        unpaired t-test) and ``mannwhitney_p`` (two-sided Mann–Whitney U).
        Entries that need more data are NaN.

    Examples
    --------
    Two fully separated groups of 5: the difference of the means is 1, the
    Mann–Whitney p is its smallest possible value ``2 / C(10, 5) = 2/252``,
    and Welch's p is scipy's:

    >>> from scipy import stats
    >>> a, b = [5.1, 4.9, 5.3, 5.0, 5.2], [4.0, 4.2, 3.9, 4.1, 4.3]
    >>> result = compare_groups(a, b, n_boot=1000, seed=0)
    >>> result["n_a"], round(result["difference"], 4), round(result["mannwhitney_p"], 5)
    (5, 1.0, 0.00794)
    >>> bool(result["ci_low"] < 1.0 < result["ci_high"])
    True
    >>> bool(abs(result["welch_p"] - stats.ttest_ind(a, b, equal_var=False).pvalue) < 1e-12)
    True
    """
    confidence = _check_confidence(confidence)
    n_boot = _check_boot(n_boot)
    seed = check_seed(seed, allow_none=False)
    a, b = _sample(a, "a"), _sample(b, "b")
    nan = float("nan")
    result = {"n_a": int(a.size), "n_b": int(b.size),
              "mean_a": float(a.mean()) if a.size else nan, "mean_b": float(b.mean()) if b.size else nan,
              "ci_a": bootstrap_ci(a, confidence, n_boot, seed),
              "ci_b": bootstrap_ci(b, confidence, n_boot, seed + 1),
              "difference": nan, "ci_low": nan, "ci_high": nan, "hedges_g": hedges_g(a, b),
              "welch_p": nan, "mannwhitney_p": nan}
    if a.size and b.size:
        result["difference"] = result["mean_a"] - result["mean_b"]
    if a.size >= 2 and b.size >= 2:
        rng = np.random.default_rng([seed, 2])
        differences = _resampled_means(a, n_boot, rng) - _resampled_means(b, n_boot, rng)
        tail = (1.0 - confidence) / 2.0 * 100.0
        result["ci_low"], result["ci_high"] = (float(v) for v in
                                               np.percentile(differences, [tail, 100.0 - tail]))
        if np.ptp(np.concatenate([a, b])) > 0:
            result["welch_p"] = float(stats.ttest_ind(a, b, equal_var=False).pvalue)
            result["mannwhitney_p"] = float(stats.mannwhitneyu(a, b, alternative="two-sided").pvalue)
    return result


def compare_paired(a, b, confidence: float = 0.95, n_boot: int = 10000, seed: int = 0) -> dict:
    """Compare paired samples (``a[i]`` and ``b[i]`` measured on the same unit, e.g. the same seed).

    Pairs with a NaN on either side are dropped.

    Returns
    -------
    result : dict
        ``n`` (pairs), ``mean_a, mean_b``, ``difference`` (mean of ``a - b``) with ``ci_low, ci_high``
        (percentile bootstrap of the mean difference, pairs resampled together), ``wilcoxon_p``
        (two-sided Wilcoxon signed-rank test) and ``ttest_p`` (paired t-test); NaN where the data
        are too few (fewer than 2 pairs) or all differences are 0.

    Examples
    --------
    >>> result = compare_paired([3.0, 4.0, 6.0, 8.0], [2.0, 2.0, 5.0, 5.0], seed=0)
    >>> result["n"], result["difference"]
    (4, 1.75)
    """
    confidence = _check_confidence(confidence)
    n_boot = _check_boot(n_boot)
    seed = check_seed(seed, allow_none=False)
    a = np.asarray(a, dtype=np.float64).ravel()
    b = np.asarray(b, dtype=np.float64).ravel()
    if a.shape != b.shape:
        raise ValueError(f"a and b must hold the same number of paired values; got {a.size} and {b.size}")
    keep = np.isfinite(a) & np.isfinite(b)
    a, b = a[keep], b[keep]
    d = a - b
    nan = float("nan")
    result = {"n": int(d.size), "mean_a": float(a.mean()) if d.size else nan,
              "mean_b": float(b.mean()) if d.size else nan, "difference": float(d.mean()) if d.size else nan,
              "ci_low": nan, "ci_high": nan, "wilcoxon_p": nan, "ttest_p": nan}
    if d.size >= 2:
        means = _resampled_means(d, n_boot, np.random.default_rng([seed, 3]))
        tail = (1.0 - confidence) / 2.0 * 100.0
        result["ci_low"], result["ci_high"] = (float(v) for v in np.percentile(means, [tail, 100.0 - tail]))
        if np.any(d != 0):
            result["wilcoxon_p"] = float(stats.wilcoxon(a, b).pvalue)
            with warnings.catch_warnings():  # nearly constant differences: the t-test says so by its p
                warnings.simplefilter("ignore", RuntimeWarning)
                result["ttest_p"] = float(stats.ttest_rel(a, b).pvalue)
    return result
