"""Checks for chapter 6: per-step Jacobians and state gradients in NumPy, clipping, and the agreement task in Keras.

Each check is a ``Check(title, collect, judge)`` (see ``question.py``). Expected
values come from TensorFlow: the Jacobian from ``tape.batch_jacobian`` of one
step of a Keras ``SimpleRNN`` cell holding the same weights, the state
gradients from ``tf.GradientTape`` on the cell run step by step, and the
reference training runs from the same model with ``tf.clip_by_global_norm``,
all in float64. Plausible wrong formulas are data (``Mistake``): when an
answer equals one of them, the message names it.
"""

import numpy as np

from rnncourse.cells import SIMPLE_RNN, random_problem
from rnncourse.data import AGREEMENT_FILLERS, AGREEMENT_NOUNS, AGREEMENT_VOCABULARY
from rnncourse.grading.checks import assert_close, assert_count_params, assert_shape, describe_model, is_close, layers_of
from rnncourse.grading.question import Check, Mistake, diagnose, stand_in
from rnncourse.keras_bridge import keras_simple_rnn, to_keras_sequence
from rnncourse.tasks import agreement_rnn_problem

ATOL = 1e-8  # float64 NumPy against float64 TensorFlow: about 1e-15 apart on these problems
# A training run is compared step by step with TensorFlow's; rounding differences grow a little per step.
TRAIN_RTOL = 1e-6


def _step_cache(n_x, n_a, m, seed):
    """One step of the course's RNN: the cache (a_next, a_prev, x_t, parameters) of chapter 2."""
    parameters, x_t, a_prev = random_problem(n_x, n_a, 1, m, seed)
    a_next = np.tanh(parameters["W_aa"] @ a_prev + parameters["W_ax"] @ x_t + parameters["b_a"])
    return a_next, a_prev, x_t, parameters


# ---- 1.1 The Jacobian of one step ----------------------------------------------------------


def collect_state_jacobian(state_jacobian, n_x, n_a, m, seed):
    return np.asarray(state_jacobian(_step_cache(n_x, n_a, m, seed)), dtype=float)


def _tape_jacobian(cache):
    import tensorflow as tf

    a_next, a_prev, x_t, parameters = cache
    cell = keras_simple_rnn(parameters).cell
    a_prev_keras = tf.constant(a_prev.T)
    with tf.GradientTape() as tape:
        tape.watch(a_prev_keras)
        a_next_keras, _ = cell(tf.constant(x_t.T), [a_prev_keras])
    return tape.batch_jacobian(a_next_keras, a_prev_keras).numpy()  # (m, n_a, n_a): d a_next[i] / d a_prev[j]


def _tanh_prime(a):
    """(m, n_a, 1): 1 - a^2 of each example, ready to scale the rows of W_aa."""
    return (1 - a.T ** 2)[:, :, None]


# The hints name the mistake and the step of the derivation it is in; none prints the Jacobian.
JACOBIAN_MISTAKES = [
    Mistake("it is the transpose of da<t>/da<t-1>: D[i, j, k] is the derivative of unit j of a_next by unit k "
            "of a_prev (row j belongs to the new state).",
            lambda c: np.transpose(_tanh_prime(c[0]) * c[3]["W_aa"], (0, 2, 1))),
    Mistake("tanh' scales the columns of W_aa: the derivative of unit j's tanh multiplies only the derivatives "
            "of unit j, which make up row j.",
            lambda c: c[3]["W_aa"] * np.transpose(_tanh_prime(c[0]), (0, 2, 1))),
    Mistake("tanh' is taken at a_prev: the tanh differentiated is this step's, whose output is a_next.",
            lambda c: _tanh_prime(c[1]) * c[3]["W_aa"]),
    Mistake("the factor W_aa is missing: after tanh', the chain rule differentiates z = W_aa a_prev + ... by a_prev.",
            lambda c: _tanh_prime(c[0]) * np.eye(c[0].shape[0])),
    Mistake("the tanh' factor is missing: the chain rule goes through the tanh of the step before it reaches W_aa.",
            lambda c: np.broadcast_to(c[3]["W_aa"], (c[0].shape[1], *c[3]["W_aa"].shape))),
    Mistake("tanh' is wrong: the derivative of tanh(z), written with tanh(z) itself, is not 1 - tanh(z) "
            "(chapter 3).",
            lambda c: (1 - c[0].T)[:, :, None] * c[3]["W_aa"]),
]


