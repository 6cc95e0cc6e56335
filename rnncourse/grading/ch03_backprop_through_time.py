"""Checks for chapter 3: backpropagation through time in NumPy, and custom training with GradientTape.

Each check is a ``Check(title, collect, judge)`` (see ``question.py``): ``collect``
runs the student's code on a case and returns plain data, ``judge`` compares
them with TensorFlow: the loss with ``handouts.course_loss`` (the
cross-entropy computed by TensorFlow, summed over the steps and averaged
over the examples), the gradients with ``tf.GradientTape`` on a Keras ``SimpleRNN`` +
``Dense(softmax)`` holding the same weights (float64), confirmed by a numerical
gradient check. Loops are checked with a stand-in for the function they call
(``question.stand_in``), so that a bug in that function is not charged twice;
likely mistakes are tables of ``Mistake`` (``question.diagnose``).
"""

import math

import numpy as np

from rnncourse.activations import softmax
from rnncourse.cells import random_problem
from rnncourse.handouts import caches_of, course_loss, fibonacci_model, keras_course_loss, one_hot_targets
from rnncourse.grading.checks import assert_close, assert_shape
from rnncourse.grading.question import Check, Mistake, Recorder, diagnose, stand_in
from rnncourse.keras_bridge import (
    dense_weights,
    from_keras_sequence,
    keras_rnn_forward,
    keras_simple_rnn,
    keras_softmax_output,
    simple_rnn_weights,
    to_keras_sequence,
)

# NumPy and TensorFlow, both in float64, agree to about 1e-15 on these small problems.
ATOL = 1e-8
# Central differences with step EPSILON are exact to about 1e-9 here: a relative tolerance of 1e-6.
EPSILON = 1e-6
NUMERICAL_RTOL = 1e-6
# Keras models train in float32.
FLOAT32_TOL = 1e-5

CELL_GRADIENTS = ("dx_t", "da_prev", "dW_ax", "dW_aa", "db_a")
GRADIENTS = ("dx", "da0", "dW_ax", "dW_aa", "db_a", "dW_ya", "db_y")


def _plain(value):
    """A student's number or array as a float array, or the name of its type when it is neither."""
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return type(value).__name__


def _gradients_data(result, names):
    """The arrays of a returned dictionary of gradients, and what is missing from it."""
    if not isinstance(result, dict):
        return {"type": type(result).__name__}
    return {"type": "dict", "missing": [name for name in names if name not in result],
            "gradients": {name: _plain(result[name]) for name in names if name in result}}


def _gradients(data, names, what):
    assert data["type"] == "dict", f"{what} should return a dictionary of gradients, got a {data['type']}."
    assert not data["missing"], (
        f"The gradients returned by {what} lack the keys {data['missing']}; expected keys {list(names)}.")
    for name, value in data["gradients"].items():
        assert not isinstance(value, str), f"{what} returned a {value} as {name}, not an array."
    return data["gradients"]


# ---- TensorFlow computes the same things ------------------------------------------------


class _KerasRNN:
    """A Keras ``SimpleRNN`` (+ ``Dense(softmax)``) in float64 that holds the course's parameters."""

    def __init__(self, parameters):
        self.rnn = keras_simple_rnn(parameters, return_sequences=True)
        self.output = keras_softmax_output(parameters)

    def set(self, parameters):
        self.rnn.set_weights(simple_rnn_weights(parameters))
        self.output.set_weights(dense_weights(parameters["W_ya"], parameters["b_y"]))

    def variables(self):
        """In the order of GRADIENTS[2:]: kernel (W_ax.T), recurrent kernel (W_aa.T), bias, Dense kernel, bias."""
        return [*self.rnn.trainable_variables, *self.output.trainable_variables]

    def loss(self, x, a0, y):
        """J of the course (a tensor) for Keras-layout ``x`` and ``a0``."""
        return keras_course_loss(to_keras_sequence(y), self.output(self.rnn(x, initial_state=[a0])))


