"""Checks for chapter 3: backpropagation through time in NumPy, and custom training with GradientTape.

The loss of the course (chapter 3) is the cross-entropy of the softmax outputs,
summed over the time steps and averaged over the ``m`` examples:

    J = (1/m) * sum_i sum_t ( -sum_k y_k^(i)<t> log y_hat_k^(i)<t> )

Expected values come from TensorFlow: the loss from
``keras.losses.categorical_crossentropy``, the gradients from ``tf.GradientTape``
on a Keras ``SimpleRNN`` + ``Dense(softmax)`` holding the same weights (float64),
and a numerical gradient check (central differences of the Keras loss along
random directions) confirms them independently. Where a probe isolates one term
of the backward pass, a failure names that term.
"""

import math

import numpy as np

from rnncourse.activations import softmax
from rnncourse.grading.checks import (
    assert_close,
    assert_shape,
    check,
    is_close,
    random_problem,
)
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

CELL_GRADIENTS = ("dx_t", "da_prev", "dW_ax", "dW_aa", "db_a")
GRADIENTS = ("dx", "da0", "dW_ax", "dW_aa", "db_a", "dW_ya", "db_y")


def one_hot_targets(n_y, m, T_x, rng):
    """Random one-hot targets ``y`` of shape (n_y, m, T_x): one true class per example and step."""
    return np.eye(n_y)[:, rng.integers(0, n_y, size=(m, T_x))]


def _assert_gradient_dict(result, names, what):
    assert isinstance(result, dict), f"{what} should return a dictionary of gradients, got a {type(result).__name__}."
    missing = [name for name in names if name not in result]
    assert not missing, f"The gradients returned by {what} lack the keys {missing}; expected keys {list(names)}."


# ---- TensorFlow computes the same things ------------------------------------------------


def _keras_loss(y, y_hat_keras):
    """J of the course (a tensor) from Keras-layout predictions: cross-entropy summed over steps, averaged over examples."""
    import keras
    import tensorflow as tf

    per_step = keras.losses.categorical_crossentropy(to_keras_sequence(y), y_hat_keras)  # (m, T_x)
    return tf.reduce_mean(tf.reduce_sum(per_step, axis=1))


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
        return _keras_loss(y, self.output(self.rnn(x, initial_state=[a0])))


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


def caches_of(x, a0, a, parameters):
    """The caches of the forward pass, in the format of chapter 2, built from the states ``a``."""
    T_x = x.shape[2]
    a_prev = [a0] + [a[:, :, t - 1] for t in range(1, T_x)]
    return [(a[:, :, t], a_prev[t], x[:, :, t], parameters) for t in range(T_x)], x


def _tape_cell_gradients(x_t, a_prev, parameters, da_next):
    """Gradients of sum(da_next * a_next) for one step of a Keras SimpleRNN: what rnn_cell_backward returns."""
    import tensorflow as tf

    rnn = keras_simple_rnn(parameters, return_sequences=True)
    x_keras, a_prev_keras = tf.constant(x_t.T[:, None, :]), tf.constant(a_prev.T)
    with tf.GradientTape() as tape:
        tape.watch([x_keras, a_prev_keras])
        a_next = rnn(x_keras, initial_state=[a_prev_keras])[:, 0, :]
        surrogate = tf.reduce_sum(a_next * da_next.T)
    g = tape.gradient(surrogate, [x_keras, a_prev_keras, *rnn.trainable_variables])
    g = [np.asarray(gradient) for gradient in g]
    expected = {"dx_t": g[0][:, 0, :].T, "da_prev": g[1].T, "dW_ax": g[2].T, "dW_aa": g[3].T, "db_a": g[4][:, None]}
    return np.asarray(a_next).T, expected


