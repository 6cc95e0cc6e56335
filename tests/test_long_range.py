"""The long-range experiment of chapters 6-8 (rnncourse/long_range.py): its gate biases, its NumPy reading of a
trained model, and the stored results the pages read."""

import numpy as np
import pytest

from rnncourse import long_range
from rnncourse.activations import sigmoid
from rnncourse.data import agreement_task


@pytest.mark.parametrize("layer", ["GRU", "LSTM"])
def test_chrono_biases_start_each_unit_keeping_its_memory_for_up_to_the_sentence(layer):
    n_a, T_x = 50, 102
    bias = long_range.carry_biases(layer, np.zeros(4 * n_a), n_a, T_x, np.random.default_rng(0))
    keep = sigmoid(bias[:n_a] if layer == "GRU" else bias[n_a:2 * n_a])  # Keras' z, or the forget gate
    # A unit that keeps a share f of its memory forgets on a time scale of 1 / (1 - f) = 1 + u, u in [1, T_x - 1].
    scales = 1 / (1 - keep)
    assert scales.min() >= 2 - 1e-9 and scales.max() <= T_x + 1e-9 and scales.max() > T_x / 2
    if layer == "LSTM":  # the update (input) gate starts as the forget gate's complement
        assert np.allclose(bias[:n_a], -bias[n_a:2 * n_a])
        assert np.all(bias[2 * n_a:] == 0)
    else:  # the reset gate and the candidate keep Keras' zeros
        assert np.all(bias[n_a:] == 0)


def test_the_simple_rnn_has_no_gates_to_start():
    with pytest.raises(ValueError, match="no gates"):
        long_range.carry_biases("SimpleRNN", np.zeros(8), 8, 10, np.random.default_rng(0))


@pytest.mark.parametrize("layer", ["GRU", "LSTM"])
def test_gate_trace_reads_a_keras_model_as_the_course_cell_computes_it(layer):
    model = long_range.agreement_model(layer, n_a=6, init="chrono", T_x=9, seed=3)
    tokens, _ = agreement_task(5, 7, seed=4)
    gates, memory = long_range.gate_trace(model, tokens)
    a_last = np.asarray(model.layers[1](model.layers[0](tokens)))  # (m, n_a)
    if layer == "GRU":
        assert set(gates) == {"Gamma_u", "Gamma_r", "c_tilde"}
        a_numpy = memory[-1]
    else:
        assert set(gates) == {"Gamma_u", "Gamma_f", "Gamma_o", "c_tilde"}
        a_numpy = gates["Gamma_o"][-1] * np.tanh(memory[-1])
    assert memory.shape == (9, 6, 5) and all(g.shape == (9, 6, 5) for g in gates.values())
    np.testing.assert_allclose(a_numpy.T, a_last, atol=1e-5)


def test_the_carrier_is_the_unit_that_tells_the_labels_apart_at_every_step():
    rng = np.random.default_rng(0)
    y = np.arange(40) % 2
    memory = rng.standard_normal((6, 3, 40))  # (T_x, n_a, m): unit 0 noise
    memory[1:, 1] += 3 * y                    # unit 1 knows the label from the noun on
    memory[-1, 2] += 30 * y                   # unit 2 only at the end, very clearly
    assert long_range.carrier_unit(memory, y) == 1
    assert long_range.separation(memory[-1, 2], y) > long_range.separation(memory[-1, 1], y)


def test_the_committed_sweep_is_a_full_run_with_its_provenance():
    results = long_range.load_results()
    assert not results["short"] and results["command"] == "python -m rnncourse.experiments long_range"
    assert {"commit", "date", "tensorflow", "keras", "numpy", "cpu_count", "load_average_at_start"} <= set(
        results["environment"])
    expected = {(cell, init, lag, seed) for cell, init in long_range.configurations()
                for lag in long_range.LAGS for seed in long_range.SEEDS}
    runs = results["runs"]
    assert {(run["cell"], run["init"], run["lag"], run["seed"]) for run in runs} == expected and len(runs) == len(expected)
    for run in runs:
        assert 1 <= run["epochs"] <= results["settings"]["epochs"] and run["seconds"] > 0
        assert 0 <= run["test_accuracy"] <= 1 and run["n_a"] == long_range.UNITS[run["cell"]]
        assert ("gradient_after" in run) == (run["lag"] == results["gradients"]["lag"])
    profiles = results["gradients"]["profiles"]
    assert {(p["cell"], p["init"], p["seed"]) for p in profiles} == {
        (cell, init, seed) for cell, init in long_range.configurations() for seed in long_range.SEEDS}
    assert all(len(p["norms"]) == results["gradients"]["lag"] + 2 for p in profiles)
