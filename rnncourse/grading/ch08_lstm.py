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
from rnncourse.grading.checks import assert_close, assert_count_params, assert_shape, describe_model, layers_of
from rnncourse.grading.question import Check, Mistake, Recorder, diagnose, stand_in
from rnncourse.keras_bridge import from_keras_sequence, keras_lstm, keras_lstm_forward, to_keras_sequence

ATOL = 1e-8
GATES = ("f", "u", "c", "o")
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


# ---- the course's equations, for the wrong-formula tables and the cache ---------------------------


def _gates(x_t, a_prev, p):
    stacked = np.concatenate([a_prev, x_t])
    Gamma_f, Gamma_u, Gamma_o = (sigmoid(p[f"W_{g}"] @ stacked + p[f"b_{g}"]) for g in "fuo")
    c_tilde = np.tanh(p["W_c"] @ stacked + p["b_c"])
    return Gamma_f, Gamma_u, c_tilde, Gamma_o


def _step(forget_on_candidate=False, tanh_on_c=True, no_bias=(), candidate=np.tanh):
    def formula(problem):
        x_t, a_prev, c_prev, p = problem
        p = {**p, **{f"b_{g}": 0 * p[f"b_{g}"] for g in no_bias}}
        Gamma_f, Gamma_u, c_tilde, Gamma_o = _gates(x_t, a_prev, p)
        if candidate is not np.tanh:
            c_tilde = candidate(p["W_c"] @ np.concatenate([a_prev, x_t]) + p["b_c"])
        c_next = Gamma_f * c_tilde + Gamma_u * c_prev if forget_on_candidate else Gamma_u * c_tilde + Gamma_f * c_prev
        return Gamma_o * (np.tanh(c_next) if tanh_on_c else c_next), c_next
    return formula


FORGET_ON_CANDIDATE = ("the forget gate multiplies the candidate: c_next = Gamma_u * c_tilde + Gamma_f * c_prev "
                       "(the forget gate decides what to keep of the old memory).")
NO_TANH = ("a_next = Gamma_o * c_next has no tanh: a_next = Gamma_o * tanh(c_next) (one lecture slide drops it; "
           "Keras and the standard LSTM keep it).")


def _mistakes(which):
    """Wrong formulas of a_next (which = 0) or c_next (which = 1)."""
    return [
        Mistake(FORGET_ON_CANDIDATE, lambda problem: _step(forget_on_candidate=True)(problem)[which]),
        Mistake(NO_TANH, lambda problem: _step(tanh_on_c=False)(problem)[which]),
        Mistake("the biases are missing: each gate and the candidate add their b.",
                lambda problem: _step(no_bias=GATES)(problem)[which]),
        *(Mistake(f"{name} ignores its bias b_{g}.", lambda problem, g=g: _step(no_bias=(g,))(problem)[which])
          for g, name in zip(GATES, ("Gamma_f", "Gamma_u", "c_tilde", "Gamma_o"))),
        Mistake("c_tilde looks like sigmoid(...): the candidate uses tanh, the gates sigmoid.",
                lambda problem: _step(candidate=sigmoid)(problem)[which]),
    ]


def _keras_step(x_t, a_prev, c_prev, parameters):
    a, c_last = keras_lstm_forward(x_t[:, :, None], a_prev, parameters, c_prev)
    return a[:, :, 0], c_last


# ---- 1.1 One step --------------------------------------------------------------------------------


def collect_lstm_cell_forward(lstm_cell_forward, n_x, n_a, m, seed):
    parameters, x, a_prev, c_prev = _problem(n_x, n_a, m, seed)
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


def judge_lstm_cell_forward(data, n_x, n_a, m, seed):
    parameters, x_t, a_prev, c_prev = _problem(n_x, n_a, m, seed)
    problem = (x_t, a_prev, c_prev, parameters)
    assert data["returned"] == 3, f"lstm_cell_forward should return 3 values (a_next, c_next, cache), got {data['returned']}."
    assert_shape("c_next", data["c_next"], (n_a, m))
    assert_shape("a_next", data["a_next"], (n_a, m))
    expected_a, expected_c = _keras_step(x_t, a_prev, c_prev, parameters)
    diagnose("c_next", data["c_next"], expected_c, problem, _mistakes(1), ATOL,
             "Keras' LSTM with the same weights computes another memory cell c_next.")
    diagnose("a_next", data["a_next"], expected_a, problem, _mistakes(0), ATOL,
             "c_next is right; a_next = Gamma_o * tanh(c_next), with Gamma_o = sigmoid(W_o [a_prev; x_t] + b_o).")

    assert data["cache"] is not None, f"The cache should be the tuple ({', '.join(CACHE_ITEMS)}, parameters)."
    Gamma_f, Gamma_u, c_tilde, Gamma_o = _gates(x_t, a_prev, parameters)
    values = dict(a_next=expected_a, c_next=expected_c, a_prev=a_prev, c_prev=c_prev, Gamma_f=Gamma_f,
                  Gamma_u=Gamma_u, c_tilde=c_tilde, Gamma_o=Gamma_o, x_t=x_t)
    for name, item in zip(CACHE_ITEMS, data["cache"]):
        assert_close(f"cache item {name}", item, values[name], ATOL, hint=f"The cache is ({', '.join(CACHE_ITEMS)}, parameters).")
    assert data["cache_holds_parameters"], "The last item of the cache should be the `parameters` dictionary."