def _output_layer_gradients(a, y, W_ya, b_y):
    """Tape gradients of J with respect to the states a (through the output layer only), W_ya and b_y."""
    import tensorflow as tf

    output = keras_softmax_output({"W_ya": W_ya, "b_y": b_y})
    a_keras = tf.constant(to_keras_sequence(a))
    with tf.GradientTape() as tape:
        tape.watch(a_keras)
        J = _keras_loss(y, output(a_keras))
    d_a, d_kernel, d_bias = tape.gradient(J, [a_keras, *output.trainable_variables])
    return from_keras_sequence(np.asarray(d_a)), np.asarray(d_kernel).T, np.asarray(d_bias)[:, None]


# ---- The loss ----------------------------------------------------------------------------


@check("rnn_loss")
def check_rnn_loss(rnn_loss, n_y=4, m=10, T_x=6, seed=1):
    import keras

    rng = np.random.default_rng(seed)
    y_hat = softmax(rng.standard_normal((n_y, m, T_x)))
    y = one_hot_targets(n_y, m, T_x, rng)

    J = rnn_loss(y_hat, y)
    assert np.ndim(J) == 0, f"rnn_loss should return one number (the loss of the batch), got shape {np.shape(J)}."
    J = float(J)
    per_step = np.asarray(keras.losses.categorical_crossentropy(to_keras_sequence(y), to_keras_sequence(y_hat)))
    expected = per_step.sum(axis=1).mean()  # (m, T_x): sum over the steps, mean over the examples

    if np.isclose(J, -expected):
        raise AssertionError("The loss is negative: it is -sum(y * log(y_hat)), with a minus sign.")
    if T_x > 1 and np.isclose(J, expected / T_x):
        raise AssertionError(f"The loss is averaged over the T_x = {T_x} time steps: L is the sum over t of L^<t>.")
    if m > 1 and np.isclose(J, expected * m):
        raise AssertionError(f"The loss is summed over the m = {m} examples: this course averages over them (divide by m).")
    binary_extra = -np.sum((1 - y) * np.log(1 - y_hat)) / m
    if np.isclose(J, expected + binary_extra):
        raise AssertionError("The loss adds -(1 - y) log(1 - y_hat): that is the sigmoid (binary) loss. "
                             "For a softmax over n_y classes, L^<t> = -sum_k y_k log y_hat_k.")
    if np.isclose(J, -np.sum(np.log(y_hat)) / m):
        raise AssertionError("The loss takes the log of every class: multiply by y, so that only the true class counts.")
    assert_close("the loss", J, expected, ATOL,
                 hint="J = -(1/m) * sum over examples, steps and classes of y * log(y_hat) (Keras categorical_crossentropy).")


# ---- One step backward ------------------------------------------------------------------