def _course_gradients(keras_gradients):
    """Keras-layout gradients (x, a0, kernel, recurrent kernel, bias, Dense kernel, bias) -> course layout."""
    g = [np.asarray(gradient) for gradient in keras_gradients]
    return {
        "dx": from_keras_sequence(g[0]), "da0": g[1].T, "dW_ax": g[2].T, "dW_aa": g[3].T,
        "db_a": g[4][:, None], "dW_ya": g[5].T, "db_y": g[6][:, None],
    }


def tape_gradients(x, a0, y, parameters):
    """``(J, gradients)`` of the course's loss, from ``tf.GradientTape`` on Keras layers with the same weights."""
    import tensorflow as tf

    model = _KerasRNN(parameters)
    x_keras, a0_keras = tf.constant(to_keras_sequence(x)), tf.constant(a0.T)
    with tf.GradientTape() as tape:
        tape.watch([x_keras, a0_keras])
        J = model.loss(x_keras, a0_keras, y)
    gradients = tape.gradient(J, [x_keras, a0_keras, *model.variables()])
    return float(J), _course_gradients(gradients)


def _tape_cell_gradients(x_t, a_prev, parameters, da_next):
    """Gradients of sum(da_next * a_next) for one step of a Keras SimpleRNN: what rnn_cell_backward returns."""
    import tensorflow as tf

    rnn = keras_simple_rnn(parameters, return_sequences=True)
    x_keras, a_prev_keras = tf.constant(x_t.T[:, None, :]), tf.constant(a_prev.T)
    with tf.GradientTape() as tape:
        tape.watch([x_keras, a_prev_keras])
        a_next = rnn(x_keras, initial_state=[a_prev_keras])[:, 0, :]
        surrogate = tf.reduce_sum(a_next * da_next.T)
    g = [np.asarray(gradient) for gradient in tape.gradient(surrogate, [x_keras, a_prev_keras, *rnn.trainable_variables])]
    return {"dx_t": g[0][:, 0, :].T, "da_prev": g[1].T, "dW_ax": g[2].T, "dW_aa": g[3].T, "db_a": g[4][:, None]}


def _output_layer_gradients(a, y, W_ya, b_y):
    """Tape gradients of J with respect to the states a (through the output layer only), W_ya and b_y."""
    import tensorflow as tf

    output = keras_softmax_output({"W_ya": W_ya, "b_y": b_y})
    a_keras = tf.constant(to_keras_sequence(a))
    with tf.GradientTape() as tape:
        tape.watch(a_keras)
        J = keras_course_loss(to_keras_sequence(y), output(a_keras))
    d_a, d_kernel, d_bias = tape.gradient(J, [a_keras, *output.trainable_variables])
    return from_keras_sequence(np.asarray(d_a)), np.asarray(d_kernel).T, np.asarray(d_bias)[:, None]


# ---- 1.1 The loss -------------------------------------------------------------------------


def _loss_problem(n_y, m, T_x, seed):
    rng = np.random.default_rng(seed)
    y_hat = softmax(rng.standard_normal((n_y, m, T_x)))
    return y_hat, one_hot_targets(n_y, m, T_x, rng)


def collect_rnn_loss(rnn_loss, n_y, m, T_x, seed):
    y_hat, y = _loss_problem(n_y, m, T_x, seed)
    return {"J": _plain(rnn_loss(y_hat, y))}


LOSS_MISTAKES = [
    Mistake("the loss is negative: the cross-entropy of 1.1 has a minus sign (the log of a probability is negative).",
            lambda p: -course_loss(p["y"], p["y_hat"])),
    Mistake("the loss is averaged over the T_x time steps: in 1.1 the loss of a sequence is the sum over its steps.",
            lambda p: course_loss(p["y"], p["y_hat"]) / p["y"].shape[2]),
    Mistake("the loss is summed over the m examples: J of 1.1 is the mean over them.",
            lambda p: course_loss(p["y"], p["y_hat"]) * p["y"].shape[1]),
    Mistake("the loss adds the (1 - y) term of the sigmoid (binary) loss: with a softmax over n_y classes "
            "only the term of the cross-entropy of 1.1 counts.",
            lambda p: course_loss(p["y"], p["y_hat"]) - np.sum((1 - p["y"]) * np.log(1 - p["y_hat"])) / p["y"].shape[1]),
    Mistake("the loss takes the log of every class: in the cross-entropy of 1.1 only the true class counts.",
            lambda p: -np.sum(np.log(p["y_hat"])) / p["y"].shape[1]),
]


