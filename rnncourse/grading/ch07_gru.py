"""Checks for chapter 7: the GRU in NumPy (forward and backward step), its weights in Keras' layout, GRU parameter
counts, a trained GRU.

Each check is a ``Check(title, collect, judge)`` (see ``question.py``). The
expected values come from Keras' ``GRU`` holding the same weights
(``cells.GRU.build_keras_layer``): ``reset_after=False`` computes the course's
equations; the simplified GRU is the full one with its reset gate held at 1
(``W_r = 0``, ``b_r`` large). The backward step is compared with the gradients
``tf.GradientTape`` computes through that layer. Right values come from Keras
and ``cells.GRUCell``; likely mistakes are tables of wrong formulas
(``Mistake``) that ``diagnose`` tries when an answer is wrong.
"""

import numpy as np

from rnncourse.activations import sigmoid
from rnncourse.cells import GRU, random_problem
from rnncourse.grading.checks import (assert_close, assert_epoch_steps, assert_imdb_classifier, assert_shape,
                                      describe_model, held_out_accuracy)
from rnncourse.grading.loops import Loop, collect_loop, judge_loop, run_cell
from rnncourse.grading.question import Check, Mistake, diagnose
from rnncourse.keras_bridge import from_keras_sequence, keras_gru, keras_gru_forward, to_keras_sequence
from rnncourse.tasks import memory_task

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


def _right_step(x_t, c_prev, p):
    """``(c_next, gates)`` of the course's GRU: its equations are ``cells.GRUCell``'s, not written again here."""
    (c_next,), gates = GRU.step_with_gates(x_t, (c_prev,), p)
    return c_next, gates


def _forward_cache(x_t, c_prev, p):
    """The cache of one right step, as ``gru_cell_forward`` returns it, for the student's ``gru_cell_backward``.

    This runs in ``collect``, which runs in the grading sandbox, where the cell
    classes' steps are hidden (``rnncourse/references.py``): so the one step is
    written here, and tests/test_cells.py checks it against ``cells.GRUCell``.
    """
    stacked = np.concatenate([c_prev, x_t])
    Gamma_u = sigmoid(p["W_u"] @ stacked + p["b_u"])
    Gamma_r = sigmoid(p["W_r"] @ stacked + p["b_r"])
    c_tilde = np.tanh(p["W_c"] @ np.concatenate([Gamma_r * c_prev, x_t]) + p["b_c"])
    c_next = Gamma_u * c_tilde + (1 - Gamma_u) * c_prev
    return (c_next, c_prev, x_t, Gamma_u, Gamma_r, c_tilde, p)


# ---- wrong formulas of one step, as functions of the problem (x_t, c_prev, parameters) -----------
# Each starts from the right step (cells.GRUCell) and changes one thing.


def _shapes_allow(formula):
    """A wrong formula that only runs for some shapes (n_x == n_a, say) gives NaN for the others."""
    def wrong(problem):
        try:
            return formula(*problem)
        except ValueError:
            return np.full_like(problem[1], np.nan)
    return wrong


def _without(name):
    """The right step with one parameter left out (set to zero)."""
    return lambda x_t, c_prev, p: _right_step(x_t, c_prev, {**p, name: np.zeros_like(p[name])})[0]


def _swapped(x_t, c_prev, p):
    c_next, gates = _right_step(x_t, c_prev, p)
    return c_next + (1 - 2 * gates["Gamma_u"]) * (gates["c_tilde"] - c_prev)  # the two weights exchanged


def _other_candidate(candidate):
    """The right step with another candidate ``candidate(x_t, c_prev, p, Gamma_r)``; c_next is linear in it."""
    def formula(x_t, c_prev, p):
        c_next, gates = _right_step(x_t, c_prev, p)
        return c_next + gates["Gamma_u"] * (candidate(x_t, c_prev, p, gates["Gamma_r"]) - gates["c_tilde"])
    return formula


def _sigmoid_candidate(x_t, c_prev, p, Gamma_r):
    return sigmoid(p["W_c"] @ np.concatenate([Gamma_r * c_prev, x_t]) + p["b_c"])


def _reset_on_x(x_t, c_prev, p, Gamma_r):
    return np.tanh(p["W_c"] @ np.concatenate([c_prev, Gamma_r * x_t]) + p["b_c"])


def _reset_after_product(x_t, c_prev, p, Gamma_r):
    n_a = c_prev.shape[0]
    return np.tanh(Gamma_r * (p["W_c"][:, :n_a] @ c_prev) + p["W_c"][:, n_a:] @ x_t + p["b_c"])


SWAPPED = ("c_next mixes the two the wrong way round: see the last equation, which weight goes with c_tilde and "
           "which with c_prev?")


