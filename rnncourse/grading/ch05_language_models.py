"""Checks for chapter 5: a character-level language model of names, in NumPy and in Keras.

Each check is a ``Check(title, collect, judge)`` (see ``question.py``). Samplers
are judged statistically: ``collect`` draws thousands of names with the
student's sampler, and ``judge`` compares how often each name came out with
its exact probability, computed from a Keras ``SimpleRNN`` + ``Dense(softmax)``
holding the same weights, by a chi-square test. Any correct sampler passes,
whatever order it consumes random numbers in; a sampler that draws from
another distribution fails, and the distributions of likely mistakes
(argmax, temperature after the softmax, the sample not fed back, ...) are
tested too, so that the message names the mistake. Clipping is compared with
``tf.clip_by_value`` and ``tf.clip_by_global_norm``; the student's
backpropagation through time on padded batches, and a training step, with the
loss and gradients of ``keras_bridge.rnn_loss_and_gradients`` (likely mistakes
in the gradients are ``Mistake`` data, their hints name the mistake without
the formula); trained models by their
held-out perplexity, which the judge computes itself, against a character
bigram model fitted to the training names.
"""

import math

import numpy as np

from rnncourse.activations import softmax
from rnncourse.cells import SIMPLE_RNN, random_parameters
from rnncourse.grading.checks import assert_close, assert_count_params, assert_shape, describe_model, is_close, layers_of
from rnncourse.grading.question import Check, Mistake, diagnose, stand_in
from rnncourse.keras_bridge import keras_rnn_forward, rnn_loss_and_gradients
from rnncourse.language import EOS, bigram_perplexity, bigram_table, keras_language_model, one_hot_sequences, perplexity

ATOL = 1e-10
# A correct sampler fails a chi-square test at this level once in a million runs.
SIGNIFICANCE = 1e-6
# A wrong sampler "looks like" a listed mistake when the mistake's distribution is not rejected at this level.
MISTAKE_FIT = 1e-3
MIN_EXPECTED = 5  # outcomes expected fewer times are pooled, so that the chi-square approximation holds
LETTERS = "abcdefghijklmnopqrstuvwxyz"


# ---- problems ------------------------------------------------------------------------------


def random_names(n_names, n_letters, seed, max_length=7):
    """``n_names`` random names over the first ``n_letters`` letters (not all of them need occur)."""
    rng = np.random.default_rng(seed)
    return ["".join(rng.choice(list(LETTERS[:n_letters]), size=rng.integers(1, max_length + 1)))
            for _ in range(n_names)]


def vocabulary(names):
    """The expected vocabulary: <EOS> first (index 0), then the letters in alphabetical order."""
    chars = [EOS] + sorted(set("".join(names)) - {EOS})
    return {char: index for index, char in enumerate(chars)}


def sampler_problem(n_letters, n_a, seed, eos_bias=0.0):
    """Random parameters of a model over <EOS> + ``n_letters`` letters, and its vocabulary.

    ``eos_bias`` is added to b_y of <EOS> (index 0): names then end sooner.
    """
    char_to_ix = vocabulary([LETTERS[:n_letters]])
    n_x = len(char_to_ix)
    parameters = random_parameters(n_x, n_a, n_x, np.random.default_rng(seed))
    parameters["b_y"][0] += eos_bias
    return parameters, char_to_ix


# ---- the exact distribution of sampled names --------------------------------------------------


def _next_probabilities(parameters, prefixes, temperature, feed_back=True):
    """P(next index | prefix) for each prefix (a tuple of indices), from Keras with the same weights."""
    n_a, n_x = parameters["W_ax"].shape
    length = len(prefixes[0])
    inputs = [[None] + (list(prefix) if feed_back else [None] * length) for prefix in prefixes]
    x = one_hot_sequences(inputs, n_x)
    _, y_hat = keras_rnn_forward(x, np.zeros((n_a, len(prefixes))), parameters)
    logits = np.log(y_hat[:, :, -1]) / temperature  # softmax(z / T) = softmax(log softmax(z) / T)
    p = np.exp(logits - logits.max(axis=0))
    return (p / p.sum(axis=0)).T


def name_distribution(parameters, eos, temperature=1.0, max_length=4, feed_back=True, exclude_eos=False):
    """{tuple of indices: probability} of every output of a correct sampler.

    An output ends with ``eos``, or has ``max_length`` indices and no ``eos``.
    ``feed_back=False`` and ``exclude_eos=True`` give the distributions of two mistakes.
    """
    outcomes, prefixes = {}, {(): 1.0}
    for _ in range(max_length):
        keys = list(prefixes)
        probabilities = _next_probabilities(parameters, keys, temperature, feed_back)
        if exclude_eos:
            probabilities[:, eos] = 0
            probabilities /= probabilities.sum(axis=1, keepdims=True)
        grown = {}
        for prefix, p in zip(keys, probabilities):
            for index, p_index in enumerate(p):
                if p_index == 0:
                    continue
                if index == eos:
                    outcomes[prefix + (index,)] = prefixes[prefix] * p_index
                else:
                    grown[prefix + (index,)] = prefixes[prefix] * p_index
        prefixes = grown
    outcomes.update(prefixes)  # the limit reached without <EOS>
    return outcomes


def _chi2_sf(statistic, df):
    import tensorflow as tf

    return float(tf.math.igammac(np.float64(df / 2), np.float64(statistic / 2)))


