import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st

from lessons_lib import attention_backward, attention_forward, numerical_gradient, relative_error

rng = np.random.default_rng(5)


def random_qkv(batch=(2,), tq=3, tk=4, d=5, dv=2):
    return (rng.normal(size=(*batch, tq, d)), rng.normal(size=(*batch, tk, d)),
            rng.normal(size=(*batch, tk, dv)))


def causal_mask(t):
    return np.tril(np.ones((t, t), dtype=bool))  # query i may attend to keys 0..i


def tf_attention(q, k, v, mask):
    scores = tf.matmul(q, k, transpose_b=True) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = tf.where(mask, scores, tf.constant(-np.inf, tf.float64))
    return tf.matmul(tf.nn.softmax(scores, axis=-1), v)


@pytest.mark.parametrize("with_mask", [False, True])
def test_attention_matches_tensorflow(with_mask):
    q, k, v = random_qkv(batch=(2, 3), tq=4, tk=4)
    mask = causal_mask(4) if with_mask else None
    out, cache = attention_forward(q, k, v, mask)
    dout = rng.normal(size=out.shape)
    tensors = [tf.constant(a) for a in (q, k, v)]
    with tf.GradientTape() as tape:
        tape.watch(tensors)
        tf_out = tf_attention(*tensors, mask)
        loss = tf.reduce_sum(tf_out * dout)
    np.testing.assert_allclose(out, tf_out.numpy(), rtol=1e-12, atol=1e-14)
    for ours, theirs in zip(attention_backward(dout, cache), tape.gradient(loss, tensors)):
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-10, atol=1e-14)


def test_attention_backward_with_mask_matches_numerical_gradient(numeric_grads):
    q, k, v = random_qkv(batch=(2,), tq=3, tk=4)
    mask = np.array([[True, False, True, True], [False, True, False, False], [True, True, True, False]])
    out, cache = attention_forward(q, k, v, mask)
    dout = rng.normal(size=out.shape)
    numeric = numeric_grads(lambda q, k, v: attention_forward(q, k, v, mask), (q, k, v), dout, eps=1e-5)
    for ours, num in zip(attention_backward(dout, cache), numeric):
        assert relative_error(ours, num) < 1e-7


def test_self_attention_gradient_is_the_sum_of_the_three():
    x = rng.normal(size=(5, 3))
    out, cache = attention_forward(x, x, x, causal_mask(5))
    dout = rng.normal(size=out.shape)
    dq, dk, dv = attention_backward(dout, cache)
    numeric = numerical_gradient(lambda a: np.sum(attention_forward(a, a, a, causal_mask(5))[0] * dout), x, eps=1e-5)
    assert relative_error(dq + dk + dv, numeric) < 1e-7


def test_masked_keys_are_ignored():
    q, k, v = random_qkv(batch=(), tq=4, tk=4)
    out, _ = attention_forward(q, k, v, causal_mask(4))
    v_future_changed = v.copy()
    v_future_changed[3] += 100.0  # only query 3 may see key 3
    out2, _ = attention_forward(q, k, v_future_changed, causal_mask(4))
    np.testing.assert_allclose(out[:3], out2[:3], rtol=1e-14)
    assert not np.allclose(out[3], out2[3])
    np.testing.assert_allclose(out[0], v[0], rtol=1e-14)  # query 0 sees only key 0


@settings(max_examples=30, deadline=None, derandomize=True)
@given(st.integers(1, 3), st.integers(1, 5), st.integers(1, 5), st.integers(1, 4), st.integers(1, 3),
       st.floats(0.1, 100), st.integers(0, 2**32 - 1))
def test_output_is_a_weighted_average_of_values(b, tq, tk, d, dv, scale, seed):
    r = np.random.default_rng(seed)
    q, k, v = r.normal(size=(b, tq, d)) * scale, r.normal(size=(b, tk, d)) * scale, r.normal(size=(b, tk, dv))
    mask = r.random((tq, tk)) < 0.6
    mask[:, 0] = True  # every query may see at least one key
    out, cache = attention_forward(q, k, v, mask)
    weights = cache[3]
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0, rtol=1e-12)
    assert np.all(weights[:, ~mask] == 0)
    assert np.all(out <= v.max(axis=1, keepdims=True) + 1e-12)
    assert np.all(out >= v.min(axis=1, keepdims=True) - 1e-12)


def test_attention_errors():
    q, k, v = random_qkv(batch=(2,), tq=3, tk=4, d=5, dv=2)
    with pytest.raises(ValueError, match=r"q has d=5 \(shape \(2, 3, 5\)\) but k has d=6 \(shape \(2, 4, 6\)\)"):
        attention_forward(q, np.zeros((2, 4, 6)), v)
    with pytest.raises(ValueError, match=r"k has 4 keys \(shape \(2, 4, 5\)\) but v has 3 values"):
        attention_forward(q, k, np.zeros((2, 3, 2)))
    with pytest.raises(ValueError, match="must have the same leading axes"):
        attention_forward(q, k, v[:1])
    with pytest.raises(ValueError, match="need at least 2 axes"):
        attention_forward(np.zeros(5), k, v)
    with pytest.raises(ValueError, match="mask must be boolean"):
        attention_forward(q, k, v, mask=np.ones((3, 4)))
    with pytest.raises(ValueError, match=r"mask of shape \(4, 3\) cannot be broadcast .* \(2, 3, 4\)"):
        attention_forward(q, k, v, mask=np.ones((4, 3), dtype=bool))
    mask = np.ones((3, 4), dtype=bool)
    mask[2] = False  # query 2 may attend to nothing
    with pytest.raises(ValueError, match="mask has a query row that is all False"):
        attention_forward(q, k, v, mask)
    k[1, 2, 3] = np.nan
    with pytest.raises(ValueError, match="k contains 1 NaN"):
        attention_forward(q, k, v)
    _, cache = attention_forward(q, q, v[:, :3])
    with pytest.raises(ValueError, match=r"dout has shape \(2, 3, 5\) but the attention output has shape \(2, 3, 2\)"):
        attention_backward(np.zeros((2, 3, 5)), cache)