def judge_rnn_loss(data, n_y, m, T_x, seed):
    y_hat, y = _loss_problem(n_y, m, T_x, seed)
    J = data["J"]
    assert not isinstance(J, str), f"rnn_loss should return a number, got a {J}."
    assert np.ndim(J) == 0, f"rnn_loss should return one number (the loss of the batch), got shape {np.shape(J)}."
    diagnose("rnn_loss", J, course_loss(y, y_hat), {"y": y, "y_hat": y_hat}, LOSS_MISTAKES, ATOL,
             "See J in 1.1: the cross-entropy of each step, summed over the steps, averaged over the examples.")


rnn_loss = Check("rnn_loss", collect_rnn_loss, judge_rnn_loss)


# ---- 1.2 One step backward ----------------------------------------------------------------


def _cell_problem(n_x, n_a, n_y, m, seed):
    """(parameters, x_t, a_prev, a_next, da_next): one step, its state computed by Keras."""
    parameters, x_t, a_prev = random_problem(n_x, n_a, n_y, m, seed)
    da_next = np.random.default_rng(seed + 1).standard_normal((n_a, m))
    a_next = keras_rnn_forward(x_t[:, :, None], a_prev, parameters)[0][:, :, 0]
    return parameters, x_t, a_prev, a_next, da_next


def collect_rnn_cell_backward(rnn_cell_backward, n_x, n_a, n_y, m, seed):
    parameters, x_t, a_prev, a_next, da_next = _cell_problem(n_x, n_a, n_y, m, seed)
    return _gradients_data(rnn_cell_backward(da_next, (a_next, a_prev, x_t, parameters)), CELL_GRADIENTS)


def _summed(dz):
    return np.sum(dz, axis=1, keepdims=True)


# db_a is the sum of dz over the examples: it shows how dz was computed, with nothing else mixed in.
DB_A_MISTAKES = [
    Mistake("db_a equals the sum of da_next: the derivative of tanh is missing from dz (its equation in 1.2).",
            lambda p: _summed(p["da_next"])),
    Mistake("the derivative of tanh is taken at a_prev: it belongs at the state this step computed (dz in 1.2).",
            lambda p: _summed(p["da_next"] * (1 - p["a_prev"] ** 2))),
    Mistake("tanh is applied twice: a_next is already tanh(z), so the derivative is written with a_next alone (dz in 1.2).",
            lambda p: _summed(p["da_next"] * (1 - np.tanh(p["a_next"]) ** 2))),
]
DW_AA_MISTAKES = [
    Mistake("dW_aa is transposed: it has the shape of W_aa, and dz comes first in its product (1.2).", lambda p: (p["dz"] @ p["a_prev"].T).T),
    Mistake("dW_aa uses a_next: W_aa multiplied the state that entered the step (1.2).", lambda p: p["dz"] @ p["a_next"].T),
]
DA_PREV_MISTAKES = [
    Mistake("da_prev uses W_aa: the gradient goes back through the transpose of W_aa (1.2).", lambda p: p["W_aa"] @ p["dz"]),
    Mistake("da_prev skips the tanh: it goes back from dz, not from da_next (1.2).", lambda p: p["W_aa"].T @ p["da_next"]),
]


