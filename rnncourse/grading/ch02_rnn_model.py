"""Checks for chapter 2: the RNN forward pass in NumPy, and a SimpleRNN on Fibonacci windows.

Expected values come from Keras layers holding the same weights
(``keras_bridge.keras_rnn_forward``), so the NumPy half is checked against the
TensorFlow half. Where a probe isolates one term of the equations, a failure
names that term.
"""

import numpy as np

from rnncourse.activations import sigmoid
from rnncourse.grading.checks import (
    assert_close,
    assert_count_params,
    assert_returns,
    assert_shape,
    check,
    is_close,
    random_problem,
)
from rnncourse.keras_bridge import keras_rnn_forward

# A float64 forward pass agrees with Keras (also run in float64) to about 1e-15.
ATOL = 1e-8


def _zeroed(parameters, *names):
    return {key: np.zeros_like(value) if key in names else value for key, value in parameters.items()}


def _keras_cell(x_t, a_prev, parameters):
    """One step computed by Keras: (a_next, y_hat_t)."""
    a, y_hat = keras_rnn_forward(x_t[:, :, None], a_prev, parameters)
    return a[:, :, 0], y_hat[:, :, 0]


@check("rnn_cell_forward")
def check_rnn_cell_forward(rnn_cell_forward, n_x=3, n_a=5, n_y=2, m=10, seed=1):
    parameters, x_t, a_prev = random_problem(n_x, n_a, n_y, m, seed)

    result = rnn_cell_forward(x_t, a_prev, parameters)
    assert_returns(result, 3, "rnn_cell_forward")
    a_next, y_hat_t, cache = result
    assert_shape("a_next", a_next, (n_a, m))
    assert_shape("y_hat_t", y_hat_t, (n_y, m))

    # One term of a_next at a time, so that a failure says which term is wrong.
    only_bias = _zeroed(parameters, "W_aa", "W_ax")
    a_bias, _, _ = rnn_cell_forward(x_t, a_prev, only_bias)
    expected, _ = _keras_cell(x_t, a_prev, only_bias)
    if is_close(a_bias, np.zeros_like(expected)):
        raise AssertionError("With W_aa = W_ax = 0, a_next should be tanh(b_a), but it is 0: add the bias b_a.")
    b_a = np.broadcast_to(only_bias["b_a"], expected.shape)
    if is_close(a_bias, sigmoid(b_a)):
        raise AssertionError("a_next looks like sigmoid(...): the hidden state uses tanh.")
    if is_close(a_bias, np.maximum(0, b_a)):
        raise AssertionError("a_next looks like relu(...): in this assignment the hidden state uses tanh.")
    assert_close("a_next", a_bias, expected, ATOL,
                 hint="With W_aa = W_ax = 0, a_next should be tanh(b_a).")

    only_input = _zeroed(parameters, "W_aa", "b_a")
    a_input, _, _ = rnn_cell_forward(x_t, a_prev, only_input)
    expected, _ = _keras_cell(x_t, a_prev, only_input)
    assert_close("a_next", a_input, expected, ATOL,
                 hint="With W_aa = 0 and b_a = 0, a_next should be tanh(W_ax @ x_t): check the input term.")

    only_recurrence = _zeroed(parameters, "W_ax", "b_a")
    a_recurrent, _, _ = rnn_cell_forward(x_t, a_prev, only_recurrence)
    expected, _ = _keras_cell(x_t, a_prev, only_recurrence)
    if is_close(a_recurrent, np.tanh(only_recurrence["W_aa"].T @ a_prev)):
        raise AssertionError("a_next uses W_aa.T: the recurrent term is W_aa @ a_prev.")
    assert_close("a_next", a_recurrent, expected, ATOL,
                 hint="With W_ax = 0 and b_a = 0, a_next should be tanh(W_aa @ a_prev): check the recurrent term.")

    expected_a, expected_y = _keras_cell(x_t, a_prev, parameters)
    assert_close("a_next", a_next, expected_a, ATOL, hint="Each term is right alone; check how they are combined.")
    assert_close("y_hat_t", np.sum(y_hat_t, axis=0), np.ones(m), ATOL,
                 hint="Each column of y_hat_t is a softmax distribution over the n_y classes and sums to 1.")
    _, y_without_b_y = _keras_cell(x_t, a_prev, _zeroed(parameters, "b_y"))
    if is_close(y_hat_t, y_without_b_y):
        raise AssertionError("y_hat_t ignores b_y: it is softmax(W_ya @ a_next + b_y).")
    assert_close("y_hat_t", y_hat_t, expected_y, ATOL,
                 hint="y_hat_t = softmax(W_ya @ a_next + b_y), computed from the new state a_next.")

    assert_returns(cache, 4, "The cache")
    for name, item, value in zip(("a_next", "a_prev", "x_t"), cache, (a_next, a_prev, x_t)):
        assert_close(f"cache item {name}", item, value, 0, hint="The cache is (a_next, a_prev, x_t, parameters).")
    assert cache[3] is parameters, "The last item of the cache should be the `parameters` dictionary."


