r"""A multi-layer perceptron classifier built from the dense and activation layers."""
import numpy as np

from ._checks import as_array, as_int_array, check_choice, check_positive_int
from .activations import (relu_backward, relu_forward, sigmoid_backward, sigmoid_forward,
                          tanh_backward, tanh_forward)
from .dense import dense_backward, dense_forward, softmax_cross_entropy
from .optim import adam_step, momentum_step, sgd_step

ACTIVATIONS = {"relu": (relu_forward, relu_backward),
               "tanh": (tanh_forward, tanh_backward),
               "sigmoid": (sigmoid_forward, sigmoid_backward)}
OPTIMIZERS = ("sgd", "momentum", "adam")


class MLP:
    r"""Dense layers with an activation between them, trained with softmax cross-entropy.

    Parameters
    ----------
    layer_sizes : sequence of int
        ``[inputs, hidden_1, ..., classes]``, e.g. ``[64, 32, 10]``.
    activation : {"relu", "tanh", "sigmoid"}
        Used after every layer but the last (which outputs logits).
    seed : int
        Seed for ``np.random.default_rng`` when drawing the initial weights.

    Attributes
    ----------
    params : dict
        ``"W1"`` (shape (layer_sizes[0], layer_sizes[1])), ``"b1"``, ``"W2"``, ...

    Notes
    -----
    Weights are drawn from :math:`\mathcal N(0, \sigma^2)` with He's
    :math:`\sigma^2 = 2 / \mathrm{fan_{in}}` for ReLU and Glorot's
    :math:`\sigma^2 = 2 / (\mathrm{fan_{in}} + \mathrm{fan_{out}})` otherwise;
    biases start at 0.
    """

    def __init__(self, layer_sizes, activation="relu", seed=0):
        sizes = [check_positive_int(size, "each layer size") for size in layer_sizes]
        if len(sizes) < 2:
            raise ValueError(f"layer_sizes needs at least 2 entries (inputs, classes), got {sizes}")
        self.activation = check_choice(activation, "activation", tuple(ACTIVATIONS))
        rng = np.random.default_rng(seed)
        self.params = {}
        for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
            variance = 2 / fan_in if activation == "relu" else 2 / (fan_in + fan_out)
            self.params[f"W{i}"] = rng.normal(0.0, np.sqrt(variance), size=(fan_in, fan_out))
            self.params[f"b{i}"] = np.zeros(fan_out)
        self.n_layers = len(sizes) - 1

    def _forward_with_caches(self, x):
        """Return the logits and, per layer, the (dense, activation) caches."""
        act_forward, _ = ACTIVATIONS[self.activation]
        hidden, caches = x, []
        for i in range(1, self.n_layers + 1):
            hidden, dense_cache = dense_forward(hidden, self.params[f"W{i}"], self.params[f"b{i}"])
            act_cache = None
            if i < self.n_layers:  # no activation after the last layer: it gives logits
                hidden, act_cache = act_forward(hidden)
            caches.append((dense_cache, act_cache))
        return hidden, caches

    def forward(self, x):
        """Logits, shape (N, classes), for inputs ``x`` of shape (N, layer_sizes[0])."""
        return self._forward_with_caches(x)[0]

    def loss_and_grads(self, x, y):
        """Mean cross-entropy on ``(x, y)`` and its gradient for every entry of ``params``."""
        _, act_backward = ACTIVATIONS[self.activation]
        logits, caches = self._forward_with_caches(x)
        loss, dout = softmax_cross_entropy(logits, y)
        grads = {}
        for i in range(self.n_layers, 0, -1):
            dense_cache, act_cache = caches[i - 1]
            if act_cache is not None:
                dout = act_backward(dout, act_cache)
            dout, grads[f"W{i}"], grads[f"b{i}"] = dense_backward(dout, dense_cache)
        return loss, grads

    def predict(self, x):
        """Predicted class labels, shape (N,)."""
        return np.argmax(self.forward(x), axis=1)

    def fit(self, x, y, epochs=30, lr=1e-3, batch_size=32, seed=0, optimizer="adam"):
        """Train with mini-batches, reshuffled every epoch from ``default_rng(seed)``.

        ``x`` has shape (N, layer_sizes[0]), ``y`` holds N integer labels;
        ``optimizer`` is "sgd", "momentum" or "adam". Returns a list with one
        number per epoch: the mean loss of that epoch's mini-batches, each
        measured just before its update.
        """
        x = as_array(x, "x", ndim=2)
        y = as_int_array(y, "y", ndim=1)
        if len(y) != len(x):
            raise ValueError(f"x has {len(x)} rows (shape {x.shape}) but y has {len(y)} labels")
        epochs = check_positive_int(epochs, "epochs")
        batch_size = check_positive_int(batch_size, "batch_size")
        check_choice(optimizer, "optimizer", OPTIMIZERS)
        rng, state, history = np.random.default_rng(seed), {}, []
        for _ in range(epochs):
            order, total = rng.permutation(len(x)), 0.0
            for start in range(0, len(x), batch_size):
                batch = order[start:start + batch_size]
                loss, grads = self.loss_and_grads(x[batch], y[batch])
                total += loss * len(batch)
                if optimizer == "sgd":
                    sgd_step(self.params, grads, lr)
                elif optimizer == "momentum":
                    momentum_step(self.params, grads, state, lr)
                else:
                    adam_step(self.params, grads, state, lr)
            history.append(total / len(x))
        return history