def judge_rnn_cell_backward(data, n_x, n_a, n_y, m, seed):
    parameters, x_t, a_prev, a_next, da_next = _cell_problem(n_x, n_a, n_y, m, seed)
    expected = _tape_cell_gradients(x_t, a_prev, parameters, da_next)
    gradients = _gradients(data, CELL_GRADIENTS, "rnn_cell_backward")
    for name in CELL_GRADIENTS:
        shape, actual = expected[name].shape, np.shape(gradients[name])
        if name == "db_a" and m > 1 and actual == (n_a, m):
            raise AssertionError("db_a has one column per example: sum dz over the m examples, "
                                 "keeping the shape (n_a, 1).")
        if name.startswith("dW") and shape[0] != shape[1] and actual == shape[::-1]:
            raise AssertionError(f"{name} has shape {actual}, the transpose of {shape}: "
                                 "a weight gradient has the shape of its weight (the equations of 1.2).")
        assert_shape(name, gradients[name], shape)

    problem = {"da_next": da_next, "a_next": a_next, "a_prev": a_prev, "dz": da_next * (1 - a_next ** 2),
               "W_aa": parameters["W_aa"]}
    diagnose("db_a", gradients["db_a"], expected["db_a"], problem, DB_A_MISTAKES, ATOL,
             "db_a is the sum of dz over the examples: check dz against its equation in 1.2.")
    diagnose("dW_aa", gradients["dW_aa"], expected["dW_aa"], problem, DW_AA_MISTAKES, ATOL, "See the equation of dW_aa in 1.2.")
    assert_close("dW_ax", gradients["dW_ax"], expected["dW_ax"], ATOL, hint="See the equation of dW_ax in 1.2.")
    diagnose("da_prev", gradients["da_prev"], expected["da_prev"], problem, DA_PREV_MISTAKES, ATOL,
             "See the equation of da_prev in 1.2.")
    assert_close("dx_t", gradients["dx_t"], expected["dx_t"], ATOL, hint="See the equation of dx_t in 1.2.")


rnn_cell_backward = Check("rnn_cell_backward", collect_rnn_cell_backward, judge_rnn_cell_backward)


# ---- 1.3 The whole sequence backward ------------------------------------------------------


def _backward_problem(n_x, n_a, n_y, m, T_x, seed):
    """Parameters, x, a0, y and the forward pass (a, y_hat, caches) computed by Keras."""
    parameters, x, a0 = random_problem(n_x, n_a, n_y, m, seed, T_x)
    y = one_hot_targets(n_y, m, T_x, np.random.default_rng(seed + 1))
    a, y_hat = keras_rnn_forward(x, a0, parameters)
    return parameters, x, a0, y, a, y_hat, caches_of(x, a0, a, parameters)


class _StandInCell:
    """Gradients of a made-up step ``t``, different at every step, so that a missing, repeated or
    overwritten step shows in what ``rnn_backward`` returns. Both halves draw the same ones."""

    def __init__(self, n_x, n_a, m, T_x, seed):
        rng = np.random.default_rng(seed + 2)
        self.P = rng.standard_normal((n_x, n_a))
        self.shift = rng.standard_normal((T_x, n_a, m))
        self.per_step = {"dW_ax": rng.standard_normal((T_x, n_a, n_x)), "dW_aa": rng.standard_normal((T_x, n_a, n_a)),
                         "db_a": rng.standard_normal((T_x, n_a, 1))}

    def step(self, t, da_next):
        return {"dx_t": self.P @ da_next, "da_prev": 0.5 * da_next + self.shift[t],
                **{name: value[t].copy() for name, value in self.per_step.items()}}


def collect_rnn_backward(rnn_backward, n_x, n_a, n_y, m, T_x, seed):
    parameters, x, a0, y, a, y_hat, caches = _backward_problem(n_x, n_a, n_y, m, T_x, seed)
    cell = _StandInCell(n_x, n_a, m, T_x, seed)
    step_of = {id(cache): t for t, cache in enumerate(caches[0])}
    steps = []

    def answer(call, da_next, cache):
        steps.append(step_of.get(id(cache), -1))
        if steps[-1] < 0:
            raise AssertionError("rnn_cell_backward should receive the cache of one step, caches[0][t].")
        return cell.step(steps[-1], np.asarray(da_next, dtype=float))

    with stand_in(rnn_backward, "rnn_cell_backward", Recorder(answer)) as recorder:
        gradients = rnn_backward(y, y_hat, caches)
    return {"steps": steps, "da_next": [call[0] for call in recorder.calls], **_gradients_data(gradients, GRADIENTS)}


