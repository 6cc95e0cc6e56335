"""Checks for chapter 4: the outputs of each type of RNN in NumPy, and the sunspots model in TensorFlow.

Each check is a ``Check(title, collect, judge)`` (see ``question.py``): ``collect``
runs the student's code on a case and returns plain data, ``judge`` rebuilds the
case and compares. The NumPy functions wrap a given step of the RNN of chapter 2;
their expected values come from Keras layers holding the same weights, each used
the way the architecture needs it: ``return_sequences=True`` (an output at every
step), ``return_sequences=False`` (the last step only), ``return_state=True`` and
``initial_state`` (an encoder's state handed to a decoder; a generator fed its
own outputs). The likely mistakes of each function are tables of the wrong
results they give, computed by the same Keras layers, so a failure names the
mistake.
"""

import numpy as np

from rnncourse.cells import SIMPLE_RNN, random_parameters, random_problem
from rnncourse.grading.checks import assert_close, assert_count_params, assert_shape, describe_model, layers_of
from rnncourse.grading.question import Check, Mistake, diagnose
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


def keras_many_to_many(x, a0, parameters):
    """SimpleRNN(return_sequences=True) + Dense: a prediction at every step, (n_y, m, T_x)."""
    return keras_rnn_forward(x, a0, parameters)[1]


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


def keras_every_step_from(x, a_start, parameters):
    """Every step started from the same state ``a_start``: what a loop that forgets to carry the state computes."""
    n_x, m, T_x = x.shape
    one_step_each = x.reshape(n_x, m * T_x, 1)  # column i * T_x + t holds x[:, i, t]
    starts = np.repeat(a_start, T_x, axis=1)  # ... and starts from a_start[:, i]
    y_hat = keras_many_to_many(one_step_each, starts, parameters)
    return y_hat[:, :, 0].reshape(-1, m, T_x)


FROM_ZEROS = "the result is what you get from a^<0> = 0: start from the given a0."


def _every_step_filled(y_hat):
    """A softmax is never all zeros: a step left at 0 was never computed."""
    if np.ndim(y_hat) == 3:
        for t in range(np.shape(y_hat)[2]):
            assert np.any(y_hat[:, :, t] != 0), f"y_hat[:, :, {t}] is still zeros: step {t} was never computed."


def _predictions(answer):
    """What a function returned, as an array of floats (NaN if it is no array at all)."""
    try:
        return np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        return np.array(np.nan)


# ---- 1.1 Many-to-many, T_y = T_x ------------------------------------------------------------


def collect_many_to_many(many_to_many, n_x, n_a, n_y, m, T_x, seed):
    parameters, x, a0 = random_problem(n_x, n_a, n_y, m, seed, T_x)
    return _predictions(many_to_many(x, a0, parameters))


MANY_TO_MANY_MISTAKES = [  # problem: (x, a0, parameters)
    Mistake("it is the prediction of the last step only: a many-to-many network predicts at every step, "
            "shape (n_y, m, T_x).", lambda p: keras_many_to_many(*p)[:, :, -1]),
    Mistake(FROM_ZEROS, lambda p: keras_many_to_many(p[0], np.zeros_like(p[1]), p[2])),
    Mistake("every step starts from a0: carry the state from each step to the next (1.1).",
            lambda p: keras_every_step_from(*p)),
]


def judge_many_to_many(y_hat, n_x, n_a, n_y, m, T_x, seed):
    parameters, x, a0 = random_problem(n_x, n_a, n_y, m, seed, T_x)
    _every_step_filled(y_hat)
    diagnose("y_hat", y_hat, keras_many_to_many(x, a0, parameters), (x, a0, parameters), MANY_TO_MANY_MISTAKES, ATOL,
             "Keras SimpleRNN(return_sequences=True) + Dense(softmax), holding the same weights, predicts otherwise: "
             "store the prediction of step t in y_hat[:, :, t].")


many_to_many = Check("many_to_many", collect_many_to_many, judge_many_to_many)


# ---- 1.2 Many-to-one -----------------------------------------------------------------------


def collect_many_to_one(many_to_one, n_x, n_a, n_y, m, T_x, seed):
    parameters, x, a0 = random_problem(n_x, n_a, n_y, m, seed, T_x)
    return _predictions(many_to_one(x, a0, parameters))


MANY_TO_ONE_MISTAKES = [  # problem: (x, a0, parameters)
    Mistake("it is a prediction at every step: return only the prediction of the last step, shape (n_y, m).",
            lambda p: keras_many_to_many(*p)),
    Mistake("it is the prediction after the first step: use the last state a^<T_x>.",
            lambda p: keras_many_to_many(*p)[:, :, 0]),
    Mistake("it is the mean of the predictions of all steps: use only the last one.",
            lambda p: keras_many_to_many(*p).mean(axis=2)),
    Mistake(FROM_ZEROS, lambda p: keras_many_to_one(p[0], np.zeros_like(p[1]), p[2])),
]


