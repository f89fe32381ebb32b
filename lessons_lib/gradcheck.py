r"""Numerical gradients, to check hand-written backward passes."""
import numpy as np

from ._checks import as_array, check_same_shape


def numerical_gradient(f, x, eps=1e-6):
    r"""Gradient of a scalar function by central differences.

    Parameters
    ----------
    f : callable
        ``f(x)`` returns a float (e.g. ``np.sum(out * dout)``).
    x : array_like, any shape
        The point at which to differentiate.
    eps : float > 0
        Step size.

    Returns
    -------
    ndarray, shape of ``x``

    Notes
    -----
    :math:`\partial f / \partial x_i \approx
    \left(f(x + \epsilon e_i) - f(x - \epsilon e_i)\right) / (2\epsilon)`,
    with error :math:`O(\epsilon^2)`. ``x`` is changed in place one entry at a
    time and each entry is put back, so ``f`` may also read ``x`` through a
    closure; ``x`` is unchanged afterwards.
    """
    x = as_array(x, "x")  # the caller's array itself when it is already float64
    if not (np.isscalar(eps) and np.isfinite(eps) and eps > 0):
        raise ValueError(f"eps must be a positive number, got {eps!r}")
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + eps
        f_plus = _scalar(f(x))
        x[index] = original - eps
        f_minus = _scalar(f(x))
        x[index] = original
        grad[index] = (f_plus - f_minus) / (2 * eps)
    return grad


def _scalar(value):
    """Return ``value`` as a float, or raise ValueError if it is not a scalar."""
    value = np.asarray(value, dtype=np.float64)
    if value.shape != ():
        raise ValueError(f"f must return a scalar, got an array of shape {value.shape}")
    return float(value)


def relative_error(a, b):
    r"""Largest elementwise relative error between two arrays of the same shape.

    Notes
    -----
    :math:`\max_i |a_i - b_i| / \max(10^{-12}, |a_i| + |b_i|)` (as in CS231n).
    For float64 gradients, below 1e-7 is good.
    """
    a = as_array(a, "a")
    b = as_array(b, "b")
    check_same_shape(a, b, "a", "b")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(1e-12, np.abs(a) + np.abs(b))))
