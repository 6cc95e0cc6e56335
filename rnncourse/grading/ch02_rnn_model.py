"""Checks for chapter 2: the RNN forward pass in NumPy, and a SimpleRNN on Fibonacci windows.

Each check is a ``Check(title, collect, judge)`` (see ``question.py``): ``collect``
runs the student's code on a case and returns plain data, ``judge`` compares
them with values from Keras layers holding the same weights
(``keras_bridge.keras_rnn_forward``), so the NumPy half is checked against the
TensorFlow half. Probes that isolate one term of the equations (the other
weights set to zero) let a failure name that term.
"""

import math

import numpy as np

from rnncourse.activations import sigmoid, softmax
from rnncourse.cells import SIMPLE_RNN, random_problem
from rnncourse.grading.checks import (
    assert_close,
    assert_count_params,
    assert_returns,
    assert_shape,
    describe_model,
    layers_of,
)
from rnncourse.grading.loops import Loop, collect_loop, judge_loop, run_cell
from rnncourse.grading.question import Check, Mistake, diagnose
from rnncourse.keras_bridge import keras_rnn_forward

# A float64 forward pass agrees with Keras (also run in float64) to about 1e-15.
ATOL = 1e-8

# The probes of one step: each keeps one term of a_next and zeroes the others' weights.
PROBES = {
    "only_bias": ("W_aa", "W_ax"),
    "only_input": ("W_aa", "b_a"),
    "only_recurrence": ("W_ax", "b_a"),
    "without_b_y": ("b_y",),
}


def _zeroed(parameters, *names):
    return {key: np.zeros_like(value) if key in names else value for key, value in parameters.items()}


def _keras_cell(x_t, a_prev, parameters):
    """One step computed by Keras: (a_next, y_hat_t)."""
    a, y_hat = keras_rnn_forward(x_t[:, :, None], a_prev, parameters)
    return a[:, :, 0], y_hat[:, :, 0]


# ---- 1.1 One time step --------------------------------------------------------------------


def collect_rnn_cell_forward(rnn_cell_forward, n_x, n_a, n_y, m, seed, T_x=None):
    parameters, x_t, a_prev = random_problem(n_x, n_a, n_y, m, seed, T_x)
    if T_x is not None:  # a hidden case: the cell over a whole sequence, run by the course's loop
        return run_cell(LOOP, rnn_cell_forward, x_t, a_prev, parameters)
    result = rnn_cell_forward(x_t, a_prev, parameters)
    data = {"returned": len(result) if isinstance(result, (tuple, list)) else type(result).__name__}
    if data["returned"] != 3:
        return data
    a_next, y_hat_t, cache = result
    data.update(a_next=np.asarray(a_next, dtype=float), y_hat_t=np.asarray(y_hat_t, dtype=float))
    for probe, zeroed in PROBES.items():
        a_probe, y_probe, _ = rnn_cell_forward(x_t, a_prev, _zeroed(parameters, *zeroed))
        data[probe] = {"a_next": np.asarray(a_probe, dtype=float), "y_hat_t": np.asarray(y_probe, dtype=float)}
    cache_ok = isinstance(cache, (tuple, list)) and len(cache) == 4
    data["cache"] = [np.asarray(item, dtype=float) for item in cache[:3]] if cache_ok else None
    data["cache_holds_parameters"] = bool(cache_ok and cache[3] is parameters)
    return data


def _state_mistakes(zeroed):
    """Wrong formulas for a_next, as the probe with ``zeroed`` weights would show them."""
    def value(formula):
        return lambda problem: formula(*problem, _zeroed(problem[2], *zeroed))

    return [
        Mistake("a_next is 0 when W_aa and W_ax are 0: add the bias b_a of the state equation (1.1).",
                value(lambda x_t, a_prev, _, p: np.zeros_like(np.tanh(p["W_aa"] @ a_prev + p["W_ax"] @ x_t + p["b_a"])))),
        Mistake("a_next looks like a sigmoid: the state equation of 1.1 uses tanh.",
                value(lambda x_t, a_prev, _, p: sigmoid(p["W_aa"] @ a_prev + p["W_ax"] @ x_t + p["b_a"]))),
        Mistake("a_next looks like a relu: the state equation of 1.1 uses tanh.",
                value(lambda x_t, a_prev, _, p: np.maximum(0, p["W_aa"] @ a_prev + p["W_ax"] @ x_t + p["b_a"]))),
        Mistake("a_next uses W_aa.T: in the state equation (1.1) W_aa multiplies a_prev as it is, not transposed.",
                value(lambda x_t, a_prev, _, p: np.tanh(p["W_aa"].T @ a_prev + p["W_ax"] @ x_t + p["b_a"]))),
        Mistake("a_next ignores b_a: add the bias b_a of the state equation (1.1).",
                value(lambda x_t, a_prev, _, p: np.tanh(p["W_aa"] @ a_prev + p["W_ax"] @ x_t))),
    ]


