"""Time lessons_lib's conv layer and MLP against TensorFlow, side by side.

Run:  python benchmarks/bench_conv_mlp.py
Prints a markdown table. Every timing is the best of 5 runs after one warm-up;
the two sides of a comparison run alternately, so both see the same machine load.
"""
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import tensorflow as tf
from sklearn.datasets import load_digits

from lessons_lib import MLP, conv2d_backward, conv2d_forward, conv2d_loop

REPEATS = 5
CONV_GOAL = 2.0  # ours may take at most 2x TensorFlow's time


def best_times(fn_a, fn_b, repeats=REPEATS):
    """Best wall-clock times of ``fn_a()`` and ``fn_b()``, run alternately after a warm-up."""
    fn_a(), fn_b()
    times_a, times_b = [], []
    for _ in range(repeats):
        for fn, times in ((fn_a, times_a), (fn_b, times_b)):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
    return min(times_a), min(times_b)


def tf_grads(forward, tensors, dout):
    """Gradients of sum(forward(*tensors) * dout) under a GradientTape."""
    with tf.GradientTape() as tape:
        tape.watch(tensors)
        loss = tf.reduce_sum(forward(*tensors) * dout)
    return tape.gradient(loss, tensors)


def bench_conv_vs_tf(rng):
    x, w = rng.normal(size=(32, 28, 28, 16)), rng.normal(size=(3, 3, 16, 32))
    b, dout = rng.normal(size=32), rng.normal(size=(32, 28, 28, 32))

    def ours():
        _, cache = conv2d_forward(x, w, b, stride=1, padding="same")
        return conv2d_backward(dout, cache)

    tensors, dout_t = [tf.constant(a) for a in (x, w, b)], tf.constant(dout)

    def theirs():
        return tf_grads(lambda x, w, b: tf.nn.conv2d(x, w, 1, "SAME") + b, tensors, dout_t)

    for mine, tfs in zip(ours(), theirs()):  # same answer before timing
        np.testing.assert_allclose(mine, tfs.numpy(), rtol=1e-9, atol=1e-9)
    return best_times(ours, theirs)


def bench_conv_fast_vs_loop(rng):
    x, w, b = rng.normal(size=(4, 28, 28, 16)), rng.normal(size=(3, 3, 16, 32)), rng.normal(size=32)
    np.testing.assert_allclose(conv2d_forward(x, w, b, padding="same")[0],
                               conv2d_loop(x, w, b, padding="same"), rtol=1e-10, atol=1e-10)
    return best_times(lambda: conv2d_forward(x, w, b, padding="same"),
                      lambda: conv2d_loop(x, w, b, padding="same"))


def bench_mlp_vs_tf():
    digits = load_digits()
    x, y = digits.data[:64] / 16, digits.target[:64]
    model = MLP([64, 64, 10], seed=0)
    variables = [tf.Variable(model.params[name]) for name in ("W1", "b1", "W2", "b2")]
    x_t = tf.constant(x)

    def theirs():
        with tf.GradientTape() as tape:
            hidden = tf.nn.relu(x_t @ variables[0] + variables[1])
            logits = hidden @ variables[2] + variables[3]
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
        return tape.gradient(loss, variables)

    return best_times(lambda: model.loss_and_grads(x, y), theirs)


def main():
    rng = np.random.default_rng(0)
    conv_ours, conv_tf = bench_conv_vs_tf(rng)
    fast, loop = bench_conv_fast_vs_loop(rng)
    mlp_ours, mlp_tf = bench_mlp_vs_tf()
    ratio = conv_ours / conv_tf
    verdict = "goal met" if ratio <= CONV_GOAL else "GOAL MISSED"
    print("| benchmark | lessons_lib | reference | ratio (ours / reference) |")
    print("|---|---|---|---|")
    print(f"| conv2d fwd+bwd, N=32 28x28x16 -> 32 3x3 SAME, float64 (vs TF) | "
          f"{conv_ours * 1e3:.1f} ms | {conv_tf * 1e3:.1f} ms | {ratio:.2f} "
          f"(goal <= {CONV_GOAL:g}: {verdict}) |")
    print(f"| conv2d_forward vs conv2d_loop, N=4 28x28x16 -> 32 3x3 SAME | "
          f"{fast * 1e3:.1f} ms | {loop * 1e3:.0f} ms | {fast / loop:.4f} (speed-up {loop / fast:.0f}x) |")
    print(f"| MLP 64-64-10 fwd+bwd, batch 64 digits (vs TF GradientTape) | "
          f"{mlp_ours * 1e3:.2f} ms | {mlp_tf * 1e3:.2f} ms | {mlp_ours / mlp_tf:.2f} |")


if __name__ == "__main__":
    main()