def judge_state_jacobian(data, n_x, n_a, m, seed):
    cache = _step_cache(n_x, n_a, m, seed)
    if data.shape == (n_a, n_a) and m > 1:
        raise AssertionError(f"state_jacobian returned one ({n_a}, {n_a}) matrix: it should return one per example, "
                             f"shape (m, n_a, n_a) = ({m}, {n_a}, {n_a}); each example's Jacobian depends on "
                             "its own state.")
    assert_shape("D", data, (m, n_a, n_a))
    diagnose("D", data, _tape_jacobian(cache), cache, JACOBIAN_MISTAKES, ATOL,
             "D[i, j, k] is the derivative of a_next[j, i] by a_prev[k, i]: differentiate the step's equation "
             "with the chain rule (compared with tape.batch_jacobian).")


state_jacobian = Check("state_jacobian against tape.batch_jacobian", collect_state_jacobian, judge_state_jacobian)


# ---- 1.2 The gradients of every state -------------------------------------------------------


def _sequence_problem(n_x, n_a, m, T_x, seed):
    """(caches, da_last, a0, x, parameters) of a sequence, the caches as a list in the format of chapter 2."""
    parameters, x, a0 = random_problem(n_x, n_a, 1, m, seed, T_x)
    caches, a_prev = [], a0
    for t in range(T_x):
        a_next = np.tanh(parameters["W_aa"] @ a_prev + parameters["W_ax"] @ x[:, :, t] + parameters["b_a"])
        caches.append((a_next, a_prev, x[:, :, t], parameters))
        a_prev = a_next
    da_last = np.random.default_rng(seed + 1).standard_normal((n_a, m))
    return caches, da_last, a0, x, parameters


def collect_state_gradients(state_gradients, n_x, n_a, m, T_x, seed):
    caches, da_last, *_ = _sequence_problem(n_x, n_a, m, T_x, seed)
    return np.asarray(state_gradients(da_last, caches), dtype=float)


def _tape_state_gradients(x, a0, parameters, da_last):
    """dL/da<t> for every t, with L = sum(da_last * a<T>), from GradientTape on the Keras cell run step by step."""
    import tensorflow as tf

    cell = keras_simple_rnn(parameters).cell
    x_keras = tf.constant(to_keras_sequence(x))
    with tf.GradientTape() as tape:
        a, states = tf.constant(a0.T), []
        for t in range(x.shape[2]):
            a, _ = cell(x_keras[:, t], [a])
            states.append(a)
        loss = tf.reduce_sum(a * da_last.T)
    return np.stack([np.asarray(g).T for g in tape.gradient(loss, states)], axis=2)  # (n_a, m, T_x)


def _wrong_state_gradients(step):
    """The state gradients when each step back is ``step(da, a_next, a_prev, W_aa)`` instead of the right rule."""
    def gradients(problem):
        caches, da_last = problem
        da = np.zeros((*da_last.shape, len(caches)))
        da[:, :, -1] = da_last
        for t in range(len(caches) - 1, 0, -1):
            a_next, a_prev, _, parameters = caches[t]
            da[:, :, t - 1] = step(da[:, :, t], a_next, a_prev, parameters["W_aa"])
        return da
    return gradients


STATE_GRADIENT_MISTAKES = [
    Mistake("each step back multiplies by D, not by its transpose: da<t-1> = D<t>^T da<t>, so W_aa enters "
            "transposed.",
            _wrong_state_gradients(lambda da, a, a_prev, W: W @ (da * (1 - a ** 2)))),
    Mistake("tanh' is taken at a_prev: going back from step t, the tanh differentiated is step t's, whose output "
            "is a<t>.",
            _wrong_state_gradients(lambda da, a, a_prev, W: W.T @ (da * (1 - a_prev ** 2)))),
    Mistake("the tanh' factor is missing: D<t> holds the derivative of step t's tanh as well as W_aa.",
            _wrong_state_gradients(lambda da, a, a_prev, W: W.T @ da)),
    Mistake("tanh' is applied after W_aa.T: it belongs to the units of step t, so it scales da<t> before W_aa.T "
            "carries it back (the order of the factors of D<t>^T).",
            _wrong_state_gradients(lambda da, a, a_prev, W: (1 - a ** 2) * (W.T @ da))),
    Mistake("the factor W_aa is missing: D<t> holds W_aa as well as the derivative of the tanh.",
            _wrong_state_gradients(lambda da, a, a_prev, W: da * (1 - a ** 2))),
]


