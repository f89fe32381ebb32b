import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import pytest
import scipy.signal
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st

from lessons_lib import (conv2d_backward, conv2d_forward, conv2d_loop, convolve2d, correlate2d,
                         max_pool_backward, max_pool_forward, relative_error)

rng = np.random.default_rng(2)


def tf_layer(layer, x, params, dout):
    """TensorFlow's output of ``layer(x, *params)`` and the gradients of sum(out * dout)."""
    tensors = [tf.constant(a, dtype=tf.float64) for a in (x, *params)]
    with tf.GradientTape() as tape:
        tape.watch(tensors)
        out = layer(*tensors)
        loss = tf.reduce_sum(out * dout)
    return out.numpy(), [g.numpy() for g in tape.gradient(loss, tensors)]


# ------------------------------------------------- single-image, plain loops
@settings(max_examples=30, deadline=None, derandomize=True)
@given(st.integers(1, 7), st.integers(1, 7), st.integers(1, 7), st.integers(1, 7), st.integers(0, 2**32 - 1))
def test_correlate2d_and_convolve2d_match_scipy(h, w, kh, kw, seed):
    r = np.random.default_rng(seed)
    image, kernel = r.normal(size=(h + kh - 1, w + kw - 1)), r.normal(size=(kh, kw))
    np.testing.assert_allclose(correlate2d(image, kernel),
                               scipy.signal.correlate2d(image, kernel, mode="valid"), atol=1e-12)
    np.testing.assert_allclose(convolve2d(image, kernel),
                               scipy.signal.convolve2d(image, kernel, mode="valid"), atol=1e-12)


@pytest.mark.parametrize("fn", [correlate2d, convolve2d])
def test_kernel_larger_than_image_names_both_shapes(fn):
    with pytest.raises(ValueError, match=r"kernel of shape \(2, 5\) is larger than image of shape \(4, 4\)"):
        fn(np.zeros((4, 4)), np.zeros((2, 5)))
    with pytest.raises(ValueError, match="image must have 2 axes"):
        fn(np.zeros((4, 4, 1)), np.zeros((2, 2)))


# --------------------------------------------------------- NHWC conv layer
CASES = [(k, stride, padding) for k in [(1, 1), (2, 2), (3, 3), (4, 4), (2, 3)]
         for stride in (1, 2) for padding in ("valid", "same")]


@pytest.mark.parametrize("kernel, stride, padding", CASES)
def test_conv2d_forward_and_backward_match_tensorflow(kernel, stride, padding):
    x = rng.normal(size=(2, 7, 8, 3))
    w, b = rng.normal(size=(*kernel, 3, 4)), rng.normal(size=4)
    out, cache = conv2d_forward(x, w, b, stride=stride, padding=padding)
    dout = rng.normal(size=out.shape)
    tf_out, tf_grads = tf_layer(
        lambda x, w, b: tf.nn.conv2d(x, w, strides=stride, padding=padding.upper()) + b, x, (w, b), dout)
    assert out.shape == tf_out.shape
    np.testing.assert_allclose(out, tf_out, rtol=1e-10, atol=1e-12)
    for ours, theirs in zip(conv2d_backward(dout, cache), tf_grads):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kernel, stride, padding",
                         [((2, 2), 2, "same"), ((4, 4), 2, "same"), ((3, 3), 2, "same"), ((3, 2), 1, "valid")])
def test_conv2d_backward_matches_numerical_gradient(kernel, stride, padding, numeric_grads):
    x, w, b = rng.normal(size=(2, 5, 6, 2)), rng.normal(size=(*kernel, 2, 3)), rng.normal(size=3)
    out, cache = conv2d_forward(x, w, b, stride, padding)
    dout = rng.normal(size=out.shape)

    def forward(x, w, b):
        return conv2d_forward(x, w, b, stride, padding)

    # The layer is linear in each argument, so a large step has no truncation error
    # and keeps round-off small.
    numeric = numeric_grads(forward, (x, w, b), dout, eps=1e-3)
    for ours, num in zip(conv2d_backward(dout, cache), numeric):
        assert relative_error(ours, num) < 1e-7


@settings(max_examples=30, deadline=None, derandomize=True)
@given(n=st.integers(1, 2), h=st.integers(1, 7), w=st.integers(1, 7), c=st.integers(1, 3),
       f=st.integers(1, 3), kh=st.integers(1, 4), kw=st.integers(1, 4), stride=st.integers(1, 3),
       padding=st.sampled_from(["valid", "same"]), seed=st.integers(0, 2**32 - 1))
def test_conv2d_forward_equals_loop_version(n, h, w, c, f, kh, kw, stride, padding, seed):
    if padding == "valid":
        h, w = h + kh - 1, w + kw - 1  # make the kernel fit
    r = np.random.default_rng(seed)
    x, weights, b = r.normal(size=(n, h, w, c)), r.normal(size=(kh, kw, c, f)), r.normal(size=f)
    fast, _ = conv2d_forward(x, weights, b, stride, padding)
    np.testing.assert_allclose(fast, conv2d_loop(x, weights, b, stride, padding), rtol=1e-12, atol=1e-12)