def chi_square_p_value(draws, distribution):
    """p-value of the hypothesis that ``draws`` (tuples) come from ``distribution`` ({tuple: probability}).

    A draw the distribution cannot give makes p = 0. Outcomes expected fewer than
    MIN_EXPECTED times are pooled into one cell.
    """
    n = len(draws)
    counts = {}
    for draw in draws:
        counts[draw] = counts.get(draw, 0) + 1
    if any(draw not in distribution for draw in counts):
        return 0.0
    cells, pooled_observed, pooled_expected = [], 0, 0.0
    for outcome, p in distribution.items():
        if n * p >= MIN_EXPECTED:
            cells.append((counts.get(outcome, 0), n * p))
        else:
            pooled_observed += counts.get(outcome, 0)
            pooled_expected += n * p
    if pooled_expected > 0:
        cells.append((pooled_observed, pooled_expected))
    if len(cells) < 2:
        return 1.0
    statistic = sum((observed - expected) ** 2 / expected for observed, expected in cells)
    return _chi2_sf(statistic, len(cells) - 1)


def _draws(data):
    assert isinstance(data, list), f"The sampler should return a list of indices, got {type(data).__name__}."
    draws = []
    for draw in data:
        assert isinstance(draw, list) and all(isinstance(i, int) and not isinstance(i, bool) for i in draw), (
            f"The sampler should return a list of integer indices; one draw was {str(draw)[:80]}.")
        draws.append(tuple(draw))
    return draws


def _assert_stopping_rule(draws, eos, max_length, n_x):
    for draw in draws:
        assert draw, "The sampler returned an empty list: it should draw at least one character."
        assert all(0 <= index < n_x for index in draw), f"The draw {list(draw)} holds an index outside 0..{n_x - 1}."
        assert len(draw) <= max_length, (
            f"A sampled name has {len(draw)} indices, more than max_length = {max_length}: stop at the limit.")
        assert eos not in draw[:-1], (
            f"The draw {list(draw)} goes on after <EOS> (index {eos}): stop as soon as <EOS> is drawn.")
        assert draw[-1] == eos or len(draw) == max_length, (
            f"The draw {list(draw)} stops before max_length = {max_length} without ending in <EOS> (index {eos}): "
            "append the <EOS> that was drawn, then stop.")
    assert any(draw[-1] == eos for draw in draws), (
        f"<EOS> (index {eos}) is never emitted in {len(draws)} names, although the model gives it a high probability: "
        "draw from all n_y indices, <EOS> included, and return it when it is drawn.")


def _assert_not_greedy(draws, parameters, char_to_ix, temperature, max_length):
    """Checked before the stopping rule: greedy decoding may never reach <EOS>, and that message would mislead."""
    expected = name_distribution(parameters, char_to_ix[EOS], temperature, max_length)
    if len(set(draws)) == 1 and max(expected.values()) < 0.9:
        raise AssertionError(
            f"All {len(draws)} sampled names are the same, {list(draws[0])}: the sampler always takes the most "
            "likely character (argmax). Draw each index at random with the softmax probabilities, "
            "e.g. rng.choice(n_y, p=probabilities).")


def _judge_draws(draws, parameters, char_to_ix, temperature, max_length, mistakes):
    eos = char_to_ix[EOS]
    expected = name_distribution(parameters, eos, temperature, max_length)
    if chi_square_p_value(draws, expected) >= SIGNIFICANCE:
        return
    for hint, distribution in mistakes(eos):
        if chi_square_p_value(draws, distribution) >= MISTAKE_FIT:
            raise AssertionError(hint)
    raise AssertionError(
        f"The {len(draws)} sampled names do not follow the model's probabilities (chi-square test, p < "
        f"{SIGNIFICANCE:g}). Check each step against the model's equations: the new state, the scores divided by "
        "the temperature before the softmax, a random draw, and the drawn character fed back as the next x.")


def _common_mistakes(parameters, temperature, max_length):
    def mistakes(eos):
        yield ("The names follow the model's distribution at temperature 1, not at temperature "
               f"{temperature}: divide the scores z by the temperature before the softmax "
               "(dividing the probabilities after the softmax changes nothing once they are normalised).",
               name_distribution(parameters, eos, 1.0, max_length)) if temperature != 1 else None
        yield ("Each character is drawn as if the input were always the zero vector: feed the drawn character "
               "back, as a one-hot x, into the next step.",
               name_distribution(parameters, eos, temperature, max_length, feed_back=False))
        yield ("<EOS> is never drawn: draw from all n_y indices, <EOS> included.",
               name_distribution(parameters, eos, temperature, max_length, exclude_eos=True))

    return lambda eos: (mistake for mistake in mistakes(eos) if mistake is not None)


# ---- 1.1 vocabulary and (x, y) pairs --------------------------------------------------------------


def collect_vocabulary(build_vocabulary, n_names, n_letters, seed):
    char_to_ix, ix_to_char = build_vocabulary(random_names(n_names, n_letters, seed))
    return {"char_to_ix": {str(char): int(index) for char, index in dict(char_to_ix).items()},
            "ix_to_char": [[int(index), str(char)] for index, char in dict(ix_to_char).items()]}