def judge_state_gradients(data, n_x, n_a, m, T_x, seed):
    caches, da_last, a0, x, parameters = _sequence_problem(n_x, n_a, m, T_x, seed)
    assert_shape("da", data, (n_a, m, T_x))
    assert_close("da[:, :, -1]", data[:, :, -1], da_last, ATOL,
                 hint="The gradient of the last state is da_last itself: store it in da[:, :, T_x - 1].")
    expected = _tape_state_gradients(x, a0, parameters, da_last)
    diagnose("da", data, expected, (caches, da_last), STATE_GRADIENT_MISTAKES, ATOL,
             "Going back one step: da<t-1> = D<t>^T da<t> (compared with tf.GradientTape).")


state_gradients = Check("state_gradients against tf.GradientTape", collect_state_gradients, judge_state_gradients)


# ---- 1.3 Training with clipping ---------------------------------------------------------------

PARAMETER_NAMES = ("W_ax", "W_aa", "b_a", "W_ya", "b_y")


class _TapeModel:
    """The many-to-one RNN of the assignment in TensorFlow (float64): loss and gradients in the course layout."""

    def __init__(self, x, y):
        import tensorflow as tf

        self.x, self.y = tf.constant(to_keras_sequence(x)), tf.constant(np.asarray(y, dtype=np.int64))

    def loss_and_gradients(self, parameters):
        import tensorflow as tf

        rnn = keras_simple_rnn(parameters)
        W_ya, b_y = tf.constant(parameters["W_ya"]), tf.constant(parameters["b_y"])
        with tf.GradientTape() as tape:
            tape.watch([W_ya, b_y])
            logits = rnn(self.x) @ tf.transpose(W_ya) + b_y[:, 0]
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(self.y, logits))
        kernel, recurrent_kernel, bias, dW_ya, db_y = [
            np.asarray(g) for g in tape.gradient(loss, [*rnn.trainable_variables, W_ya, b_y])]
        return float(loss), {"W_ax": kernel.T, "W_aa": recurrent_kernel.T, "b_a": bias[:, None],
                             "W_ya": dW_ya, "b_y": db_y}


def _global_clip(gradients, max_norm):
    import tensorflow as tf

    names = list(gradients)
    clipped, _ = tf.clip_by_global_norm([gradients[name] for name in names], max_norm)
    return {name: np.asarray(value) for name, value in zip(names, clipped)}


def _per_tensor_clip(gradients, max_norm):
    return {name: g * min(1.0, max_norm / np.linalg.norm(g)) for name, g in gradients.items()}


def _value_clip(gradients, max_norm):
    return {name: np.clip(g, -max_norm, max_norm) for name, g in gradients.items()}


def _always_rescale(gradients, max_norm):
    norm = np.sqrt(sum(np.sum(g ** 2) for g in gradients.values()))
    return {name: g * max_norm / norm for name, g in gradients.items()}


def reference_training(parameters, x, y, learning_rate, n_steps, max_norm=None, clip=_global_clip):
    """Gradient descent as the assignment asks, computed by TensorFlow: (losses, gradient norms, final parameters)."""
    model = _TapeModel(x, y)
    parameters = {name: np.array(value, dtype=float) for name, value in parameters.items()}
    losses, norms = [], []
    for _ in range(n_steps):
        loss, gradients = model.loss_and_gradients(parameters)
        losses.append(loss)
        norms.append(float(np.sqrt(sum(np.sum(g ** 2) for g in gradients.values()))))
        if max_norm is not None:
            gradients = clip(gradients, max_norm)
        parameters = {name: parameters[name] - learning_rate * gradients[name] for name in parameters}
    return np.array(losses), np.array(norms), parameters


def collect_training(train, n_a, lag, m, seed, learning_rate, n_steps, max_norm):
    parameters, x, y = agreement_rnn_problem(n_a, lag, m, seed)
    model = _TapeModel(x, y)
    data = {}
    # Your loop is checked with TensorFlow's loss and gradients in place of loss_and_gradients,
    # so a mistake in state_gradients (graded above) is not counted twice.
    with stand_in(train, "loss_and_gradients", lambda p, x, y: model.loss_and_gradients(p)):
        for run, clip in (("plain", None), ("clipped", max_norm)):
            result = train({k: v.copy() for k, v in parameters.items()}, x, y, learning_rate, n_steps, max_norm=clip)
            assert isinstance(result, tuple) and len(result) == 3, (
                "train should return (parameters, losses, gradient_norms).")
            final, losses, norms = result
            data[run] = {"losses": np.asarray(losses, dtype=float), "norms": np.asarray(norms, dtype=float),
                         "parameters": {name: np.asarray(final[name], dtype=float) for name in PARAMETER_NAMES}}
    return data


