"""Checks for chapter 8: the LSTM forward and backward passes in NumPy, and LSTM parameter counts.

Each check is a ``Check(title, collect, judge)`` (see ``question.py``). The
forward pass is compared with Keras' ``LSTM`` holding the same weights
(``cells.LSTM.build_keras_layer``); the backward pass with the gradients
``tf.GradientTape`` computes through that layer, mapped back to the course's
names (``cells.LSTM.course_parameters``), and with central finite differences
of the Keras loss at a few entries. Likely mistakes are tables of wrong
formulas (``Mistake``).
"""

import numpy as np

from rnncourse.activations import sigmoid
from rnncourse.cells import LSTM, random_problem
from rnncourse.grading.checks import assert_close, assert_imdb_classifier, assert_shape, describe_model
from rnncourse.grading.loops import Loop, collect_loop, judge_loop, run_cell
from rnncourse.grading.question import Check, Mistake, diagnose
from rnncourse.keras_bridge import from_keras_sequence, keras_lstm, keras_lstm_forward, to_keras_sequence

ATOL = 1e-8
CACHE_ITEMS = ("a_next", "c_next", "a_prev", "c_prev", "Gamma_f", "Gamma_u", "c_tilde", "Gamma_o", "x_t")


def _problem(n_x, n_a, m, seed, T_x=None):
    """``(parameters, x, a_prev, c_prev)``; ``c_prev`` is drawn too, so that the forget gate matters."""
    parameters, x, a_prev = random_problem(n_x, n_a, 1, m, seed, T_x, cell=LSTM)
    parameters = {name: value for name, value in parameters.items() if name in LSTM.parameter_shapes(n_x, n_a)}
    c_prev = np.random.default_rng(seed + 1).standard_normal(a_prev.shape)
    return parameters, x, a_prev, c_prev


def _upstream(n_a, m, T_x, seed):
    """The gradients that reach the cell from above (da) and, for one step, from the next step (dc_next)."""
    rng = np.random.default_rng(seed + 2)
    return rng.standard_normal((n_a, m, T_x)), rng.standard_normal((n_a, m))


def _right_step(x_t, a_prev, c_prev, p):
    """``((a_next, c_next), gates)`` of the course's LSTM: its equations are ``cells.LSTMCell``'s."""
    return LSTM.step_with_gates(x_t, (a_prev, c_prev), p)


def _forward_cache(x_t, a_prev, c_prev, p):
    """The cache of one right step, as ``lstm_cell_forward`` returns it, for the student's ``lstm_cell_backward``.

    This runs in ``collect``, which runs in the grading sandbox, where the cell
    classes' steps are hidden (``rnncourse/references.py``): so the one step is
    written here, and tests/test_cells.py checks it against ``cells.LSTMCell``.
    """
    stacked = np.concatenate([a_prev, x_t])
    Gamma_f, Gamma_u, Gamma_o = (sigmoid(p[f"W_{g}"] @ stacked + p[f"b_{g}"]) for g in "fuo")
    c_tilde = np.tanh(p["W_c"] @ stacked + p["b_c"])
    c_next = Gamma_u * c_tilde + Gamma_f * c_prev
    a_next = Gamma_o * np.tanh(c_next)
    return (a_next, c_next, a_prev, c_prev, Gamma_f, Gamma_u, c_tilde, Gamma_o, x_t, p)


# ---- wrong formulas of one step, from the right gates (cells.LSTMCell) ----------------------------


def _step(forget_on_candidate=False, tanh_on_c=True, no_bias=(), candidate=None):
    """``(a_next, c_next)`` of a wrong step: the right gates, one thing changed."""
    def formula(problem):
        x_t, a_prev, c_prev, p = problem
        p = {**p, **{f"b_{g}": 0 * p[f"b_{g}"] for g in no_bias}}
        (a_next, c_next), gates = _right_step(x_t, a_prev, c_prev, p)
        if candidate is None and not forget_on_candidate and tanh_on_c:
            return a_next, c_next
        Gamma_f, Gamma_u, c_tilde, Gamma_o = (gates[name] for name in ("Gamma_f", "Gamma_u", "c_tilde", "Gamma_o"))
        if candidate is not None:
            c_tilde = candidate(p["W_c"] @ np.concatenate([a_prev, x_t]) + p["b_c"])
        c_next = Gamma_f * c_tilde + Gamma_u * c_prev if forget_on_candidate else Gamma_u * c_tilde + Gamma_f * c_prev
        return Gamma_o * (np.tanh(c_next) if tanh_on_c else c_next), c_next
    return formula