def judge_vocabulary(data, n_names, n_letters, seed):
    names = random_names(n_names, n_letters, seed)
    expected = vocabulary(names)
    char_to_ix = data["char_to_ix"]
    assert EOS in char_to_ix, "char_to_ix has no <EOS>: add the newline character '\\n' to the vocabulary."
    assert set(char_to_ix) == set(expected), (
        f"char_to_ix holds {sorted(char_to_ix)}, expected the characters of the names and '\\n': {sorted(expected)}.")
    assert char_to_ix == expected, (
        f"char_to_ix is {char_to_ix}; expected {expected}: sort the characters, so that '\\n' (<EOS>) gets index 0 "
        "and the letters follow in alphabetical order.")
    assert sorted(map(tuple, data["ix_to_char"])) == sorted((i, c) for c, i in expected.items()), (
        "ix_to_char should be the inverse of char_to_ix: {index: character}.")


def collect_name_to_xy(name_to_xy, n_names, n_letters, seed):
    names = random_names(n_names, n_letters, seed)
    char_to_ix = vocabulary(names)
    return [list(map(list, name_to_xy(name, dict(char_to_ix)))) for name in names]


def judge_name_to_xy(data, n_names, n_letters, seed):
    names = random_names(n_names, n_letters, seed)
    char_to_ix = vocabulary(names)
    assert len(data) == len(names)
    for name, (X, Y) in zip(names, data):
        indices = [char_to_ix[char] for char in name]
        expected_X, expected_Y = [None] + indices, indices + [char_to_ix[EOS]]
        if Y == indices:
            raise AssertionError(f"For {name!r}, Y is {Y}: the name's indices without <EOS>. "
                                 "Y ends with the index of '\\n', so the model learns where a name ends.")
        if X == indices:
            raise AssertionError(f"For {name!r}, X is {X}: X starts with None (x<1> is the zero vector) and is Y "
                                 "shifted one step right, x<t> = y<t-1>.")
        assert Y == expected_Y, f"For {name!r}, Y is {Y}, expected {expected_Y} (the indices, then <EOS>)."
        assert X == expected_X, f"For {name!r}, X is {X}, expected {expected_X} (None, then the indices)."


def collect_vocabulary_and_pairs(build_vocabulary, name_to_xy, n_names, n_letters, seed):
    return {"vocabulary": collect_vocabulary(build_vocabulary, n_names, n_letters, seed),
            "pairs": collect_name_to_xy(name_to_xy, n_names, n_letters, seed)}


def judge_vocabulary_and_pairs(data, n_names, n_letters, seed):
    judge_vocabulary(data["vocabulary"], n_names, n_letters, seed)
    judge_name_to_xy(data["pairs"], n_names, n_letters, seed)


vocabulary_and_pairs_check = Check("build_vocabulary and name_to_xy", collect_vocabulary_and_pairs,
                                   judge_vocabulary_and_pairs)


# ---- 1.2 sampling ---------------------------------------------------------------------------------


def collect_sample(sample, n_letters, n_a, seed, temperature, max_length, n_draws, eos_bias=0.0):
    parameters, char_to_ix = sampler_problem(n_letters, n_a, seed, eos_bias)
    rng = np.random.default_rng(seed + 1)
    return [[int(i) for i in sample(parameters, dict(char_to_ix), rng, temperature=temperature,
                                    max_length=max_length)] for _ in range(n_draws)]


def judge_sample(data, n_letters, n_a, seed, temperature, max_length, n_draws, eos_bias=0.0):
    parameters, char_to_ix = sampler_problem(n_letters, n_a, seed, eos_bias)
    draws = _draws(data)
    assert len(draws) == n_draws
    _assert_not_greedy(draws, parameters, char_to_ix, temperature, max_length)
    _assert_stopping_rule(draws, char_to_ix[EOS], max_length, len(char_to_ix))
    _judge_draws(draws, parameters, char_to_ix, temperature, max_length,
                 _common_mistakes(parameters, temperature, max_length))


sample_check = Check("sample", collect_sample, judge_sample)


def collect_sample_stops(sample, n_letters, n_a, seed, max_length, n_draws, eos_bias):
    return collect_sample(sample, n_letters, n_a, seed, 1.0, max_length, n_draws, eos_bias)


def judge_sample_stops(data, n_letters, n_a, seed, max_length, n_draws, eos_bias):
    parameters, char_to_ix = sampler_problem(n_letters, n_a, seed, eos_bias)
    draws = _draws(data)
    eos = char_to_ix[EOS]
    _assert_stopping_rule(draws, eos, max_length, len(char_to_ix))
    # The lengths alone: P(length = k) follows from the exact distribution of names.
    expected = {}
    for name, p in name_distribution(parameters, eos, 1.0, max_length).items():
        key = (len(name), name[-1] == eos)
        expected[key] = expected.get(key, 0.0) + p
    observed = [(len(draw), draw[-1] == eos) for draw in draws]
    assert chi_square_p_value(observed, expected) >= SIGNIFICANCE, (
        "The lengths of the sampled names do not follow the model: each step ends the name with the probability "
        "the softmax gives <EOS>, and the name stops there or at max_length.")


sample_stops_check = Check("sample: stopping at <EOS> or max_length", collect_sample_stops, judge_sample_stops)


# ---- 1.3 clipping ----------------------------------------------------------------------------------

GRADIENT_NAMES = ("dW_ax", "dW_aa", "db_a", "dW_ya", "db_y")


def random_gradients(n_x, n_a, seed, scale):
    rng = np.random.default_rng(seed)
    shapes = {"dW_ax": (n_a, n_x), "dW_aa": (n_a, n_a), "db_a": (n_a, 1), "dW_ya": (n_x, n_a), "db_y": (n_x, 1)}
    return {name: scale * rng.standard_normal(shape) for name, shape in shapes.items()}


