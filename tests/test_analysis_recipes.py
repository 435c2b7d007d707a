"""The seRNN paper's analysis recipe: Newman's spectral modularity and the two published entropies."""
import networkx as nx
import numpy as np
import pytest
from scipy import stats

import bct
import bct.algorithms.modularity as bct_modularity
from sernn.analysis import kde_entropy, modularity_q, row_entropy, spectral_modularity


def _networkx_q(A, partition):
    G = nx.from_numpy_array(A)
    return nx.community.modularity(G, [set(np.flatnonzero(partition == c)) for c in np.unique(partition)],
                                   weight="weight")


def _symmetric_weights(seed, n=60):
    W = np.abs(np.random.default_rng(seed).normal(size=(n, n)))
    S = (W + W.T) / 2
    np.fill_diagonal(S, 0)
    return S


def test_karate_club_reaches_newmans_q():
    # Newman (2006) reports Q = 0.419 for the karate club with spectral division and fine-tuning
    A = nx.to_numpy_array(nx.karate_club_graph(), weight=None)
    partition, q = spectral_modularity(A)
    assert q >= 0.41
    assert q == pytest.approx(_networkx_q(A, partition), abs=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_reported_q_is_networkx_weighted_modularity_of_the_partition(seed):
    S = _symmetric_weights(seed)
    partition, q = spectral_modularity(S)
    assert q == pytest.approx(_networkx_q(S, partition), abs=1e-12)
    assert q == pytest.approx(modularity_q(S, partition), abs=1e-12)


@pytest.mark.parametrize("seed", [0, 1])
def test_planted_weighted_modules_are_recovered(seed):
    rng = np.random.default_rng(seed)
    sizes = [20, 15, 25, 10]
    truth = np.repeat(np.arange(4), sizes)
    same = truth[:, None] == truth[None, :]
    W = rng.gamma(2.0, 1.0, size=same.shape) * np.where(same, 1.0, 0.15)
    S = (W + W.T) / 2
    np.fill_diagonal(S, 0)
    partition, q = spectral_modularity(S)
    # the same split, up to labels; modules numbered by decreasing size
    assert len(set(zip(partition.tolist(), truth.tolist()))) == 4 == np.unique(partition).size
    assert np.bincount(partition).tolist() == sorted(sizes, reverse=True)
    assert q == pytest.approx(modularity_q(S, truth), abs=1e-12)


def _bctpy_modularity_und(A):
    """bctpy's modularity_und with its numpy-2 crash bypassed (its list-of-modules conversion)."""
    def modules_to_labels(modules, zeroindexed=False):
        labels = np.zeros(sum(len(m) for m in modules), dtype=int)
        for index, members in enumerate(modules):
            labels[np.asarray(members, dtype=int)] = index + 1
        return labels

    original = bct_modularity.ls2ci
    bct_modularity.ls2ci = modules_to_labels
    try:
        return bct.modularity_und(A)
    finally:
        bct_modularity.ls2ci = original


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_without_fine_tuning_equals_bctpy_and_fine_tuning_only_improves(seed):
    S = _symmetric_weights(seed, n=80)
    labels, q_bctpy = _bctpy_modularity_und(S)
    partition, q_plain = spectral_modularity(S, fine_tune=False)
    assert q_plain == pytest.approx(q_bctpy, abs=1e-12)
    assert len(set(zip(partition.tolist(), labels.tolist()))) == np.unique(labels).size
    _, q_tuned = spectral_modularity(S)
    assert q_tuned >= q_plain


def test_spectral_modularity_is_deterministic_and_scale_free():
    S = _symmetric_weights(5)
    a = spectral_modularity(S)
    b = spectral_modularity(3.0 * S)
    assert np.array_equal(a[0], b[0]) and a[1] == pytest.approx(b[1], abs=1e-12)


def test_spectral_modularity_edge_cases():
    partition, q = spectral_modularity(np.zeros((5, 5)))
    assert np.isnan(q) and partition.tolist() == [0] * 5
    complete = np.ones((6, 6)) - np.eye(6)  # nothing to gain: one module, Q = 0
    partition, q = spectral_modularity(complete)
    assert partition.tolist() == [0] * 6 and q == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match="symmetric"):
        spectral_modularity(np.triu(complete))


def test_row_entropy_by_hand():
    W = np.array([[0.0, 1.0, 1.0], [2.0, 0.0, 0.0], [-1.0, 1.0, 2.0]])
    # rows: (0, 1/2, 1/2) -> 1 bit; (1, 0, 0) -> 0; (1/4, 1/4, 1/2) -> 1.5 bits
    assert row_entropy(W) == pytest.approx((1.0 + 0.0 + 1.5) / 3)
    W[1] = 0.0  # an all-zero row is left out of the mean
    assert row_entropy(W) == pytest.approx((1.0 + 1.5) / 2)
    assert np.isnan(row_entropy(np.zeros((3, 3))))
    rng = np.random.default_rng(0)
    W = rng.normal(size=(30, 30))
    P = np.abs(W) / np.abs(W).sum(axis=1, keepdims=True)
    assert row_entropy(W) == pytest.approx(np.mean(stats.entropy(P, base=2, axis=1)), rel=1e-12)


@pytest.mark.parametrize("kind", ["gaussian", "sparse-heavy-tailed"])
def test_kde_entropy_matches_scipy_gaussian_kde(kind):
    rng = np.random.default_rng(3)
    W = rng.normal(size=(100, 100))
    if kind != "gaussian":  # a pruned, heavy-tailed matrix like a regularised network's
        W = W * (rng.random(W.shape) < 0.1) * rng.exponential(size=W.shape) ** 3
    values = W[~np.eye(100, dtype=bool)]
    grid = np.linspace(values.min(), values.max(), 1000)
    density = stats.gaussian_kde(values)(grid)
    expected = stats.entropy(density / density.sum(), base=2)
    assert kde_entropy(W) == pytest.approx(expected, abs=1e-3)


def test_kde_entropy_is_scale_free_and_rejects_bad_points():
    W = np.random.default_rng(1).normal(size=(40, 40))
    assert kde_entropy(5.0 * W) == pytest.approx(kde_entropy(W), abs=1e-9)
    assert np.isnan(kde_entropy(np.ones((4, 4))))
    with pytest.raises(ValueError, match="points must be an integer >= 2; got 1"):
        kde_entropy(W, points=1)
