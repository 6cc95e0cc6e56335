"""Checks for chapter 1: words as one-hot vectors in NumPy, the same with TextVectorization, and tf.data windows.

Each check is a ``Check(title, collect, judge)`` (see ``question.py``): ``collect``
runs the student's code on a case and returns plain data (tokens, words,
arrays, the batches a dataset yields), ``judge`` compares them with Keras:
``keras.layers.TextVectorization`` (default standardisation, whitespace split,
frequency-ordered vocabulary) and ``keras.ops.one_hot`` give the reference for
the NumPy mapping, ``rnncourse.windows.make_windows`` the one for the windows.
Likely mistakes are data: tables of wrong formulas, each with its hint.

Conventions, the same as the notebook's:

- the vocabulary is a list; index 0 is padding ``""``, index 1 is ``"<UNK>"``
  (Keras writes ``"[UNK]"``), then the words by decreasing count;
- ``x`` has shape ``(n_x, m, T_x)`` with ``n_x = len(vocabulary)``; a padded
  position is the zero vector (no 1 anywhere, so row 0 of ``x`` stays zero).

A case names its texts by a list, or by the name of one of the lists of
``rnncourse/texts.py`` (``corpus: CORPUS``), which the notebook imports too.
"""

import re
import string

import numpy as np

from rnncourse.grading.checks import assert_close, assert_shape
from rnncourse.grading.question import Check, Mistake, diagnose, stand_in
from rnncourse.keras_bridge import from_keras_sequence
from rnncourse.texts import CORPUS, PAD, SENTENCES, TEXTS, UNK

KERAS_UNK = "[UNK]"  # how TextVectorization writes the course's UNK
NAMED = {"TEXTS": TEXTS, "CORPUS": CORPUS, "SENTENCES": SENTENCES}


def _texts(value):
    """A case's texts: a list, or the name of one of the lists of rnncourse/texts.py."""
    return list(NAMED[value] if isinstance(value, str) else value)


# ---- Keras references -------------------------------------------------------------------


def _vectorizer(corpus, max_tokens=None, T_x=None):
    import keras

    layer = keras.layers.TextVectorization(max_tokens=max_tokens, output_sequence_length=T_x)
    layer.adapt(list(corpus))
    return layer


def _keras_vocabulary(layer):
    """The layer's vocabulary in the course's spelling: ``[PAD, UNK, words...]``."""
    vocabulary = [str(word) for word in layer.get_vocabulary()]
    assert vocabulary[:2] == [PAD, KERAS_UNK], vocabulary[:2]
    return [PAD, UNK] + vocabulary[2:]


def _keras_ids(layer, sentences):
    return np.asarray(layer(list(sentences)))


def _one_hot(ids, n_x):
    """One-hot of Keras ids in the course layout (n_x, m, T_x), with padding (id 0) as the zero vector."""
    import keras

    one_hot = keras.ops.convert_to_numpy(keras.ops.one_hot(ids, n_x, dtype="float64"))  # (m, T_x, n_x)
    return from_keras_sequence(one_hot * (ids != 0)[..., None])


def keras_tokens(texts):
    """Each text's tokens as TextVectorization cuts them (lower case, no punctuation, split at whitespace)."""
    texts = list(texts)
    layer = _vectorizer(texts)  # every token is in the vocabulary: no <UNK>
    vocabulary = layer.get_vocabulary()
    return {text: [str(vocabulary[i]) for i in row if i != 0] for text, row in zip(texts, _keras_ids(layer, texts))}


def _keras_tokenize(texts, own):
    """A ``tokenize`` giving Keras' tokens: the stand-in while later functions are checked,
    so a mistake in ``tokenize`` costs the points of its own test only."""
    reference = keras_tokens(texts)
    return lambda text: list(reference[text]) if text in reference else own(text)