@check("rnn_cell_backward")
def check_rnn_cell_backward(rnn_cell_backward, n_x=3, n_a=5, n_y=2, m=4, seed=1):
    parameters, x_t, a_prev = random_problem(n_x, n_a, n_y, m, seed)
    da_next = np.random.default_rng(seed + 1).standard_normal((n_a, m))
    a_next, expected = _tape_cell_gradients(x_t, a_prev, parameters, da_next)
    cache = (a_next, a_prev, x_t, parameters)

    gradients = rnn_cell_backward(da_next, cache)
    _assert_gradient_dict(gradients, CELL_GRADIENTS, "rnn_cell_backward")
    for name, shape in (("dx_t", (n_x, m)), ("da_prev", (n_a, m)), ("dW_ax", (n_a, n_x)),
                        ("dW_aa", (n_a, n_a)), ("db_a", (n_a, 1))):
        if name == "db_a" and m > 1 and np.shape(gradients[name]) == (n_a, m):
            raise AssertionError("db_a has one column per example: sum dz over the m examples "
                                 "(np.sum(dz, axis=1, keepdims=True)).")
        if name.startswith("dW") and np.shape(gradients[name]) == shape[::-1] and shape[0] != shape[1]:
            raise AssertionError(f"{name} has shape {shape[::-1]}, the transpose of {shape}: "
                                 "a weight gradient is dz @ (the input of that weight).T.")
        assert_shape(name, gradients[name], shape)

    # db_a is the sum of dz over the examples: it shows how dz was computed, with nothing else mixed in.
    db_a = gradients["db_a"]
    if is_close(db_a, np.sum(da_next, axis=1, keepdims=True)):
        raise AssertionError("db_a equals the sum of da_next: the derivative of tanh is missing "
                             "(dz = da_next * (1 - a_next**2)).")
    if is_close(db_a, np.sum(da_next * (1 - a_prev ** 2), axis=1, keepdims=True)):
        raise AssertionError("The derivative of tanh is taken at a_prev: it is 1 - a_next**2, "
                             "at the state this step computed.")
    if is_close(db_a, np.sum(da_next * (1 - np.tanh(a_next) ** 2), axis=1, keepdims=True)):
        raise AssertionError("The derivative of tanh is 1 - a_next**2, since a_next is already tanh(...): "
                             "do not apply tanh again.")
    assert_close("db_a", db_a, expected["db_a"], ATOL,
                 hint="db_a = sum over the examples of dz, with dz = da_next * (1 - a_next**2).")

    dz = da_next * (1 - a_next ** 2)  # right by now: db_a passed
    if is_close(gradients["dW_aa"], expected["dW_aa"].T):
        raise AssertionError("dW_aa is transposed: it is dz @ a_prev.T.")
    if is_close(gradients["dW_aa"], dz @ a_next.T):
        raise AssertionError("dW_aa uses a_next: it is dz @ a_prev.T, the state that entered the step.")
    assert_close("dW_aa", gradients["dW_aa"], expected["dW_aa"], ATOL, hint="dW_aa = dz @ a_prev.T.")
    assert_close("dW_ax", gradients["dW_ax"], expected["dW_ax"], ATOL, hint="dW_ax = dz @ x_t.T.")

    W_aa = parameters["W_aa"]
    if is_close(gradients["da_prev"], W_aa @ dz):
        raise AssertionError("da_prev uses W_aa: the gradient goes back through the transpose, W_aa.T @ dz.")
    if is_close(gradients["da_prev"], W_aa.T @ da_next):
        raise AssertionError("da_prev skips the tanh: it is W_aa.T @ dz, not W_aa.T @ da_next.")
    assert_close("da_prev", gradients["da_prev"], expected["da_prev"], ATOL, hint="da_prev = W_aa.T @ dz.")
    assert_close("dx_t", gradients["dx_t"], expected["dx_t"], ATOL, hint="dx_t = W_ax.T @ dz.")


# ---- The whole sequence backward --------------------------------------------------------


class _SpyCellBackward:
    """Stands in for ``rnn_cell_backward`` so that the check of ``rnn_backward`` tests only its loop.

    It knows each step by its cache, records the ``da_next`` it receives, and
    returns gradients that differ from step to step, so that a missing,
    repeated or overwritten step shows in the result.
    """

    def __init__(self, cache_list, n_x, n_a, rng):
        self.step_of = {id(cache): t for t, cache in enumerate(cache_list)}
        T_x = len(cache_list)
        m = cache_list[0][1].shape[1]
        self.P = rng.standard_normal((n_x, n_a))
        self.shift = rng.standard_normal((T_x, n_a, m))
        self.dW_ax = rng.standard_normal((T_x, n_a, n_x))
        self.dW_aa = rng.standard_normal((T_x, n_a, n_a))
        self.db_a = rng.standard_normal((T_x, n_a, 1))
        self.calls = []

    def step(self, t, da_next):
        return {"dx_t": self.P @ da_next, "da_prev": 0.5 * da_next + self.shift[t],
                "dW_ax": self.dW_ax[t].copy(), "dW_aa": self.dW_aa[t].copy(), "db_a": self.db_a[t].copy()}

    def __call__(self, da_next, cache):
        if id(cache) not in self.step_of:
            raise AssertionError("rnn_cell_backward should receive the cache of one step, caches[0][t].")
        t = self.step_of[id(cache)]
        self.calls.append((t, np.array(da_next, dtype=float)))
        return self.step(t, np.asarray(da_next, dtype=float))


