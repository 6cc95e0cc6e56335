"""Checks for chapter 7: the GRU in NumPy, its weights in Keras' layout, GRU parameter counts, a trained GRU.

Each check is a ``Check(title, collect, judge)`` (see ``question.py``). The
expected values come from Keras' ``GRU`` holding the same weights
(``cells.GRU.build_keras_layer``): ``reset_after=False`` computes the course's
equations; the simplified GRU is the full one with its reset gate held at 1
(``W_r = 0``, ``b_r`` large). Likely mistakes are tables of wrong formulas
(``Mistake``) that ``diagnose`` tries when an answer is wrong.
"""

import numpy as np

from rnncourse.activations import sigmoid
from rnncourse.cells import GRU, random_problem
from rnncourse.grading.checks import (assert_close, assert_count_params, assert_epoch_steps, assert_shape,
                                      describe_model, layers_of)
from rnncourse.grading.question import Check, Mistake, Recorder, diagnose, stand_in
from rnncourse.keras_bridge import from_keras_sequence, keras_gru_forward, to_keras_sequence

# float64 NumPy against float64 Keras agree to about 1e-15.
ATOL = 1e-8
# sigmoid(40) is 1 - 4e-18, which is 1.0 in float64: a reset gate that lets everything through.
OPEN = 40.0


def _problem(n_x, n_a, m, seed, T_x=None):
    parameters, x, c_prev = random_problem(n_x, n_a, 1, m, seed, T_x, cell=GRU)
    return {name: value for name, value in parameters.items() if name in GRU.parameter_shapes(n_x, n_a)}, x, c_prev


def _simplified(parameters):
    """The full GRU's parameters with the reset gate held open: the simplified GRU."""
    return {**parameters, "W_r": np.zeros_like(parameters["W_r"]), "b_r": np.full_like(parameters["b_r"], OPEN)}


def _keras_step(x_t, c_prev, parameters, reset_after=False):
    return keras_gru_forward(x_t[:, :, None], c_prev, parameters, reset_after)[:, :, 0]


# ---- wrong formulas of one step, as functions of the problem (x_t, c_prev, parameters) -----------


def _gates(x_t, c_prev, p):
    n_a = c_prev.shape[0]
    stacked = np.concatenate([c_prev, x_t])
    Gamma_u = sigmoid(p["W_u"] @ stacked + p["b_u"])
    Gamma_r = sigmoid(p["W_r"] @ stacked + p["b_r"])
    return n_a, stacked, Gamma_u, Gamma_r


def _candidate(x_t, c_prev, p, reset=True, bias=True, activation=np.tanh):
    n_a, _, _, Gamma_r = _gates(x_t, c_prev, p)
    gated = Gamma_r * c_prev if reset else c_prev
    return activation(p["W_c"] @ np.concatenate([gated, x_t]) + (p["b_c"] if bias else 0))


def _mix(Gamma_u, c_tilde, c_prev, swapped=False):
    return (1 - Gamma_u) * c_tilde + Gamma_u * c_prev if swapped else Gamma_u * c_tilde + (1 - Gamma_u) * c_prev


def _shapes_allow(formula):
    """A wrong formula that only runs for some shapes (n_x == n_a, say) gives NaN for the others."""
    def wrong(problem):
        try:
            return formula(*problem)
        except ValueError:
            return np.full_like(problem[1], np.nan)
    return wrong


def _reset_on_x(x_t, c_prev, p):
    n_a, _, Gamma_u, Gamma_r = _gates(x_t, c_prev, p)
    c_tilde = np.tanh(p["W_c"] @ np.concatenate([c_prev, Gamma_r * x_t]) + p["b_c"])
    return _mix(Gamma_u, c_tilde, c_prev)


def _reset_after_product(x_t, c_prev, p):
    n_a, _, Gamma_u, Gamma_r = _gates(x_t, c_prev, p)
    c_tilde = np.tanh(Gamma_r * (p["W_c"][:, :n_a] @ c_prev) + p["W_c"][:, n_a:] @ x_t + p["b_c"])
    return _mix(Gamma_u, c_tilde, c_prev)