def _problem(corpus, sentences, max_tokens, T_x):
    """(vocabulary, ids, x) of a case, from Keras."""
    layer = _vectorizer(_texts(corpus), max_tokens, T_x)
    vocabulary = _keras_vocabulary(layer)
    ids = _keras_ids(layer, _texts(sentences))
    return vocabulary, ids, _one_hot(ids, len(vocabulary))


def _strings(value):
    """A list of strings as itself; anything else as a description (the judge says what was expected)."""
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return [str(item) for item in value]
    return {"not_a_list_of_str": type(value).__name__, "repr": repr(value)[:200]}


def _assert_strings(what, value):
    assert isinstance(value, list), f"{what} should return a list of strings, got {value['repr']}."


# ---- 1.1 tokenize ------------------------------------------------------------------------

_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_NO_PUNCTUATION = str.maketrans("", "", string.punctuation)


def _ascii_lower(text):
    return text.translate(_ASCII_LOWER)


def _no_punctuation(text):
    return text.translate(_NO_PUNCTUATION)


def _regex_strip(text):
    return re.sub(r"[^\w\s]", "", text)


TOKENIZE_MISTAKES = [
    Mistake("str.lower() also lower-cases capitals outside A-Z ('É' -> 'é'), TextVectorization only A-Z "
            "(as tf.strings.lower does): 'ÉCOLE' becomes 'École'.",
            lambda text: _no_punctuation(text.lower()).split()),
    *(Mistake("re.sub(r'[^\\w\\s]', '', text) keeps '_' and deletes punctuation outside ASCII (« » “ ” — ¿ ¡), "
              "which TextVectorization keeps: delete exactly the characters of string.punctuation.",
              lambda text, lower=lower: _regex_strip(lower(text)).split()) for lower in (_ascii_lower, str.lower)),
    Mistake("the tokens keep their capital letters: lower-case A-Z first.", lambda text: _no_punctuation(text).split()),
    Mistake("it holds empty strings: split at runs of whitespace with text.split() (no argument).",
            lambda text: _no_punctuation(_ascii_lower(text)).split(" ")),
    Mistake("punctuation is deleted, not replaced by spaces ('it's' -> 'its', 'dit-elle' -> 'ditelle').",
            lambda text: _ascii_lower(text).translate(str.maketrans(string.punctuation, " " * 32)).split()),
    Mistake("the punctuation is still there: delete every character of string.punctuation.",
            lambda text: _ascii_lower(text).split()),
]


def collect_tokenize(tokenize, texts):
    return [_strings(tokenize(text)) for text in _texts(texts)]


def judge_tokenize(data, texts):
    texts = _texts(texts)
    expected = keras_tokens(texts)
    for text, tokens in zip(texts, data):
        _assert_strings(f"tokenize({text!r})", tokens)
        diagnose(f"tokenize({text!r})", tokens, expected[text], text, TOKENIZE_MISTAKES,
                 hint="(TextVectorization's standardisation and split).")


tokenize = Check("tokenize", collect_tokenize, judge_tokenize)


# ---- 1.2 build_vocabulary ----------------------------------------------------------------


def collect_build_vocabulary(build_vocabulary, corpus, max_tokens):
    corpus = _texts(corpus)
    with stand_in(build_vocabulary, "tokenize", _keras_tokenize(corpus, build_vocabulary.__globals__["tokenize"])):
        return _strings(build_vocabulary(corpus, max_tokens=max_tokens))


def _counts(corpus):
    counts = {}
    for tokens in keras_tokens(corpus).values():
        for token in tokens:
            counts[token] = counts.get(token, 0) + 1
    return counts


def _capped(words, max_tokens, specials=(PAD, UNK)):
    vocabulary = [*specials, *words]
    return vocabulary if max_tokens is None else vocabulary[:max_tokens]