CLIP_MISTAKES = [
    ("each gradient is clipped by its own norm: clip by the global norm of all the gradients together, "
     "so that every gradient is scaled by the same factor", _per_tensor_clip),
    ("the gradients are clipped by value (each component to [-max_norm, max_norm]): clip by their global norm",
     _value_clip),
    ("the gradients are rescaled to norm max_norm at every step: clip only when the global norm exceeds max_norm",
     _always_rescale),
]


def judge_training(data, n_a, lag, m, seed, learning_rate, n_steps, max_norm):
    parameters, x, y = agreement_rnn_problem(n_a, lag, m, seed)
    for run, clip in (("plain", None), ("clipped", max_norm)):
        losses, norms = data[run]["losses"], data[run]["norms"]
        assert losses.shape == norms.shape == (n_steps,), (
            f"With n_steps = {n_steps}, train should return {n_steps} losses and {n_steps} gradient norms, "
            f"got {losses.shape[0] if losses.ndim else 'no'} and {norms.shape[0] if norms.ndim else 'no'}.")
        expected_losses, expected_norms, expected_parameters = reference_training(
            parameters, x, y, learning_rate, n_steps, clip)
        what = "without clipping" if clip is None else f"with max_norm = {clip}"
        assert_close(f"the first loss {what}", losses[0], expected_losses[0], rtol=TRAIN_RTOL, atol=1e-12,
                     hint="Record the loss of each step before updating the parameters.")
        assert_close(f"the first gradient norm {what}", norms[0], expected_norms[0], rtol=TRAIN_RTOL, atol=1e-12,
                     hint="Record the global norm sqrt(sum of all squared gradient entries) before clipping.")
        if clip is not None and not is_close(losses, expected_losses, atol=1e-12, rtol=TRAIN_RTOL):
            if is_close(losses, reference_training(parameters, x, y, learning_rate, n_steps)[0],
                        atol=1e-12, rtol=TRAIN_RTOL):
                raise AssertionError(f"With max_norm = {clip} the run is the same as without clipping: "
                                     "clip the gradients before the update when max_norm is given.")
            for hint, wrong_clip in CLIP_MISTAKES:
                wrong = reference_training(parameters, x, y, learning_rate, n_steps, clip, wrong_clip)[0]
                if is_close(losses, wrong, atol=1e-12, rtol=TRAIN_RTOL):
                    raise AssertionError(f"The clipped run is wrong: {hint}.")
        assert_close(f"the losses {what}", losses, expected_losses, rtol=TRAIN_RTOL, atol=1e-12,
                     hint="Each step: loss and gradients, global norm, clip if max_norm is given, "
                          "then parameters -= learning_rate * gradients.")
        assert_close(f"the gradient norms {what}", norms, expected_norms, rtol=TRAIN_RTOL, atol=1e-12,
                     hint="Record the global norm of the gradients before clipping them.")
        for name in PARAMETER_NAMES:
            assert_close(f"the final {name} {what}", data[run]["parameters"][name], expected_parameters[name],
                         rtol=1e-5, atol=1e-9, hint="Return the parameters after the last update.")


training = Check("training with and without clipping", collect_training, judge_training)


# ---- 2.1 The data generator ------------------------------------------------------------------

THE = AGREEMENT_VOCABULARY.index("The")
NOUN_NUMBER = {AGREEMENT_VOCABULARY.index(word): number for pair in AGREEMENT_NOUNS for number, word in enumerate(pair)}
FILLER_IDS = np.array([AGREEMENT_VOCABULARY.index(word) for word in AGREEMENT_FILLERS])


def collect_agreement_data(make_agreement_data, n_examples, lag, seed):
    runs = {}
    for name, run_seed in (("first", seed), ("again", seed), ("other", seed + 1)):
        X, y = make_agreement_data(n_examples, lag, np.random.default_rng(run_seed))
        runs[name] = {"X": np.asarray(X), "y": np.asarray(y)}
    return runs


