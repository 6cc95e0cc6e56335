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


def test_keras_count_of_the_default_gru_has_two_bias_vectors():
    """Keras' default GRU (reset_after=True); the stacks below count the course's cell (reset_after=False)."""
    assert GRU.keras_count_params(16, 32) == GRU.count_params(16, 32, GRU.keras_bias_vectors)


@pytest.mark.parametrize("cell", [GRU, LSTM], ids=lambda cell: cell.name)
def test_the_cache_a_backward_check_hands_out_is_the_cells_step(cell):
    """The collect halves of chapters 7-8 write one step again (the sandbox hides the cells' steps): same values."""
    from rnncourse.grading import ch07_gru, ch08_lstm

    rng = np.random.default_rng(7)
    p, x_t, a_prev, c_prev = cell.random_parameters(3, 4, rng), *(rng.standard_normal(s) for s in [(3, 5), (4, 5), (4, 5)])
    if cell is GRU:
        (c_next,), gates = GRU.step_with_gates(x_t, (a_prev,), p)
        cache = ch07_gru._forward_cache(x_t, a_prev, p)
        expected = (c_next, a_prev, x_t, gates["Gamma_u"], gates["Gamma_r"], gates["c_tilde"])
    else:
        (a_next, c_next), gates = LSTM.step_with_gates(x_t, (a_prev, c_prev), p)
        cache = ch08_lstm._forward_cache(x_t, a_prev, c_prev, p)
        expected = (a_next, c_next, a_prev, c_prev, *(gates[g] for g in ("Gamma_f", "Gamma_u", "c_tilde", "Gamma_o")),
                    x_t)
    for item, value in zip(cache, expected):
        np.testing.assert_allclose(item, value, atol=1e-15)
    assert cache[-1] is p


def test_keras_gru_layer_has_the_course_shapes():
    p = GRU.random_parameters(2, 3, np.random.default_rng(6))
    layer = keras_gru(p, return_sequences=True)
    kernel, recurrent_kernel, bias = layer.get_weights()
    assert kernel.shape == (2, 9) and recurrent_kernel.shape == (3, 9) and bias.shape == (9,)
    assert layer(to_keras_sequence(np.zeros((2, 1, 4)))).shape == (1, 4, 3)


# ---- chapters 9 and 10: both directions and stacked layers --------------------------------------

from rnncourse.cells import (CELLS, MERGE_MODES, bidirectional_forward, deep_forward,  # noqa: E402
                             stack_count_params)
from rnncourse.keras_bridge import keras_bidirectional_forward, keras_deep_forward, keras_stack  # noqa: E402


@pytest.mark.parametrize("cell", [SIMPLE_RNN, GRU, LSTM], ids=lambda cell: cell.name)
def test_numpy_cells_are_the_keras_cells(cell):
    rng = np.random.default_rng(10)
    p, x, a0 = cell.random_parameters(3, 4, rng), rng.standard_normal((3, 5, 6)), rng.standard_normal((4, 5))
    layer = cell.build_keras_layer(p, return_sequences=True)
    expected = np.asarray(layer(to_keras_sequence(x), initial_state=[s.T for s in cell.initial_state(a0)]))
    np.testing.assert_allclose(cell.forward(x, a0, p), np.transpose(expected, (2, 0, 1)), atol=1e-12)


@pytest.mark.parametrize("merge_mode", MERGE_MODES)
@pytest.mark.parametrize("cell", [SIMPLE_RNN, GRU, LSTM], ids=lambda cell: cell.name)
def test_bidirectional_forward_is_keras_bidirectional(cell, merge_mode):
    rng = np.random.default_rng(11)
    p_fwd, p_bwd = cell.random_parameters(3, 4, rng), cell.random_parameters(3, 4, rng)
    x, a0_fwd, a0_bwd = rng.standard_normal((3, 2, 5)), rng.standard_normal((4, 2)), rng.standard_normal((4, 2))
    numpy = bidirectional_forward(cell, x, a0_fwd, a0_bwd, p_fwd, p_bwd, merge_mode)
    assert numpy.shape == ((8 if merge_mode == "concat" else 4), 2, 5)
    np.testing.assert_allclose(numpy, keras_bidirectional_forward(cell, x, a0_fwd, a0_bwd, p_fwd, p_bwd, merge_mode),
                               atol=1e-12)


def test_backward_direction_sees_the_future_only():
    """a_bwd<t> depends on x<t..T_x>: changing the last input changes every backward state, no forward one."""
    rng = np.random.default_rng(12)
    p_fwd, p_bwd = LSTM.random_parameters(2, 3, rng), LSTM.random_parameters(2, 3, rng)
    x, a0 = rng.standard_normal((2, 1, 4)), np.zeros((3, 1))
    changed = x.copy()
    changed[:, :, -1] += 1.0
    before, after = (bidirectional_forward(LSTM, v, a0, a0, p_fwd, p_bwd) for v in (x, changed))
    np.testing.assert_array_equal(before[:3, :, :-1], after[:3, :, :-1])
    assert np.all(np.abs(before[3:] - after[3:]).max(axis=0) > 0)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_deep_forward_is_stacked_keras_layers(bidirectional):
    rng = np.random.default_rng(13)
    cells, units, n_x = [LSTM, GRU, SIMPLE_RNN], [4, 3, 2], 3
    inputs = [n_x] + [(2 if bidirectional else 1) * n for n in units[:-1]]
    parameters, a0 = [], []
    for cell, n_in, n_a in zip(cells, inputs, units):
        if bidirectional:
            parameters.append((cell.random_parameters(n_in, n_a, rng), cell.random_parameters(n_in, n_a, rng)))
            a0.append((rng.standard_normal((n_a, 2)), rng.standard_normal((n_a, 2))))
        else:
            parameters.append(cell.random_parameters(n_in, n_a, rng))
            a0.append(rng.standard_normal((n_a, 2)))
    x = rng.standard_normal((n_x, 2, 5))
    numpy = deep_forward(cells, x, a0, parameters, bidirectional)
    keras_states = keras_deep_forward(cells, x, a0, parameters, bidirectional)
    assert [a.shape[0] for a in numpy] == [(2 if bidirectional else 1) * n for n in units]
    for a, b in zip(numpy, keras_states):
        np.testing.assert_allclose(a, b, atol=1e-12)


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("cell", [SIMPLE_RNN, GRU, LSTM], ids=lambda cell: cell.name)
def test_stack_count_params_is_keras_count(cell, bidirectional):
    import keras

    rng = np.random.default_rng(14)
    units = [5, 3, 2]
    parameters = [(p, p) if bidirectional else p for p in
                  (cell.random_parameters(n_in, n_a, rng) for n_in, n_a in
                   zip([7, *((2 if bidirectional else 1) * n for n in units[:-1])], units))]
    layers = keras_stack([cell] * 3, parameters, bidirectional, return_sequences=False)
    model = keras.Sequential([keras.Input((None, 7)), *layers])
    assert [layer.count_params() for layer in model.layers] == stack_count_params(cell, 7, units, bidirectional)


def test_syllabus_stacked_imdb_counts():
    assert stack_count_params(LSTM, 64, [64, 32], bidirectional=True) == [66_048, 41_216]
    assert stack_count_params(GRU, 16, [32], bidirectional=True, bias_vectors=GRU.keras_bias_vectors) == [9_600]