class _SpyCell:
    """Stands in for ``rnn_cell_forward`` so that the check of ``rnn_forward`` tests only its loop.

    Its output depends on the step, the input and the previous state, so a
    missing, repeated or misplaced step shows in the result.
    """

    def __init__(self):
        self.calls = []

    @staticmethod
    def step(t, x_t, a_prev, n_y):
        a_next = 0.5 * a_prev + np.sum(x_t, axis=0) + t
        y_hat_t = a_next[:1] + np.arange(n_y)[:, None]
        return a_next, y_hat_t

    def __call__(self, x_t, a_prev, parameters):
        t = len(self.calls)
        self.calls.append((np.array(x_t, dtype=float), np.array(a_prev, dtype=float)))
        a_next, y_hat_t = self.step(t, np.asarray(x_t), np.asarray(a_prev), parameters["W_ya"].shape[0])
        return a_next, y_hat_t, ("cache of step", t)


@check("rnn_forward")
def check_rnn_forward(rnn_forward, n_x=3, n_a=5, n_y=2, m=4, T_x=6, seed=2):
    parameters, x, a0 = random_problem(n_x, n_a, n_y, m, seed, T_x)

    namespace = rnn_forward.__globals__
    assert "rnn_cell_forward" in namespace, "rnn_forward should call rnn_cell_forward at each time step."
    spy = _SpyCell()
    own_cell, namespace["rnn_cell_forward"] = namespace["rnn_cell_forward"], spy
    try:
        result = rnn_forward(x, a0, parameters)
    finally:
        namespace["rnn_cell_forward"] = own_cell

    assert len(spy.calls) == T_x, (
        f"rnn_forward should call rnn_cell_forward once per time step (T_x = {T_x} times); "
        f"it called it {len(spy.calls)} times."
    )
    assert_returns(result, 3, "rnn_forward")
    a, y_hat, caches = result
    assert_shape("a", a, (n_a, m, T_x))
    assert_shape("y_hat", y_hat, (n_y, m, T_x))

    a_prev = a0
    for t, (x_t_seen, a_prev_seen) in enumerate(spy.calls):
        assert_close(f"x_t at step {t}", x_t_seen, x[:, :, t], 0,
                     hint=f"Step {t} should receive x[:, :, {t}].")
        if t == 0 and is_close(a_prev_seen, np.zeros_like(a0)):
            raise AssertionError("The first step received zeros as a_prev: start from the given a0.")
        assert_close(f"a_prev at step {t}", a_prev_seen, a_prev, 0,
                     hint="The first step starts from a0; each later step gets the a_next of the step before.")
        a_prev, y_hat_t = _SpyCell.step(t, x[:, :, t], a_prev, n_y)
        assert_close(f"a[:, :, {t}]", a[:, :, t], a_prev, 0, hint=f"Store the a_next of step {t} in a[:, :, {t}].")
        assert_close(f"y_hat[:, :, {t}]", y_hat[:, :, t], y_hat_t, 0,
                     hint=f"Store the y_hat_t of step {t} in y_hat[:, :, {t}].")

    assert_returns(caches, 2, "The caches")
    assert list(caches[0]) == [("cache of step", t) for t in range(T_x)], (
        "caches[0] should be the list of the caches returned by each step, in order."
    )
    assert caches[1] is x, "caches[1] should be the input x."