DA_NEXT_MISTAKES = [
    Mistake("da_next holds only the gradient from the step's own output: add da_prev, the gradient "
            "that step t + 1 sends back to a^<t>.", lambda p: p["output"]),
    Mistake("da_next lacks the gradient from the output y_hat^<t>: a^<t> also feeds the output layer (da_next in 1.3).",
            lambda p: p["da_prev"]),
    Mistake("the gradient from the outputs is m times too large: J is a mean over the m examples (1.1), "
            "and dz_y carries that mean.", lambda p: p["m"] * p["output"] + p["da_prev"]),
    Mistake("the gradient from the outputs is divided by T_x: J is a sum over the time steps (1.1), "
            "not a mean.", lambda p: p["output"] / p["T_x"] + p["da_prev"]),
]
ONE_STEP_ONLY = Mistake("it holds the gradient of one step only: the same weights are used at every step, "
                        "so add up the gradients of all steps (+=).", lambda per_step: per_step[0])


def judge_rnn_backward(data, n_x, n_a, n_y, m, T_x, seed):
    parameters, x, a0, y, a, y_hat, caches = _backward_problem(n_x, n_a, n_y, m, T_x, seed)
    # The part of dJ/da^<t> that comes from y_hat^<t> (the output layer), and dW_ya, db_y, from TensorFlow.
    da_output, dW_ya, db_y = _output_layer_gradients(a, y, parameters["W_ya"], parameters["b_y"])
    cell = _StandInCell(n_x, n_a, m, T_x, seed)

    steps, backwards = data["steps"], list(range(T_x - 1, -1, -1))
    if T_x > 1 and steps == list(range(T_x)):
        raise AssertionError("The loop runs forwards in time: backpropagation through time starts at the last "
                             "step, t = T_x - 1, and goes back to t = 0.")
    assert len(steps) == T_x, (f"rnn_backward should call rnn_cell_backward once per time step (T_x = {T_x} times); "
                               f"it called it {len(steps)} times.")
    assert steps == backwards, f"rnn_cell_backward was called for the steps {steps}; expected {backwards}."
    gradients = _gradients(data, GRADIENTS, "rnn_backward")

    da_prev = np.zeros((n_a, m))  # nothing flows back into the last step from the future
    for t, da_next_seen in zip(steps, data["da_next"]):
        expected = da_output[:, :, t] + da_prev
        diagnose(f"da_next at step {t}", da_next_seen, expected,
                 {"output": da_output[:, :, t], "da_prev": da_prev, "m": m, "T_x": T_x}, DA_NEXT_MISTAKES, ATOL,
                 "da_next has two parts: the gradient from the step's output and the one sent back by step t + 1 (1.3).")
        step = cell.step(t, expected)
        assert_close(f"dx[:, :, {t}]", gradients["dx"][:, :, t], step["dx_t"], ATOL,
                     hint=f"Store the dx_t of step {t} in dx[:, :, {t}].")
        da_prev = step["da_prev"]
    assert_close("da0", gradients["da0"], da_prev, ATOL, hint="da0 is the da_prev returned by the first step (t = 0).")

    for name, per_step in cell.per_step.items():
        diagnose(name, gradients[name], per_step.sum(axis=0), per_step, [ONE_STEP_ONLY] if T_x > 1 else [], ATOL,
                 f"{name} is the sum over the steps of the {name} returned by rnn_cell_backward.")
    first_step = (lambda _: _output_layer_gradients(a[:, :, :1], y[:, :, :1], parameters["W_ya"], parameters["b_y"])[1])
    diagnose("dW_ya", gradients["dW_ya"], dW_ya, None,
             [Mistake("dW_ya is m times too large: J is a mean over the m examples (1.1).", lambda _: m * dW_ya),
              Mistake("dW_ya holds the gradient of step 0 only: add up the gradients of all steps.", first_step)],
             ATOL, "dW_ya adds up, over the steps, the gradient of the output layer at each step (1.3).")
    assert_close("db_y", gradients["db_y"], db_y, ATOL,
                 hint="db_y adds up the output gradient over the steps and the examples (1.3), with the shape (n_y, 1).")


