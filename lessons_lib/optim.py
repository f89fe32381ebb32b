r"""Optimisers: update a dict of parameter arrays in place from a dict of gradients.

``params`` maps names (e.g. "W1") to float NumPy arrays; ``grads`` has the same
keys and shapes. Momentum and Adam keep running averages in ``state``, a dict
owned by the caller: start with ``{}`` and pass the same dict at every step.
"""
import numpy as np

from ._checks import as_array, check_same_shape


def _check_step_inputs(params, grads, lr):
    """Check keys, shapes and the learning rate; return grads as float arrays."""
    if set(params) != set(grads):
        raise ValueError(f"params and grads must have the same keys; missing from grads: "
                         f"{sorted(set(params) - set(grads))}, not in params: "
                         f"{sorted(set(grads) - set(params))}")
    if not (np.isscalar(lr) and np.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a positive number, got {lr!r}")
    checked = {}
    for name, param in params.items():
        if not (isinstance(param, np.ndarray) and param.dtype.kind == "f"):
            raise ValueError(f"params[{name!r}] must be a float NumPy array (it is updated "
                             f"in place), got {type(param).__name__}")
        checked[name] = as_array(grads[name], f"grads[{name!r}]")
        check_same_shape(checked[name], param, f"grads[{name!r}]", f"params[{name!r}]")
    return checked


def sgd_step(params, grads, lr):
    r"""Plain gradient descent: :math:`\theta \leftarrow \theta - \eta\, g`."""
    grads = _check_step_inputs(params, grads, lr)
    for name, grad in grads.items():
        params[name] -= lr * grad


def momentum_step(params, grads, state, lr, beta=0.9):
    r"""Gradient descent with momentum (the Keras form).

    Notes
    -----
    :math:`v \leftarrow \beta v - \eta g`, then :math:`\theta \leftarrow \theta + v`;
    ``v`` starts at 0 and lives in ``state["velocity"]``.
    """
    grads = _check_step_inputs(params, grads, lr)
    _check_beta(beta, "beta")
    _check_state(state)
    velocity = state.setdefault("velocity", {})
    for name, grad in grads.items():
        velocity[name] = beta * velocity.get(name, 0.0) - lr * grad
        params[name] += velocity[name]


def adam_step(params, grads, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    r"""One Adam step, bias-corrected exactly as in Kingma & Ba (2015), Algorithm 1.

    Notes
    -----
    With step count :math:`t` (starting at 1):
    :math:`m \leftarrow \beta_1 m + (1-\beta_1) g`,
    :math:`v \leftarrow \beta_2 v + (1-\beta_2) g^2`,
    :math:`\hat m = m / (1-\beta_1^t)`, :math:`\hat v = v / (1-\beta_2^t)`,
    :math:`\theta \leftarrow \theta - \eta\, \hat m / (\sqrt{\hat v} + \epsilon)`.
    ``t``, ``m`` and ``v`` live in ``state``.
    """
    grads = _check_step_inputs(params, grads, lr)
    _check_beta(beta1, "beta1")
    _check_beta(beta2, "beta2")
    _check_state(state)
    state["t"] = state.get("t", 0) + 1
    t = state["t"]
    m, v = state.setdefault("m", {}), state.setdefault("v", {})
    for name, grad in grads.items():
        m[name] = beta1 * m.get(name, 0.0) + (1 - beta1) * grad
        v[name] = beta2 * v.get(name, 0.0) + (1 - beta2) * grad ** 2
        m_hat = m[name] / (1 - beta1 ** t)
        v_hat = v[name] / (1 - beta2 ** t)
        params[name] -= lr * m_hat / (np.sqrt(v_hat) + eps)


def _check_state(state):
    """Raise ValueError unless ``state`` is the dict the caller keeps between steps."""
    if not isinstance(state, dict):
        raise ValueError(f"state must be a dict kept between steps (start with {{}}), "
                         f"got {type(state).__name__}")


def _check_beta(beta, name):
    """Raise ValueError unless 0 <= beta < 1."""
    if not (np.isscalar(beta) and 0 <= beta < 1):
        raise ValueError(f"{name} must be in [0, 1), got {beta!r}")