OUTPUT_MISTAKES = [
    Mistake("y_hat_t ignores b_y: the output equation of 1.1 adds the bias b_y inside the softmax.",
            lambda problem: softmax(problem[2]["W_ya"] @ problem[3] + 0 * problem[2]["b_y"])),
    Mistake("y_hat_t is computed from a_prev: the output equation of 1.1 reads the new state a_next.",
            lambda problem: softmax(problem[2]["W_ya"] @ problem[1] + problem[2]["b_y"])),
]

PROBE_HINTS = {
    "only_bias": "With W_aa = W_ax = 0 only the bias term is left: check how b_a enters the state equation (1.1).",
    "only_input": "With W_aa = 0 and b_a = 0 only the input term is left: check it against the state equation (1.1).",
    "only_recurrence": "With W_ax = 0 and b_a = 0 only the recurrent term is left: check it against the state equation (1.1).",
}


# The loop of 1.2; its hidden cases run the student's cell over a sequence with it.
LOOP = Loop("rnn_forward", "rnn_cell_forward", outputs=("a", "y_hat"))


def _judge_sequence(data, x, a0, parameters):
    """The cell over T_x steps from a0 against Keras' SimpleRNN and Dense(softmax) with the same weights."""
    expected_a, expected_y = keras_rnn_forward(x, a0, parameters)
    T_x = x.shape[2]
    assert_close("a", data["a"], expected_a, ATOL,
                 hint=f"rnn_cell_forward run over {T_x} steps from a0 gives other states than Keras' SimpleRNN.")
    assert_close("y_hat", data["y_hat"], expected_y, ATOL,
                 hint=f"rnn_cell_forward run over {T_x} steps gives other predictions than Keras' Dense(softmax).")


def judge_rnn_cell_forward(data, n_x, n_a, n_y, m, seed, T_x=None):
    parameters, x_t, a_prev = random_problem(n_x, n_a, n_y, m, seed, T_x)
    if T_x is not None:
        _judge_sequence(data, x_t, a_prev, parameters)
        return
    assert data["returned"] == 3, f"rnn_cell_forward should return 3 values (a_next, y_hat_t, cache), got {data['returned']}."
    assert_shape("a_next", data["a_next"], (n_a, m))
    assert_shape("y_hat_t", data["y_hat_t"], (n_y, m))

    # One term of a_next at a time, so that a failure says which term is wrong.
    for probe, hint in PROBE_HINTS.items():
        expected, _ = _keras_cell(x_t, a_prev, _zeroed(parameters, *PROBES[probe]))
        diagnose("a_next", data[probe]["a_next"], expected, (x_t, a_prev, parameters), _state_mistakes(PROBES[probe]),
                 ATOL, hint)

    expected_a, expected_y = _keras_cell(x_t, a_prev, parameters)
    diagnose("a_next", data["a_next"], expected_a, (x_t, a_prev, parameters), _state_mistakes(()), ATOL,
             "Each term is right alone; check how they are combined.")
    assert_close("y_hat_t", np.sum(data["y_hat_t"], axis=0), np.ones(m), ATOL,
                 hint="Each column of y_hat_t is a softmax distribution over the n_y classes and sums to 1.")
    diagnose("y_hat_t", data["y_hat_t"], expected_y, (x_t, a_prev, parameters, expected_a), OUTPUT_MISTAKES, ATOL,
             "Compare y_hat_t with the output equation of 1.1: its weights, its state and its bias.")
    _, expected_without_b_y = _keras_cell(x_t, a_prev, _zeroed(parameters, "b_y"))
    assert_close("y_hat_t", data["without_b_y"]["y_hat_t"], expected_without_b_y, ATOL,
                 hint="With b_y = 0 y_hat_t is still wrong: check the weights and the state of the output equation (1.1).")

    assert data["cache"] is not None, "The cache should be the tuple (a_next, a_prev, x_t, parameters)."
    for name, item, value in zip(("a_next", "a_prev", "x_t"), data["cache"], (expected_a, a_prev, x_t)):
        assert_close(f"cache item {name}", item, value, ATOL, hint="The cache is (a_next, a_prev, x_t, parameters).")
    assert data["cache_holds_parameters"], "The last item of the cache should be the `parameters` dictionary."


rnn_cell_forward = Check("rnn_cell_forward", collect_rnn_cell_forward, judge_rnn_cell_forward)


# ---- 1.2 The loop ---------------------------------------------------------------------------


def collect_rnn_forward(rnn_forward, n_x, n_a, n_y, m, T_x, seed):
    parameters, x, a0 = random_problem(n_x, n_a, n_y, m, seed, T_x)
    return collect_loop(LOOP, rnn_forward, x, a0, parameters, (n_a, n_y))


def judge_rnn_forward(data, n_x, n_a, n_y, m, T_x, seed):
    _, x, a0 = random_problem(n_x, n_a, n_y, m, seed, T_x)
    judge_loop(LOOP, data, x, a0, (n_a, n_y))