rnn_backward = Check("rnn_backward", collect_rnn_backward, judge_rnn_backward)


# ---- 1.4 The whole backward pass against TensorFlow ---------------------------------------


def collect_rnn_backward_matches_tf(rnn_backward, n_x, n_a, n_y, m, T_x, seed, directions):
    parameters, x, a0, y, a, y_hat, caches = _backward_problem(n_x, n_a, n_y, m, T_x, seed)
    return _gradients_data(rnn_backward(y, y_hat, caches), GRADIENTS)


def judge_rnn_backward_matches_tf(data, n_x, n_a, n_y, m, T_x, seed, directions):
    """End to end: the student's rnn_backward (with their rnn_cell_backward) against TensorFlow, then finite differences."""
    import tensorflow as tf

    parameters, x, a0, y, a, y_hat, caches = _backward_problem(n_x, n_a, n_y, m, T_x, seed)
    _, expected = tape_gradients(x, a0, y, parameters)
    gradients = _gradients(data, GRADIENTS, "rnn_backward")
    for name in GRADIENTS:
        assert_close(name, gradients[name], expected[name], ATOL,
                     hint="tf.GradientTape on Keras SimpleRNN + Dense(softmax) with the same weights "
                          "computes a different gradient.")

    # Numerical gradient check: along a random direction v of each array, the central difference
    # (J(w + eps v) - J(w - eps v)) / (2 eps) must equal the directional derivative sum(dw * v).
    model = _KerasRNN(parameters)
    rng = np.random.default_rng(seed + 3)
    arrays = {"dx": x, "da0": a0, **{"d" + key: value for key, value in parameters.items()}}

    def J(name, value):
        changed = {**arrays, name: value}
        model.set({key[1:]: changed[key] for key in ("dW_ax", "dW_aa", "dW_ya", "db_a", "db_y")})
        return float(model.loss(tf.constant(to_keras_sequence(changed["dx"])), tf.constant(changed["da0"].T), y))

    for name in GRADIENTS:
        for _ in range(directions):
            v = rng.standard_normal(arrays[name].shape)
            numerical = (J(name, arrays[name] + EPSILON * v) - J(name, arrays[name] - EPSILON * v)) / (2 * EPSILON)
            analytic = float(np.sum(gradients[name] * v))
            assert math.isclose(analytic, numerical, rel_tol=NUMERICAL_RTOL, abs_tol=1e-8), (
                f"Numerical gradient check of {name}: along a random direction the loss changes at the rate "
                f"{numerical:.8g}, your gradient says {analytic:.8g}.")


rnn_backward_matches_tf = Check("rnn_backward against GradientTape and a numerical gradient check",
                                collect_rnn_backward_matches_tf, judge_rnn_backward_matches_tf)


# ---- 2.1 One training step ----------------------------------------------------------------


def _problem_for_step(kind, seed):
    """(model, loss_fn, x, y): a Fibonacci regression ("mse") or a sequence classifier ("crossentropy").

    The seed fixes the initial weights too, so both halves build the same model.
    """
    import keras

    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    if kind == "mse":
        from rnncourse.data import fibonacci_windows

        x, y, _ = fibonacci_windows(n_sequences=4, window_size=5, seed=seed)
        return fibonacci_model(8), keras.losses.MeanSquaredError(), x, y
    if kind == "crossentropy":
        m, T_x, n_x, n_y = 6, 4, 3, 5
        model = keras.Sequential([keras.Input((T_x, n_x)), keras.layers.SimpleRNN(6, return_sequences=True),
                                  keras.layers.Dense(n_y, activation="softmax")])
        x = rng.standard_normal((m, T_x, n_x)).astype("float32")
        y = to_keras_sequence(one_hot_targets(n_y, m, T_x, rng)).astype("float32")
        return model, keras.losses.CategoricalCrossentropy(), x, y
    raise ValueError(f"unknown kind {kind!r}")


