"""Functional analyses of trained networks (sernn.analysis.activity), each against an independent number."""
import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.decomposition import PCA
from sklearn.linear_model import Lasso, LassoCV

from sernn.analysis import activity as A


def grid_coordinates():
    x, y, z = np.meshgrid(np.arange(5.0), np.arange(5.0), np.arange(4.0), indexing="ij")
    return np.stack([x.ravel(), y.ravel(), z.ravel()], axis=1)   # 100 units on a 5x5x4 grid


@pytest.mark.parametrize("alpha", [0.001, 0.05, 0.3])
def test_lasso_matches_sklearn(alpha):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(120, 7))
    Y = X[:, :2] @ rng.normal(size=(2, 4)) + rng.normal(size=(120, 4)) + 3.0
    coef, intercept = A.lasso(X, Y, alpha=alpha, tol=1e-12)
    for t in range(4):
        ref = Lasso(alpha=alpha, tol=1e-14, max_iter=100_000).fit(X, Y[:, t])
        np.testing.assert_allclose(coef[:, t], ref.coef_, atol=1e-6)
        assert intercept[t] == pytest.approx(ref.intercept_, abs=1e-6)


def test_lasso_per_target_alpha_and_one_hot_design():
    rng = np.random.default_rng(4)
    X, _ = A.design_matrix({"goal": rng.integers(0, 4, 90), "options": rng.integers(0, 5, 90)})
    Y = X @ rng.normal(size=(9, 3)) + rng.normal(size=(90, 3))
    alphas = np.array([0.01, 0.1, 0.4])
    coef, intercept = A.lasso(X, Y, alpha=alphas, tol=1e-12)
    for t in range(3):
        ref = Lasso(alpha=alphas[t], tol=1e-14, max_iter=200_000).fit(X, Y[:, t])
        # collinear one-hot columns: compare predictions and the objective's value
        np.testing.assert_allclose(X @ coef[:, t] + intercept[t], ref.predict(X), atol=1e-5)


def planted(n=640, seed=0):
    rng = np.random.default_rng(seed)
    labels = {"goal": rng.integers(0, 4, n), "options": rng.integers(0, 5, n), "choice": rng.integers(0, 4, n)}
    effect, sigma = np.array([0.0, 1.0, 0.5, -0.5]), 0.7
    goal_unit = effect[labels["goal"]] + sigma * rng.normal(size=n)
    share = effect.var() / (effect.var() + sigma ** 2)   # between-goal variance / total, goal uniform
    noise_unit = rng.normal(size=n)
    dead = np.zeros(n)
    return labels, np.stack([goal_unit, noise_unit, dead], axis=1), share


def sample_share(labels, activity):
    """The planted goal unit's share of variance in this sample (the true effects, no fitting)."""
    effect = np.array([0.0, 1.0, 0.5, -0.5])[labels["goal"]]
    return 1 - (activity[:, 0] - effect).var() / activity[:, 0].var()


def test_planted_goal_unit_gets_its_share_of_variance():
    labels, activity, share = planted()
    ev = A.explained_variance(activity, labels)
    assert share == pytest.approx(0.3125 / 0.8025)   # var(effect) = 0.3125, sigma² = 0.49
    assert ev["goal"][0] == pytest.approx(share, abs=0.06)   # sampling SD of a share at n = 640: ~0.03
    assert ev["total"][0] == pytest.approx(share, abs=0.06)
    realised = sample_share(labels, activity)
    assert ev["goal"][0] == pytest.approx(realised, abs=0.03)
    assert ev["total"][0] == pytest.approx(realised, abs=0.03)
    assert abs(ev["choice"][0]) < 0.01 and abs(ev["options"][0]) < 0.01
    assert abs(ev["total"][1]) < 0.05 and abs(ev["goal"][1]) < 0.05
    assert [ev[key][2] for key in ("total", "goal", "options", "choice")] == [0.0] * 4   # dead unit
    assert np.isnan(ev["alpha"][2])


def test_shuffled_labels_explain_nothing():
    labels, activity, _ = planted(seed=1)
    rng = np.random.default_rng(9)
    shuffled = {name: rng.permutation(values) for name, values in labels.items()}
    ev = A.explained_variance(activity[:, :2], shuffled)
    for key in ("total", "goal", "options", "choice"):
        assert np.all(np.abs(ev[key]) < 0.05)