FORGET_ON_CANDIDATE = ("the forget gate multiplies the candidate: see the memory cell's equation, the forget gate "
                       "decides what to keep of the old memory.")
NO_TANH = ("a_next has no tanh of c_next: see the output equation (one lecture slide drops the tanh; Keras and the "
           "standard LSTM keep it).")
GATE_NAMES = dict(zip(LSTM.gates, ("Gamma_f", "Gamma_u", "c_tilde", "Gamma_o")))


def _mistakes(which):
    """Wrong formulas of a_next (which = 0) or c_next (which = 1)."""
    return [
        Mistake(FORGET_ON_CANDIDATE, lambda problem: _step(forget_on_candidate=True)(problem)[which]),
        Mistake(NO_TANH, lambda problem: _step(tanh_on_c=False)(problem)[which]),
        Mistake("the biases are missing: each gate and the candidate add their b.",
                lambda problem: _step(no_bias=LSTM.gates)(problem)[which]),
        *(Mistake(f"{name} ignores its bias b_{g}.", lambda problem, g=g: _step(no_bias=(g,))(problem)[which])
          for g, name in GATE_NAMES.items()),
        Mistake("c_tilde looks like sigmoid(...): the candidate uses tanh, the gates sigmoid.",
                lambda problem: _step(candidate=sigmoid)(problem)[which]),
    ]


def _keras_step(x_t, a_prev, c_prev, parameters):
    a, c_last = keras_lstm_forward(x_t[:, :, None], a_prev, parameters, c_prev)
    return a[:, :, 0], c_last


# ---- 1.1 One step --------------------------------------------------------------------------------

# The loop of 1.2; the hidden cases of 1.1 run the student's cell over a sequence with it.
LOOP = Loop("lstm_forward", "lstm_cell_forward", outputs=("a", "c"), carried=2)


def collect_lstm_cell_forward(lstm_cell_forward, n_x, n_a, m, seed, T_x=None):
    parameters, x, a_prev, c_prev = _problem(n_x, n_a, m, seed, T_x)
    if T_x is not None:  # from a0 and a zero memory cell, as lstm_forward starts
        return run_cell(LOOP, lstm_cell_forward, x, a_prev, parameters)
    result = lstm_cell_forward(x, a_prev, c_prev, parameters)
    data = {"returned": len(result) if isinstance(result, (tuple, list)) else type(result).__name__}
    if data["returned"] != 3:
        return data
    a_next, c_next, cache = result
    data.update(a_next=np.asarray(a_next, dtype=float), c_next=np.asarray(c_next, dtype=float))
    cache_ok = isinstance(cache, (tuple, list)) and len(cache) == len(CACHE_ITEMS) + 1
    data["cache"] = [np.asarray(item, dtype=float) for item in cache[:-1]] if cache_ok else None
    data["cache_holds_parameters"] = bool(cache_ok and cache[-1] is parameters)
    return data


def _judge_sequence(data, x, a0, parameters):
    expected_a, expected_c_last = keras_lstm_forward(x, a0, parameters)
    T_x = x.shape[2]
    assert_close("a", data["a"], expected_a, ATOL,
                 hint=f"lstm_cell_forward run over {T_x} steps from a0 and a zero memory cell (by the course's loop) "
                      "gives other states than Keras' LSTM with the same weights.")
    assert_close("c[:, :, -1]", data["c"][:, :, -1], expected_c_last, ATOL,
                 hint=f"lstm_cell_forward run over {T_x} steps ends with another memory cell than Keras' LSTM.")


