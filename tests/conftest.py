"""Shared test helper: the numerical gradient of ``sum(layer output * dout)``."""
import numpy as np
import pytest

from lessons_lib import numerical_gradient


@pytest.fixture
def numeric_grads():
    """Return ``f(forward, args, dout, eps)`` -> numerical gradient for each of ``args``.

    The loss is ``sum(forward(*args)[0] * dout)``, so its gradient with respect
    to the layer output is exactly ``dout``: what the layer's backward receives.
    """
    def grads(forward, args, dout, eps=1e-6):
        result = []
        for i in range(len(args)):
            def loss(arr, i=i):
                return np.sum(forward(*args[:i], arr, *args[i + 1:])[0] * dout)
            result.append(numerical_gradient(loss, np.array(args[i], dtype=float), eps))
        return result
    return grads