def judge_many_to_one(y_hat, n_x, n_a, n_y, m, T_x, seed):
    parameters, x, a0 = random_problem(n_x, n_a, n_y, m, seed, T_x)
    diagnose("y_hat", y_hat, keras_many_to_one(x, a0, parameters), (x, a0, parameters), MANY_TO_ONE_MISTAKES, ATOL,
             "Keras SimpleRNN(return_sequences=False) + Dense(softmax), holding the same weights, predicts otherwise.")


many_to_one = Check("many_to_one", collect_many_to_one, judge_many_to_one)


# ---- 1.3 Encoder and decoder, T_y != T_x ----------------------------------------------------


def encoder_decoder_problem(n_x, n_a, n_x_dec, n_y, m, T_x, T_y, seed):
    """``(x, a0, encoder, decoder, x_dec)``; the encoder's output weights are drawn but never used."""
    rng = np.random.default_rng(seed)
    encoder = random_parameters(n_x, n_a, n_y, rng)
    decoder = random_parameters(n_x_dec, n_a, n_y, rng)
    x = rng.standard_normal((n_x, m, T_x))
    x_dec = rng.standard_normal((n_x_dec, m, T_y))
    a0 = rng.standard_normal((n_a, m))
    return x, a0, encoder, decoder, x_dec


def collect_encoder_decoder(encoder_decoder, **case):
    return _predictions(encoder_decoder(*encoder_decoder_problem(**case)))


def _decoder_from(a_start):
    """The decoder's predictions when it starts from ``a_start(x, a0, encoder)`` instead of the encoder's last state."""
    return lambda p: keras_many_to_many(p[4], a_start(*p[:3]), p[3])


def _same_inputs(p):
    """The encoder's parameters can run the decoder only if both read as many features."""
    return p[0].shape[0] == p[4].shape[0]


ENCODER_DECODER_MISTAKES = [  # problem: (x, a0, encoder, decoder, x_dec)
    Mistake("the decoder starts from zeros: it should start from the encoder's last state a^<T_x>, "
            "which carries what the encoder read.", _decoder_from(lambda x, a0, encoder: np.zeros_like(a0))),
    Mistake("the decoder starts from a0: it should start from the encoder's last state a^<T_x>, "
            "which carries what the encoder read.", _decoder_from(lambda x, a0, encoder: a0)),
    Mistake("the decoder starts from the encoder's first state a^<1>: it should start from its last state a^<T_x>.",
            _decoder_from(lambda x, a0, encoder: keras_rnn_forward(x[:, :, :1], a0, encoder)[0][:, :, 0])),
    Mistake("the decoder runs with the encoder's parameters: it has its own, `decoder`.",
            lambda p: keras_encoder_decoder(p[0], p[1], p[2], p[2], p[4]) if _same_inputs(p) else None),
    Mistake("the encoder runs with the decoder's parameters: it has its own, `encoder`.",
            lambda p: keras_encoder_decoder(p[0], p[1], p[3], p[3], p[4]) if _same_inputs(p) else None),
]


def judge_encoder_decoder(y_hat, n_x, n_a, n_x_dec, n_y, m, T_x, T_y, seed):
    problem = encoder_decoder_problem(n_x, n_a, n_x_dec, n_y, m, T_x, T_y, seed)
    assert np.shape(y_hat) != (n_y, m, T_x) or T_x == T_y, (
        f"y_hat has T_x = {T_x} steps: the decoder predicts once for each of its T_y = x_dec.shape[2] = {T_y} inputs.")
    _every_step_filled(y_hat)
    diagnose("y_hat", y_hat, keras_encoder_decoder(*problem), problem, ENCODER_DECODER_MISTAKES, ATOL,
             "Keras computes otherwise: an encoder SimpleRNN(return_state=True) reads x from a0 with the encoder's "
             "parameters; its state is the initial_state of a decoder SimpleRNN that reads x_dec with the decoder's "
             "parameters and predicts at every step.")


encoder_decoder = Check("encoder_decoder", collect_encoder_decoder, judge_encoder_decoder)


# ---- 1.4 One-to-many ------------------------------------------------------------------------


def one_to_many_problem(n_x, n_a, m, T_y, seed, empty_input):
    """``(x, a0, parameters)`` with n_y = n_x: each prediction is the next input."""
    rng = np.random.default_rng(seed)
    parameters = random_parameters(n_x, n_a, n_x, rng)
    x = np.zeros((n_x, m)) if empty_input else rng.standard_normal((n_x, m))
    a0 = rng.standard_normal((n_a, m))
    return x, a0, parameters