VOCABULARY_MISTAKES = [
    Mistake("the words are in alphabetical order: sort them by decreasing count.",
            lambda p: _capped(sorted(p["counts"]), p["max_tokens"])),
    Mistake("words of equal count are in alphabetical order: Keras sorts by (count, word) and reverses the list, "
            "so ties come in reverse alphabetical order.",
            lambda p: _capped(sorted(p["counts"], key=lambda w: (-p["counts"][w], w)), p["max_tokens"])),
    Mistake("the words are in increasing count: the most frequent come first.",
            lambda p: _capped(sorted(p["counts"], key=lambda w: (p["counts"][w], w)), p["max_tokens"])),
    Mistake(f"max_tokens counts the padding and {UNK} too: keep max_tokens entries in all.",
            lambda p: _capped(p["words"], None if p["max_tokens"] is None else p["max_tokens"] + 2)),
    Mistake(f"the course writes the unknown word {UNK!r}, not Keras' {KERAS_UNK!r}.",
            lambda p: _capped(p["words"], p["max_tokens"], (PAD, KERAS_UNK))),
    Mistake(f"it should start with the padding {PAD!r} (index 0) and {UNK!r} (index 1).",
            lambda p: _capped(p["words"], p["max_tokens"], ())),
]


def judge_build_vocabulary(data, corpus, max_tokens):
    corpus = _texts(corpus)
    call = f"build_vocabulary(corpus, max_tokens={max_tokens})"
    _assert_strings(call, data)
    expected = _keras_vocabulary(_vectorizer(corpus, max_tokens))
    counts = _counts(corpus)
    words = sorted(counts, key=lambda w: (counts[w], w), reverse=True)
    strangers = [word for word in data[2:] if word not in counts]
    diagnose(call, data, expected, {"counts": counts, "words": words, "max_tokens": max_tokens}, VOCABULARY_MISTAKES,
             hint=f"{strangers[:3]} are not tokens of the corpus: use tokenize on each text." if strangers else
             "Padding, <UNK>, then the words by decreasing count (ties in reverse alphabetical order).")


build_vocabulary = Check("build_vocabulary", collect_build_vocabulary, judge_build_vocabulary)


# ---- 1.3 sentences_to_one_hot -------------------------------------------------------------


def collect_sentences_to_one_hot(sentences_to_one_hot, corpus, sentences, max_tokens, T_x):
    sentences = _texts(sentences)
    vocabulary, _, _ = _problem(corpus, sentences, max_tokens, T_x)
    own = sentences_to_one_hot.__globals__["tokenize"]
    with stand_in(sentences_to_one_hot, "tokenize", _keras_tokenize(sentences, own)):
        return np.asarray(sentences_to_one_hot(sentences, vocabulary, T_x=T_x), dtype=float)


def _repacked(ids, keep):
    """Each row's ids for which ``keep`` holds, moved to the front (the rest padding)."""
    rows = np.zeros_like(ids)
    for i, row in enumerate(ids):
        kept = [w for w in row if w != 0 and keep(w)]
        rows[i, :len(kept)] = kept
    return rows


def _padding_first(ids):
    return np.stack([np.concatenate([row[row == 0], row[row != 0]]) for row in ids])


ONE_HOT_MISTAKES = [
    Mistake("it is in Keras' batch-first layout (m, T_x, n_x): the course layout is (n_x, m, T_x).",
            lambda p: p["x"].transpose(1, 2, 0)),
    Mistake("padded steps hold a 1 at index 0: a padded step is the zero vector, so row 0 of x is never set.",
            lambda p: p["x"] + (p["ids"] == 0)[None] * np.eye(p["n_x"])[:, :1, None]),
    Mistake(f"words outside the vocabulary are left out: they are {UNK!r}, index 1, and keep their place.",
            lambda p: _one_hot(_repacked(p["ids"], lambda w: w != 1), p["n_x"])),
    Mistake("the padding comes before the words: word t of a sentence goes to x[:, i, t] from t = 0, "
            "and the padding after the words.",
            lambda p: _one_hot(_padding_first(p["ids"]), p["n_x"])),
]