def collect_train_step(train_step, kind, learning_rate, seed):
    import keras

    model, loss_fn, x, y = _problem_for_step(kind, seed)
    optimizer = keras.optimizers.SGD(learning_rate=learning_rate)
    loss = train_step(model, optimizer, loss_fn, x, y)
    return {"loss": None if loss is None else _plain(loss), "iterations": int(optimizer.iterations),
            "after": [v.numpy() for v in model.trainable_variables],
            "paths": [v.path for v in model.trainable_variables]}


UPHILL = Mistake("the step went uphill (w + lr * grad): give the optimizer the gradients as they are; "
                 "it subtracts them itself.", lambda p: p["uphill"])


def judge_train_step(data, kind, learning_rate, seed):
    import tensorflow as tf

    model, loss_fn, x, y = _problem_for_step(kind, seed)
    variables = model.trainable_variables
    before = [v.numpy() for v in variables]
    with tf.GradientTape() as tape:
        y_pred = model(x, training=True)
        J = loss_fn(y, y_pred)
    grads = [np.asarray(g) for g in tape.gradient(J, variables)]
    expected_loss, swapped_loss = float(J), float(loss_fn(y_pred, y))

    loss = data["loss"]
    assert loss is not None, "train_step should return the loss of the batch."
    assert not isinstance(loss, str) and np.ndim(loss) == 0, (
        f"train_step should return the loss of the batch, one number; got {loss if isinstance(loss, str) else np.shape(loss)}.")
    loss = float(loss)
    if not math.isclose(loss, expected_loss, rel_tol=FLOAT32_TOL) and math.isclose(loss, swapped_loss, rel_tol=FLOAT32_TOL):
        raise AssertionError("The loss is computed with its arguments swapped: Keras losses take the targets first, "
                             "then the predictions.")

    after = data["after"]
    assert len(after) == len(before), f"The model has {len(before)} weight arrays, {len(after)} came back."
    unchanged = [path for path, b, w in zip(data["paths"], before, after) if np.array_equal(b, w)]
    assert len(unchanged) < len(before), ("The weights did not change: give the gradients to the optimizer "
                                          "(its apply_gradients method), paired with their variables.")
    assert not unchanged, (f"These weights were not updated: {unchanged}. Take the gradient with respect to every "
                           "trainable variable of the model, not of one layer.")
    assert data["iterations"] == 1, (
        f"One call of train_step should make one update; the optimizer made {data['iterations']}.")
    for path, b, w, g in zip(data["paths"], before, after, grads):
        diagnose(f"{path} after one SGD step", w, b - learning_rate * g, {"uphill": b + learning_rate * g}, [UPHILL],
                 FLOAT32_TOL, "Compare with one SGD step (2.1): the gradient of the batch's loss, taken by a "
                              "GradientTape at the weights before the step.")
    assert math.isclose(loss, expected_loss, rel_tol=FLOAT32_TOL), (
        f"train_step returned the loss {loss:.6g}; the loss of the batch before the update is {expected_loss:.6g}. "
        "Return the loss computed inside the tape.")


train_step = Check("train_step", collect_train_step, judge_train_step)


# ---- 2.2 A training loop ------------------------------------------------------------------

# The stand-in train_step answers its k-th call with a known loss: the k-th of these.
MAX_CALLS = 1000


def _known_losses(seed):
    """float32 values, so that a loop converting the returned tensors loses nothing."""
    return np.random.default_rng(seed).uniform(0.5, 2.0, MAX_CALLS).astype(np.float32).astype(float)