def _gradient_dict(result, what):
    assert isinstance(result, dict), f"{what} should return a dictionary of gradients, got a {type(result).__name__}."
    missing = [name for name in GRADIENT_NAMES if name not in result]
    assert not missing, f"The dictionary returned by {what} lacks {missing}."
    return {name: np.asarray(result[name], dtype=float) for name in GRADIENT_NAMES}


def collect_clip(clip, n_x, n_a, seed, scale, max_value):
    gradients = random_gradients(n_x, n_a, seed, scale)
    originals = {name: value.copy() for name, value in gradients.items()}
    result = clip(gradients, max_value)
    return {"result": _gradient_dict(result, "clip"),
            "changed_input": not all(np.array_equal(gradients[k], originals[k]) for k in originals)}


def judge_clip(data, n_x, n_a, seed, scale, max_value):
    import tensorflow as tf

    gradients = random_gradients(n_x, n_a, seed, scale)
    for name in GRADIENT_NAMES:
        value = gradients[name]
        expected = tf.clip_by_value(value, -max_value, max_value).numpy()
        actual = data["result"][name]
        if is_close(actual, np.minimum(value, max_value)) and not is_close(actual, expected):
            raise AssertionError(f"`{name}` is only clipped from above: clip to [-max_value, max_value].")
        assert_close(name, actual, expected, ATOL, hint="Clip every entry to [-max_value, max_value] (np.clip).")


def collect_clip_by_global_norm(clip_by_global_norm, n_x, n_a, seed, scale, max_norm):
    result = clip_by_global_norm(random_gradients(n_x, n_a, seed, scale), max_norm)
    assert isinstance(result, (tuple, list)) and len(result) == 2, (
        "clip_by_global_norm should return (clipped gradients, global norm).")
    return {"clipped": _gradient_dict(result[0], "clip_by_global_norm"), "norm": float(result[1])}


def judge_clip_by_global_norm(data, n_x, n_a, seed, scale, max_norm):
    import tensorflow as tf

    gradients = random_gradients(n_x, n_a, seed, scale)
    values = [gradients[name] for name in GRADIENT_NAMES]
    clipped, norm = tf.clip_by_global_norm(values, max_norm)
    assert math.isclose(data["norm"], float(norm), rel_tol=1e-12), (
        f"The global norm is {data['norm']:.6g}, expected {float(norm):.6g}: the square root of the sum of the "
        "squares of every entry of every gradient.")
    for name, value, expected in zip(GRADIENT_NAMES, values, clipped):
        actual = data["clipped"][name]
        per_tensor = tf.clip_by_norm(value, max_norm).numpy()
        if not is_close(actual, expected.numpy(), ATOL, ATOL) and is_close(actual, per_tensor, ATOL, ATOL):
            raise AssertionError(
                f"`{name}` is clipped by its own norm: clipping by global norm scales every gradient by the same "
                "factor, max_norm / global_norm, so the direction of the whole update is kept.")
        if not is_close(actual, expected.numpy(), ATOL, ATOL) and float(norm) < max_norm and is_close(
                actual, value * max_norm / float(norm), ATOL, ATOL):
            raise AssertionError(f"`{name}` is rescaled although the global norm, {float(norm):.4g}, is below "
                                 f"max_norm = {max_norm}: clipping changes nothing then.")
        assert_close(name, actual, expected.numpy(), ATOL, ATOL,
                     hint="Every gradient is scaled by one factor, computed from the global norm and max_norm "
                          "(the rule above).")


def collect_clipping(clip, clip_by_global_norm, n_x, n_a, seed, scale, max_value, max_norm):
    return {"value": collect_clip(clip, n_x, n_a, seed, scale, max_value),
            "global_norm": collect_clip_by_global_norm(clip_by_global_norm, n_x, n_a, seed, scale, max_norm)}


def judge_clipping(data, n_x, n_a, seed, scale, max_value, max_norm):
    judge_clip(data["value"], n_x, n_a, seed, scale, max_value)
    judge_clip_by_global_norm(data["global_norm"], n_x, n_a, seed, scale, max_norm)


clipping_check = Check("clip and clip_by_global_norm", collect_clipping, judge_clipping)


# ---- 1.4 the gradients of the name model, and a training step ---------------------------------------

GRADIENT_PARAMETERS = ("W_ax", "W_aa", "b_a", "W_ya", "b_y")


def gradients_problem(n_names, n_letters, n_a, seed):
    """A padded batch of random names ``(x, y)``, a random ``a0`` and random parameters of the name model."""
    names = random_names(n_names, n_letters, seed)
    char_to_ix = vocabulary(names)
    x, y = _batch_arrays(names, char_to_ix)
    rng = np.random.default_rng(seed)
    parameters = random_parameters(len(char_to_ix), n_a, len(char_to_ix), rng)
    return x, y, 0.5 * rng.standard_normal((n_a, n_names)), parameters


