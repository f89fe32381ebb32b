import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import pytest
import tensorflow as tf
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from lessons_lib import MLP, numerical_gradient, relative_error

rng = np.random.default_rng(4)
TF_ACTIVATIONS = {"relu": tf.nn.relu, "tanh": tf.tanh, "sigmoid": tf.sigmoid}


def test_init_shapes_and_scales():
    model = MLP([64, 32, 10], activation="relu", seed=0)
    assert sorted(model.params) == ["W1", "W2", "b1", "b2"]
    assert model.params["W1"].shape == (64, 32) and model.params["b2"].shape == (10,)
    assert model.params["W1"].std() == pytest.approx(np.sqrt(2 / 64), rel=0.1)  # He
    glorot = MLP([64, 32, 10], activation="tanh", seed=0)
    assert glorot.params["W1"].std() == pytest.approx(np.sqrt(2 / 96), rel=0.1)
    np.testing.assert_array_equal(MLP([4, 3], seed=5).params["W1"], MLP([4, 3], seed=5).params["W1"])


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_grads_match_numerical_and_tensorflow(activation):
    model = MLP([5, 4, 3, 3], activation=activation, seed=1)
    x, y = rng.normal(size=(6, 5)), rng.integers(0, 3, size=6)
    loss, grads = model.loss_and_grads(x, y)
    for name, param in model.params.items():
        numeric = numerical_gradient(lambda _: model.loss_and_grads(x, y)[0], param, eps=1e-5)
        assert relative_error(grads[name], numeric) < 1e-7, name

    variables = {name: tf.Variable(p) for name, p in model.params.items()}
    with tf.GradientTape() as tape:
        hidden = tf.constant(x)
        for i in range(1, 4):
            hidden = hidden @ variables[f"W{i}"] + variables[f"b{i}"]
            if i < 3:
                hidden = TF_ACTIVATIONS[activation](hidden)
        tf_loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=hidden))
    tf_grads = tape.gradient(tf_loss, variables)
    np.testing.assert_allclose(loss, tf_loss.numpy(), rtol=1e-12)
    np.testing.assert_allclose(model.forward(x), hidden.numpy(), rtol=1e-12)
    for name in model.params:
        np.testing.assert_allclose(grads[name], tf_grads[name].numpy(), rtol=1e-10, atol=1e-14)


def test_digits_test_accuracy_above_95_percent():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X / 16, y, test_size=0.25, random_state=0, stratify=y)
    model = MLP([64, 64, 10], seed=0)
    history = model.fit(X_train, y_train, epochs=30, lr=1e-3, batch_size=32, seed=0)
    assert len(history) == 30 and history[-1] < history[0]
    assert np.mean(model.predict(X_test) == y_test) > 0.95


@pytest.mark.parametrize("optimizer, lr", [("sgd", 0.1), ("momentum", 0.05), ("adam", 1e-2)])
def test_every_optimizer_reduces_the_loss(optimizer, lr):
    x = rng.normal(size=(60, 4))
    y = (x[:, 0] + x[:, 1] > 0).astype(int)
    history = MLP([4, 8, 2], seed=0).fit(x, y, epochs=15, lr=lr, batch_size=16, optimizer=optimizer)
    assert history[-1] < 0.7 * history[0]


def test_errors():
    with pytest.raises(ValueError, match=r"unknown activation 'gelu'; choose one of 'relu', 'tanh', 'sigmoid'"):
        MLP([4, 2], activation="gelu")
    with pytest.raises(ValueError, match="layer_sizes needs at least 2 entries"):
        MLP([4])
    with pytest.raises(ValueError, match="each layer size must be a positive integer, got 0"):
        MLP([4, 0, 2])
    model = MLP([4, 2])
    with pytest.raises(ValueError, match=r"x has 3 features \(shape \(5, 3\)\) but W expects 4 inputs"):
        model.forward(np.zeros((5, 3)))
    with pytest.raises(ValueError, match="unknown optimizer 'rmsprop'"):
        model.fit(np.zeros((5, 4)), np.zeros(5, int), epochs=1, optimizer="rmsprop")
    with pytest.raises(ValueError, match=r"x has 5 rows \(shape \(5, 4\)\) but y has 4 labels"):
        model.fit(np.zeros((5, 4)), np.zeros(4, int), epochs=1)
    with pytest.raises(ValueError, match="label 2 is out of range: logits has 2 classes"):
        model.loss_and_grads(np.zeros((2, 4)), [0, 2])