def _step(reset=True, swapped=False, update_bias=True, **candidate):
    def formula(x_t, c_prev, p):
        n_a, stacked, Gamma_u, _ = _gates(x_t, c_prev, p)
        if not update_bias:
            Gamma_u = sigmoid(p["W_u"] @ stacked)
        return _mix(Gamma_u, _candidate(x_t, c_prev, p, reset, **candidate), c_prev, swapped)
    return _shapes_allow(formula)


SWAPPED = "c_next mixes the two the wrong way round: c = Gamma_u * c_tilde + (1 - Gamma_u) * c_prev."


def _mistakes(full):
    """Wrong formulas of c_next; ``full``: the GRU with a reset gate (else the simplified one)."""
    problem = (lambda p: p) if full else _simplified
    def on(formula):
        return lambda args: formula((args[0], args[1], problem(args[2])))

    mistakes = [
        Mistake(SWAPPED, on(_step(reset=full, swapped=True))),
        Mistake("c_tilde ignores the bias b_c.", on(_step(reset=full, bias=False))),
        Mistake("Gamma_u ignores the bias b_u.", on(_step(reset=full, update_bias=False))),
        Mistake("c_tilde looks like sigmoid(...): the candidate uses tanh, only the gates use sigmoid.",
                on(_step(reset=full, activation=sigmoid))),
    ]
    if full:
        mistakes += [
            Mistake("the reset gate multiplies x_t: it gates only the memory, "
                    "c_tilde = tanh(W_c [Gamma_r * c_prev; x_t] + b_c).", _shapes_allow(_reset_on_x)),
            Mistake("the reset gate multiplies W_cc @ c_prev, after the product: that is Keras' reset_after=True; "
                    "the course gates c_prev before it, tanh(W_c [Gamma_r * c_prev; x_t] + b_c).",
                    _shapes_allow(_reset_after_product)),
            Mistake("c_tilde ignores the reset gate Gamma_r (that is the simplified GRU).", _step(reset=False)),
        ]
    return mistakes


# ---- 1.1 and 1.2 One step: simplified and full --------------------------------------------------

CACHE_ITEMS = {False: ("c_next", "c_prev", "x_t", "Gamma_u", "c_tilde"),
               True: ("c_next", "c_prev", "x_t", "Gamma_u", "Gamma_r", "c_tilde")}


def _collect_step(cell_forward, full, n_x, n_a, m, seed):
    parameters, x_t, c_prev = _problem(n_x, n_a, m, seed)
    if not full:  # the simplified cell must not need W_r and b_r
        parameters = {name: value for name, value in parameters.items() if name not in ("W_r", "b_r")}
    result = cell_forward(x_t, c_prev, parameters)
    data = {"returned": len(result) if isinstance(result, (tuple, list)) else type(result).__name__}
    if data["returned"] != 2:
        return data
    c_next, cache = result
    data["c_next"] = np.asarray(c_next, dtype=float)
    items = CACHE_ITEMS[full]
    cache_ok = isinstance(cache, (tuple, list)) and len(cache) == len(items) + 1
    data["cache"] = [np.asarray(item, dtype=float) for item in cache[:-1]] if cache_ok else None
    data["cache_holds_parameters"] = bool(cache_ok and cache[-1] is parameters)
    return data