def test_same_padding_puts_the_extra_row_at_the_bottom():
    # Even kernel, stride 1: TF pads 0 rows on top and 1 at the bottom.
    x = np.arange(9.0).reshape(1, 3, 3, 1)
    out, _ = conv2d_forward(x, np.ones((2, 2, 1, 1)), np.zeros(1), padding="same")
    np.testing.assert_array_equal(out[0, :, :, 0], [[8, 12, 7], [20, 24, 13], [13, 15, 8]])


@pytest.mark.parametrize("fn", [conv2d_forward, conv2d_loop])
def test_conv2d_input_errors(fn):
    x, w, b = np.zeros((1, 4, 4, 3)), np.zeros((3, 3, 3, 2)), np.zeros(2)
    with pytest.raises(ValueError, match=r"unknown padding 'full'; choose one of 'valid', 'same'"):
        fn(x, w, b, padding="full")
    with pytest.raises(ValueError, match=r"x has 3 channels \(shape \(1, 4, 4, 3\)\) but w expects 2 "
                                         r"input channels \(shape \(3, 3, 2, 2\)\)"):
        fn(x, np.zeros((3, 3, 2, 2)), b)
    with pytest.raises(ValueError, match=r"b has shape \(3,\) but w has 2 filters"):
        fn(x, w, np.zeros(3))
    with pytest.raises(ValueError, match=r"b must have 1 axes, got shape \(1, 2\)"):
        fn(x, w, np.zeros((1, 2)))
    with pytest.raises(ValueError, match=r"kernel \(5, 5\) .* is larger than the image \(4, 4\)"):
        fn(x, np.zeros((5, 5, 3, 2)), b)
    with pytest.raises(ValueError, match="stride must be a positive integer, got 0"):
        fn(x, w, b, stride=0)
    with pytest.raises(ValueError, match="stride must be a positive integer"):
        fn(x, w, b, stride=1.5)
    with pytest.raises(ValueError, match="x must have 4 axes, got shape"):
        fn(np.zeros((4, 4, 3)), w, b)
    w[0, 1, 2, 0] = np.inf
    with pytest.raises(ValueError, match="w contains 1 NaN or inf"):
        fn(x, w, b)


def test_conv2d_backward_rejects_wrong_dout():
    out, cache = conv2d_forward(np.zeros((1, 4, 4, 1)), np.zeros((3, 3, 1, 2)), np.zeros(2))
    with pytest.raises(ValueError, match=r"dout has shape \(1, 2, 2, 3\) but the layer output has shape \(1, 2, 2, 2\)"):
        conv2d_backward(np.zeros((1, 2, 2, 3)), cache)


# ----------------------------------------------------------------- max pool
@pytest.mark.parametrize("pool_size, stride", [(2, 2), (3, 2), (2, 1), (3, 3)])
def test_max_pool_matches_tensorflow(pool_size, stride):
    x = rng.normal(size=(2, 7, 6, 3))
    out, cache = max_pool_forward(x, pool_size, stride)
    dout = rng.normal(size=out.shape)
    tf_out, (tf_dx,) = tf_layer(lambda x: tf.nn.max_pool2d(x, pool_size, stride, "VALID"), x, (), dout)
    np.testing.assert_array_equal(out, tf_out)
    np.testing.assert_allclose(max_pool_backward(dout, cache), tf_dx, rtol=1e-12)


@pytest.mark.parametrize("pool_size, stride", [(2, 2), (3, 1)])
def test_max_pool_backward_matches_numerical_gradient(pool_size, stride, numeric_grads):
    x = rng.permutation(150).reshape(2, 5, 5, 3) / 10.0  # distinct values: no ties within eps
    out, cache = max_pool_forward(x, pool_size, stride)
    dout = rng.normal(size=out.shape)
    (numeric,) = numeric_grads(lambda x: max_pool_forward(x, pool_size, stride), (x,), dout, eps=1e-6)
    assert relative_error(max_pool_backward(dout, cache), numeric) < 1e-7


def test_max_pool_ties_send_gradient_to_first_max_only():
    x = np.ones((1, 2, 2, 1))
    out, cache = max_pool_forward(x)
    dx = max_pool_backward(np.full(out.shape, 5.0), cache)
    np.testing.assert_array_equal(dx[0, :, :, 0], [[5, 0], [0, 0]])


def test_max_pool_errors():
    with pytest.raises(ValueError, match=r"pool_size 3 is larger than the image \(2, 5\)"):
        max_pool_forward(np.zeros((1, 2, 5, 1)), pool_size=3)
    with pytest.raises(ValueError, match="pool_size must be a positive integer"):
        max_pool_forward(np.zeros((1, 4, 4, 1)), pool_size=0)
    x = np.zeros((1, 4, 4, 1))
    x[0, 1, 2, 0] = np.nan
    with pytest.raises(ValueError, match="x contains 1 NaN"):
        max_pool_forward(x)
    _, cache = max_pool_forward(np.zeros((1, 4, 4, 1)))
    with pytest.raises(ValueError, match=r"dout has shape \(1, 3, 3, 1\) but the pooled output has shape \(1, 2, 2, 1\)"):
        max_pool_backward(np.zeros((1, 3, 3, 1)), cache)