def collect_one_to_many(one_to_many, T_y, **case):
    x, a0, parameters = one_to_many_problem(T_y=T_y, **case)
    return _predictions(one_to_many(x, a0, parameters, T_y))


def _fed(later_inputs):
    """The predictions when step 1 reads x and the later steps read ``later_inputs(x, T_y)`` instead of y_hat^<t-1>."""
    def wrong(p):
        x, a0, parameters, T_y = p
        inputs = np.concatenate([x[:, :, None], later_inputs(x, T_y - 1)], axis=2)
        return keras_many_to_many(inputs, a0, parameters)
    return wrong


ONE_TO_MANY_MISTAKES = [  # problem: (x, a0, parameters, T_y)
    Mistake("every step reads x: from step 2 on, the input is the previous prediction y_hat^<t-1>.",
            _fed(lambda x, n: np.repeat(x[:, :, None], n, axis=2))),
    Mistake("from step 2 on the input is zeros: feed the previous prediction y_hat^<t-1> back in.",
            _fed(lambda x, n: np.zeros((*x.shape, n)))),
    Mistake(FROM_ZEROS, lambda p: keras_one_to_many(p[0], np.zeros_like(p[1]), p[2], p[3])),
]


def judge_one_to_many(y_hat, n_x, n_a, m, T_y, seed, empty_input):
    x, a0, parameters = one_to_many_problem(n_x, n_a, m, T_y, seed, empty_input)
    assert_shape("y_hat", y_hat, (n_x, m, T_y))
    _every_step_filled(y_hat)
    diagnose("y_hat", y_hat, keras_one_to_many(x, a0, parameters, T_y), (x, a0, parameters, T_y),
             ONE_TO_MANY_MISTAKES, ATOL,
             "Keras, run one step at a time with return_state=True and each prediction fed back as the next input, "
             "predicts otherwise: carry the state from step to step.")


one_to_many = Check("one_to_many", collect_one_to_many, judge_one_to_many)


# ---- 2.1 The sunspots model -------------------------------------------------------------------


def _build(build_sunspots_model, **options):
    """The model, or the reason Keras gave for not building it (judged as a mistake, not a crash)."""
    try:
        return build_sunspots_model(**options), None
    except (ValueError, TypeError) as error:
        return None, f"{type(error).__name__}: {error}"[:300]


def _built(data):
    assert data.get("build_error") is None, (
        "Keras could not build the model. A SimpleRNN reads (batch, time, features); the windows are (batch, "
        "window_size): is the layer that adds the feature axis (item 2 of the list in 2.1) there? Keras said: "
        f"{data.get('build_error')}")


def collect_model_parameters(build_sunspots_model, window_size, n_units):
    model, error = _build(build_sunspots_model, window_size=window_size, n_units=n_units)
    return {"build_error": error} if model is None else describe_model(model)


def sunspots_param_counts(n_units, n_x=1):
    """(what, parameters, formula) of SimpleRNN -> SimpleRNN -> Dense(1), in model order."""
    n_a = n_units
    return [
        ("The first SimpleRNN", SIMPLE_RNN.count_params(n_x, n_a), SIMPLE_RNN.count_formula(n_x, n_a)),
        ("The second SimpleRNN", SIMPLE_RNN.count_params(n_a, n_a),
         SIMPLE_RNN.count_formula(n_a, n_a) + ": its input, n_x, is the first layer's state"),
        ("Dense(1)", n_a + 1, f"n_a + 1 = {n_a} + 1 (one weight per unit and a bias)"),
    ]


def judge_model_parameters(data, window_size, n_units):
    _built(data)
    rnns = layers_of(data, "SimpleRNN")
    assert len(rnns) == 2, f"The model should have two SimpleRNN layers; it has {len(rnns)}."
    for rnn in rnns:
        assert rnn["units"] == n_units, f"A SimpleRNN has {rnn['units']} units; it should have n_units = {n_units}."
    counts = sunspots_param_counts(n_units)
    for rnn, (what, count, formula) in zip(rnns, counts):
        assert_count_params(what, rnn["params"], count, formula)
    assert_count_params("The model", data["params"], sum(count for _, count, _ in counts),
                        " + ".join(str(count) for _, count, _ in counts) + " (the two Lambda layers have none)")


model_parameters = Check("model parameters", collect_model_parameters, judge_model_parameters)


# With every weight zero the states are tanh(0) = 0, so the model outputs what its Dense bias makes of it.
DENSE_BIAS = 0.25
SCALING = 100.0