def _random_backward_problem(n_x, n_a, n_y, m, T_x, seed):
    """Parameters, x, a0, y and the forward pass (a, y_hat, caches) computed by Keras."""
    parameters, x, a0 = random_problem(n_x, n_a, n_y, m, seed, T_x)
    y = one_hot_targets(n_y, m, T_x, np.random.default_rng(seed + 1))
    a, y_hat = keras_rnn_forward(x, a0, parameters)
    return parameters, x, a0, y, a, y_hat, caches_of(x, a0, a, parameters)


@check("rnn_backward")
def check_rnn_backward(rnn_backward, n_x=3, n_a=5, n_y=2, m=4, T_x=6, seed=2):
    parameters, x, a0, y, a, y_hat, caches = _random_backward_problem(n_x, n_a, n_y, m, T_x, seed)
    # The part of dJ/da^<t> that comes from y_hat^<t> (the output layer), and dW_ya, db_y, from TensorFlow.
    da_output, dW_ya, db_y = _output_layer_gradients(a, y, parameters["W_ya"], parameters["b_y"])

    namespace = rnn_backward.__globals__
    assert "rnn_cell_backward" in namespace, "rnn_backward should call rnn_cell_backward at each time step."
    spy = _SpyCellBackward(caches[0], n_x, n_a, np.random.default_rng(seed + 2))
    own_cell, namespace["rnn_cell_backward"] = namespace["rnn_cell_backward"], spy
    try:
        gradients = rnn_backward(y, y_hat, caches)
    finally:
        namespace["rnn_cell_backward"] = own_cell

    steps = [t for t, _ in spy.calls]
    backwards = list(range(T_x - 1, -1, -1))
    if steps == list(range(T_x)) and T_x > 1:
        raise AssertionError("The loop runs forwards in time: backpropagation through time starts at the last "
                             "step, t = T_x - 1, and goes back to t = 0 (for t in reversed(range(T_x))).")
    assert len(steps) == T_x, (
        f"rnn_backward should call rnn_cell_backward once per time step (T_x = {T_x} times); "
        f"it called it {len(steps)} times."
    )
    assert steps == backwards, f"rnn_cell_backward was called for the steps {steps}; expected {backwards}."

    _assert_gradient_dict(gradients, GRADIENTS, "rnn_backward")
    da_prev = np.zeros((n_a, m))  # nothing flows back into the last step from the future
    for t, da_next_seen in spy.calls:
        expected = da_output[:, :, t] + da_prev
        if not is_close(da_next_seen, expected):
            if t < T_x - 1 and is_close(da_next_seen, da_output[:, :, t]):
                raise AssertionError(f"At step {t}, da_next holds only the gradient from y_hat^<{t}>: add da_prev, "
                                     f"the gradient that step {t + 1} sends back to a^<{t}>.")
            if is_close(da_next_seen, da_prev):
                raise AssertionError(f"At step {t}, da_next lacks the gradient from the output y_hat^<{t}>: "
                                     "add W_ya.T @ dz_y, with dz_y = (y_hat_t - y_t) / m.")
            if m > 1 and is_close(da_next_seen, m * da_output[:, :, t] + da_prev):
                raise AssertionError(f"The gradient from the outputs is m = {m} times too large: the loss is a mean "
                                     "over the m examples, so dz_y = (y_hat_t - y_t) / m.")
            if T_x > 1 and is_close(da_next_seen, da_output[:, :, t] / T_x + da_prev):
                raise AssertionError(f"The gradient from the outputs is divided by T_x = {T_x}: the loss is a sum "
                                     "over the time steps, so dz_y = (y_hat_t - y_t) / m.")
            assert_close(f"da_next at step {t}", da_next_seen, expected, ATOL,
                         hint="da_next = W_ya.T @ dz_y + da_prev (the gradient sent back by step t + 1).")
        step = spy.step(t, expected)
        assert_close(f"dx[:, :, {t}]", gradients["dx"][:, :, t], step["dx_t"], ATOL,
                     hint=f"Store the dx_t of step {t} in dx[:, :, {t}].")
        da_prev = step["da_prev"]

    assert_close("da0", gradients["da0"], da_prev, ATOL,
                 hint="da0 is the da_prev returned by the first step (t = 0).")
    for name in ("dW_ax", "dW_aa", "db_a"):
        per_step = getattr(spy, name)
        if T_x > 1 and is_close(gradients[name], per_step[0]):
            raise AssertionError(f"{name} holds the gradient of step 0 only: the same weights are used at every "
                                 f"step, so add up the gradients of all steps ({name} += ...).")
        assert_close(name, gradients[name], per_step.sum(axis=0), ATOL,
                     hint=f"{name} is the sum over the steps of the {name} returned by rnn_cell_backward.")
    if m > 1 and is_close(gradients["dW_ya"], m * dW_ya):
        raise AssertionError(f"dW_ya is m = {m} times too large: dz_y = (y_hat_t - y_t) / m.")
    if T_x > 1:
        dW_ya_step0 = _output_layer_gradients(a[:, :, :1], y[:, :, :1], parameters["W_ya"], parameters["b_y"])[1]
        if is_close(gradients["dW_ya"], dW_ya_step0):
            raise AssertionError("dW_ya holds the gradient of step 0 only: add up the gradients of all steps.")
    assert_close("dW_ya", gradients["dW_ya"], dW_ya, ATOL, hint="dW_ya is the sum over t of dz_y @ a_next.T.")
    assert_close("db_y", gradients["db_y"], db_y, ATOL,
                 hint="db_y is the sum over t and over the examples of dz_y (keep the shape (n_y, 1)).")