lstm_cell_forward = Check("lstm_cell_forward", collect_lstm_cell_forward, judge_lstm_cell_forward)


# ---- 1.2 The loop --------------------------------------------------------------------------------


def _stand_in_step(t, x_t, a_prev, c_prev):
    """A cell whose outputs depend on the step, the input and both states."""
    c_next = 0.5 * c_prev + 0.25 * a_prev + t
    return c_next + np.sum(x_t, axis=0), c_next


def collect_lstm_forward(lstm_forward, n_x, n_a, m, T_x, seed):
    parameters, x, a0, _ = _problem(n_x, n_a, m, seed, T_x)

    def cell(t, x_t, a_prev, c_prev, parameters):
        a_next, c_next = _stand_in_step(t, np.asarray(x_t), np.asarray(a_prev), np.asarray(c_prev))
        return a_next, c_next, ("cache of step", t)

    with stand_in(lstm_forward, "lstm_cell_forward", Recorder(cell)) as recorder:
        a, c, caches = lstm_forward(x, a0, parameters)
    step_caches, cached_x = caches
    return {"calls": [call[:3] for call in recorder.calls], "a": np.asarray(a, dtype=float),
            "c": np.asarray(c, dtype=float),
            "step_caches": [list(cache) if isinstance(cache, tuple) else repr(cache)[:80] for cache in step_caches],
            "caches_hold_x": cached_x is x}


ZEROS_FOR_A0 = Mistake("the first step received zeros as a_prev: start from the given a0.", np.zeros_like)


def judge_lstm_forward(data, n_x, n_a, m, T_x, seed):
    _, x, a0, _ = _problem(n_x, n_a, m, seed, T_x)
    calls = data["calls"]
    assert len(calls) == T_x, (
        f"lstm_forward should call lstm_cell_forward once per time step (T_x = {T_x} times); it called it {len(calls)} times.")
    assert_shape("a", data["a"], (n_a, m, T_x))
    assert_shape("c", data["c"], (n_a, m, T_x))
    a_prev, c_prev = a0, np.zeros_like(a0)
    for t, (x_t_seen, a_prev_seen, c_prev_seen) in enumerate(calls):
        assert_close(f"x_t at step {t}", x_t_seen, x[:, :, t], 0, hint=f"Step {t} should receive x[:, :, {t}].")
        diagnose(f"a_prev at step {t}", a_prev_seen, a_prev, a0, [ZEROS_FOR_A0] if t == 0 else [], 0,
                 "The first step starts from a0; each later step gets the a_next of the step before.")
        assert_close(f"c_prev at step {t}", c_prev_seen, c_prev, 0,
                     hint="The memory cell starts from zeros; each later step gets the c_next of the step before.")
        a_prev, c_prev = _stand_in_step(t, x[:, :, t], a_prev, c_prev)
        assert_close(f"a[:, :, {t}]", data["a"][:, :, t], a_prev, 0, hint=f"Store the a_next of step {t} in a[:, :, {t}].")
        assert_close(f"c[:, :, {t}]", data["c"][:, :, t], c_prev, 0, hint=f"Store the c_next of step {t} in c[:, :, {t}].")
    assert data["step_caches"] == [["cache of step", t] for t in range(T_x)], (
        "caches[0] should be the list of the caches returned by each step, in order.")
    assert data["caches_hold_x"], "caches[1] should be the input x."


lstm_forward = Check("lstm_forward", collect_lstm_forward, judge_lstm_forward)


def collect_lstm_forward_matches_keras(lstm_forward, n_x, n_a, m, T_x, seed):
    parameters, x, a0, _ = _problem(n_x, n_a, m, seed, T_x)
    a, c, _ = lstm_forward(x, a0, parameters)
    return {"a": np.asarray(a, dtype=float), "c": np.asarray(c, dtype=float)}


def judge_lstm_forward_matches_keras(data, n_x, n_a, m, T_x, seed):
    parameters, x, a0, _ = _problem(n_x, n_a, m, seed, T_x)
    expected_a, expected_c_last = keras_lstm_forward(x, a0, parameters)
    assert_close("a", data["a"], expected_a, ATOL,
                 hint="Keras' LSTM with the same weights, from a0 and a zero memory cell, computes other states.")
    assert_close("c[:, :, -1]", data["c"][:, :, -1], expected_c_last, ATOL,
                 hint="Keras' LSTM ends with another memory cell.")


