"""Checks for chapter 4: the outputs of each type of RNN in NumPy, and the sunspots model in TensorFlow.

The NumPy functions wrap a given step of the RNN of chapter 2. Their expected
values come from Keras layers holding the same weights, each used the way the
architecture needs it: ``return_sequences=True`` (an output at every step),
``return_sequences=False`` (the last step only), ``return_state=True`` and
``initial_state`` (an encoder's state handed to a decoder; a generator fed its
own outputs). Before the final comparison, probes test the likely mistakes one
at a time, so that a failure names the mistake.
"""

import numpy as np

from rnncourse.grading.checks import (
    assert_close,
    assert_count_params,
    assert_shape,
    check,
    is_close,
    random_parameters,
    random_problem,
)
from rnncourse.keras_bridge import (
    from_keras_sequence,
    keras_rnn_forward,
    keras_simple_rnn,
    keras_softmax_output,
    to_keras_sequence,
)

# A float64 forward pass agrees with Keras (also run in float64) to about 1e-15.
ATOL = 1e-8


# ---- Keras, holding the course's weights -----------------------------------------------


def keras_many_to_one(x, a0, parameters):
    """SimpleRNN(return_sequences=False) + Dense: the prediction from a^<T_x>, shape (n_y, m)."""
    a_last = keras_simple_rnn(parameters)(to_keras_sequence(x), initial_state=[a0.T])
    return np.asarray(keras_softmax_output(parameters)(a_last)).T


def keras_encoder_decoder(x, a0, encoder, decoder, x_dec):
    """The encoder's state (``return_state=True``) is the decoder's ``initial_state``; (n_y, m, T_y)."""
    _, a_enc = keras_simple_rnn(encoder, return_state=True)(to_keras_sequence(x), initial_state=[a0.T])
    a_dec = keras_simple_rnn(decoder, return_sequences=True)(to_keras_sequence(x_dec), initial_state=[a_enc])
    return from_keras_sequence(np.asarray(keras_softmax_output(decoder)(a_dec)))


def keras_one_to_many(x, a0, parameters, T_y):
    """Keras runs one step at a time (``return_state=True``); each prediction is the next input."""
    rnn, output = keras_simple_rnn(parameters, return_state=True), keras_softmax_output(parameters)
    x_t, a_t, y_hat = x.T[:, None, :], a0.T, []
    for _ in range(T_y):
        _, a_t = rnn(x_t, initial_state=[a_t])
        y_hat_t = output(a_t)
        y_hat.append(np.asarray(y_hat_t).T)
        x_t = y_hat_t[:, None, :]
    return np.stack(y_hat, axis=-1)


def _keras_every_step_from(x, a_start, parameters):
    """Every step started from the same state ``a_start``: what a loop that forgets to carry the state computes."""
    n_x, m, T_x = x.shape
    one_step_each = x.reshape(n_x, m * T_x, 1)  # column i * T_x + t holds x[:, i, t]
    starts = np.repeat(a_start, T_x, axis=1)  # ... and starts from a_start[:, i]
    _, y_hat = keras_rnn_forward(one_step_each, starts, parameters)
    n_y = y_hat.shape[0]
    return y_hat[:, :, 0].reshape(n_y, m, T_x)


# ---- the problems ----------------------------------------------------------------------


def _no_state_hint(what, y_hat, x, parameters, n_a):
    if is_close(y_hat, what(x, np.zeros((n_a, x.shape[1])), parameters)):
        raise AssertionError("The result is what you get from a^<0> = 0: start from the given a0.")


@check("many_to_many")
def check_many_to_many(many_to_many, n_x=3, n_a=5, n_y=4, m=2, T_x=6, seed=40):
    parameters, x, a0 = random_problem(n_x, n_a, n_y, m, seed, T_x)
    y_hat = many_to_many(x, a0, parameters)

    if np.ndim(y_hat) == 2:
        raise AssertionError(
            f"many_to_many returned shape {np.shape(y_hat)}, one prediction per example: a many-to-many "
            f"network predicts at every step, shape (n_y, m, T_x) = {(n_y, m, T_x)}."
        )
    assert_shape("y_hat", y_hat, (n_y, m, T_x))
    _no_state_hint(lambda *args: keras_rnn_forward(*args)[1], y_hat, x, parameters, n_a)
    expected = keras_rnn_forward(x, a0, parameters)[1]  # SimpleRNN(return_sequences=True) + Dense
    assert_close("y_hat[:, :, 0]", y_hat[:, :, 0], expected[:, :, 0], ATOL,
                 hint="The first step reads x[:, :, 0] and starts from a0.")
    if T_x > 1 and is_close(y_hat, _keras_every_step_from(x, a0, parameters)):
        raise AssertionError(
            "Every step starts from a0: carry the state, so that step t starts from the a_next of step t - 1."
        )
    assert_close("y_hat", y_hat, expected, ATOL,
                 hint="Keras SimpleRNN(return_sequences=True) + Dense(softmax), holding the same weights, "
                      "predicts otherwise: store the prediction of step t in y_hat[:, :, t].")


