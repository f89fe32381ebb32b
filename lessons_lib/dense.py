r"""The dense (fully connected) layer and three losses.

Each loss returns ``(loss, dinput)``: the scalar loss and its gradient with
respect to its first argument, ready to feed into a ``*_backward``.
"""
import numpy as np

from ._checks import as_array, as_int_array, check_same_shape

#: Added inside the logarithms of :func:`binary_cross_entropy` so that
#: probabilities of exactly 0 or 1 give a large but finite loss.
BCE_EPS = 1e-12


def dense_forward(x, W, b):
    r"""Dense layer ``x @ W + b``.

    Parameters
    ----------
    x : array_like, shape (N, D)
        A batch of N inputs with D features each.
    W : array_like, shape (D, M)
    b : array_like, shape (M,)

    Returns
    -------
    out : ndarray, shape (N, M)
    cache : tuple, for :func:`dense_backward`

    Notes
    -----
    :math:`\mathrm{out} = xW + b`, with :math:`b` added to every row.
    """
    x = as_array(x, "x", ndim=2)
    W = as_array(W, "W", ndim=2)
    b = as_array(b, "b", ndim=1)
    if x.shape[1] != W.shape[0]:
        raise ValueError(f"x has {x.shape[1]} features (shape {x.shape}) but W expects "
                         f"{W.shape[0]} inputs (shape {W.shape})")
    if b.shape != (W.shape[1],):
        raise ValueError(f"b has shape {b.shape} but W has {W.shape[1]} outputs "
                         f"(shape {W.shape}), so b must have shape ({W.shape[1]},)")
    return x @ W + b, (x, W)


def dense_backward(dout, cache):
    r"""Gradients of the dense layer.

    Parameters
    ----------
    dout : array_like, shape (N, M)
        Gradient of the loss with respect to the layer's output.
    cache : tuple from :func:`dense_forward`

    Returns
    -------
    dx : ndarray, shape (N, D)
    dW : ndarray, shape (D, M)
    db : ndarray, shape (M,)

    Notes
    -----
    :math:`dx = dout\,W^\top`, :math:`dW = x^\top dout`,
    :math:`db = \sum_n dout_n` (b was added to every row).
    """
    x, W = cache
    dout = as_array(dout, "dout", ndim=2)
    out_shape = (x.shape[0], W.shape[1])
    if dout.shape != out_shape:
        raise ValueError(f"dout has shape {dout.shape} but the layer output has shape {out_shape}")
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)


def softmax_cross_entropy(logits, labels):
    r"""Mean softmax cross-entropy over a batch, and its gradient.

    Parameters
    ----------
    logits : array_like, shape (N, K)
        Unnormalised scores for K classes.
    labels : array_like of int, shape (N,)
        The true class of each row, in ``0 .. K-1``.

    Returns
    -------
    loss : float
    dlogits : ndarray, shape (N, K)

    Notes
    -----
    With :math:`p = \mathrm{softmax}(z)` row by row,
    :math:`L = -\frac{1}{N}\sum_n \log p_{n, y_n}` and
    :math:`\partial L / \partial z = (p - \mathrm{onehot}(y)) / N`.
    We compute :math:`\log p` as :math:`z - m - \log\sum_j e^{z_j - m}` (with
    :math:`m` the row maximum), which never takes the log of 0.
    """
    logits = as_array(logits, "logits", ndim=2)
    labels = as_int_array(labels, "labels", ndim=1)
    n, k = logits.shape
    if labels.shape != (n,):
        raise ValueError(f"labels has {labels.size} entries (shape {labels.shape}) but "
                         f"logits has {n} rows (shape {logits.shape})")
    bad = labels[(labels < 0) | (labels >= k)]
    if bad.size:
        raise ValueError(f"label {bad[0]} is out of range: logits has {k} classes, "
                         f"so labels must be in 0..{k - 1}")
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(n)
    loss = -log_probs[rows, labels].mean()
    dlogits = np.exp(log_probs)
    dlogits[rows, labels] -= 1.0
    return float(loss), dlogits / n


def binary_cross_entropy(probs, targets):
    r"""Mean binary cross-entropy over all elements, and its gradient.

    Parameters
    ----------
    probs : array_like, any shape, values in [0, 1]
        Predicted probabilities (e.g. sigmoid outputs). Not clipped: values
        outside [0, 1] raise ``ValueError``.
    targets : array_like, exactly the shape of ``probs``, values in [0, 1]

    Returns
    -------
    loss : float
    dprobs : ndarray, shape of ``probs``

    Notes
    -----
    With :math:`\epsilon` = ``BCE_EPS`` = 1e-12 (so that a probability of
    exactly 0 or 1 gives a finite loss) and :math:`n` elements,
    :math:`L = -\frac{1}{n}\sum_i t_i\log(p_i+\epsilon) + (1-t_i)\log(1-p_i+\epsilon)`,
    :math:`\partial L/\partial p_i = \frac{1}{n}\left(-\frac{t_i}{p_i+\epsilon}
    + \frac{1-t_i}{1-p_i+\epsilon}\right)`.
    """
    probs = as_array(probs, "probs")
    targets = as_array(targets, "targets")
    check_same_shape(probs, targets, "probs", "targets")
    for name, arr in (("probs", probs), ("targets", targets)):
        if arr.size and (arr.min() < 0 or arr.max() > 1):
            raise ValueError(f"{name} must lie in [0, 1], got values from {arr.min()} to {arr.max()}")
    p, t, eps = probs, targets, BCE_EPS
    loss = -np.mean(t * np.log(p + eps) + (1 - t) * np.log(1 - p + eps))
    dprobs = (-t / (p + eps) + (1 - t) / (1 - p + eps)) / p.size
    return float(loss), dprobs


def mse(pred, target):
    r"""Mean squared error over all elements, and its gradient.

    Parameters
    ----------
    pred : array_like, any shape
    target : array_like, exactly the shape of ``pred``

    Returns
    -------
    loss : float
    dpred : ndarray, shape of ``pred``

    Notes
    -----
    :math:`L = \frac{1}{n}\sum_i (p_i - t_i)^2`,
    :math:`\partial L/\partial p_i = \frac{2}{n}(p_i - t_i)`.
    """
    pred = as_array(pred, "pred")
    target = as_array(target, "target")
    check_same_shape(pred, target, "pred", "target")
    diff = pred - target
    return float(np.mean(diff ** 2)), 2.0 * diff / diff.size