def test_three_dimensional_activity_seeded_and_shaped():
    labels, activity, _ = planted(n=200)
    stacked = np.stack([activity, 2 * activity], axis=1)   # (trials, 2 windows, 3 units)
    first = A.explained_variance(stacked, labels, seed=5)
    again = A.explained_variance(stacked, labels, seed=5)
    assert first["goal"].shape == (2, 3) and first["alpha"].shape == (2, 3)
    for key in first:
        np.testing.assert_array_equal(first[key], again[key])
    np.testing.assert_allclose(first["total"][0], first["total"][1], atol=1e-5)   # EV is scale-free


def test_alpha_choice_matches_lassocv_on_the_same_folds():
    labels, activity, _ = planted(n=300, seed=2)
    rng = np.random.default_rng(6)
    targets = np.stack([activity[:, 0], activity[:, 0] + 0.5 * (labels["options"] == 2) + rng.normal(size=300)],
                       axis=1)
    grid = np.logspace(-0.5, -4, 12)
    ev = A.explained_variance(targets, labels, alphas=grid, seed=11, tol=1e-10)
    folds = np.array_split(np.random.default_rng(11).permutation(300), 5)   # the documented recipe
    cv = [(np.setdiff1d(np.arange(300), test), np.sort(test)) for test in folds]
    X, _ = A.design_matrix(labels)
    for t in range(2):
        ref = LassoCV(alphas=grid, cv=cv, tol=1e-12, max_iter=200_000).fit(X, targets[:, t])
        assert ev["alpha"][t] == pytest.approx(ref.alpha_, rel=1e-12)


def test_clustering_p_matches_a_brute_force_loop():
    rng = np.random.default_rng(0)
    coordinates = rng.random((12, 3))
    selected = np.array([1, 4, 5, 9])
    weights = np.array([0.5, 1.0, 0.2, 0.8])
    statistic, p = A.clustering_p(coordinates, selected, weights, n_perm=300, seed=7)
    D = np.linalg.norm(coordinates[:, None] - coordinates[None], axis=-1)

    def stat(units):
        return sum(weights[i] * D[units[i], units[j]] for i in range(4) for j in range(4) if i != j) / 12

    keys = np.random.default_rng(7).random((300, 12))
    null = [stat(np.argsort(keys[row], kind="stable")[:4]) for row in range(300)]
    assert statistic == pytest.approx(stat(selected), rel=1e-12)
    assert p == np.mean(np.array(null) < stat(selected))
    assert A.clustering_p(coordinates, selected, weights, n_perm=300, seed=7) == (statistic, p)
    self_stat, self_p = A.clustering_p(coordinates, selected, weights, n_perm=300, seed=7, include_self=True)
    assert self_stat == pytest.approx(statistic * 3 / 4) and self_p == p
    assert all(np.isnan(A.clustering_p(coordinates, [3], n_perm=10)))


def test_planted_spatial_cluster_is_significant_and_scattered_units_are_not():
    coordinates = grid_coordinates()
    corner = (coordinates[:, 0] <= 1) & (coordinates[:, 1] <= 1) & (coordinates[:, 2] <= 1)   # 8 units
    rng = np.random.default_rng(1)
    ev_goal = np.where(corner, 0.5 + 0.1 * rng.random(100), 0.0)
    ev_choice = np.where(corner, 0.0, 0.05 + 0.1 * rng.random(100))
    result = A.spatial_clustering(ev_goal, ev_choice, coordinates, seed=0)
    assert result["goal"][1] < 0.01
    ps = []
    for seed in range(20):   # goal units scattered at random: P roughly uniform
        scattered = np.random.default_rng(100 + seed).permutation(100)[:10]
        goal = np.zeros(100)
        goal[scattered] = 0.5
        ps.append(A.spatial_clustering(goal, np.full(100, 0.1), coordinates, n_perm=500, seed=seed)["goal"][1])
    assert np.mean(np.array(ps) < 0.01) <= 0.1 and 0.25 < np.mean(ps) < 0.75


def test_top_units_clustering_uses_the_largest_ev_unweighted():
    coordinates = grid_coordinates()
    ev = -np.linalg.norm(coordinates, axis=1)   # the units nearest the origin rank first
    statistic, p = A.top_units_clustering(ev, coordinates, top=10, n_perm=500, seed=0)
    top = np.argsort(-ev, kind="stable")[:10]
    D = np.linalg.norm(coordinates[top][:, None] - coordinates[top][None], axis=-1)
    assert statistic == pytest.approx(D.sum() / 90) and p < 0.01


def test_window_means_hand_worked():
    states = np.arange(20.0).reshape(1, 10, 2)   # step t, unit u -> 2t + u
    expected = np.array([[[4.0, 5.0], [14.0, 15.0]]])   # steps 0-4: mean 2t = 4; steps 5-9: 14
    np.testing.assert_array_equal(A.window_means(states), expected)
    assert A.window_means(np.ones((3, 50, 4))).shape == (3, 10, 4)