def judge_sentences_to_one_hot(data, corpus, sentences, max_tokens, T_x):
    vocabulary, ids, expected = _problem(corpus, sentences, max_tokens, T_x)
    n_x, m, T = expected.shape
    x = data
    if x.ndim == 3 and x.shape[1:] == (m, T) and x.shape[0] != n_x:
        raise AssertionError(f"x has {x.shape[0]} rows, but the vocabulary has n_x = {n_x} entries: "
                             "use n_x = len(vocabulary).")
    if x.ndim == 3 and x.shape[:2] == (n_x, m) and x.shape[2] != T and T_x is None:
        raise AssertionError(f"x has T_x = {x.shape[2]} steps: with T_x=None, pad to the longest sentence, "
                             f"which has {T} words.")
    diagnose("x", x, expected, {"x": expected, "ids": ids, "n_x": n_x}, ONE_HOT_MISTAKES, atol=0,
             hint="Column x[:, i, t] is the one-hot vector of word t of sentence i"
             + (f"; with T_x = {T_x}, keep the first T_x words." if T_x is not None else "."))


sentences_to_one_hot = Check("sentences_to_one_hot", collect_sentences_to_one_hot, judge_sentences_to_one_hot)


# ---- 1.4 one_hot_to_sentences --------------------------------------------------------------


def collect_one_hot_to_sentences(one_hot_to_sentences, corpus, sentences, max_tokens, T_x):
    vocabulary, _, x = _problem(corpus, sentences, max_tokens, T_x)
    return _strings(one_hot_to_sentences(x.copy(), vocabulary))


def _decoded(ids, vocabulary, skip_padding=True):
    return [" ".join(vocabulary[w] for w in row if w != 0 or not skip_padding) for row in ids]


DECODING_MISTAKES = [
    Mistake("padded steps are decoded as vocabulary[0], the empty word (argmax of a zero column is 0): "
            "skip the zero columns.",
            lambda p: _decoded(p["ids"], p["vocabulary"], skip_padding=False)),
    Mistake(f"write unknown words as {UNK!r}, not Keras' {KERAS_UNK!r}.",
            lambda p: _decoded(p["ids"], [PAD, KERAS_UNK, *p["vocabulary"][2:]])),
    Mistake("the words should be joined by single spaces.",
            lambda p: ["".join(words.split(" ")) for words in _decoded(p["ids"], p["vocabulary"])]),
]


def judge_one_hot_to_sentences(data, corpus, sentences, max_tokens, T_x):
    vocabulary, ids, _ = _problem(corpus, sentences, max_tokens, T_x)
    _assert_strings("one_hot_to_sentences", data)
    expected = _decoded(ids, vocabulary)
    assert len(data) == len(expected), f"one_hot_to_sentences should return m = {len(expected)} strings, got {len(data)}."
    diagnose("one_hot_to_sentences(x, vocabulary)", data, expected, {"ids": ids, "vocabulary": vocabulary},
             DECODING_MISTAKES, hint="The word at step t of sentence i is vocabulary[index of the 1 in x[:, i, t]].")


one_hot_to_sentences = Check("one_hot_to_sentences", collect_one_hot_to_sentences, judge_one_hot_to_sentences)


# ---- 2.1 TextVectorization and one-hot in Keras -----------------------------------------------


def collect_text_vectorization(text_vectorizer, keras_one_hot, corpus, sentences, max_tokens, T_x):
    import keras

    layer = text_vectorizer(_texts(corpus), max_tokens=max_tokens, T_x=T_x)
    if not isinstance(layer, keras.layers.TextVectorization):
        return {"class": type(layer).__name__}
    sentences = _texts(sentences)
    return {"class": "TextVectorization", "vocabulary": [str(w) for w in layer.get_vocabulary()],
            "ids": _keras_ids(layer, sentences), "x": np.asarray(keras_one_hot(layer, sentences), dtype=float)}


KERAS_ONE_HOT_MISTAKES = [
    ONE_HOT_MISTAKES[0],
    Mistake("padded steps hold a 1 at index 0 (keras.ops.one_hot of id 0): multiply by the mask ids != 0.",
            ONE_HOT_MISTAKES[1].wrong),
]