def _numpy_gradients(problem, padding_counts=False, mean=True, tanh_prime_at_prev=False, recurrence=True,
                     W_aa_with_a_next=False):
    """J and the gradients in NumPy, with the switches of likely mistakes (the right answer with none)."""
    x, y, a0, p = problem
    m, T_x = x.shape[1], x.shape[2]
    a, y_hat = {-1: a0}, {}
    for t in range(T_x):
        a[t] = np.tanh(p["W_ax"] @ x[:, :, t] + p["W_aa"] @ a[t - 1] + p["b_a"])
        y_hat[t] = softmax(p["W_ya"] @ a[t] + p["b_y"])
    gradients = {f"d{name}": np.zeros_like(p[name]) for name in GRADIENT_PARAMETERS}
    da_next = np.zeros_like(a0)
    for t in reversed(range(T_x)):
        real = 1.0 if padding_counts else y[:, :, t].sum(axis=0)  # 0 at a padding step
        dz_y = (y_hat[t] * real - y[:, :, t]) / (m if mean else 1)
        gradients["dW_ya"] += dz_y @ a[t].T
        gradients["db_y"] += dz_y.sum(axis=1, keepdims=True)
        da = p["W_ya"].T @ dz_y + (da_next if recurrence else 0)
        dz = da * (1 - a[t - 1 if tanh_prime_at_prev else t] ** 2)
        gradients["dW_ax"] += dz @ x[:, :, t].T
        gradients["dW_aa"] += dz @ a[t if W_aa_with_a_next else t - 1].T
        gradients["db_a"] += dz.sum(axis=1, keepdims=True)
        da_next = p["W_aa"].T @ dz
    return gradients


def _flat(gradients):
    return np.concatenate([np.ravel(gradients[f"d{name}"]) for name in GRADIENT_PARAMETERS])


# The hints name the mistake and the step of the derivation it is in; none prints a gradient's formula.
GRADIENT_MISTAKES = [
    Mistake("the padding steps count: a zero target column (after a name's <EOS>) adds nothing to J, so the "
            "output of that step must add nothing to any gradient either.",
            lambda problem: _flat(_numpy_gradients(problem, padding_counts=True))),
    Mistake("the gradients are m times too large: J averages over the m names, so does each of its gradients.",
            lambda problem: _flat(_numpy_gradients(problem, mean=False))),
    Mistake("tanh' is taken at a<t-1>: the tanh differentiated at step t is the one whose output is a<t>.",
            lambda problem: _flat(_numpy_gradients(problem, tanh_prime_at_prev=True))),
    Mistake("nothing comes back from step t+1: a<t> feeds step t's output and step t+1's state, so its gradient "
            "has a part from each (the gradient flowing back through W_aa is missing).",
            lambda problem: _flat(_numpy_gradients(problem, recurrence=False))),
    Mistake("dW_aa is taken with a<t>: in step t, W_aa multiplies the previous state.",
            lambda problem: _flat(_numpy_gradients(problem, W_aa_with_a_next=True))),
]


def collect_gradients(loss_and_gradients, n_names, n_letters, n_a, seed):
    x, y, a0, parameters = gradients_problem(n_names, n_letters, n_a, seed)
    result = loss_and_gradients(x, y, a0, {k: v.copy() for k, v in parameters.items()})
    assert isinstance(result, (tuple, list)) and len(result) == 2, "loss_and_gradients should return (J, gradients)."
    J, gradients = result
    return {"J": float(J), "gradients": _gradient_dict(gradients, "loss_and_gradients")}


def judge_gradients(data, n_names, n_letters, n_a, seed):
    problem = gradients_problem(n_names, n_letters, n_a, seed)
    x, y, a0, parameters = problem
    J, expected = rnn_loss_and_gradients(x, y, a0, parameters)
    if math.isclose(data["J"], J * n_names, rel_tol=1e-9) and n_names > 1:
        raise AssertionError("J is summed over the names: the course's J is the mean over the m names of each "
                             "name's cross-entropy.")
    assert math.isclose(data["J"], J, rel_tol=1e-9), (
        f"J is {data['J']:.6g}, expected {J:.6g} (computed by TensorFlow): the cross-entropy of the softmax "
        "outputs, summed over the steps (a padding step adds nothing) and averaged over the names.")
    actual = data["gradients"]
    wrong = [name for name in GRADIENT_NAMES if not is_close(actual[name], expected[name], ATOL, 1e-9)]
    if not wrong:
        return
    diagnose("the gradients", _flat(actual), _flat(expected), problem, GRADIENT_MISTAKES, ATOL)
    name = wrong[0]  # no listed mistake: say which gradient is off first
    assert_close(name, actual[name], expected[name], ATOL, 1e-9,
                 hint="Compared with tf.GradientTape. Go back from the last step to the first: at each step the "
                      "gradient of the output's score, then that of a<t> (from the output and from step t+1), "
                      "then through the tanh to the weights.")


gradients_check = Check("loss_and_gradients against tf.GradientTape", collect_gradients, judge_gradients)




def _reference_clip_by_global_norm(gradients, max_norm):
    import tensorflow as tf

    names = list(gradients)
    clipped, norm = tf.clip_by_global_norm([gradients[name] for name in names], max_norm)
    return {name: value.numpy() for name, value in zip(names, clipped)}, float(norm)


def _batch_arrays(names, char_to_ix):
    pairs = []
    for name in names:
        indices = [char_to_ix[char] for char in name]
        pairs.append(([None] + indices, indices + [char_to_ix[EOS]]))
    n_x = len(char_to_ix)
    return one_hot_sequences([X for X, _ in pairs], n_x), one_hot_sequences([Y for _, Y in pairs], n_x)


def expected_step(names, parameters, char_to_ix, learning_rate, max_norm):
    x, y = _batch_arrays(names, char_to_ix)
    n_a = parameters["W_aa"].shape[0]
    J, gradients = rnn_loss_and_gradients(x, y, np.zeros((n_a, len(names))), parameters)
    clipped, _ = _reference_clip_by_global_norm({f"d{k}": gradients[f"d{k}"] for k in parameters}, max_norm)
    return {k: parameters[k] - learning_rate * clipped[f"d{k}"] for k in parameters}, J, gradients