lstm_forward_matches_keras = Check("lstm_forward against Keras LSTM", collect_lstm_forward_matches_keras,
                                   judge_lstm_forward_matches_keras)


# ---- 2 The backward pass, against GradientTape and finite differences ------------------------------

PARAMETER_GRADIENTS = tuple(f"d{kind}_{g}" for g in GATES for kind in ("W", "b"))


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
    "dc_prev": "dc_prev = dc * Gamma_f, where dc = dc_next + da_next * Gamma_o * (1 - tanh(c_next)^2).",
    "dW_o": "dW_o = dGamma_o-pre @ [a_prev; x_t].T with dGamma_o-pre = da_next * tanh(c_next) * Gamma_o * (1 - Gamma_o).",
    "db_o": "db_o sums da_next * tanh(c_next) * Gamma_o * (1 - Gamma_o) over the examples (axis=1, keepdims=True).",
    "dW_c": "dW_c = (dc * Gamma_u * (1 - c_tilde^2)) @ [a_prev; x_t].T; dc includes dc_next and the path through a_next.",
    "dW_u": "dW_u = (dc * c_tilde * Gamma_u * (1 - Gamma_u)) @ [a_prev; x_t].T.",
    "dW_f": "dW_f = (dc * c_prev * Gamma_f * (1 - Gamma_f)) @ [a_prev; x_t].T.",
    "da_prev": "da_prev is the first n_a rows of sum_g W_g.T @ dz_g (the four pre-activation gradients).",
    "dxt": "dxt is the last n_x rows of sum_g W_g.T @ dz_g (the four pre-activation gradients).",
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
    Gamma_f, Gamma_u, c_tilde, Gamma_o = _gates(x_t, a_prev, parameters)
    c_next = Gamma_u * c_tilde + Gamma_f * c_prev
    a_next = Gamma_o * np.tanh(c_next)
    cache = (a_next, c_next, a_prev, c_prev, Gamma_f, Gamma_u, c_tilde, Gamma_o, x_t, parameters)
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
    import keras

    for n_x, n_a in sizes:
        layer = keras.layers.LSTM(n_a)
        layer.build((None, None, n_x))
        actual, expected = data[f"{n_x},{n_a}"], int(layer.count_params())
        assert actual == expected, (
            f"lstm_parameter_count({n_x}, {n_a}) is {actual!r}; Keras' LSTM has {expected:,} parameters = "
            f"{LSTM.count_formula(n_x, n_a)} (four blocks: update, forget, candidate, output).")


lstm_parameter_count = Check("lstm_parameter_count", collect_lstm_parameter_count, judge_lstm_parameter_count)


def collect_imdb_lstm_model(build_imdb_lstm_model, vocab_size, embedding_dim, max_length, n_units):
    return describe_model(build_imdb_lstm_model(vocab_size=vocab_size, embedding_dim=embedding_dim,
                                                max_length=max_length, n_units=n_units))


def judge_imdb_lstm_model(data, vocab_size, embedding_dim, max_length, n_units):
    embeddings = layers_of(data, "Embedding")
    assert len(embeddings) == 1, f"The model should start with one Embedding layer; it has {len(embeddings)}."
    embedding = vocab_size * embedding_dim
    assert_count_params("The Embedding layer", embeddings[0]["params"], embedding,
                        f"vocab_size x embedding_dim = {vocab_size} x {embedding_dim}")
    bidirectional = layers_of(data, "Bidirectional")
    assert len(bidirectional) == 1 and bidirectional[0]["forward_layer"]["class"] == "LSTM", (
        "The model should have one Bidirectional(LSTM(n_units)) layer.")
    lstm = bidirectional[0]["forward_layer"]
    assert lstm["units"] == n_units, f"The LSTM has {lstm['units']} units; it should have n_units = {n_units}."
    one_direction = LSTM.count_params(embedding_dim, n_units)
    assert_count_params(f"Bidirectional(LSTM({n_units})) on {embedding_dim} features", bidirectional[0]["params"],
                        2 * one_direction, f"2 directions x {LSTM.count_formula(embedding_dim, n_units)}")
    dense = layers_of(data, "Dense")
    assert [layer["units"] for layer in dense] == [6, 1] and dense[-1]["activation"] == "sigmoid", (
        "After the LSTM come Dense(6, relu) and Dense(1, sigmoid).")
    dense_count = (2 * n_units * 6 + 6) + (6 + 1)
    assert_count_params("The model", data["params"], embedding + 2 * one_direction + dense_count,
                        f"{embedding:,} + {2 * one_direction:,} + {2 * n_units * 6 + 6} + 7")


imdb_lstm_model = Check("build_imdb_lstm_model: layers and parameters", collect_imdb_lstm_model, judge_imdb_lstm_model)
