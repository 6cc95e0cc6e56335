"""The course layout and Keras' layout describe the same network."""

import numpy as np

from rnncourse.activations import softmax
from rnncourse.keras_bridge import from_keras_sequence, keras_rnn_forward, to_keras_sequence


def test_sequence_layouts_round_trip():
    x = np.arange(2 * 3 * 4).reshape(2, 3, 4)  # (n_x, m, T_x)
    x_keras = to_keras_sequence(x)
    assert x_keras.shape == (3, 4, 2)
    assert x_keras[1, 2, 0] == x[0, 1, 2]
    assert np.array_equal(from_keras_sequence(x_keras), x)


def test_keras_forward_is_the_course_recurrence():
    rng = np.random.default_rng(0)
    n_x, n_a, n_y, m, T_x = 3, 4, 2, 5, 6
    p = {"W_ax": rng.normal(size=(n_a, n_x)), "W_aa": rng.normal(size=(n_a, n_a)),
         "W_ya": rng.normal(size=(n_y, n_a)), "b_a": rng.normal(size=(n_a, 1)), "b_y": rng.normal(size=(n_y, 1))}
    x, a0 = rng.normal(size=(n_x, m, T_x)), rng.normal(size=(n_a, m))
    a, y_hat = keras_rnn_forward(x, a0, p)
    a_prev = a0
    for t in range(T_x):
        a_prev = np.tanh(p["W_aa"] @ a_prev + p["W_ax"] @ x[:, :, t] + p["b_a"])
        np.testing.assert_allclose(a[:, :, t], a_prev, atol=1e-12)
        np.testing.assert_allclose(y_hat[:, :, t], softmax(p["W_ya"] @ a_prev + p["b_y"]), atol=1e-12)