def collect_train_step(train_step, n_names, n_letters, n_a, seed, learning_rate, max_norm):
    names = random_names(n_names, n_letters, seed)
    char_to_ix = vocabulary(names)
    parameters = random_parameters(len(char_to_ix), n_a, len(char_to_ix), np.random.default_rng(seed))
    # TensorFlow's loss, gradients and clipping stand in for yours: a bug there (graded above) is not counted twice.
    with stand_in(train_step, "clip_by_global_norm", _reference_clip_by_global_norm), \
            stand_in(train_step, "loss_and_gradients", rnn_loss_and_gradients):
        result = train_step(names, {k: v.copy() for k, v in parameters.items()}, dict(char_to_ix),
                            learning_rate, max_norm)
    assert isinstance(result, (tuple, list)) and len(result) == 2, "train_step should return (parameters, loss)."
    new, loss = result
    return {"parameters": {k: np.asarray(new[k], dtype=float) for k in parameters}, "loss": float(loss)}


def judge_train_step(data, n_names, n_letters, n_a, seed, learning_rate, max_norm):
    names = random_names(n_names, n_letters, seed)
    char_to_ix = vocabulary(names)
    parameters = random_parameters(len(char_to_ix), n_a, len(char_to_ix), np.random.default_rng(seed))
    expected, J, gradients = expected_step(names, parameters, char_to_ix, learning_rate, max_norm)
    assert math.isclose(data["loss"], J, rel_tol=1e-9), (
        f"train_step returned the loss {data['loss']:.6g}, expected {J:.6g}: return the J that "
        "loss_and_gradients gives for the batch, before the update.")
    for name in parameters:
        actual = data["parameters"][name]
        if is_close(actual, expected[name], 1e-9, 1e-9):
            continue
        if is_close(actual, parameters[name] - learning_rate * gradients[f"d{name}"]):
            raise AssertionError(f"`{name}` was updated with the gradient before clipping: clip the gradients by "
                                 "their global norm first (clip_by_global_norm), then update.")
        if is_close(actual, parameters[name] + learning_rate * (expected[name] - parameters[name]) * -1):
            raise AssertionError(f"`{name}` moved up the gradient: gradient descent subtracts learning_rate * gradient.")
        assert_close(name, actual, expected[name], 1e-9, 1e-9,
                     hint="Update each parameter by one step of gradient descent with its clipped gradient.")


train_step_check = Check("train_step", collect_train_step, judge_train_step)


# ---- 1.5 the training loop ----------------------------------------------------------------------------


def collect_train_loop(train_name_model, n_names, epochs, batch_size, seed):
    names = random_names(n_names, 5, seed)
    char_to_ix = vocabulary(LETTERS[:5])
    losses_given = iter(np.random.default_rng(seed).uniform(1, 10, size=10_000))

    def step(call, batch, parameters, char_to_ix, learning_rate, max_norm):
        return {k: v + 1.0 for k, v in parameters.items()}, next(losses_given)

    batches = []

    def train_step(batch, parameters, char_to_ix, learning_rate, max_norm):
        batches.append(list(batch))
        return step(len(batches) - 1, batch, parameters, char_to_ix, learning_rate, max_norm)

    with stand_in(train_name_model, "train_step", train_step):
        parameters, losses = train_name_model(names, dict(char_to_ix), n_a=3, epochs=epochs, batch_size=batch_size,
                                         learning_rate=0.1, max_norm=5.0, seed=seed)
    return {"batches": batches, "losses": [float(loss) for loss in losses],
            "W_aa": np.asarray(parameters["W_aa"], dtype=float)}


def judge_train_loop(data, n_names, epochs, batch_size, seed):
    names = random_names(n_names, 5, seed)
    given = np.random.default_rng(seed).uniform(1, 10, size=10_000)
    batches = data["batches"]
    per_epoch = math.ceil(n_names / batch_size)
    assert len(batches) == epochs * per_epoch, (
        f"train_step was called {len(batches)} times; {epochs} epochs of {n_names} names in batches of "
        f"{batch_size} take {epochs * per_epoch} steps.")
    for epoch in range(epochs):
        seen = [name for batch in batches[epoch * per_epoch:(epoch + 1) * per_epoch] for name in batch]
        assert sorted(seen) == sorted(names), f"Epoch {epoch + 1} should use every training name exactly once."
        sizes = [len(batch) for batch in batches[epoch * per_epoch:(epoch + 1) * per_epoch]]
        assert max(sizes) == batch_size, f"The batches hold {sizes} names; batch_size is {batch_size}."
    orders = [[name for batch in batches[epoch * per_epoch:(epoch + 1) * per_epoch] for name in batch]
              for epoch in range(epochs)]
    # 25 or more random names: an honest shuffle repeats an order with negligible probability.
    if any(order == names for order in orders) or len({tuple(order) for order in orders}) < epochs:
        raise AssertionError("The names come in the same order in two epochs (or in the order given): shuffle "
                             "them at the start of every epoch with rng.permutation.")
    # Each epoch's loss: the mean of its steps' losses, weighted by the names in each batch.
    expected = []
    for epoch in range(epochs):
        indices = range(epoch * per_epoch, (epoch + 1) * per_epoch)
        sizes = np.array([len(batches[i]) for i in indices])
        expected.append(float(np.sum(given[list(indices)] * sizes) / np.sum(sizes)))
    last = [(epoch + 1) * per_epoch - 1 for epoch in range(epochs)]
    last_only = [float(given[i]) for i in last]
    last_weighted = [float(given[i] * len(batches[i]) / n_names) for i in last]
    if any(is_close(data["losses"], wrong) for wrong in (last_only, last_weighted)) and not is_close(
            data["losses"], expected):
        raise AssertionError("Each epoch's loss is the loss of its last batch: add up the batches' losses with "
                             "`+=`, not `=`.")
    assert_close("losses", data["losses"], expected, 1e-9,
                 hint="Return one loss per epoch: the mean loss per name, each batch's loss weighted by the "
                      "number of names in it.")
    assert data["W_aa"].shape == (3, 3), "train_name_model should initialise W_aa as (n_a, n_a)."