@check("rnn_backward against GradientTape and a numerical gradient check")
def check_rnn_backward_matches_tf(rnn_backward, n_x=3, n_a=5, n_y=2, m=4, T_x=6, seed=3, directions=1):
    """End to end: your rnn_backward (with your rnn_cell_backward) against TensorFlow, then finite differences."""
    parameters, x, a0, y, a, y_hat, caches = _random_backward_problem(n_x, n_a, n_y, m, T_x, seed)
    _, expected = tape_gradients(x, a0, y, parameters)

    gradients = rnn_backward(y, y_hat, caches)
    _assert_gradient_dict(gradients, GRADIENTS, "rnn_backward")
    for name in GRADIENTS:
        assert_close(name, gradients[name], expected[name], ATOL,
                     hint="tf.GradientTape on Keras SimpleRNN + Dense(softmax) with the same weights "
                          "computes a different gradient.")

    # Numerical gradient check: along a random direction v of each array, the central difference
    # (J(w + eps v) - J(w - eps v)) / (2 eps) must equal the directional derivative sum(dw * v).
    import tensorflow as tf

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
                f"{numerical:.8g}, your gradient says {analytic:.8g}."
            )


# ---- The TensorFlow half: a training step and a training loop ----------------------------


def fibonacci_model(n_units=10, window_size=5):
    """Input(window_size) -> Reshape -> SimpleRNN(n_units) -> Dense(1): the model of chapter 2."""
    import keras

    return keras.Sequential([
        keras.Input(shape=(window_size,)),
        keras.layers.Reshape((window_size, 1)),
        keras.layers.SimpleRNN(n_units),
        keras.layers.Dense(1),
    ])


def _problem_for_step(kind, seed):
    """(model, loss_fn, x, y): a Fibonacci regression ("mse") or a sequence classifier ("crossentropy")."""
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