def judge_lstm_cell_forward(data, n_x, n_a, m, seed, T_x=None):
    parameters, x_t, a_prev, c_prev = _problem(n_x, n_a, m, seed, T_x)
    if T_x is not None:
        _judge_sequence(data, x_t, a_prev, parameters)
        return
    problem = (x_t, a_prev, c_prev, parameters)
    assert data["returned"] == 3, f"lstm_cell_forward should return 3 values (a_next, c_next, cache), got {data['returned']}."
    assert_shape("c_next", data["c_next"], (n_a, m))
    assert_shape("a_next", data["a_next"], (n_a, m))
    expected_a, expected_c = _keras_step(x_t, a_prev, c_prev, parameters)
    diagnose("c_next", data["c_next"], expected_c, problem, _mistakes(1), ATOL,
             "Keras' LSTM with the same weights computes another memory cell c_next.")
    diagnose("a_next", data["a_next"], expected_a, problem, _mistakes(0), ATOL,
             "c_next is right; check a_next against the output equation and Gamma_o's.")

    assert data["cache"] is not None, f"The cache should be the tuple ({', '.join(CACHE_ITEMS)}, parameters)."
    values = dict(a_next=expected_a, c_next=expected_c, a_prev=a_prev, c_prev=c_prev, x_t=x_t,
                  **_right_step(x_t, a_prev, c_prev, parameters)[1])
    for name, item in zip(CACHE_ITEMS, data["cache"]):
        assert_close(f"cache item {name}", item, values[name], ATOL, hint=f"The cache is ({', '.join(CACHE_ITEMS)}, parameters).")
    assert data["cache_holds_parameters"], "The last item of the cache should be the `parameters` dictionary."


lstm_cell_forward = Check("lstm_cell_forward", collect_lstm_cell_forward, judge_lstm_cell_forward)


# ---- 1.2 The loop --------------------------------------------------------------------------------


def collect_lstm_forward(lstm_forward, n_x, n_a, m, T_x, seed):
    parameters, x, a0, _ = _problem(n_x, n_a, m, seed, T_x)
    return collect_loop(LOOP, lstm_forward, x, a0, parameters, (n_a, n_a))


def judge_lstm_forward(data, n_x, n_a, m, T_x, seed):
    _, x, a0, _ = _problem(n_x, n_a, m, seed, T_x)
    judge_loop(LOOP, data, x, a0, (n_a, n_a))


lstm_forward = Check("lstm_forward", collect_lstm_forward, judge_lstm_forward)


# ---- 2 The backward pass, against GradientTape and finite differences ------------------------------

PARAMETER_GRADIENTS = tuple(f"d{kind}_{g}" for g in LSTM.gates for kind in ("W", "b"))


def _keras_loss_and_gradients(parameters, x, a0, c0, da, dc_last):
    """``J = sum(da * a) + sum(dc_last * c<T_x>)`` through Keras' LSTM, and its gradients in course names."""
    import tensorflow as tf

    layer = keras_lstm(parameters, return_sequences=True, return_state=True)
    inputs = [tf.constant(to_keras_sequence(x)), tf.constant(a0.T), tf.constant(c0.T)]
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        a, _, c_last = layer(inputs[0], initial_state=inputs[1:])
        loss = tf.reduce_sum(a * to_keras_sequence(da)) + tf.reduce_sum(c_last * dc_last.T)
    d_x, d_a0, d_c0, *d_weights = tape.gradient(loss, inputs + list(layer.trainable_weights))
    course = LSTM.course_parameters([np.asarray(w) for w in d_weights])
    gradients = {f"d{name}": value for name, value in course.items()}
    gradients.update(dx=from_keras_sequence(np.asarray(d_x)), da0=np.asarray(d_a0).T, dc0=np.asarray(d_c0).T)
    return float(loss), gradients