def judge_text_vectorization(data, corpus, sentences, max_tokens, T_x):
    vocabulary, ids, expected = _problem(corpus, sentences, max_tokens, T_x)
    assert data["class"] == "TextVectorization", (
        f"text_vectorizer should return a keras.layers.TextVectorization layer, got a {data['class']}.")
    if not data["vocabulary"][2:]:
        raise AssertionError("The layer has no vocabulary: call its adapt method on the corpus.")
    assert len(data["vocabulary"]) == len(vocabulary), (
        f"The layer's vocabulary has {len(data['vocabulary'])} entries, expected {len(vocabulary)}: "
        f"pass max_tokens={max_tokens}.")
    assert data["vocabulary"][2:] == vocabulary[2:], "The layer's vocabulary differs: adapt it on the corpus given."
    assert data["ids"].shape == ids.shape, (
        f"The layer maps {len(ids)} sentences to ids of shape {data['ids'].shape}, expected {ids.shape}: "
        f"pass output_sequence_length=T_x (T_x = {T_x}).")
    diagnose("keras_one_hot(vectorizer, sentences)", data["x"], expected,
             {"x": expected, "ids": ids, "n_x": len(vocabulary)}, KERAS_ONE_HOT_MISTAKES, atol=0,
             hint="Column x[:, i, t] is the one-hot vector of the id of word t of sentence i.")


text_vectorization = Check("TextVectorization", collect_text_vectorization, judge_text_vectorization)


# ---- 2.2 windowed_dataset ---------------------------------------------------------------------


def series_of(spec):
    """A case's series, built the same way in both halves: ``{kind: fibonacci, length, seeds, scale}``
    (``rnncourse.data.fibonacci_sequence``) or ``{kind: squares, length}`` (0, 1, 4, 9, ...)."""
    from rnncourse.data import fibonacci_sequence

    if spec["kind"] == "fibonacci":
        return fibonacci_sequence(spec["length"], seeds=tuple(spec.get("seeds", (1, 2))), scale=spec.get("scale", 1.0))
    if spec["kind"] == "squares":
        return np.arange(spec["length"], dtype=float) ** 2
    raise ValueError(f"unknown series kind {spec['kind']!r}")


def _plain_batch(batch):
    if isinstance(batch, tuple) and len(batch) == 2:
        return [np.asarray(batch[0], dtype=float), np.asarray(batch[1], dtype=float)]
    return f"a {type(batch).__name__}" + (f" of {len(batch)} items" if isinstance(batch, tuple) else "")


def collect_windowed_dataset(windowed_dataset, series, window_size, batch_size, shuffle_buffer, seeds):
    """The batches of one pass over the dataset, once per global seed (the order of the windows shows
    how far the shuffle mixes them)."""
    import tensorflow as tf

    runs = []
    for seed in seeds:
        tf.random.set_seed(seed)
        dataset = windowed_dataset(series_of(series), window_size, batch_size, shuffle_buffer)
        if not isinstance(dataset, tf.data.Dataset):
            return {"type": type(dataset).__name__}
        runs.append([_plain_batch(batch) for batch in dataset.as_numpy_iterator()])
    return {"type": "Dataset", "runs": runs}