def _mistakes(full):
    """Wrong formulas of c_next; ``full``: the GRU with a reset gate (else the simplified one)."""
    problem = (lambda p: p) if full else _simplified
    def on(formula):
        return lambda args: formula(args[0], args[1], problem(args[2]))

    mistakes = [
        Mistake(SWAPPED, on(_swapped)),
        Mistake("c_tilde ignores the bias b_c.", on(_without("b_c"))),
        Mistake("Gamma_u ignores the bias b_u.", on(_without("b_u"))),
        Mistake("c_tilde looks like sigmoid(...): the candidate uses tanh, only the gates use sigmoid.",
                on(_other_candidate(_sigmoid_candidate))),
    ]
    if full:
        mistakes += [
            Mistake("the reset gate multiplies x_t: it gates only the memory, see the candidate's equation.",
                    _shapes_allow(_other_candidate(_reset_on_x))),
            Mistake("the reset gate multiplies W_cc @ c_prev, after the product: that is Keras' reset_after=True; "
                    "the course gates c_prev before the product (see the candidate's equation).",
                    _shapes_allow(_other_candidate(_reset_after_product))),
            Mistake("c_tilde ignores the reset gate Gamma_r (that is the simplified GRU).",
                    lambda args: _right_step(args[0], args[1], _simplified(args[2]))[0]),
        ]
    return mistakes


# ---- 1.1 and 1.2 One step: simplified and full --------------------------------------------------

CACHE_ITEMS = {False: ("c_next", "c_prev", "x_t", "Gamma_u", "c_tilde"),
               True: ("c_next", "c_prev", "x_t", "Gamma_u", "Gamma_r", "c_tilde")}
# Over a sequence (hidden cases), the cell runs in the course's own loop and is compared with Keras' GRU layer.
LOOP = Loop("gru_forward", "gru_cell_forward", outputs=("c",), start="c0")


def _collect_step(cell_forward, full, n_x, n_a, m, seed, T_x=None):
    parameters, x_t, c_prev = _problem(n_x, n_a, m, seed, T_x)
    if not full:  # the simplified cell must not need W_r and b_r
        parameters = {name: value for name, value in parameters.items() if name not in ("W_r", "b_r")}
    if T_x is not None:
        return run_cell(LOOP, cell_forward, x_t, c_prev, parameters)
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


def _judge_step(data, full, name, n_x, n_a, m, seed, T_x=None):
    parameters, x_t, c_prev = _problem(n_x, n_a, m, seed, T_x)
    p = parameters if full else _simplified(parameters)
    if T_x is not None:
        assert_close("c", data["c"], keras_gru_forward(x_t, c_prev, p), ATOL,
                     hint=f"{name} run over {T_x} steps from c0 (by the course's loop) gives other states than "
                          "Keras' GRU (reset_after=False) with the same weights.")
        return
    items = CACHE_ITEMS[full]
    assert data["returned"] == 2, f"{name} should return 2 values (c_next, cache), got {data['returned']}."
    assert_shape("c_next", data["c_next"], (n_a, m))
    expected = _keras_step(x_t, c_prev, p)
    diagnose("c_next", data["c_next"], expected, (x_t, c_prev, parameters), _mistakes(full), ATOL,
             "Keras' GRU with the same weights computes another c_next.")

    assert data["cache"] is not None, f"The cache should be the tuple ({', '.join(items)}, parameters)."
    cache = dict(zip(items, data["cache"]))
    values = {"c_next": expected, "c_prev": c_prev, "x_t": x_t, **_right_step(x_t, c_prev, p)[1]}
    for item in items:
        assert_close(f"cache item {item}", cache[item], values[item], ATOL,
                     hint=f"The cache is ({', '.join(items)}, parameters).")
    assert data["cache_holds_parameters"], "The last item of the cache should be the `parameters` dictionary."


def collect_simplified_gru_cell_forward(simplified_gru_cell_forward, n_x, n_a, m, seed, T_x=None):
    return _collect_step(simplified_gru_cell_forward, False, n_x, n_a, m, seed, T_x)


def judge_simplified_gru_cell_forward(data, n_x, n_a, m, seed, T_x=None):
    _judge_step(data, False, "simplified_gru_cell_forward", n_x, n_a, m, seed, T_x)


simplified_gru_cell_forward = Check("simplified_gru_cell_forward", collect_simplified_gru_cell_forward,
                                    judge_simplified_gru_cell_forward)


def collect_gru_cell_forward(gru_cell_forward, n_x, n_a, m, seed, T_x=None):
    return _collect_step(gru_cell_forward, True, n_x, n_a, m, seed, T_x)


def judge_gru_cell_forward(data, n_x, n_a, m, seed, T_x=None):
    _judge_step(data, True, "gru_cell_forward", n_x, n_a, m, seed, T_x)