def _finite_differences(parameters, x, a0, c0, da, dc_last, entries, eps=1e-6):
    """Central differences of the Keras loss at ``entries``: (name, index) with name a parameter or x, a0, c0."""
    def loss(**changed):
        values = {"x": x, "a0": a0, "c0": c0, **parameters, **changed}
        lstm_parameters = {name: values[name] for name in parameters}
        a, c_last = keras_lstm_forward(values["x"], values["a0"], lstm_parameters, values["c0"])
        return np.sum(a * da) + np.sum(c_last * dc_last)

    values = {"x": x, "a0": a0, "c0": c0, **parameters}
    estimates = {}
    for name, index in entries:
        plus, minus = values[name].copy(), values[name].copy()
        plus[index] += eps
        minus[index] -= eps
        estimates[(name, index)] = (loss(**{name: plus}) - loss(**{name: minus})) / (2 * eps)
    return estimates


def _fd_entries(shapes, seed, count=5):
    rng = np.random.default_rng(seed + 3)
    names = list(shapes)
    return [(name, tuple(int(rng.integers(n)) for n in shapes[name]))
            for name in (names[i] for i in rng.choice(len(names), count, replace=False))]


BACKWARD_HINTS = {
    "dc_prev": "dc_prev: c_next reaches the loss two ways, through dc_next and through a_next (the output "
               "equation, where tanh' is taken at c_next); gather both into dc, then follow the memory equation back.",
    "dW_o": "dW_o: Gamma_o reaches the loss only through the output equation, where it multiplies tanh(c_next); "
            "then the sigmoid's derivative, then the stacked column.",
    "db_o": "db_o sums the output gate's pre-activation gradient over the examples (shape (n_a, 1)).",
    "dW_c": "dW_c: the candidate reaches c_next through the memory equation, weighted by Gamma_u, then its tanh'; "
            "dc holds both ways c_next reaches the loss.",
    "dW_u": "dW_u: in the memory equation, Gamma_u multiplies the candidate; then the sigmoid's derivative.",
    "dW_f": "dW_f: in the memory equation, Gamma_f multiplies c_prev; then the sigmoid's derivative.",
    "da_prev": "da_prev is the first n_a rows of the stacked column's gradient, summed over the four gates.",
    "dxt": "dxt is the last n_x rows of the stacked column's gradient, summed over the four gates.",
}


def _judge_gradients(actual, expected, names, hints):
    """Shapes first, then values in the order the backward pass computes them: the first wrong one names the step."""
    for name in names:
        assert name in actual, f"The gradients should include {name!r}; they have {sorted(actual)}."
        assert_shape(name, actual[name], np.shape(expected[name]))
    for name in names:
        assert_close(name, actual[name], expected[name], 1e-7, 1e-7,
                     hint=hints.get(name, "") + " (Compared with tf.GradientTape through Keras' LSTM with the same weights.)")


def _fd_agree(actual, estimates, what):
    for (name, index), estimate in estimates.items():
        key = {"x": "dx", "a0": "da0", "c0": "dc0"}.get(name, f"d{name}")
        value = actual[key][index]
        assert abs(value - estimate) <= 1e-5 * max(1.0, abs(estimate)), (
            f"{what}: {key}{list(index)} is {value:.6g}, but a central finite difference of the loss gives {estimate:.6g}.")


def collect_lstm_cell_backward(lstm_cell_backward, n_x, n_a, m, seed):
    parameters, x_t, a_prev, c_prev = _problem(n_x, n_a, m, seed)
    cache = _forward_cache(x_t, a_prev, c_prev, parameters)
    da, dc_next = _upstream(n_a, m, 1, seed)
    gradients = lstm_cell_backward(da[:, :, 0], dc_next, cache)
    return {name: np.asarray(value, dtype=float) for name, value in dict(gradients).items()}


CELL_GRADIENTS = ("dW_o", "db_o", "dc_prev", "dW_c", "db_c", "dW_u", "db_u", "dW_f", "db_f", "da_prev", "dxt")