def test_energy_pca_and_mixed_selectivity():
    rng = np.random.default_rng(2)
    states = rng.random((7, 50, 6))
    assert A.energy(states) == pytest.approx(states[:, 30:50, :].mean())
    assert A.energy(states, steps=(0, 20)) == pytest.approx(states[:, :20].mean())
    ratio = A.trajectory_pca(states)
    np.testing.assert_allclose(ratio, PCA().fit(states.reshape(-1, 6)).explained_variance_ratio_, atol=1e-12)
    singular = np.linalg.svd(states.reshape(-1, 6) - states.reshape(-1, 6).mean(0), compute_uv=False)
    np.testing.assert_allclose(A.trajectory_pca(states, components=3), (singular ** 2 / (singular ** 2).sum())[:3])
    x, y = rng.random(100), rng.random(100)
    assert A.mixed_selectivity(x, y) == pytest.approx(stats.pearsonr(x, y)[0], abs=1e-12)
    assert np.isnan(A.mixed_selectivity(x, np.zeros(100)))
    np.testing.assert_allclose(A.preference([0.3, -0.4], [0.1, 0.1], absolute=True), [0.2, 0.3])


def test_structure_function_table_matches_pandas_and_scipy():
    rng = np.random.default_rng(5)
    frame = pd.DataFrame(rng.normal(size=(30, 3)), columns=["Q", "ev_goal", "p_goal"])
    frame.loc[[2, 7], "Q"] = np.nan
    frame["name"] = "x"
    table = A.structure_function_table(frame)
    pd.testing.assert_frame_equal(table, frame[["Q", "ev_goal", "p_goal"]].corr())
    keep = frame["Q"].notna()
    assert table.loc["Q", "ev_goal"] == pytest.approx(stats.pearsonr(frame.Q[keep], frame.ev_goal[keep])[0])
    spearman = A.structure_function_table(frame, ["ev_goal", "p_goal"], method="spearman")
    assert spearman.iloc[0, 1] == pytest.approx(stats.spearmanr(frame.ev_goal, frame.p_goal)[0])


def test_network_activity_features_and_table():
    labels, _, _ = planted(n=120, seed=3)
    rng = np.random.default_rng(0)
    states = rng.random((120, 50, 20))
    states[:, 45:, 0] += labels["goal"][:, None]   # unit 0 codes the goal in window 9 only
    out = A.network_activity(states, labels, grid_coordinates()[:20], n_perm=100, top=5)
    features, units = out["features"], out["units"]
    assert {"ev_goal_w9", "mixed_selectivity_w3", "p_goal_w6", "p_choice_w9", "p_top5_w9", "energy",
            "pca_3"} <= set(features)
    assert features["energy"] == pytest.approx(states[:, 30:].mean())
    assert list(units.columns) == ["window", "unit", "ev_total", "ev_goal", "ev_options", "ev_choice",
                                   "preference", "activity"]
    row = units[(units.window == 9) & (units.unit == 0)].iloc[0]
    assert row.ev_goal > 0.5 and row.preference == pytest.approx(row.ev_goal - row.ev_options)
    assert features["ev_goal_w9"] == pytest.approx(units[units.window == 9].ev_goal.mean())


def test_bad_input_names_the_argument():
    labels, activity, _ = planted(n=40)
    with pytest.raises(ValueError, match="states"):
        A.window_means(np.ones((2, 12, 3)))
    with pytest.raises(ValueError, match="states"):
        A.window_means(np.ones((12, 3)))
    with pytest.raises(ValueError, match="activity"):
        A.explained_variance(activity[:8], {name: v[:8] for name, v in labels.items()})
    with pytest.raises(ValueError, match="labels"):
        A.explained_variance(activity, {"goal": labels["goal"][:30]})
    with pytest.raises(ValueError, match="activity"):
        A.explained_variance(np.ones((40, 2, 3, 4)), labels)
    with pytest.raises(ValueError, match="ev_choice"):
        A.mixed_selectivity([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="coordinates"):
        A.spatial_clustering(np.ones(5), np.zeros(5), np.ones((4, 3)))
    with pytest.raises(ValueError, match="selected"):
        A.clustering_p(np.ones((4, 3)), [0, 7])
    with pytest.raises(ValueError, match="steps"):
        A.energy(np.ones((2, 50, 3)), steps=(30, 60))
    with pytest.raises(ValueError, match="alphas"):
        A.explained_variance(activity, labels, alphas=[0.1, -1.0])
    with pytest.raises(ValueError, match="columns"):
        A.structure_function_table(pd.DataFrame({"a": [1.0]}), ["b"])
