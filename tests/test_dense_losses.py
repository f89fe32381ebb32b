import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st

from lessons_lib import (binary_cross_entropy, dense_backward, dense_forward, mse,
                         numerical_gradient, relative_error, softmax_cross_entropy)

rng = np.random.default_rng(1)


def tf_value_and_grad(fn, *arrays):
    """TensorFlow's value of ``fn(*arrays)`` and its gradient for each array."""
    tensors = [tf.constant(a, dtype=tf.float64) for a in arrays]
    with tf.GradientTape() as tape:
        tape.watch(tensors)
        value = fn(*tensors)
    return value.numpy(), [g.numpy() for g in tape.gradient(value, tensors)]


# ---------------------------------------------------------------- dense layer
def test_dense_matches_tensorflow():
    x, W, b = rng.normal(size=(5, 4)), rng.normal(size=(4, 3)), rng.normal(size=3)
    dout = rng.normal(size=(5, 3))
    out, cache = dense_forward(x, W, b)
    tf_out, tf_grads = tf_value_and_grad(lambda x, W, b: tf.reduce_sum((x @ W + b) * dout), x, W, b)
    np.testing.assert_allclose(np.sum(out * dout), tf_out, rtol=1e-12)
    for ours, theirs in zip(dense_backward(dout, cache), tf_grads):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)


def test_dense_backward_matches_numerical_gradient(numeric_grads):
    x, W, b = rng.normal(size=(3, 4)), rng.normal(size=(4, 2)), rng.normal(size=2)
    dout = rng.normal(size=(3, 2))
    grads = dense_backward(dout, dense_forward(x, W, b)[1])
    for ours, numeric in zip(grads, numeric_grads(dense_forward, (x, W, b), dout, eps=1e-4)):
        assert relative_error(ours, numeric) < 1e-7


def test_dense_rejects_feature_mismatch_naming_both_shapes():
    msg = r"x has 10 features \(shape \(1, 10\)\) but W expects 4 inputs \(shape \(4, 2\)\)"
    with pytest.raises(ValueError, match=msg):
        dense_forward(np.zeros((1, 10)), np.zeros((4, 2)), np.zeros(2))


@pytest.mark.parametrize("b_shape", [(3,), (1, 2), ()])
def test_dense_rejects_bias_of_wrong_shape(b_shape):
    with pytest.raises(ValueError, match=r"b (has|must have)"):
        dense_forward(np.zeros((1, 4)), np.zeros((4, 2)), np.zeros(b_shape))


def test_dense_rejects_nan_and_wrong_dout():
    with pytest.raises(ValueError, match="W contains 1 NaN or inf"):
        dense_forward(np.zeros((1, 2)), np.array([[1.0], [np.nan]]), np.zeros(1))
    _, cache = dense_forward(np.zeros((3, 2)), np.zeros((2, 4)), np.zeros(4))
    with pytest.raises(ValueError, match=r"dout has shape \(3, 5\) but the layer output has shape \(3, 4\)"):
        dense_backward(np.zeros((3, 5)), cache)


# ---------------------------------------------------- softmax cross-entropy
def test_softmax_cross_entropy_matches_tensorflow():
    logits, labels = rng.normal(scale=3, size=(6, 4)), rng.integers(0, 4, size=6)
    loss, dlogits = softmax_cross_entropy(logits, labels)
    tf_loss, (tf_grad,) = tf_value_and_grad(lambda z: tf.reduce_mean(
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=z)), logits)
    np.testing.assert_allclose(loss, tf_loss, rtol=1e-12)
    np.testing.assert_allclose(dlogits, tf_grad, rtol=1e-10, atol=1e-15)


def test_softmax_cross_entropy_gradient_matches_numerical():
    logits, labels = rng.normal(size=(4, 5)), np.array([0, 4, 2, 2])
    _, dlogits = softmax_cross_entropy(logits, labels)
    numeric = numerical_gradient(lambda z: softmax_cross_entropy(z, labels)[0], logits, eps=1e-5)
    assert relative_error(dlogits, numeric) < 1e-7