train_loop_check = Check("train_name_model", collect_train_loop, judge_train_loop)


# ---- 1.6 the bigram baseline and the trained model's perplexity --------------------------------------


def rnn_perplexity(parameters, names, char_to_ix):
    """Held-out perplexity of the course's RNN, from Keras with the same weights."""
    x, y = _batch_arrays(names, char_to_ix)
    n_a = parameters["W_aa"].shape[0]
    J, _ = rnn_loss_and_gradients(x, y, np.zeros((n_a, len(names))), parameters)
    return perplexity(J * len(names), int(y.sum()))


def _random_table(n, seed):
    table = np.random.default_rng(seed).uniform(0.1, 1.0, size=(n, n))
    return table / table.sum(axis=1, keepdims=True)


def collect_bigram(fit_bigram, bigram_perplexity, n_names, n_letters, seed, alpha):
    names = random_names(n_names, n_letters, seed)
    char_to_ix = vocabulary(LETTERS[:n_letters])
    table = _random_table(len(char_to_ix), seed)
    return {"table": np.asarray(fit_bigram(names, dict(char_to_ix), alpha), dtype=float),
            "perplexity": float(bigram_perplexity(table, names, dict(char_to_ix)))}


def judge_bigram(data, n_names, n_letters, seed, alpha):
    names = random_names(n_names, n_letters, seed)
    char_to_ix = vocabulary(LETTERS[:n_letters])
    expected = bigram_table(names, char_to_ix, alpha)
    table = data["table"]
    assert_shape("the bigram table", table, expected.shape)
    assert_close("sums of the rows", table.sum(axis=1), np.ones(len(expected)), 1e-9,
                 hint="Row i is the distribution P(next | previous = i): normalise every row to sum 1.")
    with np.errstate(invalid="ignore", divide="ignore"):
        unsmoothed = bigram_table(names, char_to_ix, 0.0)
    if alpha and is_close(table, unsmoothed):
        raise AssertionError(f"The table has no smoothing: add alpha = {alpha} to every count, so that a pair never "
                             "seen in training does not get probability 0 (and a held-out perplexity of infinity).")
    assert_close("the bigram table", table, expected, 1e-9,
                 hint="Count the pairs (previous, next) of every name framed by <EOS> on both sides, smooth "
                      "and normalise as the formula above says.")
    reference = bigram_perplexity(_random_table(len(char_to_ix), seed), names, char_to_ix)
    assert math.isclose(data["perplexity"], reference, rel_tol=1e-9), (
        f"bigram_perplexity gives {data['perplexity']:.6g}, expected {reference:.6g}: every letter and the final "
        "<EOS> of each name is one predicted character (the first letter's context is <EOS>); see the definition "
        "of perplexity above.")


bigram_check = Check("fit_bigram", collect_bigram, judge_bigram)


def collect_name_model(parameters, bigram, **case):
    return {"parameters": {k: np.asarray(parameters[k], dtype=float) for k in ("W_ax", "W_aa", "b_a", "W_ya", "b_y")},
            "bigram": np.asarray(bigram, dtype=float)}


def _held_out(first, count, test_fraction, split_seed):
    from rnncourse.data import first_names, split_names

    train, test = split_names(first_names(), test_fraction, split_seed)
    return train, test[first:] if count is None else test[first:first + count]


def judge_name_model(data, first, count, test_fraction, split_seed, alpha):
    train, test = _held_out(first, count, test_fraction, split_seed)
    char_to_ix = vocabulary(train)
    expected = bigram_table(train, char_to_ix, alpha)
    table = data["bigram"]
    assert_shape("bigram", table, expected.shape)
    _, all_test = _held_out(0, None, test_fraction, split_seed)
    if not is_close(table, expected, 1e-9, 1e-9) and is_close(table, bigram_table(all_test, char_to_ix, alpha)) or is_close(
            table, bigram_table(train + all_test, char_to_ix, alpha)):
        raise AssertionError("The bigram model was fitted on the held-out names: fit it on the training names only, "
                             "or its held-out perplexity is not a fair baseline.")
    assert_close("bigram", table, expected, 1e-9, hint=f"Fit the bigram model on train_names with alpha = {alpha}.")
    ours = rnn_perplexity(data["parameters"], test, char_to_ix)
    baseline = bigram_perplexity(expected, test, char_to_ix)
    assert ours < baseline, (
        f"The trained RNN's held-out perplexity is {ours:.3f}, not below the bigram model's {baseline:.3f}: "
        "train longer (more epochs) or with a larger learning rate.")
    print(f"held-out perplexity: RNN {ours:.3f}, bigram {baseline:.3f}")


