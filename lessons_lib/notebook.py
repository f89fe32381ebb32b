"""Set-up helpers for the book's notebooks: seeds, and a quiet TensorFlow.

Every chapter's first code cell calls one of these, so that a notebook gives
the same outputs in a fresh kernel on any machine (nbval compares them).
"""
import contextlib
import os
import random

import numpy as np


def seed_everything(seed=0):
    """Seed Python's and NumPy's global generators; return a NumPy Generator.

    Prefer the returned ``np.random.Generator`` in new code; the global seeds
    are for libraries that still draw from the legacy global state.
    """
    random.seed(seed)
    np.random.seed(seed)
    return np.random.default_rng(seed)


@contextlib.contextmanager
def _silence_fd2():
    """Send file descriptor 2 (the process's C-level stderr) to /dev/null.

    TensorFlow's C++ start-up lines (absl, oneDNN, CUDA probes) are written
    straight to fd 2 with timestamps; ``sys.stderr`` redirection cannot catch
    them, and a Jupyter kernel would forward them into the notebook.
    """
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(devnull)
        os.close(saved)


def import_tensorflow(seed=0):
    """Import TensorFlow without its C++ start-up noise, seeded and deterministic.

    Sets ``keras.utils.set_random_seed(seed)`` (Python, NumPy and TF seeds)
    and turns on op determinism, so that training gives bit-identical weights
    from run to run on the CPU. Returns the ``tensorflow`` module.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    with _silence_fd2():
        import tensorflow as tf
        tf.constant(0.0) + 1.0  # the first op probes for a GPU and logs about it
    tf.keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    return tf