def collect_model_outputs(build_sunspots_model, window_size, n_units, batch):
    windows = np.zeros((batch, window_size), dtype="float32")
    to_vector, error = _build(build_sunspots_model, window_size=window_size, n_units=n_units)
    if to_vector is None:
        return {"build_error": error}
    data = {"model": describe_model(to_vector), "to_vector": list(np.shape(to_vector(windows)))}
    weights = to_vector.get_weights()
    to_vector.set_weights([np.zeros_like(w) for w in weights[:-1]] + [np.full_like(weights[-1], DENSE_BIAS)])
    data["zero_weights"] = np.asarray(to_vector(windows), dtype=float)
    to_sequence, error = _build(build_sunspots_model, window_size=window_size, n_units=n_units, return_sequences=True)
    data["to_sequence"] = list(np.shape(to_sequence(windows))) if to_sequence is not None else error
    return data


NO_SCALING = Mistake(f"with every weight zero and the Dense bias {DENSE_BIAS}, the model returns {DENSE_BIAS}: scale "
                     "the output back to the range of the series (the last layer of the list in 2.1): the recurrent "
                     "layers work in the range of tanh.", lambda batch: np.full((batch, 1), DENSE_BIAS))


def judge_model_outputs(data, window_size, n_units, batch):
    _built(data)
    rnns = layers_of(data["model"], "SimpleRNN")
    assert rnns and rnns[0]["return_sequences"], (
        "The first SimpleRNN must return its state at every step (return_sequences=True): the second one reads a "
        "sequence.")
    assert len(data["to_vector"]) != 3, (
        f"The model returns {tuple(data['to_vector'])}, a value at every step: with return_sequences=False, the last "
        "SimpleRNN should return only its last state, and the model one value per window.")
    assert_shape("the output of the sequence-to-vector model", np.zeros(data["to_vector"]), (batch, 1))
    diagnose(f"the output with zero weights and Dense bias {DENSE_BIAS}", data["zero_weights"],
             np.full((batch, 1), SCALING * DENSE_BIAS), batch, [NO_SCALING], 1e-5,
             "After Dense(1) comes the layer that scales the output (the last item of the list in 2.1).")
    assert isinstance(data["to_sequence"], list), (
        f"With return_sequences=True, Keras could not build the model: {data['to_sequence']}")
    assert_shape("the output of the sequence-to-sequence model", np.zeros(data["to_sequence"]),
                 (batch, window_size, 1))


model_outputs = Check("model outputs", collect_model_outputs, judge_model_outputs)


# ---- 2.2 Training: the forecast of the validation months -------------------------------------


def collect_beats_naive_forecast(model, window_size, split_time):
    """The model's input shape, and its one-step forecast of ``series[split_time:]`` from the windows before."""
    from rnncourse.data import load_sunspots
    from rnncourse.forecast import forecast_windows

    _, series = load_sunspots()
    data = {"input_shape": list(model.input_shape)}
    if data["input_shape"][1:] not in ([window_size], [None]):  # Keras would refuse the windows; the judge says why
        return data
    windows = forecast_windows(series, split_time, window_size).astype("float32")
    data["forecast"] = np.asarray(model.predict(windows, batch_size=512, verbose=0), dtype=float)
    return data


def judge_beats_naive_forecast(data, window_size, split_time):
    """The forecast must be one value per validation month and beat the last-value forecast."""
    from rnncourse.data import load_sunspots
    from rnncourse.forecast import mean_absolute_error, naive_mae

    _, series = load_sunspots()
    reads = data["input_shape"][1:]
    assert reads in ([window_size], [None]), (
        f"The model reads windows of shape {tuple(reads)}; the forecast gives it the {window_size} months "
        f"before each month: build and train it with WINDOW_SIZE = {window_size}.")
    months = len(series) - split_time
    forecast = data["forecast"]
    assert forecast.size == months, (
        f"The model returned {forecast.shape} for {months} windows: it should give one value per window "
        "(a sequence-to-vector model).")
    model_score = mean_absolute_error(series[split_time:], forecast.reshape(-1))
    naive_score = naive_mae(series, split_time)
    assert np.isfinite(model_score) and model_score < naive_score, (
        f"The model's MAE on months {split_time} to {len(series) - 1} is {model_score:.2f}; the naive forecast "
        f"(each month predicted by the one before) scores {naive_score:.2f}. A model worth keeping does better: "
        "train it (longer, or with the learning rate the notebook gives).")
    print(f"MAE from month {split_time}: model {model_score:.2f}, naive forecast {naive_score:.2f}")


beats_naive_forecast = Check("forecast against the naive forecast", collect_beats_naive_forecast,
                             judge_beats_naive_forecast)