name_model_check = Check("the trained name model beats the bigram model", collect_name_model, judge_name_model)


# ---- 2.1 the Keras language model ---------------------------------------------------------------------


def collect_keras_model(build_language_model, n_x, n_a, batch, T):
    model = build_language_model(n_x, n_a)
    x = np.eye(n_x, dtype="float32")[np.random.default_rng(0).integers(0, n_x, size=(batch, T))]
    y = np.asarray(model(x), dtype=float)
    return {"model": describe_model(model), "shape": list(y.shape), "sums": y.sum(axis=-1)}


def judge_keras_model(data, n_x, n_a, batch, T):
    rnns = layers_of(data["model"], "SimpleRNN")
    assert len(rnns) == 1, f"The model should have one SimpleRNN layer; it has {len(rnns)}."
    assert rnns[0]["units"] == n_a, f"The SimpleRNN has {rnns[0]['units']} units; it should have n_a = {n_a}."
    assert rnns[0]["return_sequences"], (
        "The SimpleRNN returns only its last state: a language model predicts the next character at every step "
        "(return_sequences=True).")
    rnn_count = SIMPLE_RNN.count_params(n_x, n_a)
    assert_count_params(f"SimpleRNN({n_a}) on {n_x} features", rnns[0]["params"], rnn_count,
                        SIMPLE_RNN.count_formula(n_x, n_a))
    dense_count = n_x * (n_a + 1)
    assert_count_params("The model", data["model"]["params"], rnn_count + dense_count,
                        f"{rnn_count} (SimpleRNN) + {dense_count} (Dense: n_x (n_a + 1))")
    assert_shape("the model's output", np.zeros(data["shape"]), (batch, T, n_x))
    assert_close("sums of the output over the vocabulary", data["sums"], np.ones((batch, T)), 1e-4,
                 hint="The output layer is a softmax over the n_x characters.")


keras_model_check = Check("build_language_model", collect_keras_model, judge_keras_model)


# ---- 2.2 sampling from the Keras model -----------------------------------------------------------------


def collect_generate(generate, n_letters, n_a, seed, temperature, max_length, n_draws):
    parameters, char_to_ix = sampler_problem(n_letters, n_a, seed)
    model = keras_language_model(parameters)
    names = generate(model, n_draws, np.random.default_rng(seed + 1), temperature=temperature,
                     max_length=max_length)
    return [[int(i) for i in name] for name in names]


def judge_generate(data, n_letters, n_a, seed, temperature, max_length, n_draws):
    parameters, char_to_ix = sampler_problem(n_letters, n_a, seed)
    draws = _draws(data)
    assert len(draws) == n_draws, f"generate should return n_names = {n_draws} names, got {len(draws)}."
    _assert_not_greedy(draws, parameters, char_to_ix, temperature, max_length)
    _assert_stopping_rule(draws, char_to_ix[EOS], max_length, len(char_to_ix))
    _judge_draws(draws, parameters, char_to_ix, temperature, max_length,
                 _common_mistakes(parameters, temperature, max_length))


generate_check = Check("generate with the Keras model", collect_generate, judge_generate)


# ---- 2.3 the trained Keras model's perplexity -----------------------------------------------------------


def _surnames(first, count, test_fraction, split_seed, n_train):
    from rnncourse.data import load_census_names, split_names

    train, test = split_names(load_census_names("last"), test_fraction, split_seed)
    return train[:n_train], test[first:first + count]


def collect_keras_perplexity(model, first, count, test_fraction, split_seed, n_train, alpha):
    train, test = _surnames(first, count, test_fraction, split_seed, n_train)
    char_to_ix = vocabulary(train)
    x, _ = _batch_arrays(test, char_to_ix)
    from rnncourse.keras_bridge import to_keras_sequence

    probabilities = np.asarray(model.predict(to_keras_sequence(x).astype("float32"), verbose=0), dtype=float)
    # Only the steps of each name (its letters and <EOS>), not the padding.
    return np.concatenate([probabilities[i, :len(name) + 1] for i, name in enumerate(test)])


def judge_keras_perplexity(data, first, count, test_fraction, split_seed, n_train, alpha):
    train, test = _surnames(first, count, test_fraction, split_seed, n_train)
    char_to_ix = vocabulary(train)
    targets = np.concatenate([[char_to_ix[c] for c in name] + [char_to_ix[EOS]] for name in test])
    assert_shape("the model's predictions", data, (len(targets), len(char_to_ix)))
    assert np.all(np.isfinite(data)) and np.all(data >= 0), "The predictions should be probabilities."
    assert_close("sums of the predictions", data.sum(axis=1), np.ones(len(targets)), 1e-3,
                 hint="Each prediction is a softmax over the characters.")
    ours = perplexity(-np.sum(np.log(np.maximum(data[np.arange(len(targets)), targets], 1e-300))), len(targets))
    baseline = bigram_perplexity(bigram_table(train, char_to_ix, alpha), test, char_to_ix)
    assert ours < baseline, (
        f"The Keras model's held-out perplexity is {ours:.3f}, not below the bigram model's {baseline:.3f}: "
        "check that y is x shifted by one step (the model predicts the next character) and train longer.")
    print(f"held-out perplexity: Keras model {ours:.3f}, bigram {baseline:.3f}")


keras_perplexity_check = Check("the trained Keras model beats the bigram model", collect_keras_perplexity,
                               judge_keras_perplexity)