@check("many_to_one")
def check_many_to_one(many_to_one, n_x=3, n_a=5, n_y=5, m=4, T_x=7, seed=41):
    parameters, x, a0 = random_problem(n_x, n_a, n_y, m, seed, T_x)
    y_hat = many_to_one(x, a0, parameters)

    if np.ndim(y_hat) == 3:
        raise AssertionError(
            f"many_to_one returned shape {np.shape(y_hat)}, a prediction at every step: "
            f"return only the prediction of the last step, shape (n_y, m) = {(n_y, m)}."
        )
    assert_shape("y_hat", y_hat, (n_y, m))
    every_step = keras_rnn_forward(x, a0, parameters)[1]
    if T_x > 1 and is_close(y_hat, every_step[:, :, 0]):
        raise AssertionError("This is the prediction after the first step: use the last state a^<T_x>.")
    if T_x > 1 and is_close(y_hat, every_step.mean(axis=2)):
        raise AssertionError("This is the mean of the predictions of all steps: use only the last one.")
    _no_state_hint(keras_many_to_one, y_hat, x, parameters, n_a)
    assert_close("y_hat", y_hat, keras_many_to_one(x, a0, parameters), ATOL,
                 hint="Keras SimpleRNN(return_sequences=False) + Dense(softmax), holding the same weights, "
                      "predicts otherwise.")


@check("encoder_decoder")
def check_encoder_decoder(encoder_decoder, n_x=3, n_a=5, n_x_dec=2, n_y=4, m=3, T_x=6, T_y=4, seed=42):
    rng = np.random.default_rng(seed)
    encoder = random_parameters(n_x, n_a, n_y, rng)  # the encoder's output weights are never used
    decoder = random_parameters(n_x_dec, n_a, n_y, rng)
    x = rng.standard_normal((n_x, m, T_x))
    x_dec = rng.standard_normal((n_x_dec, m, T_y))
    a0 = rng.standard_normal((n_a, m))

    y_hat = encoder_decoder(x, a0, encoder, decoder, x_dec)
    if np.shape(y_hat) == (n_y, m, T_x) and T_x != T_y:
        raise AssertionError(
            f"y_hat has T_x = {T_x} steps: the decoder predicts once for each of its T_y = x_dec.shape[2] "
            f"= {T_y} inputs."
        )
    assert_shape("y_hat", y_hat, (n_y, m, T_y))
    decoder_from = {  # the decoder's predictions when started from the wrong state
        "zeros": np.zeros((n_a, m)),
        "a0": a0,
    }
    if T_x > 1:
        decoder_from["the encoder's first state a^<1>"] = keras_rnn_forward(x[:, :, :1], a0, encoder)[0][:, :, 0]
    for name, a_start in decoder_from.items():
        if is_close(y_hat, keras_rnn_forward(x_dec, a_start, decoder)[1]):
            raise AssertionError(
                f"The decoder starts from {name}: it should start from the encoder's last state a^<T_x>, "
                "which carries what the encoder read."
            )
    assert_close("y_hat", y_hat, keras_encoder_decoder(x, a0, encoder, decoder, x_dec), ATOL,
                 hint="Keras computes otherwise: an encoder SimpleRNN(return_state=True) reads x from a0 with the "
                      "encoder's parameters; its state is the initial_state of a decoder SimpleRNN that reads "
                      "x_dec with the decoder's parameters and predicts at every step.")


@check("one_to_many")
def check_one_to_many(one_to_many, n_x=4, n_a=5, m=3, T_y=5, seed=43, empty_input=False):
    n_y = n_x  # each prediction is the next input
    rng = np.random.default_rng(seed)
    parameters = random_parameters(n_x, n_a, n_y, rng)
    x = np.zeros((n_x, m)) if empty_input else rng.standard_normal((n_x, m))
    a0 = rng.standard_normal((n_a, m))

    y_hat = one_to_many(x, a0, parameters, T_y)
    assert_shape("y_hat", y_hat, (n_y, m, T_y))
    expected = keras_one_to_many(x, a0, parameters, T_y)
    assert_close("y_hat[:, :, 0]", y_hat[:, :, 0], expected[:, :, 0], ATOL,
                 hint="The first step reads x and starts from a0.")
    repeated_x = np.repeat(x[:, :, None], T_y, axis=2)
    if T_y > 1 and is_close(y_hat, keras_rnn_forward(repeated_x, a0, parameters)[1]):
        raise AssertionError("Every step reads x: from step 2 on, the input is the previous prediction y_hat^<t-1>.")
    zeros_after = np.concatenate([x[:, :, None], np.zeros((n_x, m, T_y - 1))], axis=2)
    if T_y > 1 and is_close(y_hat, keras_rnn_forward(zeros_after, a0, parameters)[1]):
        raise AssertionError("From step 2 on the input is zeros: feed the previous prediction y_hat^<t-1> back in.")
    assert_close("y_hat", y_hat, expected, ATOL,
                 hint="Keras, run one step at a time with return_state=True and each prediction fed back as the "
                      "next input, predicts otherwise: carry the state from step to step.")


