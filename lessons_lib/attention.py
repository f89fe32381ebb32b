r"""Scaled dot-product attention.

Self-attention is the special case ``q = k = v`` (the same sequence, usually
after three different dense projections); pass the same array three times.
"""
import numpy as np

from ._checks import as_array
from .activations import _softmax


def _check_mask(mask, scores_shape):
    """Return ``mask`` broadcast to ``scores_shape``, checking dtype and empty rows."""
    mask = np.asarray(mask)
    if mask.dtype != bool:
        raise ValueError(f"mask must be boolean (True = may attend), got dtype {mask.dtype}")
    try:
        mask = np.broadcast_to(mask, scores_shape)
    except ValueError:
        raise ValueError(f"mask of shape {mask.shape} cannot be broadcast to the attention "
                         f"scores' shape {scores_shape} (..., Tq, Tk)") from None
    if not np.all(mask.any(axis=-1)):
        raise ValueError("mask has a query row that is all False: that query could attend to "
                         "nothing, so its softmax is undefined")
    return mask


def attention_forward(q, k, v, mask=None):
    r"""Scaled dot-product attention.

    Parameters
    ----------
    q : array_like, shape (..., Tq, d)
        Queries; ``...`` are batch (and head) axes, the same for q, k and v.
    k : array_like, shape (..., Tk, d)
    v : array_like, shape (..., Tk, dv)
    mask : array_like of bool, broadcastable to (..., Tq, Tk), optional
        True where query i may attend to key j. Every query needs at least
        one True.

    Returns
    -------
    out : ndarray, shape (..., Tq, dv)
    cache : tuple, for :func:`attention_backward`

    Notes
    -----
    :math:`S = q k^\top / \sqrt d` (with :math:`S_{ij} = -\infty` where the
    mask is False), :math:`A = \mathrm{softmax}(S)` along the keys, and
    :math:`\mathrm{out} = A v`.
    """
    q, k, v = as_array(q, "q"), as_array(k, "k"), as_array(v, "v")
    if min(q.ndim, k.ndim, v.ndim) < 2:
        raise ValueError(f"q, k and v need at least 2 axes (..., T, d), got shapes "
                         f"{q.shape}, {k.shape}, {v.shape}")
    if not (q.shape[:-2] == k.shape[:-2] == v.shape[:-2]):
        raise ValueError(f"q, k and v must have the same leading axes, got shapes "
                         f"{q.shape}, {k.shape}, {v.shape}")
    if q.shape[-1] != k.shape[-1]:
        raise ValueError(f"q has d={q.shape[-1]} (shape {q.shape}) but k has d={k.shape[-1]} "
                         f"(shape {k.shape}); they must match")
    if k.shape[-2] != v.shape[-2]:
        raise ValueError(f"k has {k.shape[-2]} keys (shape {k.shape}) but v has "
                         f"{v.shape[-2]} values (shape {v.shape}); they must match")
    scale = 1.0 / np.sqrt(q.shape[-1])
    scores = q @ np.swapaxes(k, -1, -2) * scale  # (..., Tq, Tk)
    if mask is not None:
        scores = np.where(_check_mask(mask, scores.shape), scores, -np.inf)
    weights = _softmax(scores, axis=-1)
    return weights @ v, (q, k, v, weights, scale)


def attention_backward(dout, cache):
    r"""Gradients of :func:`attention_forward`.

    Parameters
    ----------
    dout : array_like, shape (..., Tq, dv)
    cache : tuple from :func:`attention_forward`

    Returns
    -------
    dq, dk, dv : ndarrays, shapes of q, k and v

    Notes
    -----
    :math:`dv = A^\top dout`, :math:`dA = dout\, v^\top`, through the softmax
    :math:`dS = A \odot (dA - \sum_j (dA \odot A)_{:,j})`, then
    :math:`dq = dS\, k / \sqrt d` and :math:`dk = dS^\top q / \sqrt d`.
    Masked positions have :math:`A = 0`, so they get no gradient.
    """
    q, k, v, weights, scale = cache
    dout = as_array(dout, "dout")
    out_shape = q.shape[:-1] + v.shape[-1:]
    if dout.shape != out_shape:
        raise ValueError(f"dout has shape {dout.shape} but the attention output has shape {out_shape}")
    dv = np.swapaxes(weights, -1, -2) @ dout
    dweights = dout @ np.swapaxes(v, -1, -2)
    dscores = weights * (dweights - np.sum(dweights * weights, axis=-1, keepdims=True))
    dq = dscores @ k * scale
    dk = np.swapaxes(dscores, -1, -2) @ q * scale
    return dq, dk, dv