def judge_lstm_cell_backward(data, n_x, n_a, m, seed):
    parameters, x_t, a_prev, c_prev = _problem(n_x, n_a, m, seed)
    da, dc_next = _upstream(n_a, m, 1, seed)
    _, expected = _keras_loss_and_gradients(parameters, x_t[:, :, None], a_prev, c_prev, da, dc_next)
    expected.update(dxt=expected["dx"][:, :, 0], da_prev=expected["da0"], dc_prev=expected["dc0"])
    actual = dict(data)
    _judge_gradients(actual, expected, CELL_GRADIENTS, BACKWARD_HINTS)
    shapes = {name: value.shape for name, value in parameters.items()}
    estimates = _finite_differences(parameters, x_t[:, :, None], a_prev, c_prev, da, dc_next,
                                    _fd_entries(shapes, seed))
    _fd_agree(actual, estimates, "lstm_cell_backward")


lstm_cell_backward = Check("lstm_cell_backward", collect_lstm_cell_backward, judge_lstm_cell_backward)


SEQUENCE_GRADIENTS = (*PARAMETER_GRADIENTS, "da0", "dx")
SEQUENCE_HINTS = {
    "dx": "dx[:, :, t] is the dxt of step t.",
    "da0": "da0 is the da_prev of the first step; each step t gets da[:, :, t] + the da_prev of step t + 1, "
           "and the dc_prev of step t + 1.",
    **{name: f"{name} sums the {name} of every step (the same weights are used at every step); step t gets "
             "da[:, :, t] + the da_prev of step t + 1, and the dc_prev of step t + 1." for name in PARAMETER_GRADIENTS},
}


def collect_lstm_backward(lstm_forward, lstm_backward, n_x, n_a, m, T_x, seed):
    parameters, x, a0, _ = _problem(n_x, n_a, m, seed, T_x)
    _, _, caches = lstm_forward(x, a0, parameters)
    da, _ = _upstream(n_a, m, T_x, seed)
    gradients = lstm_backward(da, caches)
    return {name: np.asarray(value, dtype=float) for name, value in dict(gradients).items()}


def judge_lstm_backward(data, n_x, n_a, m, T_x, seed):
    parameters, x, a0, _ = _problem(n_x, n_a, m, seed, T_x)
    c0 = np.zeros_like(a0)
    da, _ = _upstream(n_a, m, T_x, seed)
    no_dc = np.zeros_like(a0)
    _, expected = _keras_loss_and_gradients(parameters, x, a0, c0, da, no_dc)
    actual = dict(data)
    _judge_gradients(actual, expected, SEQUENCE_GRADIENTS, SEQUENCE_HINTS)
    shapes = {name: value.shape for name, value in parameters.items()}
    shapes.update(x=x.shape, a0=a0.shape)
    _fd_agree(actual, _finite_differences(parameters, x, a0, c0, da, no_dc, _fd_entries(shapes, seed)), "lstm_backward")


lstm_backward = Check("lstm_backward", collect_lstm_backward, judge_lstm_backward)


# ---- 3 Parameter counts ------------------------------------------------------------------------------


def collect_lstm_parameter_count(lstm_parameter_count, sizes):
    return {f"{n_x},{n_a}": lstm_parameter_count(n_x, n_a) for n_x, n_a in sizes}


def judge_lstm_parameter_count(data, sizes):
    for n_x, n_a in sizes:
        actual, expected = data[f"{n_x},{n_a}"], LSTM.keras_count_params(n_x, n_a)
        assert actual == expected, (
            f"lstm_parameter_count({n_x}, {n_a}) is {actual!r}; Keras' LSTM has {expected:,} parameters = "
            f"{LSTM.count_formula(n_x, n_a)} (four blocks: update, forget, candidate, output).")


lstm_parameter_count = Check("lstm_parameter_count", collect_lstm_parameter_count, judge_lstm_parameter_count)


def collect_imdb_lstm_model(build_imdb_lstm_model, vocab_size, embedding_dim, max_length, n_units):
    return describe_model(build_imdb_lstm_model(vocab_size=vocab_size, embedding_dim=embedding_dim,
                                                max_length=max_length, n_units=n_units))


def judge_imdb_lstm_model(data, vocab_size, embedding_dim, max_length, n_units):
    assert_imdb_classifier(data, "LSTM", vocab_size, embedding_dim, n_units)


imdb_lstm_model = Check("build_imdb_lstm_model: layers and parameters", collect_imdb_lstm_model, judge_imdb_lstm_model)