# ---- The TensorFlow half: the sunspots model --------------------------------------------


def sunspots_param_counts(n_units, n_x=1):
    """Parameters of SimpleRNN -> SimpleRNN -> Dense(1), with the formula of each, in model order."""
    n_a = n_units
    return [
        (n_a * (n_a + n_x + 1), f"n_a (n_a + n_x + 1) = {n_a} x ({n_a} + {n_x} + 1)"),
        (n_a * (n_a + n_a + 1), f"n_a (n_a + n_a + 1) = {n_a} x ({n_a} + {n_a} + 1), its input is the first layer's state"),
        (n_a + 1, f"n_a + 1 = {n_a} + 1 (Dense(1): one weight per unit and a bias)"),
    ]


def _built(build_sunspots_model, window_size, n_units, **options):
    try:
        return build_sunspots_model(window_size=window_size, n_units=n_units, **options)
    except (ValueError, TypeError) as error:
        raise AssertionError(
            f"Keras could not build the model: {error} A SimpleRNN reads (batch, time, features); the windows "
            "are (batch, window_size): did you add Lambda(lambda x: keras.ops.expand_dims(x, axis=-1)) first?"
        ) from None


def _recurrent_layers(model):
    import keras

    return [layer for layer in model.layers if isinstance(layer, keras.layers.SimpleRNN)]


@check("model parameters")
def check_model_parameters(build_sunspots_model, window_size=30, n_units=40):
    model = _built(build_sunspots_model, window_size, n_units)
    rnns = _recurrent_layers(model)
    assert len(rnns) == 2, f"The model should have two SimpleRNN layers; it has {len(rnns)}."
    for rnn in rnns:
        assert rnn.units == n_units, f"A SimpleRNN has {rnn.units} units; it should have n_units = {n_units}."
    counts = sunspots_param_counts(n_units)
    for name, layer, (count, formula) in zip(("The first SimpleRNN", "The second SimpleRNN"), rnns, counts):
        assert_count_params(name, layer.count_params(), count, formula)
    total = sum(count for count, _ in counts)
    assert_count_params("The model", model.count_params(), total,
                        " + ".join(str(count) for count, _ in counts) + " (the two Lambda layers have none)")


@check("model outputs")
def check_model_outputs(build_sunspots_model, window_size=30, n_units=40, batch=3):
    windows = np.zeros((batch, window_size), dtype="float32")

    to_vector = _built(build_sunspots_model, window_size, n_units)
    rnns = _recurrent_layers(to_vector)
    assert rnns and rnns[0].return_sequences, (
        "The first SimpleRNN must return its state at every step (return_sequences=True): "
        "the second one reads a sequence."
    )
    output = np.asarray(to_vector(windows))
    if output.ndim == 3:
        raise AssertionError(
            f"The model returns {output.shape}, a value at every step: with return_sequences=False, "
            "the last SimpleRNN should return only its last state, and the model one value per window."
        )
    assert_shape("the output of the sequence-to-vector model", output, (batch, 1))

    # All weights zero: the states are tanh(0) = 0, so the Dense layer outputs its bias.
    bias = 0.25
    to_vector.set_weights([np.zeros_like(w) for w in to_vector.get_weights()[:-1]] + [np.full((1,), bias)])
    output = np.asarray(to_vector(windows))
    if is_close(output, np.full((batch, 1), bias)):
        raise AssertionError(
            "With every weight zero and the Dense bias 0.25, the model returns 0.25, expected 25: scale the "
            "output with Lambda(lambda x: x * 100.0), so that the tanh-range values reach the range of the series."
        )
    assert_close("the output with zero weights and Dense bias 0.25", output, np.full((batch, 1), 100 * bias), 1e-5,
                 hint="The last layer should be Lambda(lambda x: x * 100.0) after Dense(1).")

    to_sequence = _built(build_sunspots_model, window_size, n_units, return_sequences=True)
    assert_shape("the output of the sequence-to-sequence model", to_sequence(windows), (batch, window_size, 1))


@check("forecast against the naive forecast")
def check_beats_naive_forecast(model, window_size, split_time=None):
    """The model's one-step forecast of the months from ``split_time`` on must beat the last-value forecast."""
    from rnncourse.data import SUNSPOTS_SPLIT_TIME, load_sunspots
    from rnncourse.forecast import naive_mae, validation_mae

    split_time = SUNSPOTS_SPLIT_TIME if split_time is None else split_time
    _, series = load_sunspots()
    model_score = validation_mae(model, series, split_time, window_size)
    naive_score = naive_mae(series, split_time)
    assert np.isfinite(model_score) and model_score < naive_score, (
        f"The model's MAE on months {split_time} to {len(series) - 1} is {model_score:.2f}; the naive forecast "
        f"(each month predicted by the one before) scores {naive_score:.2f}. A model worth keeping does better: "
        "train it (longer, or with the learning rate the notebook gives)."
    )
    print(f"MAE from month {split_time}: model {model_score:.2f}, naive forecast {naive_score:.2f}")