def _judge_step(data, full, name, n_x, n_a, m, seed):
    parameters, x_t, c_prev = _problem(n_x, n_a, m, seed)
    items = CACHE_ITEMS[full]
    assert data["returned"] == 2, f"{name} should return 2 values (c_next, cache), got {data['returned']}."
    assert_shape("c_next", data["c_next"], (n_a, m))
    expected = _keras_step(x_t, c_prev, parameters if full else _simplified(parameters))
    diagnose("c_next", data["c_next"], expected, (x_t, c_prev, parameters), _mistakes(full), ATOL,
             "Keras' GRU with the same weights computes another c_next.")

    assert data["cache"] is not None, f"The cache should be the tuple ({', '.join(items)}, parameters)."
    cache = dict(zip(items, data["cache"]))
    p = parameters if full else _simplified(parameters)
    _, _, Gamma_u, Gamma_r = _gates(x_t, c_prev, p)
    values = {"c_next": expected, "c_prev": c_prev, "x_t": x_t, "Gamma_u": Gamma_u, "Gamma_r": Gamma_r,
              "c_tilde": _candidate(x_t, c_prev, p)}
    for item in items:
        assert_close(f"cache item {item}", cache[item], values[item], ATOL,
                     hint=f"The cache is ({', '.join(items)}, parameters).")
    assert data["cache_holds_parameters"], "The last item of the cache should be the `parameters` dictionary."


def collect_simplified_gru_cell_forward(simplified_gru_cell_forward, n_x, n_a, m, seed):
    return _collect_step(simplified_gru_cell_forward, False, n_x, n_a, m, seed)


def judge_simplified_gru_cell_forward(data, n_x, n_a, m, seed):
    _judge_step(data, False, "simplified_gru_cell_forward", n_x, n_a, m, seed)


simplified_gru_cell_forward = Check("simplified_gru_cell_forward", collect_simplified_gru_cell_forward,
                                    judge_simplified_gru_cell_forward)


def collect_gru_cell_forward(gru_cell_forward, n_x, n_a, m, seed):
    return _collect_step(gru_cell_forward, True, n_x, n_a, m, seed)


def judge_gru_cell_forward(data, n_x, n_a, m, seed):
    _judge_step(data, True, "gru_cell_forward", n_x, n_a, m, seed)


gru_cell_forward = Check("gru_cell_forward", collect_gru_cell_forward, judge_gru_cell_forward)


# ---- 1.3 The loop ---------------------------------------------------------------------------------


def _stand_in_step(t, x_t, c_prev):
    """A cell whose output depends on the step, the input and the previous memory, so that a
    missing, repeated or misplaced step shows in the result."""
    return 0.5 * c_prev + np.sum(x_t, axis=0) + t


def collect_gru_forward(gru_forward, n_x, n_a, m, T_x, seed):
    parameters, x, c0 = _problem(n_x, n_a, m, seed, T_x)

    def cell(t, x_t, c_prev, parameters):
        return _stand_in_step(t, np.asarray(x_t), np.asarray(c_prev)), ("cache of step", t)

    with stand_in(gru_forward, "gru_cell_forward", Recorder(cell)) as recorder:
        c, caches = gru_forward(x, c0, parameters)
    step_caches, cached_x = caches
    return {
        "calls": [call[:2] for call in recorder.calls],
        "c": np.asarray(c, dtype=float),
        "step_caches": [list(cache) if isinstance(cache, tuple) else repr(cache)[:80] for cache in step_caches],
        "caches_hold_x": cached_x is x,
    }


ZEROS_FOR_C0 = Mistake("the first step received zeros as c_prev: start from the given c0.", np.zeros_like)


def judge_gru_forward(data, n_x, n_a, m, T_x, seed):
    _, x, c0 = _problem(n_x, n_a, m, seed, T_x)
    calls = data["calls"]
    assert len(calls) == T_x, (
        f"gru_forward should call gru_cell_forward once per time step (T_x = {T_x} times); it called it {len(calls)} times.")
    assert_shape("c", data["c"], (n_a, m, T_x))
    c_prev = c0
    for t, (x_t_seen, c_prev_seen) in enumerate(calls):
        assert_close(f"x_t at step {t}", x_t_seen, x[:, :, t], 0, hint=f"Step {t} should receive x[:, :, {t}].")
        diagnose(f"c_prev at step {t}", c_prev_seen, c_prev, c0, [ZEROS_FOR_C0] if t == 0 else [], 0,
                 "The first step starts from c0; each later step gets the c_next of the step before.")
        c_prev = _stand_in_step(t, x[:, :, t], c_prev)
        assert_close(f"c[:, :, {t}]", data["c"][:, :, t], c_prev, 0, hint=f"Store the c_next of step {t} in c[:, :, {t}].")
    assert data["step_caches"] == [["cache of step", t] for t in range(T_x)], (
        "caches[0] should be the list of the caches returned by each step, in order.")
    assert data["caches_hold_x"], "caches[1] should be the input x."


