import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import pytest
import tensorflow as tf

from lessons_lib import adam_step, momentum_step, numerical_gradient, relative_error, sgd_step

rng = np.random.default_rng(3)


# ------------------------------------------------------------------ gradcheck
def test_numerical_gradient_of_known_function_and_x_unchanged():
    x = rng.normal(size=(3, 4))
    x_before = x.copy()
    grad = numerical_gradient(lambda a: np.sum(a ** 3), x)
    assert relative_error(grad, 3 * x ** 2) < 1e-7
    np.testing.assert_array_equal(x, x_before)


def test_numerical_gradient_works_through_a_closure():
    W = rng.normal(size=(2, 3))
    grad = numerical_gradient(lambda _: np.sum(np.sin(W)), W)  # f reads W, not its argument
    assert relative_error(grad, np.cos(W)) < 1e-7


def test_numerical_gradient_errors():
    with pytest.raises(ValueError, match=r"f must return a scalar, got an array of shape \(2,\)"):
        numerical_gradient(lambda a: a * 2, np.ones(2))
    with pytest.raises(ValueError, match="eps must be a positive number"):
        numerical_gradient(np.sum, np.ones(2), eps=0)
    with pytest.raises(ValueError, match="x contains 1 NaN"):
        numerical_gradient(np.sum, np.array([1.0, np.nan]))


def test_relative_error_formula_and_errors():
    assert relative_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert relative_error([1.0, 0.0], [3.0, 0.0]) == pytest.approx(0.5)  # |1-3|/(1+3); 0/0 counts 0
    with pytest.raises(ValueError, match=r"a has shape \(2,\) but b has shape \(2, 1\)"):
        relative_error(np.zeros(2), np.zeros((2, 1)))


# ----------------------------------------------------------------- optimisers
def make_problem():
    params = {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=2)}
    grad_steps = [{name: rng.normal(size=p.shape) for name, p in params.items()} for _ in range(4)]
    return params, grad_steps


def keras_run(optimizer, params, grad_steps):
    """Apply the same gradients with a Keras optimiser; return the final values."""
    variables = {name: tf.Variable(p.copy()) for name, p in params.items()}
    for grads in grad_steps:
        optimizer.apply_gradients([(tf.constant(grads[name]), variables[name]) for name in params])
    return {name: v.numpy() for name, v in variables.items()}


def test_sgd_step_updates_in_place():
    params, (grads, *_) = make_problem()
    W = params["W"]
    expected = W - 0.1 * grads["W"]
    sgd_step(params, grads, lr=0.1)
    assert params["W"] is W
    np.testing.assert_allclose(W, expected, rtol=1e-15)


# Keras keeps hyperparameters in float32, so we use values exact in float32.
def test_momentum_matches_keras_sgd():
    params, grad_steps = make_problem()
    expected = keras_run(tf.keras.optimizers.SGD(learning_rate=0.25, momentum=0.5), params, grad_steps)
    state = {}
    for grads in grad_steps:
        momentum_step(params, grads, state, lr=0.25, beta=0.5)
    for name in params:
        np.testing.assert_allclose(params[name], expected[name], rtol=1e-13)


def test_adam_matches_keras_adam():
    # Keras adds epsilon to sqrt(v) before bias correction ("epsilon hat");
    # with eps=0 both forms are the same formula.
    params, grad_steps = make_problem()
    keras_adam = tf.keras.optimizers.Adam(learning_rate=0.25, beta_1=0.5, beta_2=0.75, epsilon=0.0)
    expected = keras_run(keras_adam, params, grad_steps)
    state = {}
    for grads in grad_steps:
        adam_step(params, grads, state, lr=0.25, beta1=0.5, beta2=0.75, eps=0.0)
    assert state["t"] == 4
    for name in params:
        np.testing.assert_allclose(params[name], expected[name], rtol=1e-12)


def test_adam_first_step_is_lr_times_sign_thanks_to_bias_correction():
    params, (grads, *_) = make_problem()
    before = {name: p.copy() for name, p in params.items()}
    adam_step(params, grads, {}, lr=1e-3)
    for name in params:  # m_hat = g and v_hat = g^2, so the step is lr * g / (|g| + eps)
        g = grads[name]
        np.testing.assert_allclose(before[name] - params[name], 1e-3 * g / (np.abs(g) + 1e-8), rtol=1e-10)


def test_adam_default_hyperparameters_follow_kingma_ba():
    params, grad_steps = make_problem()
    W, m, v, state = params["W"].copy(), 0.0, 0.0, {}
    for t, grads in enumerate(grad_steps, start=1):
        adam_step(params, grads, state)
        g = grads["W"]
        m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
        W = W - 1e-3 * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
    np.testing.assert_allclose(params["W"], W, rtol=1e-14)


@pytest.mark.parametrize("step", ["sgd", "momentum", "adam"])
def test_optimisers_minimise_a_quadratic(step):
    params, state = {"w": np.array([3.0, -2.0])}, {}
    for _ in range(300):
        grads = {"w": 2 * params["w"]}  # gradient of |w|^2
        if step == "sgd":
            sgd_step(params, grads, lr=0.1)
        elif step == "momentum":
            momentum_step(params, grads, state, lr=0.05)
        else:
            adam_step(params, grads, state, lr=0.1)
    np.testing.assert_allclose(params["w"], 0.0, atol=1e-2)


@pytest.mark.parametrize("call", [
    lambda p, g: sgd_step(p, g, lr=0.1),
    lambda p, g: momentum_step(p, g, {}, lr=0.1),
    lambda p, g: adam_step(p, g, {}),
])
def test_optimiser_errors(call):
    params = {"W": np.zeros((2, 2)), "b": np.zeros(2)}
    with pytest.raises(ValueError, match=r"missing from grads: \['b'\], not in params: \['c'\]"):
        call(params, {"W": np.zeros((2, 2)), "c": np.zeros(2)})
    with pytest.raises(ValueError, match=r"grads\['b'\] has shape \(1, 2\) but params\['b'\] has shape \(2,\)"):
        call(params, {"W": np.zeros((2, 2)), "b": np.zeros((1, 2))})
    with pytest.raises(ValueError, match=r"grads\['W'\] contains 1 NaN"):
        call(params, {"W": np.array([[0, 0], [0, np.nan]]), "b": np.zeros(2)})
    with pytest.raises(ValueError, match=r"params\['b'\] must be a float NumPy array"):
        call({"W": np.zeros((2, 2)), "b": [0.0, 0.0]}, {"W": np.zeros((2, 2)), "b": np.zeros(2)})


def test_bad_hyperparameters():
    params, grads = {"w": np.zeros(2)}, {"w": np.ones(2)}
    with pytest.raises(ValueError, match="lr must be a positive number, got -0.1"):
        sgd_step(params, grads, lr=-0.1)
    with pytest.raises(ValueError, match=r"beta must be in \[0, 1\), got 1.0"):
        momentum_step(params, grads, {}, lr=0.1, beta=1.0)
    with pytest.raises(ValueError, match=r"beta2 must be in \[0, 1\)"):
        adam_step(params, grads, {}, beta2=-0.5)
    with pytest.raises(ValueError, match=r"state must be a dict kept between steps"):
        adam_step(params, grads, None)
