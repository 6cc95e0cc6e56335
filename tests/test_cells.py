"""The cell registry moves the course's gated cells into Keras exactly (rnncourse/cells.py).

Each Keras layer built from course parameters is compared with the course's
equations written out here in NumPy, for one step and for a sequence.
"""

import numpy as np
import pytest

from rnncourse.activations import sigmoid
from rnncourse.cells import GRU, LSTM, SIMPLE_RNN, random_problem
from rnncourse.keras_bridge import keras_gru, keras_gru_forward, keras_lstm_forward, to_keras_sequence


def gru_step(x_t, c_prev, p, reset_after=False):
    """The course's GRU; with ``reset_after`` the reset gate multiplies the recurrent product instead."""
    n_a = c_prev.shape[0]
    stacked = np.concatenate([c_prev, x_t])
    Gamma_u = sigmoid(p["W_u"] @ stacked + p["b_u"])
    Gamma_r = sigmoid(p["W_r"] @ stacked + p["b_r"])
    W_cc, W_cx = p["W_c"][:, :n_a], p["W_c"][:, n_a:]
    if reset_after:
        c_tilde = np.tanh(W_cx @ x_t + Gamma_r * (W_cc @ c_prev) + p["b_c"])
    else:
        c_tilde = np.tanh(W_cc @ (Gamma_r * c_prev) + W_cx @ x_t + p["b_c"])
    return Gamma_u * c_tilde + (1 - Gamma_u) * c_prev


def lstm_step(x_t, a_prev, c_prev, p):
    stacked = np.concatenate([a_prev, x_t])
    Gamma_u, Gamma_f, Gamma_o = (sigmoid(p[f"W_{g}"] @ stacked + p[f"b_{g}"]) for g in "ufo")
    c_tilde = np.tanh(p["W_c"] @ stacked + p["b_c"])
    c_next = Gamma_u * c_tilde + Gamma_f * c_prev
    return Gamma_o * np.tanh(c_next), c_next


@pytest.mark.parametrize("reset_after", [False, True])
def test_one_keras_gru_step_is_the_course_gru(reset_after):
    p, x, c0 = random_problem(n_x=3, n_a=4, n_y=1, m=5, seed=0, T_x=6, cell=GRU)
    c = keras_gru_forward(x, c0, p, reset_after=reset_after)
    c_prev = c0
    for t in range(x.shape[2]):
        c_prev = gru_step(x[:, :, t], c_prev, p, reset_after)
        np.testing.assert_allclose(c[:, :, t], c_prev, atol=1e-12)


def test_reset_after_is_another_cell_with_the_same_weights():
    p, x, c0 = random_problem(n_x=3, n_a=4, n_y=1, m=5, seed=1, T_x=4, cell=GRU)
    assert not np.allclose(keras_gru_forward(x, c0, p), keras_gru_forward(x, c0, p, reset_after=True), atol=1e-3)


def test_keras_update_gate_is_one_minus_the_course_one():
    """A large b_u makes the course's Gamma_u = 1 (c = c_tilde): Keras' z, the negated gate, is then 0."""
    p, x, c0 = random_problem(n_x=2, n_a=3, n_y=1, m=4, seed=2, T_x=1, cell=GRU)
    p = {**p, "W_u": 0 * p["W_u"], "b_u": np.full_like(p["b_u"], 40.0)}
    kernel, recurrent_kernel, bias = GRU.keras_weights(p)
    np.testing.assert_array_equal(bias[:3], -40.0)  # z block first, negated
    c = keras_gru_forward(x, c0, p)[:, :, 0]
    stacked = np.concatenate([sigmoid(p["W_r"] @ np.concatenate([c0, x[:, :, 0]]) + p["b_r"]) * c0, x[:, :, 0]])
    np.testing.assert_allclose(c, np.tanh(p["W_c"] @ stacked + p["b_c"]), atol=1e-12)


def test_one_keras_lstm_step_is_the_course_lstm():
    p, x, a0 = random_problem(n_x=3, n_a=4, n_y=1, m=5, seed=3, T_x=6, cell=LSTM)
    c0 = np.random.default_rng(4).standard_normal(a0.shape)
    a, c_last = keras_lstm_forward(x, a0, p, c0)
    a_prev, c_prev = a0, c0
    for t in range(x.shape[2]):
        a_prev, c_prev = lstm_step(x[:, :, t], a_prev, c_prev, p)
        np.testing.assert_allclose(a[:, :, t], a_prev, atol=1e-12)
    np.testing.assert_allclose(c_last, c_prev, atol=1e-12)


@pytest.mark.parametrize("cell, reset_after", [(SIMPLE_RNN, False), (GRU, False), (GRU, True), (LSTM, False)])
def test_course_parameters_invert_keras_weights(cell, reset_after):
    p = cell.random_parameters(3, 5, np.random.default_rng(5))
    back = cell.course_parameters(cell.keras_weights(p, reset_after))
    for name, value in p.items():
        np.testing.assert_array_equal(back[name], value)
    if reset_after:
        assert all(np.all(back[f"b_{g}_recurrent"] == 0) for g in cell.keras_gates)


@pytest.mark.parametrize("cell, reset_after", [(SIMPLE_RNN, False), (GRU, False), (GRU, True), (LSTM, False)])
def test_count_params_is_keras_count(cell, reset_after):
    import keras

    n_x, n_a = 16, 32
    options = {"reset_after": reset_after} if cell is GRU else {}
    layer = getattr(keras.layers, cell.keras_layer)(n_a, **options)
    layer.build((None, None, n_x))
    assert layer.count_params() == cell.count_params(n_x, n_a, bias_vectors=2 if reset_after else 1)


def test_keras_gru_layer_has_the_course_shapes():
    p = GRU.random_parameters(2, 3, np.random.default_rng(6))
    layer = keras_gru(p, return_sequences=True)
    kernel, recurrent_kernel, bias = layer.get_weights()
    assert kernel.shape == (2, 9) and recurrent_kernel.shape == (3, 9) and bias.shape == (9,)
    assert layer(to_keras_sequence(np.zeros((2, 1, 4)))).shape == (1, 4, 3)
