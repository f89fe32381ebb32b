"""lessons_lib: the small NumPy library behind the deep-learning book.

Forward and backward passes written by hand (batches in rows, Keras layouts,
float64), checked against numerical gradients and TensorFlow in ``tests/``.
"""
from .activations import (relu, relu_backward, relu_forward, sigmoid, sigmoid_backward,
                          sigmoid_forward, softmax, tanh, tanh_backward, tanh_forward)
from .attention import attention_backward, attention_forward
from .conv import (conv2d_backward, conv2d_forward, conv2d_loop, convolve2d, correlate2d,
                   max_pool_backward, max_pool_forward)
from .dense import binary_cross_entropy, dense_backward, dense_forward, mse, softmax_cross_entropy
from .gradcheck import numerical_gradient, relative_error
from .mlp import MLP
from .optim import adam_step, momentum_step, sgd_step
from .recsys import MatrixFactorization, ImplicitALS, rmse, precision_at_k, recall_at_k, ndcg_at_k