@settings(max_examples=30, deadline=None, derandomize=True)
@given(st.integers(1, 5), st.integers(2, 6), st.floats(1, 1000), st.integers(0, 2**32 - 1))
def test_softmax_cross_entropy_finite_for_huge_logits(n, k, scale, seed):
    r = np.random.default_rng(seed)
    loss, dlogits = softmax_cross_entropy(r.uniform(-scale, scale, (n, k)), r.integers(0, k, n))
    assert np.isfinite(loss) and loss >= 0 and np.all(np.isfinite(dlogits))
    np.testing.assert_allclose(dlogits.sum(axis=1), 0.0, atol=1e-12)  # softmax - onehot sums to 0


def test_softmax_cross_entropy_label_errors():
    logits = np.zeros((3, 4))
    with pytest.raises(ValueError, match=r"label 7 is out of range: logits has 4 classes"):
        softmax_cross_entropy(logits, [0, 7, 1])
    with pytest.raises(ValueError, match=r"label -1 is out of range"):
        softmax_cross_entropy(logits, [0, -1, 1])
    with pytest.raises(ValueError, match=r"labels has 2 entries \(shape \(2,\)\) but logits has 3 rows"):
        softmax_cross_entropy(logits, [0, 1])
    with pytest.raises(ValueError, match="must hold integers"):
        softmax_cross_entropy(logits, [0.5, 1, 2])
    with pytest.raises(ValueError, match="NaN or inf"):
        softmax_cross_entropy(np.full((3, 4), np.inf), [0, 1, 2])


# ------------------------------------------------------ binary cross-entropy
def tf_bce(p, t):
    return -tf.reduce_mean(t * tf.math.log(p) + (1 - t) * tf.math.log(1 - p))


def test_binary_cross_entropy_matches_tensorflow_and_numeric():
    probs, targets = rng.uniform(0.05, 0.95, size=(4, 3)), rng.integers(0, 2, size=(4, 3)).astype(float)
    loss, dprobs = binary_cross_entropy(probs, targets)
    tf_loss, (tf_grad, _) = tf_value_and_grad(tf_bce, probs, targets)
    np.testing.assert_allclose(loss, tf_loss, rtol=1e-10)  # BCE_EPS=1e-12 makes a ~1e-11 change
    np.testing.assert_allclose(dprobs, tf_grad, rtol=1e-10)
    numeric = numerical_gradient(lambda p: binary_cross_entropy(p, targets)[0], probs, eps=1e-6)
    assert relative_error(dprobs, numeric) < 1e-7


def test_binary_cross_entropy_exact_zero_and_one_are_finite():
    loss, dprobs = binary_cross_entropy([0.0, 1.0, 1.0], [0.0, 1.0, 0.0])
    assert np.isfinite(loss) and np.all(np.isfinite(dprobs))
    assert loss == pytest.approx(-np.log(1e-12) / 3, rel=1e-6)  # only the wrong 1.0 costs


def test_binary_cross_entropy_errors():
    with pytest.raises(ValueError, match=r"probs must lie in \[0, 1\]"):
        binary_cross_entropy([0.5, 1.5], [0.0, 1.0])
    with pytest.raises(ValueError, match=r"targets must lie in \[0, 1\]"):
        binary_cross_entropy([0.5, 0.5], [0.0, 2.0])
    with pytest.raises(ValueError, match=r"probs has shape \(4, 1\) but targets has shape \(4,\)"):
        binary_cross_entropy(np.full((4, 1), 0.5), np.zeros(4))  # no silent broadcast


# ------------------------------------------------------------------------ mse
def test_mse_matches_tensorflow_and_numeric():
    pred, target = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    loss, dpred = mse(pred, target)
    tf_loss, (tf_grad, _) = tf_value_and_grad(lambda p, t: tf.reduce_mean((p - t) ** 2), pred, target)
    np.testing.assert_allclose(loss, tf_loss, rtol=1e-12)
    np.testing.assert_allclose(dpred, tf_grad, rtol=1e-12)
    numeric = numerical_gradient(lambda p: mse(p, target)[0], pred, eps=1e-4)
    assert relative_error(dpred, numeric) < 1e-7


def test_mse_errors():
    with pytest.raises(ValueError, match=r"pred has shape \(3,\) but target has shape \(3, 1\)"):
        mse(np.zeros(3), np.zeros((3, 1)))
    with pytest.raises(ValueError, match="target contains 1 NaN or inf"):
        mse(np.zeros(2), [0.0, np.nan])