def judge_agreement_data(data, n_examples, lag, seed):
    X, y = data["first"]["X"], data["first"]["y"]
    assert_shape("X", X, (n_examples, lag + 2))
    assert_shape("y", y, (n_examples,))
    assert np.issubdtype(X.dtype, np.integer) and np.issubdtype(y.dtype, np.integer), (
        f"X and y should hold integers (token ids and labels), got {X.dtype} and {y.dtype}.")
    assert np.all(X[:, 0] == THE), "Every sentence starts with the token of 'The'."
    nouns = np.isin(X[:, 1], list(NOUN_NUMBER))
    assert nouns.all(), (f"The second token of every sentence is a noun (singular or plural); "
                         f"sentence {int(np.argmin(nouns))} has {AGREEMENT_VOCABULARY[X[np.argmin(nouns), 1]]!r}. "
                         "The noun comes first, lag + 1 words before the verb.")
    number = np.array([NOUN_NUMBER[token] for token in X[:, 1]])
    if np.all(y == 1 - number):
        raise AssertionError("The labels are inverted: 0 is 'was' (a singular noun), 1 is 'were' (a plural noun).")
    wrong = np.flatnonzero(y != number)
    assert wrong.size == 0, (f"Sentence {wrong[0] if wrong.size else ''} has the noun "
                             f"{AGREEMENT_VOCABULARY[X[wrong[0], 1]] if wrong.size else ''!r} and the label "
                             f"{y[wrong[0]] if wrong.size else ''}: the label is 0 for a singular noun, 1 for a plural one.")
    assert np.isin(X[:, 2:], FILLER_IDS).all(), "The lag words after the noun are all drawn from AGREEMENT_FILLERS."

    # Random, balanced, and nothing but the noun tells the label.
    spread = 4 * 0.5 / np.sqrt(n_examples)  # four standard deviations of the share of plural labels
    assert abs(y.mean() - 0.5) < spread, (
        f"{y.mean():.0%} of the labels are 1: singular and plural subjects should be equally likely.")
    assert len(np.unique(X[:, 1])) == len(NOUN_NUMBER), "Every noun, singular and plural, should be drawn."
    if lag > 0:
        fillers = X[:, 2:]
        assert len(np.unique(fillers, axis=0)) > 1, "All sentences have the same words after the noun: draw them at random."
        shares = [np.mean(fillers[y == label][:, :, None] == FILLER_IDS, axis=(0, 1)) for label in (0, 1)]
        assert np.all(np.abs(shares[0] - shares[1]) < 0.05) and np.all(shares[0] > 0.2 / len(FILLER_IDS)), (
            "The words after the noun should be drawn uniformly and independently of the label.")
        if lag > 1:
            repeats = np.mean(fillers[:, :-1] == fillers[:, 1:])  # 1 in 24 for independent draws
            assert repeats < 0.2, f"{repeats:.0%} of the words after the noun repeat the word before: draw each one on its own."
    assert np.array_equal(data["again"]["X"], X) and np.array_equal(data["again"]["y"], y), (
        "Two calls with generators of the same seed gave different data: draw everything from `rng`.")
    assert not np.array_equal(data["other"]["X"], X), (
        "Generators of different seeds gave the same sentences: draw everything from `rng`, not from a fixed seed.")


agreement_data = Check("make_agreement_data", collect_agreement_data, judge_agreement_data)


# ---- 2.2 The model --------------------------------------------------------------------------


def collect_agreement_model(build_agreement_model, vocab_size, n_a, embedding_dim, batch):
    model = build_agreement_model(vocab_size, n_a, embedding_dim)
    rng = np.random.default_rng(0)
    outputs = {}
    for length in (3, 9):  # the model reads sentences of any lag
        tokens = rng.integers(1, vocab_size, size=(batch, length)).astype("int32")
        outputs[str(length)] = np.asarray(model(tokens), dtype=float)
    return {"model": describe_model(model), "outputs": outputs}


def judge_agreement_model(data, vocab_size, n_a, embedding_dim, batch):
    description = data["model"]
    classes = [layer["class"] for layer in description["layers"]]
    assert classes == ["Embedding", "SimpleRNN", "Dense"], (
        f"The model's layers are {classes}; expected Embedding, SimpleRNN, Dense.")
    rnn, dense = layers_of(description, "SimpleRNN")[0], layers_of(description, "Dense")[0]
    assert rnn["units"] == n_a, f"The SimpleRNN has {rnn['units']} units; it should have n_a = {n_a}."
    assert not rnn["return_sequences"], (
        "The SimpleRNN returns every step (return_sequences=True): the verb is predicted from the last state only.")
    assert dense["units"] == 1 and dense["activation"] == "sigmoid", (
        f"The output layer is Dense({dense['units']}, activation={dense['activation']!r}): one unit with a sigmoid "
        "gives P(the verb is 'were'). (A softmax over one unit is always 1.)")
    embedding_count = vocab_size * embedding_dim
    rnn_count = SIMPLE_RNN.count_params(embedding_dim, n_a)
    assert_count_params(f"SimpleRNN({n_a}) on {embedding_dim} features", rnn["params"], rnn_count,
                        SIMPLE_RNN.count_formula(embedding_dim, n_a))
    assert_count_params("The model", description["params"], embedding_count + rnn_count + n_a + 1,
                        f"{vocab_size} x {embedding_dim} (Embedding) + {rnn_count} (SimpleRNN) + {n_a + 1} (Dense)")
    for length, output in data["outputs"].items():
        assert_shape(f"the output for sentences of {length} tokens", output, (batch, 1))
        assert np.all((output > 0) & (output < 1)), "The output should be a probability strictly between 0 and 1."