gru_cell_forward = Check("gru_cell_forward", collect_gru_cell_forward, judge_gru_cell_forward)


# ---- 1.3 The loop ---------------------------------------------------------------------------------


def collect_gru_forward(gru_forward, n_x, n_a, m, T_x, seed):
    parameters, x, c0 = _problem(n_x, n_a, m, seed, T_x)
    return collect_loop(LOOP, gru_forward, x, c0, parameters, (n_a,))


def judge_gru_forward(data, n_x, n_a, m, T_x, seed):
    _, x, c0 = _problem(n_x, n_a, m, seed, T_x)
    judge_loop(LOOP, data, x, c0, (n_a,))


gru_forward = Check("gru_forward", collect_gru_forward, judge_gru_forward)


# ---- 1.4 The backward step, against tf.GradientTape ------------------------------------------------
# The student works the derivatives out from the forward equations; the expected gradients are the tape's,
# through Keras' GRU (reset_after=False) holding the same weights in float64, mapped back to the course's names.

CELL_GRADIENTS = ("dW_c", "db_c", "dW_u", "db_u", "dW_r", "db_r", "dc_prev", "dxt")  # in the order they are computed
GRADIENT_ATOL = 1e-7


def _dc_next(n_a, m, seed):
    """The gradient that reaches c_next from the layers above and the later steps."""
    return np.random.default_rng(seed + 2).standard_normal((n_a, m))


def _tape_gradients(parameters, x_t, c_prev, dc_next):
    """The gradients of J = sum(dc_next * c_next) through Keras' GRU, by ``tf.GradientTape``, in course names."""
    import tensorflow as tf

    layer = keras_gru(parameters)
    inputs = [tf.constant(x_t.T[:, None, :]), tf.constant(c_prev.T)]  # one step: (m, 1, n_x), and (m, n_a)
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        J = tf.reduce_sum(layer(inputs[0], initial_state=[inputs[1]]) * dc_next.T)
    d_x, d_c_prev, *d_weights = tape.gradient(J, inputs + list(layer.trainable_weights))
    gradients = {f"d{name}": value for name, value in GRU.course_parameters([np.asarray(w) for w in d_weights]).items()}
    gradients.update(dxt=np.asarray(d_x)[:, 0, :].T, dc_prev=np.asarray(d_c_prev).T)
    return gradients


def _wrong_backward(update_sign=1.0, tanh_at_c_next=False, reset_path=True, direct_path=True):
    """The gradients a plausible wrong backward step gives, as a function of (x_t, c_prev, parameters, dc_next)."""
    def gradients(problem):
        x_t, c_prev, p, dc_next = problem
        n_a = c_prev.shape[0]
        c_next, gates = _right_step(x_t, c_prev, p)
        Gamma_u, Gamma_r, c_tilde = gates["Gamma_u"], gates["Gamma_r"], gates["c_tilde"]
        tanh_value = c_next if tanh_at_c_next else c_tilde
        dz_c = dc_next * Gamma_u * (1 - tanh_value ** 2)
        dz_u = update_sign * dc_next * (c_tilde - c_prev) * Gamma_u * (1 - Gamma_u)
        d_reset_column = p["W_c"].T @ dz_c
        dz_r = d_reset_column[:n_a] * c_prev * Gamma_r * (1 - Gamma_r)
        d_column = p["W_u"].T @ dz_u + p["W_r"].T @ dz_r
        columns = {"u": np.concatenate([c_prev, x_t]), "r": np.concatenate([c_prev, x_t]),
                   "c": np.concatenate([Gamma_r * c_prev, x_t])}
        result = {}
        for gate, dz in (("u", dz_u), ("r", dz_r), ("c", dz_c)):
            result[f"dW_{gate}"] = dz @ columns[gate].T
            result[f"db_{gate}"] = np.sum(dz, axis=1, keepdims=True)
        result["dc_prev"] = (d_column[:n_a] + (d_reset_column[:n_a] * Gamma_r if reset_path else 0)
                             + (dc_next * (1 - Gamma_u) if direct_path else 0))
        result["dxt"] = d_column[n_a:] + d_reset_column[n_a:]
        return result
    return gradients