def collect_train(train, n_sequences, epochs, batch_size, seed):
    import keras
    import tensorflow as tf

    from rnncourse.data import fibonacci_windows

    X, y, _ = fibonacci_windows(n_sequences=n_sequences, window_size=5, seed=seed)
    model, optimizer, loss_fn = fibonacci_model(4), keras.optimizers.Adam(), keras.losses.MeanSquaredError()
    known = _known_losses(seed)
    calls = []

    def recorded_train_step(model_seen, optimizer_seen, loss_fn_seen, x, y):
        """Records the batch, trains nothing, and answers with a known loss (a tensor, as a real step does)."""
        same = model_seen is model and optimizer_seen is optimizer and loss_fn_seen is loss_fn
        calls.append({"x": np.array(x, dtype=float), "y": np.array(y, dtype=float), "same_objects": same})
        return tf.constant(known[min(len(calls), MAX_CALLS) - 1], dtype=tf.float32)

    with stand_in(train, "train_step", recorded_train_step):
        losses = train(model, optimizer, loss_fn, X, y, epochs=epochs, batch_size=batch_size)
    return {"calls": calls, "losses": None if losses is None else _plain(losses)}


def _epoch_losses(known, epochs, batches, combine):
    return np.array([combine(known[:epochs * batches].reshape(epochs, batches), epoch) for epoch in range(epochs)])


EPOCH_MISTAKES = [
    Mistake("each epoch's value is the loss of its last batch: return the mean of the epoch's batch losses.",
            lambda p: _epoch_losses(p["known"], p["epochs"], p["batches"], lambda k, e: k[e, -1])),
    Mistake("each epoch's value is the sum of its batch losses: return their mean.",
            lambda p: _epoch_losses(p["known"], p["epochs"], p["batches"], lambda k, e: k[e].sum())),
    Mistake("the batch losses are never reset between epochs, so each value is the mean over all the epochs "
            "so far: start an empty list of batch losses at every epoch.",
            lambda p: _epoch_losses(p["known"], p["epochs"], p["batches"], lambda k, e: k[:e + 1].mean())),
]


def judge_train(data, n_sequences, epochs, batch_size, seed):
    from rnncourse.data import fibonacci_windows

    X, y, _ = fibonacci_windows(n_sequences=n_sequences, window_size=5, seed=seed)
    batches = math.ceil(len(X) / batch_size)
    calls = data["calls"]
    assert len(calls) == epochs * batches, (
        f"With {len(X)} examples and batches of {batch_size}, an epoch has {batches} batches (the last one "
        f"smaller), so {epochs} epochs make {epochs * batches} calls of train_step; train made {len(calls)}. "
        "Loop over the batches of X in order, the last one smaller (2.2).")
    for k, call in enumerate(calls):
        start = (k % batches) * batch_size
        where = f"batch {k % batches} of epoch {k // batches}"
        assert call["same_objects"], f"train_step should get the model, optimizer and loss_fn given to train ({where})."
        assert_close(f"x of {where}", call["x"], X[start:start + batch_size], 0,
                     hint=f"It should be X[{start}:{start + batch_size}], in order.")
        assert_close(f"y of {where}", call["y"], y[start:start + batch_size], 0,
                     hint=f"It should be y[{start}:{start + batch_size}], the labels of the same batch.")

    losses = data["losses"]
    assert losses is not None and not isinstance(losses, str) and np.shape(losses) == (epochs,), (
        f"train should return a list of {epochs} numbers, the mean loss of each epoch; got "
        f"{losses if losses is None or isinstance(losses, str) else f'shape {np.shape(losses)}'}.")
    known = _known_losses(seed)
    problem = {"known": known, "epochs": epochs, "batches": batches}
    diagnose("the losses train returned", losses, _epoch_losses(known, epochs, batches, lambda k, e: k[e].mean()),
             problem, EPOCH_MISTAKES, FLOAT32_TOL,
             "Each value is the mean of the losses train_step returned for the batches of that epoch.")


train = Check("train: the batches of every epoch and the mean loss of each", collect_train, judge_train)
