import os
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from lessons_lib import (relative_error, relu, relu_backward, relu_forward, sigmoid,
                         sigmoid_backward, sigmoid_forward, softmax, tanh, tanh_backward,
                         tanh_forward)

PAIRS = {"sigmoid": (sigmoid_forward, sigmoid_backward, tf.sigmoid),
         "relu": (relu_forward, relu_backward, tf.nn.relu),
         "tanh": (tanh_forward, tanh_backward, tf.tanh)}
rng = np.random.default_rng(0)


@pytest.mark.parametrize("name", PAIRS)
def test_forward_and_backward_match_tensorflow(name):
    forward, backward, tf_fn = PAIRS[name]
    x = rng.normal(scale=3, size=(4, 5))
    dout = rng.normal(size=x.shape)
    out, cache = forward(x)
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        loss = tf.reduce_sum(tf_fn(xt) * dout)
    np.testing.assert_allclose(out, tf_fn(xt).numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(backward(dout, cache), tape.gradient(loss, xt).numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", PAIRS)
def test_backward_matches_numerical_gradient(name, numeric_grads):
    forward, backward, _ = PAIRS[name]
    x = rng.uniform(0.1, 3, size=(3, 4)) * rng.choice([-1, 1], size=(3, 4))  # away from relu's kink
    dout = rng.normal(size=x.shape)
    (dx_num,) = numeric_grads(forward, (x,), dout, eps=1e-5)
    assert relative_error(backward(dout, forward(x)[1]), dx_num) < 1e-7


@settings(max_examples=30, deadline=None, derandomize=True)
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=6),
                  elements=st.floats(0.01, 5) | st.floats(-5, -0.01)))
def test_relu_backward_matches_numeric_away_from_zero(x):
    dout = np.ones_like(x)
    dx = relu_backward(dout, relu_forward(x)[1])
    dx_num = (relu(x + 1e-6) - relu(x - 1e-6)) / 2e-6
    assert relative_error(dx, dx_num) < 1e-7


def test_functions_equal_forward_outputs():
    x = rng.normal(size=(2, 3))
    for fn, forward in ((sigmoid, sigmoid_forward), (relu, relu_forward), (tanh, tanh_forward)):
        np.testing.assert_array_equal(fn(x), forward(x)[0])


def test_sigmoid_and_tanh_stable_at_extremes():
    x = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        s, t = sigmoid(x), tanh(x)
    np.testing.assert_allclose(s, [0, 1 / (1 + np.exp(50)), 0.5, 1 / (1 + np.exp(-50)), 1], rtol=1e-12)
    np.testing.assert_allclose(t, [-1, -1, 0, 1, 1])


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_matches_tensorflow(axis):
    x = rng.normal(scale=4, size=(3, 4, 5))
    np.testing.assert_allclose(softmax(x, axis=axis), tf.nn.softmax(x, axis=axis).numpy(), rtol=1e-12)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=6),
                  elements=st.floats(-1000, 1000)))
def test_softmax_rows_are_finite_and_sum_to_one(x):
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        p = softmax(x)
    assert np.all(np.isfinite(p)) and np.all(p >= 0)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-12)


@pytest.mark.parametrize("fn", [sigmoid, relu, tanh, softmax, sigmoid_forward])
def test_nan_and_inf_inputs_rejected(fn):
    with pytest.raises(ValueError, match="NaN or inf"):
        fn(np.array([1.0, np.nan]))
    with pytest.raises(ValueError, match="NaN or inf"):
        fn(np.array([np.inf, 1.0]))


@pytest.mark.parametrize("name", PAIRS)
def test_backward_rejects_dout_of_wrong_shape(name):
    forward, backward, _ = PAIRS[name]
    _, cache = forward(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"dout has shape \(3, 2\) but .* has shape \(2, 3\)"):
        backward(np.zeros((3, 2)), cache)


def test_softmax_rejects_bad_axis():
    with pytest.raises(ValueError, match="axis"):
        softmax(np.zeros((2, 3)), axis=2)


def test_relu_gradient_at_exactly_zero_is_zero():
    _, cache = relu_forward(np.array([-1.0, 0.0, 2.0]))
    np.testing.assert_array_equal(relu_backward(np.ones(3), cache), [0.0, 0.0, 1.0])