@check("train_step")
def check_train_step(train_step, kind="mse", learning_rate=0.1, seed=4):
    import keras
    import tensorflow as tf

    model, loss_fn, x, y = _problem_for_step(kind, seed)
    optimizer = keras.optimizers.SGD(learning_rate=learning_rate)
    variables = model.trainable_variables
    before = [np.array(v) for v in variables]
    with tf.GradientTape() as tape:
        y_pred = model(x, training=True)
        J = loss_fn(y, y_pred)
    grads = [np.asarray(g) for g in tape.gradient(J, variables)]
    expected_loss = float(J)
    swapped_loss = float(loss_fn(y_pred, y))

    loss = train_step(model, optimizer, loss_fn, x, y)
    after = [np.array(v) for v in variables]

    assert loss is not None, "train_step should return the loss of the batch."
    loss = float(np.asarray(loss))
    if not math.isclose(loss, expected_loss, rel_tol=1e-5) and math.isclose(loss, swapped_loss, rel_tol=1e-5):
        raise AssertionError("The loss is loss_fn(y_pred, y): Keras losses take the targets first, loss_fn(y, y_pred).")
    if all(np.array_equal(b, w) for b, w in zip(before, after)):
        raise AssertionError("The weights did not change: apply the gradients with "
                             "optimizer.apply_gradients(zip(grads, model.trainable_variables)).")
    unchanged = [v.path for v, b, w in zip(variables, before, after) if np.array_equal(b, w)]
    assert not unchanged, (
        f"These weights were not updated: {unchanged}. Take the gradient with respect to every trainable "
        "variable of the model (model.trainable_variables)."
    )
    if all(is_close(w, b + learning_rate * g, atol=1e-6, rtol=1e-5) for b, w, g in zip(before, after, grads)):
        raise AssertionError("The step went uphill (w + lr * grad): give the optimizer the gradients as they are; "
                             "it subtracts them itself.")
    assert int(optimizer.iterations) == 1, (
        f"One call of train_step should make one update; the optimizer made {int(optimizer.iterations)}."
    )
    for v, b, w, g in zip(variables, before, after, grads):
        assert_close(f"{v.path} after one SGD step", w, b - learning_rate * g, atol=1e-6, rtol=1e-5,
                     hint="One step of SGD sets w to w - learning_rate * dJ/dw, with the gradient of "
                          "J = loss_fn(y, model(x)) taken by a GradientTape at the weights before the step.")
    assert math.isclose(loss, expected_loss, rel_tol=1e-5), (
        f"train_step returned the loss {loss:.6g}; the loss of the batch before the update is {expected_loss:.6g}. "
        "Return the loss computed inside the tape."
    )


@check("train")
def check_train(train, n_sequences=60, epochs=2, batch_size=32, seed=5, n_units=10):
    import keras

    from rnncourse.data import fibonacci_windows

    X, y, _ = fibonacci_windows(n_sequences=n_sequences, window_size=5, seed=seed)
    keras.utils.set_random_seed(seed)
    model = fibonacci_model(n_units)
    optimizer = keras.optimizers.Adam(learning_rate=0.01)
    loss_fn = keras.losses.MeanSquaredError()
    initial = float(loss_fn(y, model(X)))

    losses = train(model, optimizer, loss_fn, X, y, epochs=epochs, batch_size=batch_size)

    assert losses is not None and np.ndim(losses) == 1 and len(losses) == epochs, (
        f"train should return a list of {epochs} numbers, the mean loss of each epoch; got {losses!r:.200}."
    )
    losses = np.asarray(losses, dtype=float)
    assert np.all(np.isfinite(losses)), f"The losses should be finite numbers, got {losses}."
    batches = math.ceil(len(X) / batch_size)
    updates = int(optimizer.iterations)
    assert updates == epochs * batches, (
        f"With {len(X)} examples and batches of {batch_size}, an epoch has {batches} batches (the last one "
        f"smaller), so {epochs} epochs make {epochs * batches} updates; the optimizer made {updates}. "
        "Loop over X[start:start + batch_size] for start in range(0, len(X), batch_size)."
    )
    final = float(loss_fn(y, model(X)))
    assert final < 0.1 * initial and losses[-1] < losses[0], (
        f"The training loss went from {initial:.4g} (before training) to {final:.4g}; it should fall below "
        f"a tenth of where it started. Epoch losses: {np.round(losses, 5)}."
    )
    print(f"loss before training {initial:.4f}, after {epochs} epochs {final:.6f}")