@check("rnn_forward against Keras SimpleRNN")
def check_rnn_forward_matches_keras(rnn_forward, n_x=3, n_a=5, n_y=2, m=4, T_x=6, seed=3):
    """End to end: your rnn_forward (with your rnn_cell_forward) against Keras SimpleRNN + Dense."""
    parameters, x, a0 = random_problem(n_x, n_a, n_y, m, seed, T_x)

    a, y_hat, _ = rnn_forward(x, a0, parameters)
    expected_a, expected_y = keras_rnn_forward(x, a0, parameters)
    assert_close("a", a, expected_a, ATOL,
                 hint="Keras SimpleRNN with the same weights and initial state a0 computes different hidden states.")
    assert_close("y_hat", y_hat, expected_y, ATOL,
                 hint="Keras Dense(softmax) applied to the hidden states computes different predictions.")


# ---- The TensorFlow half: a SimpleRNN that learns the Fibonacci rule -------------------


def _simple_rnn_layer(model):
    import keras

    layers = [layer for layer in model.layers if isinstance(layer, keras.layers.SimpleRNN)]
    assert len(layers) == 1, f"The model should have exactly one SimpleRNN layer; it has {len(layers)}."
    return layers[0]


def simple_rnn_param_count(n_a, n_x):
    """W_aa (n_a x n_a) + W_ax (n_a x n_x) + b_a (n_a)."""
    return n_a * (n_a + n_x + 1)


@check("model parameters")
def check_model_parameters(build_model, n_units=20, window_size=5):
    model = build_model(n_units=n_units, window_size=window_size)
    rnn = _simple_rnn_layer(model)
    n_a, n_x = n_units, 1
    assert rnn.units == n_a, f"The SimpleRNN has {rnn.units} units; it should have n_units = {n_a}."
    rnn_count = simple_rnn_param_count(n_a, n_x)
    assert_count_params(f"SimpleRNN({n_a}) on {n_x} feature", rnn.count_params(), rnn_count,
                        f"n_a (n_a + n_x + 1) = {n_a} x ({n_a} + {n_x} + 1)")
    dense_count = n_a * 1 + 1
    assert_count_params("The model", model.count_params(), rnn_count + dense_count,
                        f"{rnn_count} (SimpleRNN) + {dense_count} (Dense(1): n_a weights and 1 bias)")


@check("model output shapes")
def check_model_output_shapes(build_model, n_units=20, window_size=5, batch=3):
    windows = np.zeros((batch, window_size), dtype="float32")

    to_vector = build_model(n_units=n_units, window_size=window_size)
    assert_shape("the output of the sequence-to-vector model", to_vector(windows), (batch, 1))

    to_sequence = build_model(n_units=n_units, window_size=window_size, return_sequences=True)
    rnn = _simple_rnn_layer(to_sequence)
    assert rnn.return_sequences, "With return_sequences=True the SimpleRNN layer should return every step."
    assert_shape("the output of the sequence-to-sequence model", to_sequence(windows), (batch, window_size, 1))


# Predictions are judged in units of the largest term of each window (the data are scaled so).
PREDICTION_TOLERANCE = 0.05
PREDICTION_SHARE = 0.95


@check("predictions on held-out sequences")
def check_fibonacci_predictions(model, window_size, seed=2, n_sequences=100):
    from rnncourse.data import fibonacci_windows

    X, y, _ = fibonacci_windows(n_sequences=n_sequences, window_size=window_size, seed=seed)
    y_pred = np.asarray(model.predict(X, verbose=0)).reshape(-1)
    assert y_pred.shape == y.shape, f"The model gives {y_pred.size} predictions for {y.size} windows."
    error = np.abs(y_pred - y)
    share = np.mean(error <= PREDICTION_TOLERANCE)
    assert share >= PREDICTION_SHARE, (
        f"{share:.0%} of held-out next terms are predicted within {PREDICTION_TOLERANCE} "
        f"(in units of the window's largest term); at least {PREDICTION_SHARE:.0%} should be. "
        f"Mean error {error.mean():.3f}. Train longer or with a larger learning rate."
    )
    print(f"{share:.0%} of held-out next terms within {PREDICTION_TOLERANCE}, mean error {error.mean():.4f}")
