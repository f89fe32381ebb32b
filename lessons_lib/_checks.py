"""Input checks shared by every public function of lessons_lib.

Each check raises ``ValueError`` with a message that names the argument and
the shapes or values at fault, so that a wrong input never gives a silently
wrong answer.
"""
import numpy as np


def as_array(x, name, ndim=None, dtype=np.float64):
    """Return ``x`` as a finite float array, checking its number of axes.

    Parameters
    ----------
    x : array_like
    name : str
        The argument's name, used in error messages.
    ndim : int or tuple of int, optional
        Allowed number(s) of axes.
    dtype : numpy dtype
        The dtype to convert to (float64 by default).
    """
    try:
        arr = np.asarray(x, dtype=dtype)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} must be numeric, got {type(x).__name__}: {err}") from None
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(str(n) for n in allowed)
            raise ValueError(f"{name} must have {want} axes, got shape {arr.shape}")
    if np.issubdtype(arr.dtype, np.floating) and not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name} contains {bad} NaN or inf value(s)")
    return arr


def as_int_array(x, name, ndim=1, low=None, high=None):
    """Return ``x`` as an integer array with values in ``[low, high)``."""
    arr = np.asarray(x)
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr)):
            raise ValueError(f"{name} must hold integers, got non-integer values")
        arr = arr.astype(np.int64)
    elif arr.dtype.kind not in "iu":
        raise ValueError(f"{name} must hold integers, got dtype {arr.dtype}")
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} axes, got shape {arr.shape}")
    if arr.size and low is not None and arr.min() < low:
        raise ValueError(f"{name} has value {arr.min()} below the allowed minimum {low}")
    if arr.size and high is not None and arr.max() >= high:
        raise ValueError(f"{name} has value {arr.max()} out of range: must be < {high}")
    return arr.astype(np.int64, copy=False)


def check_same_shape(a, b, name_a, name_b):
    """Raise ValueError unless ``a`` and ``b`` have exactly the same shape."""
    if a.shape != b.shape:
        raise ValueError(f"{name_a} has shape {a.shape} but {name_b} has shape {b.shape}; "
                         "they must match")


def check_choice(value, name, choices):
    """Raise ValueError unless ``value`` is one of ``choices``, listing them."""
    if value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"unknown {name} {value!r}; choose one of {listed}")
    return value


def check_positive_int(value, name):
    """Raise ValueError unless ``value`` is an integer >= 1."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)