def _check_batches(batches, window_size, batch_size, n_windows, call):
    assert batches, f"{call} yields nothing: expected {n_windows} windows."
    for k, batch in enumerate(batches):
        assert isinstance(batch, list), f"Each batch should be a pair (windows, labels); batch {k} is {batch}."
        x_batch, y_batch = batch
        assert x_batch.ndim == 2 and x_batch.shape[1] == window_size, (
            f"Batch {k} holds windows of shape {x_batch.shape}: expected (batch, window_size = {window_size}). "
            "Split each window of window_size + 1 terms into its first window_size terms and the last one.")
        assert y_batch.shape == (x_batch.shape[0],), (
            f"Batch {k} holds labels of shape {y_batch.shape}, expected ({x_batch.shape[0]},): one number per window.")
    got_X = np.concatenate([x_batch for x_batch, _ in batches])
    got_y = np.concatenate([y_batch for _, y_batch in batches])
    if np.allclose(got_y, got_X[:, -1]):
        raise AssertionError("Each label equals the last term of its window: the label is the term that "
                             "comes after the window (windows of window_size + 1 terms).")
    if len(got_y) < n_windows and len(got_y) == (n_windows // batch_size) * batch_size:
        raise AssertionError(f"{call} yields {len(got_y)} windows, expected {n_windows}: the last, smaller batch "
                             "is missing (do not pass drop_remainder=True to batch).")
    assert len(got_y) <= n_windows, (
        f"{call} yields {len(got_y)} windows, expected {n_windows} = len(series) - window_size: "
        "keep only complete windows (drop_remainder=True in window).")
    assert len(got_y) == n_windows, (
        f"{call} yields {len(got_y)} windows, expected {n_windows} = len(series) - window_size: "
        "one window starts at every term (shift=1).")
    sizes = [len(y_batch) for _, y_batch in batches]
    assert sizes[:-1] == [batch_size] * (len(sizes) - 1), (
        f"The batches hold {sizes} windows: every batch but the last should hold batch_size = {batch_size}.")
    return got_X, got_y


def _positions(got_X, got_y, X, y):
    """Where each yielded (window, label) pair starts in the series; raises if one is not a pair of the series."""
    index = {tuple(np.round(row, 9)): k for k, row in enumerate(np.column_stack([X, y]))}
    positions = []
    for row in np.column_stack([got_X, got_y]):
        key = tuple(np.round(row, 9))
        if key not in index:
            raise AssertionError(f"The dataset yields the window {row[:-1]} with label {row[-1]}, which is "
                                 "not a window of the series followed by its next term.")
        positions.append(index[key])
    assert len(set(positions)) == len(positions), "The dataset yields some windows twice and misses others."
    return np.array(positions)


def judge_windowed_dataset(data, series, window_size, batch_size, shuffle_buffer, seeds):
    from rnncourse.windows import make_windows

    X, y = make_windows(series_of(series), window_size)
    n_windows = len(y)
    call = (f"windowed_dataset(series, window_size={window_size}, batch_size={batch_size}, "
            f"shuffle_buffer={shuffle_buffer})")
    assert data["type"] == "Dataset", f"{call} should return a tf.data.Dataset, got a {data['type']}."

    # How far ahead of its place in the series each window comes out: a shuffle buffer of B windows
    # lets a window come out at most B - 1 places early, and a full buffer draws from all B.
    early = 0
    for batches in data["runs"]:
        positions = _positions(*_check_batches(batches, window_size, batch_size, n_windows, call), X, y)
        early = max(early, int(np.max(positions - np.arange(n_windows))))
    assert early > 0, (f"The windows come in the order of the series: shuffle them, with a buffer of "
                       f"shuffle_buffer = {shuffle_buffer} windows (step 4 of the list in 2.2).")
    assert early < shuffle_buffer, (
        f"A window came out {early} places before its turn; a shuffle buffer of shuffle_buffer = {shuffle_buffer} "
        f"windows allows at most {shuffle_buffer - 1}: pass shuffle_buffer to dataset.shuffle.")
    # A full shuffle falls short of a third of its reach in fewer than 1 pass in 20,000 (simulated).
    enough = (min(shuffle_buffer, n_windows) - 1) // 3
    assert early >= enough, (
        f"In {len(seeds)} passes no window came out more than {early} place{'s' * (early != 1)} before its turn; with a buffer of "
        f"shuffle_buffer = {shuffle_buffer} windows they move much further: the shuffle ignores shuffle_buffer "
        "(step 4 of the list in 2.2).")


windowed_dataset = Check("windowed_dataset", collect_windowed_dataset, judge_windowed_dataset)
