r"""2-D convolution and max pooling.

``correlate2d``/``convolve2d`` work on one 2-D image with plain loops.
``conv2d_loop`` is the batched, multi-channel layer written with loops;
``conv2d_forward``/``conv2d_backward`` compute the same thing fast.

Layouts follow Keras/TensorFlow ("NHWC"): ``x`` has shape (N, H, W, C) and
the weights ``w`` have shape (KH, KW, C, F) for F filters. Like ``tf.nn.conv2d``
(and every deep-learning library) the "convolution" layer computes a
cross-correlation: the kernel is not flipped.
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._checks import as_array, check_choice, check_positive_int

PADDINGS = ("valid", "same")


def correlate2d(image, kernel):
    r"""2-D cross-correlation, 'valid' mode (like ``scipy.signal.correlate2d``).

    Parameters
    ----------
    image : array_like, shape (H, W)
    kernel : array_like, shape (KH, KW), no larger than ``image``

    Returns
    -------
    ndarray, shape (H - KH + 1, W - KW + 1)

    Notes
    -----
    :math:`\mathrm{out}_{ij} = \sum_{p,q} \mathrm{image}_{i+p,\,j+q}\,\mathrm{kernel}_{pq}`
    """
    image = as_array(image, "image", ndim=2)
    kernel = as_array(kernel, "kernel", ndim=2)
    kh, kw = kernel.shape
    if kh > image.shape[0] or kw > image.shape[1]:
        raise ValueError(f"kernel of shape {kernel.shape} is larger than image of shape "
                         f"{image.shape}; 'valid' mode needs the kernel to fit inside the image")
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return out


def convolve2d(image, kernel):
    r"""2-D convolution, 'valid' mode (like ``scipy.signal.convolve2d``).

    Same parameters and output shape as :func:`correlate2d`.

    Notes
    -----
    :math:`\mathrm{out}_{ij} = \sum_{p,q} \mathrm{image}_{i+p,\,j+q}\,
    \mathrm{kernel}_{KH-1-p,\,KW-1-q}`: a convolution is a cross-correlation
    with the kernel flipped in both axes.
    """
    kernel = as_array(kernel, "kernel", ndim=2)
    return correlate2d(image, kernel[::-1, ::-1])


def _check_conv_inputs(x, w, b, stride, padding):
    """Validate the arguments shared by ``conv2d_loop`` and ``conv2d_forward``."""
    x = as_array(x, "x", ndim=4)
    w = as_array(w, "w", ndim=4)
    b = as_array(b, "b", ndim=1)
    stride = check_positive_int(stride, "stride")
    check_choice(padding, "padding", PADDINGS)
    if x.shape[3] != w.shape[2]:
        raise ValueError(f"x has {x.shape[3]} channels (shape {x.shape}) but w expects "
                         f"{w.shape[2]} input channels (shape {w.shape})")
    if b.shape != (w.shape[3],):
        raise ValueError(f"b has shape {b.shape} but w has {w.shape[3]} filters "
                         f"(shape {w.shape}), so b must have shape ({w.shape[3]},)")
    if padding == "valid" and (w.shape[0] > x.shape[1] or w.shape[1] > x.shape[2]):
        raise ValueError(f"kernel {w.shape[:2]} (w shape {w.shape}) is larger than the image "
                         f"{x.shape[1:3]} (x shape {x.shape}); use padding='same'")
    return x, w, b, stride


def _pad_amounts(size, kernel_size, stride, padding):
    """Return ``(pad_before, pad_after, out_size)`` along one spatial axis.

    "same" follows TensorFlow: ``out = ceil(size / stride)`` and any odd
    padding row/column goes at the end (bottom/right).
    """
    if padding == "valid":
        return 0, 0, (size - kernel_size) // stride + 1
    out_size = -(-size // stride)  # ceil(size / stride) in integers
    total = max((out_size - 1) * stride + kernel_size - size, 0)
    return total // 2, total - total // 2, out_size


def _pad_input(x, w_shape, stride, padding):
    """Zero-pad ``x`` for the convolution; return ``(x_padded, pads, (out_h, out_w))``."""
    top, bottom, out_h = _pad_amounts(x.shape[1], w_shape[0], stride, padding)
    left, right, out_w = _pad_amounts(x.shape[2], w_shape[1], stride, padding)
    pads = ((0, 0), (top, bottom), (left, right), (0, 0))
    return np.pad(x, pads), pads, (out_h, out_w)


def conv2d_loop(x, w, b, stride=1, padding="valid"):
    """Convolution layer written with plain loops: slow, but easy to read.

    Same parameters and result as :func:`conv2d_forward` (without the cache).
    """
    x, w, b, stride = _check_conv_inputs(x, w, b, stride, padding)
    xp, _, (out_h, out_w) = _pad_input(x, w.shape, stride, padding)
    kh, kw, _, n_filters = w.shape
    out = np.zeros((x.shape[0], out_h, out_w, n_filters))
    for n in range(x.shape[0]):
        for i in range(out_h):
            for j in range(out_w):
                top, left = i * stride, j * stride
                patch = xp[n, top:top + kh, left:left + kw, :]  # (KH, KW, C)
                for f in range(n_filters):
                    out[n, i, j, f] = np.sum(patch * w[:, :, :, f]) + b[f]
    return out


def conv2d_forward(x, w, b, stride=1, padding="valid"):
    r"""Convolution layer (cross-correlation, exactly like ``tf.nn.conv2d``).

    Parameters
    ----------
    x : array_like, shape (N, H, W, C)
    w : array_like, shape (KH, KW, C, F)
    b : array_like, shape (F,)
    stride : int >= 1, used for both spatial axes
    padding : {"valid", "same"}
        "valid": no padding. "same": TensorFlow's rule, output size
        ``ceil(H / stride)``; the extra padding row/column (if odd) goes at the
        bottom/right.

    Returns
    -------
    out : ndarray, shape (N, out_h, out_w, F)
    cache : tuple, for :func:`conv2d_backward`

    Notes
    -----
    With :math:`x` zero-padded and :math:`s` the stride,
    :math:`\mathrm{out}_{n,i,j,f} = b_f + \sum_{p,q,c}
    x_{n,\,si+p,\,sj+q,\,c}\, w_{p,q,c,f}`.
    "im2col": we copy every receptive field (KH, KW, C) into one row of a
    matrix, so the whole layer becomes one matrix product with ``w``
    reshaped to (KH*KW*C, F).
    """
    x, w, b, stride = _check_conv_inputs(x, w, b, stride, padding)
    xp, pads, (out_h, out_w) = _pad_input(x, w.shape, stride, padding)
    kh, kw, c, n_filters = w.shape
    # A view of all KHxKW windows, shape (N, Hp-KH+1, Wp-KW+1, C, KH, KW); no copy yet.
    windows = sliding_window_view(xp, (kh, kw), axis=(1, 2))
    windows = windows[:, ::stride, ::stride][:, :out_h, :out_w]  # keep every stride-th
    # Order each window as (KH, KW, C) to match w; reshape copies into the im2col matrix.
    cols = windows.transpose(0, 1, 2, 4, 5, 3).reshape(-1, kh * kw * c)
    out = (cols @ w.reshape(-1, n_filters) + b).reshape(x.shape[0], out_h, out_w, n_filters)
    return out, (cols, w, xp.shape, pads, stride, out.shape)


def conv2d_backward(dout, cache):
    r"""Gradients of :func:`conv2d_forward`.

    Parameters
    ----------
    dout : array_like, shape (N, out_h, out_w, F)
    cache : tuple from :func:`conv2d_forward`

    Returns
    -------
    dx : ndarray, shape (N, H, W, C)
    dw : ndarray, shape (KH, KW, C, F)
    db : ndarray, shape (F,)

    Notes
    -----
    In im2col form ``out = cols @ W + b``, so, as for a dense layer,
    :math:`dW = \mathrm{cols}^\top dout` and :math:`db = \sum dout`.
    For ``dx`` ("col2im"), each pixel was copied into several windows; we add
    the gradients of all copies back, one kernel offset (p, q) at a time:
    :math:`dx_{n,\,si+p,\,sj+q,\,:} \mathrel{+}= dout_{n,i,j,:}\, w_{p,q}^\top`.
    """
    cols, w, padded_shape, pads, stride, out_shape = cache
    dout = as_array(dout, "dout", ndim=4)
    if dout.shape != out_shape:
        raise ValueError(f"dout has shape {dout.shape} but the layer output has shape {out_shape}")
    n_filters = out_shape[3]
    out_h, out_w = out_shape[1:3]
    kh, kw = w.shape[:2]
    dout_rows = dout.reshape(-1, n_filters)
    db = dout_rows.sum(axis=0)
    dw = (cols.T @ dout_rows).reshape(w.shape)
    dxp = np.zeros(padded_shape)
    for p in range(kh):
        for q in range(kw):
            # Kernel offset (p, q) read input rows p, p+stride, ... and columns q, q+stride, ...
            # of every window: send dout @ w[p, q].T back to exactly those pixels.
            dxp[:, p:p + stride * out_h:stride, q:q + stride * out_w:stride, :] += dout @ w[p, q].T
    (_, _), (top, bottom), (left, right), _ = pads
    dx = dxp[:, top:padded_shape[1] - bottom, left:padded_shape[2] - right, :]
    return dx, dw, db


def max_pool_forward(x, pool_size=2, stride=2):
    r"""Max pooling over square windows ('valid': windows never leave ``x``).

    Parameters
    ----------
    x : array_like, shape (N, H, W, C)
    pool_size : int >= 1, the window is pool_size x pool_size
    stride : int >= 1

    Returns
    -------
    out : ndarray, shape (N, (H - pool_size) // stride + 1, (W - pool_size) // stride + 1, C)
    cache : tuple, for :func:`max_pool_backward`

    Notes
    -----
    :math:`\mathrm{out}_{n,i,j,c} = \max_{0 \le p,q < \mathrm{pool}} x_{n,\,si+p,\,sj+q,\,c}`
    """
    x = as_array(x, "x", ndim=4)
    pool_size = check_positive_int(pool_size, "pool_size")
    stride = check_positive_int(stride, "stride")
    if pool_size > x.shape[1] or pool_size > x.shape[2]:
        raise ValueError(f"pool_size {pool_size} is larger than the image {x.shape[1:3]} "
                         f"(x shape {x.shape})")
    windows = sliding_window_view(x, (pool_size, pool_size), axis=(1, 2))[:, ::stride, ::stride]
    flat = windows.reshape(*windows.shape[:4], pool_size * pool_size)  # (N, oh, ow, C, P*P)
    argmax = flat.argmax(axis=-1)  # position inside the window; the first one on ties
    out = np.take_along_axis(flat, argmax[..., None], axis=-1)[..., 0]
    return out, (x.shape, argmax, pool_size, stride)


def max_pool_backward(dout, cache):
    r"""Gradient of :func:`max_pool_forward`.

    Each window passes its gradient only to the input that was its maximum.
    On ties, the gradient goes to the first maximum (in row-major order inside
    the window), as ``np.argmax`` picks it.

    Parameters
    ----------
    dout : array_like, shape of the pooled output
    cache : tuple from :func:`max_pool_forward`

    Returns
    -------
    dx : ndarray, shape (N, H, W, C)
    """
    x_shape, argmax, pool_size, stride = cache
    dout = as_array(dout, "dout", ndim=4)
    if dout.shape != argmax.shape:
        raise ValueError(f"dout has shape {dout.shape} but the pooled output has shape {argmax.shape}")
    n, i, j, c = np.indices(argmax.shape, sparse=True)
    rows = i * stride + argmax // pool_size
    cols = j * stride + argmax % pool_size
    dx = np.zeros(x_shape)
    np.add.at(dx, (n, rows, cols, c), dout)  # add.at: overlapping windows may share a max
    return dx
