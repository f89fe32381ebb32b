r"""Activation functions and their forward/backward pairs.

Each ``*_forward(x)`` returns ``(out, cache)``; the matching ``*_backward(dout,
cache)`` takes the upstream gradient ``dout`` (same shape as ``out``) and
returns ``dx``, the gradient of the loss with respect to ``x``.
"""
import numpy as np

from ._checks import as_array, check_same_shape


def sigmoid(x):
    r"""Logistic sigmoid, computed without overflow.

    Parameters
    ----------
    x : array_like, any shape

    Returns
    -------
    ndarray, same shape as ``x``, values in [0, 1]

    Notes
    -----
    :math:`\sigma(x) = 1 / (1 + e^{-x})`. For :math:`x < 0` we use the equal
    form :math:`e^{x} / (1 + e^{x})`, so ``exp`` only ever sees
    :math:`-|x| \le 0` and cannot overflow.
    """
    x = as_array(x, "x")
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


def sigmoid_forward(x):
    """Sigmoid layer: returns ``(sigmoid(x), cache)``; the cache is the output."""
    out = sigmoid(x)
    return out, out


def sigmoid_backward(dout, cache):
    r"""Gradient of the sigmoid layer: :math:`dx = dout \cdot \sigma(x)(1 - \sigma(x))`."""
    out = cache
    dout = as_array(dout, "dout")
    check_same_shape(dout, out, "dout", "the sigmoid output")
    return dout * out * (1.0 - out)


def relu(x):
    r"""Rectified linear unit :math:`\max(x, 0)`, elementwise; same shape as ``x``."""
    return np.maximum(as_array(x, "x"), 0.0)


def relu_forward(x):
    """ReLU layer: returns ``(relu(x), cache)``; the cache is the input ``x``."""
    x = as_array(x, "x")
    return np.maximum(x, 0.0), x


def relu_backward(dout, cache):
    r"""Gradient of the ReLU layer: :math:`dx = dout \cdot [x > 0]`.

    At exactly :math:`x = 0` ReLU has no derivative; we use 0 there.
    """
    x = cache
    dout = as_array(dout, "dout")
    check_same_shape(dout, x, "dout", "the relu input")
    return dout * (x > 0)


def tanh(x):
    """Hyperbolic tangent, elementwise (``np.tanh`` never overflows)."""
    return np.tanh(as_array(x, "x"))


def tanh_forward(x):
    """Tanh layer: returns ``(tanh(x), cache)``; the cache is the output."""
    out = tanh(x)
    return out, out


def tanh_backward(dout, cache):
    r"""Gradient of the tanh layer: :math:`dx = dout \cdot (1 - \tanh^2 x)`."""
    out = cache
    dout = as_array(dout, "dout")
    check_same_shape(dout, out, "dout", "the tanh output")
    return dout * (1.0 - out ** 2)


def softmax(x, axis=-1):
    r"""Softmax along ``axis``, stable for large inputs.

    Parameters
    ----------
    x : array_like, any shape with at least one axis
    axis : int
        The axis whose entries are turned into probabilities.

    Returns
    -------
    ndarray, same shape as ``x``; entries along ``axis`` are >= 0 and sum to 1.

    Notes
    -----
    :math:`\mathrm{softmax}(x)_i = e^{x_i - m} / \sum_j e^{x_j - m}` with
    :math:`m = \max_j x_j`. Subtracting :math:`m` leaves the result unchanged
    but keeps every exponent :math:`\le 0`, so nothing overflows.
    """
    return _softmax(as_array(x, "x"), axis)


def _softmax(x, axis):
    """Softmax without input checks; ``x`` may hold -inf (used for masks)."""
    exps = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return exps / np.sum(exps, axis=axis, keepdims=True)