rnn_forward = Check("rnn_forward", collect_rnn_forward, judge_rnn_forward)


# ---- 2.1 The Keras model ----------------------------------------------------------------------


def collect_model_parameters(build_fibonacci_model, n_units, window_size):
    return describe_model(build_fibonacci_model(n_units=n_units, window_size=window_size))


def _the_simple_rnn(description):
    layers = layers_of(description, "SimpleRNN")
    assert len(layers) == 1, f"The model should have exactly one SimpleRNN layer; it has {len(layers)}."
    return layers[0]


def judge_model_parameters(data, n_units, window_size):
    rnn = _the_simple_rnn(data)
    n_a, n_x = n_units, 1
    assert rnn["units"] == n_a, f"The SimpleRNN has {rnn['units']} units; it should have n_units = {n_a}."
    assert rnn["activation"] == "tanh", (
        f"The SimpleRNN uses the activation {rnn['activation']!r}: keep its default, tanh, the g of the equations.")
    assert not rnn["go_backwards"], "The SimpleRNN reads the window backwards (go_backwards=True): read it forwards."
    rnn_count = SIMPLE_RNN.count_params(n_x, n_a)
    assert_count_params(f"SimpleRNN({n_a}) on {n_x} feature", rnn["params"], rnn_count, SIMPLE_RNN.count_formula(n_x, n_a))
    dense_count = n_a * 1 + 1
    assert_count_params("The model", data["params"], rnn_count + dense_count,
                        f"{rnn_count} (SimpleRNN) + {dense_count} (Dense(1): n_a weights and 1 bias)")


model_parameters = Check("model layers and parameters", collect_model_parameters, judge_model_parameters)


def collect_model_output_shapes(build_fibonacci_model, n_units, window_size, batch):
    windows = np.zeros((batch, window_size), dtype="float32")
    to_vector = build_fibonacci_model(n_units=n_units, window_size=window_size)
    to_sequence = build_fibonacci_model(n_units=n_units, window_size=window_size, return_sequences=True)
    return {"to_vector": list(np.shape(to_vector(windows))), "to_sequence": list(np.shape(to_sequence(windows))),
            "to_sequence_model": describe_model(to_sequence)}


def judge_model_output_shapes(data, n_units, window_size, batch):
    assert_shape("the output of the sequence-to-vector model", np.zeros(data["to_vector"]), (batch, 1))
    rnn = _the_simple_rnn(data["to_sequence_model"])
    assert rnn["return_sequences"], "With return_sequences=True the SimpleRNN layer should return every step."
    assert_shape("the output of the sequence-to-sequence model", np.zeros(data["to_sequence"]), (batch, window_size, 1))


model_output_shapes = Check("model output shapes", collect_model_output_shapes, judge_model_output_shapes)


# ---- 2.2 Training -----------------------------------------------------------------------------

# Predictions are judged in units of the largest term of each window (the data are scaled so).
PREDICTION_TOLERANCE = 0.05
PREDICTION_SHARE = 0.95


def collect_fibonacci_predictions(model, history, window_size, seed, n_sequences, **training):
    from rnncourse.data import fibonacci_windows

    X, _, _ = fibonacci_windows(n_sequences=n_sequences, window_size=window_size, seed=seed)
    return {"predictions": np.asarray(model.predict(X, verbose=0), dtype=float).reshape(-1),
            "epochs": len(history.history.get("loss", [])), "steps": history.params.get("steps")}


def judge_fibonacci_predictions(data, window_size, seed, n_sequences, train_sequences, train_seed, batch_size):
    from rnncourse.data import fibonacci_windows

    X_train, _, _ = fibonacci_windows(n_sequences=train_sequences, window_size=window_size, seed=train_seed)
    steps = math.ceil(len(X_train) / batch_size)
    assert data["steps"] == steps, (
        f"Each epoch took {data['steps']} steps; {len(X_train)} training windows in batches of {batch_size} take "
        f"{steps}: train on (X_train, y_train), and keep (X_valid, y_valid) for validation only.")

    _, y, _ = fibonacci_windows(n_sequences=n_sequences, window_size=window_size, seed=seed)
    y_pred = data["predictions"]
    assert y_pred.shape == y.shape, f"The model gives {y_pred.size} predictions for {y.size} windows."
    error = np.abs(y_pred - y)
    share = np.mean(error <= PREDICTION_TOLERANCE)
    assert share >= PREDICTION_SHARE, (
        f"{share:.0%} of held-out next terms are predicted within {PREDICTION_TOLERANCE} "
        f"(in units of the window's largest term); at least {PREDICTION_SHARE:.0%} should be. "
        f"Mean error {error.mean():.3f}. Train longer or with a larger learning rate.")
    print(f"{share:.0%} of held-out next terms within {PREDICTION_TOLERANCE}, mean error {error.mean():.4f}")


fibonacci_predictions = Check("predictions on held-out sequences", collect_fibonacci_predictions,
                              judge_fibonacci_predictions)