agreement_model = Check("build_agreement_model", collect_agreement_model, judge_agreement_model)


# ---- 2.3-2.4 Clipping in the Keras optimizer, and training on a long lag --------------------

MIN_ACCURACY = 0.9


def _compiled(model):
    """How ``model`` was compiled: the optimizer, its clipping, the loss and the metrics (plain data)."""
    optimizer = getattr(model, "optimizer", None)
    assert optimizer is not None, "The model was never compiled: compile it with compile_agreement_model."
    config = optimizer.get_config()
    loss = model.loss if isinstance(model.loss, str) else type(model.loss).__name__
    return {"optimizer": type(optimizer).__name__,
            "config": {key: config.get(key) for key in ("learning_rate", "clipnorm", "global_clipnorm", "clipvalue")},
            "loss": str(loss), "from_logits": bool(getattr(model.loss, "from_logits", False)),
            "metrics": [str(m) for m in (model._compile_config.config.get("metrics") or [])]
            if getattr(model, "_compile_config", None) else []}


def _judge_compiled(data, learning_rate, max_norm):
    config = data["config"]
    assert data["optimizer"] == "Adam", f"The optimizer is {data['optimizer']}; use keras.optimizers.Adam."
    assert np.isclose(config["learning_rate"], learning_rate), (
        f"The learning rate is {config['learning_rate']}; it should be learning_rate = {learning_rate}.")
    if config["clipvalue"] is not None:
        raise AssertionError("The optimizer clips by value (clipvalue): clip by the global norm of all the gradients.")
    if config["clipnorm"] is not None:
        raise AssertionError("The optimizer clips each weight's gradient by its own norm (clipnorm): clip by the "
                             "global norm of all the gradients, which scales them all by one factor.")
    assert config["global_clipnorm"] is not None and np.isclose(config["global_clipnorm"], max_norm), (
        f"The optimizer's global_clipnorm is {config['global_clipnorm']}; it should be max_norm = {max_norm}.")
    assert data["loss"].replace("_", "").lower() == "binarycrossentropy" and not data["from_logits"], (
        f"The loss is {data['loss']!r}: the model outputs a probability, so use the binary cross-entropy.")
    assert any("accuracy" in metric for metric in data["metrics"]), "Compile with the metric 'accuracy'."


def collect_trained_model(model, lag, n_examples, seed, learning_rate, max_norm):
    from rnncourse.data import agreement_task

    X, _ = agreement_task(n_examples, lag, seed=seed)
    return {"compiled": _compiled(model),
            "probabilities": np.asarray(model.predict(X, verbose=0, batch_size=500), dtype=float).reshape(-1)}


def judge_trained_model(data, lag, n_examples, seed, learning_rate, max_norm):
    """The model was compiled as the notebook asks (clipping by global norm in Adam), and it learned the task."""
    from rnncourse.data import agreement_task

    _judge_compiled(data["compiled"], learning_rate, max_norm)
    _, y = agreement_task(n_examples, lag, seed=seed)
    probabilities = data["probabilities"]
    assert probabilities.shape == y.shape, f"The model gave {probabilities.size} predictions for {y.size} sentences."
    accuracy = np.mean((probabilities > 0.5) == y)
    baseline = max(y.mean(), 1 - y.mean())
    assert accuracy >= MIN_ACCURACY, (
        f"On new sentences with lag {lag} the model is right {accuracy:.1%} of the time (the baseline: {baseline:.1%}); "
        f"at least {MIN_ACCURACY:.0%} is needed. Train on sentences of lag LAG with the compiled model.")
    print(f"held-out accuracy at lag {lag}: {accuracy:.1%} (baseline {baseline:.1%})")


trained_model = Check("the trained model on new sentences", collect_trained_model, judge_trained_model)