gru_forward = Check("gru_forward", collect_gru_forward, judge_gru_forward)


# ---- 1.4 Against Keras' GRU ----------------------------------------------------------------------


def collect_gru_forward_matches_keras(gru_forward, n_x, n_a, m, T_x, seed):
    parameters, x, c0 = _problem(n_x, n_a, m, seed, T_x)
    c, _ = gru_forward(x, c0, parameters)
    return {"c": np.asarray(c, dtype=float)}


def judge_gru_forward_matches_keras(data, n_x, n_a, m, T_x, seed):
    parameters, x, c0 = _problem(n_x, n_a, m, seed, T_x)
    assert_close("c", data["c"], keras_gru_forward(x, c0, parameters), ATOL,
                 hint="Keras' GRU (reset_after=False) with the same weights and initial state c0 computes other states.")


gru_forward_matches_keras = Check("gru_forward against Keras GRU", collect_gru_forward_matches_keras,
                                  judge_gru_forward_matches_keras)


# ---- 2 The course's weights in Keras' layout -------------------------------------------------------


def collect_gru_keras_weights(gru_keras_weights, n_x, n_a, seed):
    parameters, _, _ = _problem(n_x, n_a, 1, seed)
    result = {}
    for reset_after in (False, True):
        weights = gru_keras_weights(parameters, reset_after=reset_after)
        result[str(reset_after)] = [np.asarray(w, dtype=float) for w in weights] if isinstance(weights, (list, tuple)) \
            else type(weights).__name__
    return result


def _keras_output(weights, x, c0, reset_after):
    import keras

    n_x, n_a = weights[0].shape[0], weights[1].shape[0]
    layer = keras.layers.GRU(n_a, reset_after=reset_after, return_sequences=True, dtype="float64")
    layer.build((None, None, n_x))
    layer.set_weights(weights)
    return from_keras_sequence(np.asarray(layer(to_keras_sequence(x), initial_state=[c0.T])))


def _blocks(weights, order):
    """Keras weights with their three gate blocks (last axis) put in ``order`` (0, 1, 2 = z, r, h)."""
    def reorder(w):
        blocks = np.split(np.asarray(w), 3, axis=-1)
        return np.concatenate([blocks[k] for k in order], axis=-1)
    return [reorder(w) for w in weights]


def _not_negated(weights):
    n_a = weights[1].shape[0]
    sign = np.concatenate([-np.ones(n_a), np.ones(2 * n_a)])
    return [w * sign for w in weights]


MIXED_UP = "the gates are mixed up: Keras' order is z, r, h (update, reset, candidate)."
MAPPING_MISTAKES = [
    Mistake("the update gate is not negated: Keras' z is 1 - Gamma_u = sigmoid(-(W_u [c_prev; x_t] + b_u)), so its "
            "blocks are those of -W_u and -b_u.", lambda right: _not_negated(right)),
    *(Mistake(MIXED_UP, lambda right, order=order: _blocks(right, order))
      for order in ((1, 0, 2), (0, 2, 1), (2, 1, 0), (1, 2, 0), (2, 0, 1))),
    *(Mistake(MIXED_UP + " The update gate is not negated either.",
              lambda right, order=order: _blocks(_not_negated(right), order))
      for order in ((1, 0, 2), (0, 2, 1), (2, 1, 0), (1, 2, 0), (2, 0, 1))),
]
BLOCKS_SWAPPED = ("Check the blocks: the first n_a columns of each W_g multiply c_prev (recurrent_kernel), the others "
                  "x_t (kernel), and Keras multiplies from the right, so each block is transposed.")


