"""Recommender systems: matrix factorisation of ratings, implicit ALS, ranking metrics.

Explicit ratings come as three equal-length 1-D arrays ``user_ids``, ``item_ids``,
``ratings`` (one entry per observed rating). Implicit feedback is a dense
``(n_users, n_items)`` array of non-negative interaction strengths (0 = none).
"""
import numpy as np

from ._checks import as_array, as_int_array, check_choice, check_positive_int


def _check_count(value, name):
    """Raise ValueError unless ``value`` is an integer >= 0."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    return int(value)


def _check_number(value, name, allow_zero=False):
    """Raise ValueError unless ``value`` is a finite real number > 0 (>= 0 if allow_zero)."""
    is_real = isinstance(value, (int, float, np.integer, np.floating)) \
        and not isinstance(value, bool)
    if not (is_real and np.isfinite(value) and (value > 0 or (allow_zero and value == 0))):
        raise ValueError(f"{name} must be a finite number {'>=' if allow_zero else '>'} 0, "
                         f"got {value!r}")
    return float(value)


def _group_by(index, n_groups):
    """The order that sorts ``index``, and the size of each group (for _solve_groups)."""
    return np.argsort(index, kind="stable"), np.bincount(index, minlength=n_groups)


def _solve_groups(features, feature_rows, weights, targets, group_sizes, base):
    r"""Solve :math:`(B + \sum_r w_r a_r a_r^\top)\, x_g = \sum_r t_r a_r` for every group g.

    Row r has features :math:`a_r` = ``features[feature_rows[r]]`` (d values),
    weight :math:`w_r` = ``weights[r]`` (None: all 1) and target :math:`t_r` =
    ``targets[r]``; rows are sorted by group, and ``group_sizes`` (G,) counts them.
    ``base`` is the (d, d) matrix B shared by all groups.

    Returns x, shape (G, d) (zeros for empty groups), and the sum over all rows
    of the squared residuals :math:`(t_r - a_r^\top x_g)^2`.

    Groups are padded with zero rows (which change nothing) to a few sizes s,
    stacked into (m, s, d) arrays A and solved together: as d x d systems if
    s >= d, else as s x s ones, by the push-through identity
    :math:`(B + A^\top W A)^{-1} A^\top = B^{-1} A^\top (I + W A B^{-1} A^\top)^{-1}`.
    """
    n, d = len(targets), features.shape[1]
    features = np.vstack([features, np.zeros(d)])                 # row -1: zero padding
    solutions, base_inverse = np.zeros((len(group_sizes), d)), np.linalg.inv(base)
    starts, squared_error = np.cumsum(group_sizes) - group_sizes, 0.0
    grid = np.ceil(1.2 ** np.ceil(np.log(np.maximum(group_sizes, 1)) / np.log(1.2)))
    padded_sizes = np.maximum(grid, group_sizes).astype(int)      # sizes rounded up, ~20%
    for size in np.unique(padded_sizes[group_sizes > 0]):
        groups = np.flatnonzero((padded_sizes == size) & (group_sizes > 0))
        rows = np.minimum(starts[groups, None] + np.arange(size), n - 1)    # (m, s), in range
        real = np.arange(size) < group_sizes[groups, None]                  # False: padding
        A = features[np.where(real, feature_rows[rows], -1)]                # (m, s, d)
        t = np.where(real, targets[rows], 0.0)[..., None]                   # (m, s, 1)
        W_A = A if weights is None else np.where(real, weights[rows], 0.0)[..., None] * A
        A_T = A.transpose(0, 2, 1)
        if size >= d:
            x = np.linalg.solve(base + A_T @ W_A, A_T @ t)
        else:
            A_B_inv = A @ base_inverse
            x = A_B_inv.transpose(0, 2, 1) @ np.linalg.solve(
                np.eye(size) + W_A @ A_B_inv.transpose(0, 2, 1), t)
        solutions[groups] = x[:, :, 0]
        squared_error += np.sum((t - A @ x) ** 2)
    return solutions, squared_error


class MatrixFactorization:
    r"""Biased matrix factorisation of explicit ratings, fitted by ALS or SGD.

    Parameters
    ----------
    n_factors : int, default 50
        Number of latent factors k; ``0`` gives the biases-only baseline.
    reg : float > 0, default 12.5
        :math:`\lambda`, the L2 penalty on the factor vectors.
    bias_reg : float > 0, default 3.0
        :math:`\lambda_b`, the L2 penalty on the user and item biases.
    n_epochs : int, default 6
        ALS sweeps (all users, then all items), or SGD passes over the ratings.
    method : {"als", "sgd"}, default "als"
    lr : float > 0, default 0.005
        SGD learning rate :math:`\eta` (unused by ALS).
    seed : int, default 0
        Seeds the initial factors, drawn from N(0, 0.1²), and the SGD shuffles.
    clip : (low, high) or None, default None
        If given, ``predict`` clips its output to ``[low, high]``.

    Attributes
    ----------
    global_mean_ : float
        :math:`\mu`, the mean training rating (kept fixed).
    user_bias_, item_bias_ : ndarray of shape (n_users,) and (n_items,)
    user_factors_, item_factors_ : ndarray of shape (n_users, k) and (n_items, k)
    user_ids_, item_ids_ : ndarray
        The sorted ids seen by ``fit``: row j of the arrays above is for id ``[j]``.
    train_loss_ : list of float
        The objective L below, after each epoch.

    Notes
    -----
    The model is :math:`\hat r_{ui} = \mu + b_u + c_i + p_u^\top q_i`; both methods
    minimise, over the set :math:`\Omega` of observed (user, item) pairs,

    .. math::
        L = \sum_{(u,i)\in\Omega} (r_{ui} - \hat r_{ui})^2
            + \lambda \Big(\sum_u \|p_u\|^2 + \sum_i \|q_i\|^2\Big)
            + \lambda_b \Big(\sum_u b_u^2 + \sum_i c_i^2\Big).

    The penalty is *added* to the error, so a larger :math:`\lambda` pulls the
    parameters towards 0.

    **ALS.** With the items fixed, user u's block :math:`x_u = (b_u, p_u)` is a
    ridge regression on the rows :math:`a_i = (1, q_i)` with targets
    :math:`y_{ui} = r_{ui} - \mu - c_i`, over the user's rated items :math:`\Omega_u`:

    .. math::
        x_u = \Big(\sum_{i\in\Omega_u} a_i a_i^\top + \Lambda\Big)^{-1}
              \sum_{i\in\Omega_u} y_{ui}\, a_i,
        \qquad \Lambda = \mathrm{diag}(\lambda_b, \lambda, \dots, \lambda).

    Then every item is solved in the same way, users fixed. Each step minimises L
    exactly over a block of parameters, so ``train_loss_`` never increases.

    **SGD** (Funk 2006; Koren, Bell & Volinsky 2009). For each rating in shuffled
    order, with :math:`e = r_{ui} - \hat r_{ui}` and :math:`n_u, n_i` the numbers of
    ratings of u and of i (each rating takes its share of the penalty of L):

    .. math::
        b_u \mathrel{+}= \eta\big(e - \tfrac{\lambda_b}{n_u} b_u\big),\;
        c_i \mathrel{+}= \eta\big(e - \tfrac{\lambda_b}{n_i} c_i\big),\;
        p_u \mathrel{+}= \eta\big(e\, q_i - \tfrac{\lambda}{n_u} p_u\big),\;
        q_i \mathrel{+}= \eta\big(e\, p_u - \tfrac{\lambda}{n_i} q_i\big).

    **Unseen ids** in ``predict`` get zero bias and zero factors: an unknown user
    is predicted :math:`\mu + c_i`, an unknown item :math:`\mu + b_u`, both :math:`\mu`.
    """

    def __init__(self, n_factors=50, reg=12.5, bias_reg=3.0, n_epochs=6, method="als",
                 lr=0.005, seed=0, clip=None):
        self.n_factors = _check_count(n_factors, "n_factors")
        self.reg = _check_number(reg, "reg")
        self.bias_reg = _check_number(bias_reg, "bias_reg")
        self.n_epochs = check_positive_int(n_epochs, "n_epochs")
        self.method = check_choice(method, "method", ("als", "sgd"))
        self.lr = _check_number(lr, "lr")
        self.seed = seed
        if clip is not None:
            clip = as_array(clip, "clip", ndim=1)
            if clip.shape != (2,) or not clip[0] < clip[1]:
                raise ValueError(f"clip must be a pair (low, high) with low < high, got {clip}")
            clip = (float(clip[0]), float(clip[1]))
        self.clip = clip

    def fit(self, user_ids, item_ids, ratings):
        """Fit to ratings; the three arrays have shape (n_ratings,). Returns self."""
        users, items, ratings = _check_ratings(user_ids, item_ids, ratings)
        self.user_ids_, user_index = np.unique(users, return_inverse=True)
        self.item_ids_, item_index = np.unique(items, return_inverse=True)
        n_users, n_items = len(self.user_ids_), len(self.item_ids_)
        rng = np.random.default_rng(self.seed)
        self.global_mean_ = float(ratings.mean())
        self.user_bias_, self.item_bias_ = np.zeros(n_users), np.zeros(n_items)
        self.user_factors_ = rng.normal(0.0, 0.1, (n_users, self.n_factors))
        self.item_factors_ = rng.normal(0.0, 0.1, (n_items, self.n_factors))
        by_user, by_item = _group_by(user_index, n_users), _group_by(item_index, n_items)
        self.train_loss_ = []
        for _ in range(self.n_epochs):
            if self.method == "als":
                self.user_bias_, self.user_factors_, _ = self._als_step(
                    by_user, item_index, ratings, self.item_bias_, self.item_factors_)
                self.item_bias_, self.item_factors_, squared_error = self._als_step(
                    by_item, user_index, ratings, self.user_bias_, self.user_factors_)
            else:
                self._sgd_epoch(user_index, item_index, ratings, by_user[1], by_item[1], rng)
                errors = ratings - self._predict_index(user_index, item_index)
                squared_error = errors @ errors
            self.train_loss_.append(float(squared_error + self._penalty()))
        return self

    def _als_step(self, grouping, other_index, ratings, other_bias, other_factors):
        """Exact solve for the (bias, factors) of every user (or every item).

        Returns biases (G,), factors (G, k) and the sum of squared errors after the step.
        """
        order, group_sizes = grouping
        other = other_index[order]
        features = np.column_stack([np.ones(len(other_factors)), other_factors])  # a = (1, q)
        targets = ratings[order] - self.global_mean_ - other_bias[other]           # y
        penalty = np.diag([self.bias_reg] + [self.reg] * self.n_factors)          # Lambda
        solution, squared_error = _solve_groups(features, other, None, targets,
                                                group_sizes, penalty)
        return solution[:, 0], solution[:, 1:], squared_error

    def _sgd_epoch(self, user_index, item_index, ratings, user_counts, item_counts, rng):
        lr, mu = self.lr, self.global_mean_
        b, c, P, Q = self.user_bias_, self.item_bias_, self.user_factors_, self.item_factors_
        order = rng.permutation(len(ratings))
        for u, i, r in zip(user_index[order].tolist(), item_index[order].tolist(),
                           ratings[order].tolist()):
            share_u, share_i = 1.0 / user_counts[u], 1.0 / item_counts[i]
            error = r - (mu + b[u] + c[i] + P[u] @ Q[i])
            b[u] += lr * (error - self.bias_reg * share_u * b[u])
            c[i] += lr * (error - self.bias_reg * share_i * c[i])
            P[u], Q[i] = (P[u] + lr * (error * Q[i] - self.reg * share_u * P[u]),
                          Q[i] + lr * (error * P[u] - self.reg * share_i * Q[i]))

    def _penalty(self):
        factor_norms = np.sum(self.user_factors_ ** 2) + np.sum(self.item_factors_ ** 2)
        bias_norms = np.sum(self.user_bias_ ** 2) + np.sum(self.item_bias_ ** 2)
        return self.reg * factor_norms + self.bias_reg * bias_norms

    def _predict_index(self, user_index, item_index):
        dots = np.einsum("nk,nk->n", self.user_factors_[user_index], self.item_factors_[item_index])
        return self.global_mean_ + self.user_bias_[user_index] + self.item_bias_[item_index] + dots

    def predict(self, user_ids, item_ids):
        """Predicted ratings, shape (n,), of the pairs ``(user_ids[j], item_ids[j])``."""
        if not hasattr(self, "global_mean_"):
            raise ValueError("this MatrixFactorization is not fitted yet; call fit first")
        users, items, _ = _check_ratings(user_ids, item_ids, None)
        user_index, user_known = _lookup(self.user_ids_, users)
        item_index, item_known = _lookup(self.item_ids_, items)
        dots = np.einsum("nk,nk->n", self.user_factors_[user_index], self.item_factors_[item_index])
        prediction = (self.global_mean_
                      + np.where(user_known, self.user_bias_[user_index], 0.0)
                      + np.where(item_known, self.item_bias_[item_index], 0.0)
                      + np.where(user_known & item_known, dots, 0.0))
        return prediction if self.clip is None else np.clip(prediction, *self.clip)


def _check_ratings(user_ids, item_ids, ratings):
    """Check that ids (integers) and ratings (finite) are 1-D and equally long."""
    arrays = {"user_ids": as_int_array(user_ids, "user_ids"),
              "item_ids": as_int_array(item_ids, "item_ids")}
    if ratings is not None:
        arrays["ratings"] = as_array(ratings, "ratings", ndim=1)
    if len({len(a) for a in arrays.values()}) > 1:
        listed = ", ".join(f"{name} has length {len(a)}" for name, a in arrays.items())
        raise ValueError(f"{listed}; they must have the same length")
    if ratings is not None and len(ratings) == 0:
        raise ValueError("fit needs at least one rating, got empty arrays")
    return arrays["user_ids"], arrays["item_ids"], arrays.get("ratings")


def _lookup(known_ids, ids):
    """Positions of ``ids`` in the sorted ``known_ids`` (0 if absent), and a known-mask."""
    position = np.minimum(np.searchsorted(known_ids, ids), len(known_ids) - 1)
    known = known_ids[position] == ids
    return np.where(known, position, 0), known


class ImplicitALS:
    r"""Weighted ALS for implicit feedback (Hu, Koren & Volinsky 2008).

    Parameters
    ----------
    n_factors : int, default 32
        Number of latent factors k.
    reg : float > 0, default 10.0
        :math:`\lambda`, the L2 penalty on all factor vectors.
    alpha : float >= 0, default 1.0
        :math:`\alpha`, how fast confidence grows with the interaction strength.
    n_epochs : int, default 10
        ALS sweeps (all users, then all items).
    seed : int, default 0
        Seeds the initial factors, drawn from N(0, 0.1²).

    Attributes
    ----------
    user_factors_ : ndarray of shape (n_users, k), the :math:`x_u`.
    item_factors_ : ndarray of shape (n_items, k), the :math:`y_i`.
    seen_ : ndarray of bool, shape (n_users, n_items), where the interactions are > 0.
    train_loss_ : list of float, the objective L below after each epoch.

    Notes
    -----
    From strengths :math:`r_{ui} \ge 0`: preference :math:`p_{ui} = [r_{ui} > 0]`,
    confidence :math:`c_{ui} = 1 + \alpha r_{ui}`. Over *all* (user, item) pairs,

    .. math::
        L = \sum_{u,i} c_{ui} (p_{ui} - x_u^\top y_i)^2
            + \lambda \Big(\sum_u \|x_u\|^2 + \sum_i \|y_i\|^2\Big).

    With :math:`C^u = \mathrm{diag}(c_{u1}, \dots, c_{un})`, the exact user step is

    .. math::
        x_u = \big(Y^\top Y + Y^\top (C^u - I) Y + \lambda I\big)^{-1} Y^\top C^u p_u,

    where :math:`Y^\top Y` is shared by all users and :math:`C^u - I` is zero
    outside the items u interacted with, so a user costs only their own
    interactions. The item step swaps the roles of X and Y.
    """

    def __init__(self, n_factors=32, reg=10.0, alpha=1.0, n_epochs=10, seed=0):
        self.n_factors = check_positive_int(n_factors, "n_factors")
        self.reg = _check_number(reg, "reg")
        self.alpha = _check_number(alpha, "alpha", allow_zero=True)
        self.n_epochs = check_positive_int(n_epochs, "n_epochs")
        self.seed = seed

    def fit(self, interactions):
        """Fit to a dense (n_users, n_items) array of strengths >= 0. Returns self."""
        strengths = as_array(interactions, "interactions", ndim=2)
        if np.any(strengths < 0):
            raise ValueError(f"interactions must be >= 0, got {np.sum(strengths < 0)} "
                             "negative value(s)")
        rng = np.random.default_rng(self.seed)
        self.seen_ = strengths > 0
        self.user_factors_ = rng.normal(0.0, 0.1, (strengths.shape[0], self.n_factors))
        self.item_factors_ = rng.normal(0.0, 0.1, (strengths.shape[1], self.n_factors))
        self.train_loss_ = []
        for _ in range(self.n_epochs):
            self.user_factors_ = self._als_step(strengths, self.item_factors_)
            self.item_factors_ = self._als_step(strengths.T, self.user_factors_)
            errors = self.seen_ - self.scores()
            norms = np.sum(self.user_factors_ ** 2) + np.sum(self.item_factors_ ** 2)
            self.train_loss_.append(float(np.sum((1.0 + self.alpha * strengths) * errors ** 2)
                                          + self.reg * norms))
        return self

    def _als_step(self, strengths, fixed):
        """Exact solve for the factors of every row of ``strengths``, given ``fixed``."""
        rows, cols = np.nonzero(strengths)                               # sorted by row
        values = strengths[rows, cols]
        group_sizes = np.bincount(rows, minlength=strengths.shape[0])
        shared = fixed.T @ fixed + self.reg * np.eye(self.n_factors)       # Y^T Y + lambda I
        return _solve_groups(fixed, cols, self.alpha * values,            # C^u - I
                             1.0 + self.alpha * values, group_sizes, shared)[0]   # C^u p_u

    def scores(self):
        """Predicted preferences :math:`x_u^\\top y_i`, shape (n_users, n_items)."""
        if not hasattr(self, "user_factors_"):
            raise ValueError("this ImplicitALS is not fitted yet; call fit first")
        return self.user_factors_ @ self.item_factors_.T

    def recommend(self, user, k=10, exclude_seen=True):
        """Item indices (columns of the fitted array) for row ``user``, best first.

        Returns at most ``k`` items, fewer if ``exclude_seen`` leaves fewer;
        ties go to the smaller item index.
        """
        if not hasattr(self, "user_factors_"):
            raise ValueError("this ImplicitALS is not fitted yet; call fit first")
        n_users = len(self.user_factors_)
        if isinstance(user, bool) or not isinstance(user, (int, np.integer)) \
                or not 0 <= user < n_users:
            raise ValueError(f"user must be an integer row index in [0, {n_users}), got {user!r}")
        k = check_positive_int(k, "k")
        scores = self.user_factors_[user] @ self.item_factors_.T
        candidates = np.flatnonzero(~self.seen_[user]) if exclude_seen else np.arange(len(scores))
        return candidates[np.argsort(-scores[candidates], kind="stable")][:k]


def rmse(pred, target):
    r"""Root mean squared error :math:`\sqrt{\frac1n \sum_j (\hat y_j - y_j)^2}`.

    ``pred`` and ``target`` are arrays of the same shape with at least one value.
    """
    pred, target = as_array(pred, "pred"), as_array(target, "target")
    if pred.shape != target.shape:
        raise ValueError(f"pred has shape {pred.shape} but target has shape {target.shape}; "
                         "they must match")
    if pred.size == 0:
        raise ValueError("rmse needs at least one value, got empty arrays")
    return float(np.sqrt(np.mean((pred - target) ** 2)))


def _hits_at_k(recommended, relevant, k):
    """Whether each of the top-k recommended items is relevant; |R|; k."""
    k = check_positive_int(k, "k")
    recommended = as_int_array(list(recommended), "recommended")
    relevant = np.unique(as_int_array(list(relevant), "relevant"))
    if len(np.unique(recommended)) != len(recommended):
        raise ValueError("recommended contains duplicate item ids")
    if len(relevant) == 0:
        raise ValueError("relevant is empty: ranking metrics need at least one relevant item")
    return np.isin(recommended[:k], relevant), len(relevant), k


def precision_at_k(recommended, relevant, k):
    r"""Share of the top k that is relevant: :math:`|\mathrm{top}_k \cap R| / k`.

    Parameters
    ----------
    recommended : sequence of int
        Item ids in rank order, best first, without duplicates.
    relevant : set or sequence of int
        The relevant item ids R (binary relevance); must not be empty.
    k : int >= 1
        Cut-off. A list shorter than k still divides by k.

    Returns
    -------
    float in [0, 1]
    """
    hits, _, k = _hits_at_k(recommended, relevant, k)
    return float(hits.sum() / k)


def recall_at_k(recommended, relevant, k):
    r"""Share of the relevant items found in the top k: :math:`|\mathrm{top}_k \cap R| / |R|`.

    Parameters and return as in :func:`precision_at_k`.
    """
    hits, n_relevant, _ = _hits_at_k(recommended, relevant, k)
    return float(hits.sum() / n_relevant)


def ndcg_at_k(recommended, relevant, k):
    r"""Normalised discounted cumulative gain with binary relevance.

    .. math::
        \mathrm{DCG@k} = \sum_{j=1}^{k} \frac{[\text{item at rank } j \in R]}{\log_2(j + 1)},
        \qquad
        \mathrm{NDCG@k} = \frac{\mathrm{DCG@k}}{\sum_{j=1}^{\min(k, |R|)} 1 / \log_2(j + 1)}.

    The denominator is the DCG of an ideal ranking (all of R first), so the
    result is in [0, 1]. Parameters as in :func:`precision_at_k`.
    """
    hits, n_relevant, k = _hits_at_k(recommended, relevant, k)
    discounts = 1.0 / np.log2(np.arange(2, k + 2))            # rank j = 1..k: 1 / log2(j + 1)
    return float(discounts[:len(hits)] @ hits / discounts[:min(k, n_relevant)].sum())