BACKWARD_MISTAKES = [
    Mistake("the update gate's derivative has the wrong sign: in the last equation, which of c_tilde and c_prev "
            "grows with Gamma_u?", _wrong_backward(update_sign=-1.0)),
    Mistake("tanh' is taken at c_next: the tanh is the candidate's (see its equation), so its derivative is taken "
            "at c_tilde.", _wrong_backward(tanh_at_c_next=True)),
    Mistake("dc_prev misses the reset gate's path: c_prev also reaches c_next through the candidate, gated by "
            "Gamma_r (see the candidate's equation).", _wrong_backward(reset_path=False)),
    Mistake("dc_prev misses the direct path: c_prev is also kept in c_next through (1 - Gamma_u) (see the last "
            "equation).", _wrong_backward(direct_path=False)),
]
BACKWARD_HINTS = {
    "dW_c": "the candidate's weights multiply the column [Gamma_r * c_prev; x_t] (see the candidate's equation).",
    "dW_u": "dc_next reaches Gamma_u through the last equation, then its sigmoid.",
    "dW_r": "Gamma_r acts only through the candidate: from dz_c back through W_c, on the rows that multiply c_prev.",
    "dc_prev": "c_prev reaches c_next by three paths: directly, through the candidate (gated by Gamma_r), and "
               "through the gates' stacked column [c_prev; x_t]; add them.",
    "dxt": "x_t reaches c_next through the candidate's column and through the gates' stacked column; add them.",
}


def collect_gru_cell_backward(gru_cell_backward, n_x, n_a, m, seed):
    parameters, x_t, c_prev = _problem(n_x, n_a, m, seed)
    gradients = gru_cell_backward(_dc_next(n_a, m, seed), _forward_cache(x_t, c_prev, parameters))
    return {name: np.asarray(value, dtype=float) for name, value in dict(gradients).items()}


def _assert_bias_summed(name, value, n_a, m):
    if name.startswith("db_") and m > 1 and np.shape(value) in ((n_a, m), (m, n_a)):
        raise AssertionError(f"`{name}` has one column per example, shape {np.shape(value)}: a bias is shared by "
                             f"the m examples of the batch, so its gradient is summed over them (shape ({n_a}, 1)).")
    if name.startswith("db_") and np.shape(value) == (n_a,):
        raise AssertionError(f"`{name}` has shape ({n_a},): sum over the examples with keepdims=True, shape ({n_a}, 1).")


def judge_gru_cell_backward(data, n_x, n_a, m, seed):
    parameters, x_t, c_prev = _problem(n_x, n_a, m, seed)
    dc_next = _dc_next(n_a, m, seed)
    expected = _tape_gradients(parameters, x_t, c_prev, dc_next)
    for name in CELL_GRADIENTS:
        assert name in data, f"The gradients should include {name!r}; they have {sorted(data)}."
        _assert_bias_summed(name, data[name], n_a, m)
        assert_shape(name, data[name], np.shape(expected[name]))
    problem = (x_t, c_prev, parameters, dc_next)
    for name in CELL_GRADIENTS:
        mistakes = [Mistake(mistake.hint, lambda problem, wrong=mistake.wrong, name=name: wrong(problem)[name])
                    for mistake in BACKWARD_MISTAKES]
        diagnose(name, data[name], expected[name], problem, mistakes, GRADIENT_ATOL,
                 BACKWARD_HINTS.get(name, "") + " (Compared with tf.GradientTape through Keras' GRU, reset_after=False, "
                 "holding the same weights.)")


gru_cell_backward = Check("gru_cell_backward", collect_gru_cell_backward, judge_gru_cell_backward)


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
    Mistake("the update gate is not negated: Keras' z is 1 - Gamma_u (the third difference above the exercise), "
            "and sigmoid(-v) = 1 - sigmoid(v).", lambda right: _not_negated(right)),
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


def judge_gru_parameter_count(data, sizes):
    for n_x, n_a in sizes:
        for reset_after in (False, True):
            expected = GRU.keras_count_params(n_x, n_a, reset_after=reset_after)
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
    assert_imdb_classifier(data, "GRU", vocab_size, embedding_dim, n_units)


imdb_model = Check("build_imdb_model: layers and parameters", collect_imdb_model, judge_imdb_model)


# ---- 3.2 Training: remember the first input ---------------------------------------------------------


def collect_memory_accuracy(model, history, n_sequences, T_x, seed, **training):
    x, _ = memory_task(n_sequences, T_x, seed)
    return {"probabilities": np.asarray(model.predict(x, verbose=0), dtype=float).reshape(-1),
            "steps": history.params.get("steps")}


def judge_memory_accuracy(data, n_sequences, T_x, seed, train_sequences, batch_size, min_accuracy):
    assert_epoch_steps(data["steps"], train_sequences, batch_size)
    _, y = memory_task(n_sequences, T_x, seed)
    accuracy = held_out_accuracy(data["probabilities"], y, "sequences")
    assert accuracy >= min_accuracy, (
        f"The model tells the first input of {accuracy:.1%} of {n_sequences:,} new sequences; it should reach "
        f"{min_accuracy:.0%} (guessing gets 50%).")
    print(f"first input recalled for {accuracy:.1%} of {n_sequences:,} new sequences")


memory_accuracy = Check("a GRU that remembers the first input", collect_memory_accuracy, judge_memory_accuracy)