def judge_gru_keras_weights(data, n_x, n_a, seed):
    parameters, _, _ = _problem(n_x, n_a, 1, seed)
    rng = np.random.default_rng(seed + 1)
    x, c0 = rng.standard_normal((n_x, 3, 4)), rng.standard_normal((n_a, 3))
    for reset_after in (False, True):
        setting = f"reset_after={reset_after}"
        weights = data[str(reset_after)]
        assert isinstance(weights, list) and len(weights) == 3, (
            f"With {setting}, gru_keras_weights should return [kernel, recurrent_kernel, bias], got {weights!r:.80}.")
        kernel, recurrent_kernel, bias = weights
        assert np.shape(kernel) != (3 * n_a, n_x) and np.shape(kernel) != (n_a, 3 * n_x), (
            f"kernel ({setting}) has shape {np.shape(kernel)}: Keras multiplies from the right, x_t @ kernel, so each "
            f"block is transposed, W_g[:, n_a:].T of shape (n_x, n_a), and the kernel is (n_x, 3 n_a) = {(n_x, 3 * n_a)}.")
        assert_shape(f"kernel ({setting})", kernel, (n_x, 3 * n_a))
        assert_shape(f"recurrent_kernel ({setting})", recurrent_kernel, (n_a, 3 * n_a))
        assert_shape(f"bias ({setting})", bias, (2, 3 * n_a) if reset_after else (3 * n_a,))
        right = GRU.keras_weights(parameters, reset_after)
        actual = _keras_output(weights, x, c0, reset_after)
        expected = _keras_output(right, x, c0, reset_after)
        if np.allclose(actual, expected, atol=ATOL):
            continue
        for mistake in MAPPING_MISTAKES:
            if np.allclose(actual, _keras_output(mistake.wrong(right), x, c0, reset_after), atol=ATOL):
                raise AssertionError(f"With {setting}: {mistake.hint}")
        if reset_after:
            assert np.allclose(bias[1, 2 * n_a:], 0, atol=ATOL), (
                "With reset_after=True Keras multiplies the second (recurrent) bias row's candidate block by the "
                "reset gate: put b_c in the first (input) row and zeros in the second.")
        assert_close(f"Keras' GRU output with your weights ({setting})", actual, expected, ATOL, hint=BLOCKS_SWAPPED)


gru_keras_weights = Check("gru_keras_weights", collect_gru_keras_weights, judge_gru_keras_weights)


# ---- 3.1 Parameter counts -------------------------------------------------------------------------


def collect_gru_parameter_count(gru_parameter_count, sizes):
    return {f"{n_x},{n_a},{reset_after}": gru_parameter_count(n_x, n_a, reset_after=reset_after)
            for n_x, n_a in sizes for reset_after in (False, True)}


def _keras_count(layer_class, n_x, n_a, **options):
    import keras

    layer = getattr(keras.layers, layer_class)(n_a, **options)
    layer.build((None, None, n_x))
    return int(layer.count_params())


def judge_gru_parameter_count(data, sizes):
    for n_x, n_a in sizes:
        for reset_after in (False, True):
            expected = _keras_count("GRU", n_x, n_a, reset_after=reset_after)
            actual = data[f"{n_x},{n_a},{reset_after}"]
            bias_vectors = 2 if reset_after else 1
            assert actual == expected, (
                f"gru_parameter_count({n_x}, {n_a}, reset_after={reset_after}) is {actual!r}; Keras' GRU has "
                f"{expected:,} parameters = {GRU.count_formula(n_x, n_a, bias_vectors)}"
                + (" (two bias vectors per gate with reset_after=True)." if reset_after else "."))


gru_parameter_count = Check("gru_parameter_count", collect_gru_parameter_count, judge_gru_parameter_count)


def collect_imdb_model(build_imdb_model, vocab_size, embedding_dim, max_length, n_units):
    model = build_imdb_model(vocab_size=vocab_size, embedding_dim=embedding_dim, max_length=max_length, n_units=n_units)
    return describe_model(model)


def judge_imdb_model(data, vocab_size, embedding_dim, max_length, n_units):
    embeddings = layers_of(data, "Embedding")
    assert len(embeddings) == 1, f"The model should start with one Embedding layer; it has {len(embeddings)}."
    embedding = vocab_size * embedding_dim
    assert_count_params("The Embedding layer", embeddings[0]["params"], embedding,
                        f"vocab_size x embedding_dim = {vocab_size} x {embedding_dim}")
    bidirectional = layers_of(data, "Bidirectional")
    assert len(bidirectional) == 1 and bidirectional[0]["forward_layer"]["class"] == "GRU", (
        "The model should have one Bidirectional(GRU(n_units)) layer.")
    gru = bidirectional[0]["forward_layer"]
    assert gru["units"] == n_units, f"The GRU has {gru['units']} units; it should have n_units = {n_units}."
    one_direction = GRU.count_params(embedding_dim, n_units, bias_vectors=2)
    assert_count_params(f"Bidirectional(GRU({n_units})) on {embedding_dim} features", bidirectional[0]["params"],
                        2 * one_direction,
                        f"2 directions x {GRU.count_formula(embedding_dim, n_units, 2)} (reset_after=True, Keras' default)")
    dense = [layer for layer in data["layers"] if layer["class"] == "Dense"]
    assert [layer["units"] for layer in dense] == [6, 1] and dense[-1]["activation"] == "sigmoid", (
        "After the GRU come Dense(6, relu) and Dense(1, sigmoid).")
    dense_count = (2 * n_units * 6 + 6) + (6 + 1)
    assert_count_params("The model", data["params"], embedding + 2 * one_direction + dense_count,
                        f"{embedding:,} + {2 * one_direction:,} + {2 * n_units * 6 + 6} + 7")


imdb_model = Check("build_imdb_model: layers and parameters", collect_imdb_model, judge_imdb_model)


# ---- 3.2 Training: remember the first input ---------------------------------------------------------


def memory_task(n_sequences, T_x, seed):
    """``(x, y)``: ``x`` is ``(n_sequences, T_x, 1)``, noise except the first step, which is +1 or -1; ``y`` says which.

    To answer at the end, a recurrent layer must carry the first value across
    ``T_x - 1`` steps of noise.
    """
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n_sequences)
    x = rng.standard_normal((n_sequences, T_x, 1))
    x[:, 0, 0] = 2.0 * y - 1.0
    return x.astype("float32"), y


def collect_memory_accuracy(model, history, n_sequences, T_x, seed, **training):
    x, _ = memory_task(n_sequences, T_x, seed)
    return {"probabilities": np.asarray(model.predict(x, verbose=0), dtype=float).reshape(-1),
            "steps": history.params.get("steps")}


def judge_memory_accuracy(data, n_sequences, T_x, seed, train_sequences, batch_size, min_accuracy):
    assert_epoch_steps(data["steps"], train_sequences, batch_size)
    _, y = memory_task(n_sequences, T_x, seed)
    probabilities = data["probabilities"]
    assert probabilities.shape == y.shape, f"The model gives {probabilities.size} predictions for {y.size} sequences."
    accuracy = float(np.mean((probabilities > 0.5) == y))
    assert accuracy >= min_accuracy, (
        f"The model tells the first input of {accuracy:.1%} of {n_sequences:,} new sequences; it should reach "
        f"{min_accuracy:.0%} (guessing gets 50%).")
    print(f"first input recalled for {accuracy:.1%} of {n_sequences:,} new sequences")


memory_accuracy = Check("a GRU that remembers the first input", collect_memory_accuracy, judge_memory_accuracy)
