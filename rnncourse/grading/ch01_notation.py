"""Checks for chapter 1: words as one-hot vectors in NumPy, the same with TextVectorization, and tf.data windows.

The expected values come from Keras: ``keras.layers.TextVectorization`` (with
its default standardisation, whitespace split and frequency-ordered
vocabulary) and ``keras.ops.one_hot`` give the reference for the NumPy
mapping, and ``rnncourse.windows.make_windows`` the reference for the tf.data
windows. Nothing here computes the NumPy answers the way a student would.

Conventions, the same as the notebook's:

- the vocabulary is a list; index 0 is padding ``""``, index 1 is ``"<UNK>"``
  (Keras writes ``"[UNK]"``), then the words by decreasing count;
- ``x`` has shape ``(n_x, m, T_x)`` with ``n_x = len(vocabulary)``; a padded
  position is the zero vector (no 1 anywhere, so row 0 of ``x`` stays zero).
"""

import contextlib

import numpy as np

from rnncourse.grading.checks import assert_close, assert_shape, check
from rnncourse.keras_bridge import from_keras_sequence

PAD = ""
UNK = "<UNK>"
KERAS_UNK = "[UNK]"

# Visible examples. Hidden tests pass other texts, sizes and seeds.
TEXTS = [
    "There is nothing to like in this movie.",
    "Harry Potter and Hermione Granger invented a new spell.",
    "Voulez-vous chanter avec moi?",
    "Yesterday, Harry Potter met Hermione Granger.",
    "  It's   a GREAT movie --\t10/10!\n",
]
CORPUS = [
    "There is nothing to like in this movie.",
    "I like this movie: the music is great, the story is not.",
    "This movie is a great movie!",
    "The actors are great; the plot is thin.",
    "Nothing in the story surprised me.",
    "I would watch it again, and again.",
]
SENTENCES = [
    "I like this movie.",
    "There is nothing to like in the music of this movie",
    "A bad, bad film!",
    "Great",
]
MAX_TOKENS = 20


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


def _keras_one_hot(ids, n_x):
    """One-hot of Keras ids in the course layout (n_x, m, T_x), with padding (id 0) as the zero vector."""
    import keras

    one_hot = keras.ops.convert_to_numpy(keras.ops.one_hot(ids, n_x, dtype="float64"))  # (m, T_x, n_x)
    one_hot = one_hot * (ids != 0)[..., None]
    return from_keras_sequence(one_hot)


def keras_tokens(texts):
    """Each text's tokens as TextVectorization cuts them (lower case, no punctuation, split at whitespace)."""
    texts = list(texts)
    layer = _vectorizer(texts)  # every token is in the vocabulary: no <UNK>
    vocabulary = layer.get_vocabulary()
    return {text: [str(vocabulary[i]) for i in row if i != 0] for text, row in zip(texts, _keras_ids(layer, texts))}


@contextlib.contextmanager
def _reference_tokenize(function, texts):
    """Swap in a TextVectorization-based ``tokenize`` while ``function`` runs, if it calls one.

    So the checks of the later functions test those functions only; a mistake
    in ``tokenize`` costs the points of its own test, not of every test.
    """
    namespace = getattr(function, "__globals__", {})
    own = namespace.get("tokenize")
    if own is None:
        yield
        return
    reference = keras_tokens(texts)

    def tokenize(text):
        return list(reference[text]) if text in reference else own(text)

    namespace["tokenize"] = tokenize
    try:
        yield
    finally:
        namespace["tokenize"] = own


def _sentence_ids(x):
    """Index of the 1 of each column of x (n_x, m, T_x), 0 where the column is zero: (m, T_x)."""
    x = np.asarray(x, dtype=float)
    return np.where(x.any(axis=0), np.argmax(x, axis=0), 0)


# ---- 1.1 tokenize ------------------------------------------------------------------------


@check("tokenize")
def check_tokenize(tokenize, texts=None):
    texts = TEXTS if texts is None else texts
    expected = keras_tokens(texts)
    for text in texts:
        tokens = tokenize(text)
        assert isinstance(tokens, list) and all(isinstance(t, str) for t in tokens), (
            f"tokenize({text!r}) should return a list of strings, got {tokens!r}."
        )
        want = expected[text]
        if tokens == want:
            continue
        if "" in tokens:
            raise AssertionError(f"tokenize({text!r}) returned empty strings {tokens!r}: split at runs of "
                                 "whitespace with text.split() (no argument).")
        if [t.lower() for t in tokens] == want:
            raise AssertionError(f"tokenize({text!r}) returned {tokens!r}: lower-case the text first.")
        if any(c in t for t in tokens for c in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"):
            raise AssertionError(f"tokenize({text!r}) returned {tokens!r}: remove every punctuation "
                                 "character of string.punctuation (they are deleted, not replaced by spaces).")
        raise AssertionError(f"tokenize({text!r}) returned {tokens!r}, expected {want!r} "
                             "(TextVectorization's standardisation and split).")


# ---- 1.2 build_vocabulary ----------------------------------------------------------------


def _token_counts(corpus):
    tokens = keras_tokens(corpus)
    counts = {}
    for text in corpus:
        for token in tokens[text]:
            counts[token] = counts.get(token, 0) + 1
    return counts


@check("build_vocabulary")
def check_build_vocabulary(build_vocabulary, corpus=None, max_tokens=None):
    corpus = CORPUS if corpus is None else corpus
    expected = _keras_vocabulary(_vectorizer(corpus, max_tokens))
    with _reference_tokenize(build_vocabulary, corpus):
        vocabulary = build_vocabulary(corpus, max_tokens=max_tokens)
    call = f"build_vocabulary(corpus, max_tokens={max_tokens})"

    assert isinstance(vocabulary, list) and all(isinstance(w, str) for w in vocabulary), (
        f"{call} should return a list of strings, got {type(vocabulary).__name__}."
    )
    if KERAS_UNK in vocabulary:
        raise AssertionError(f"{call} contains {KERAS_UNK!r}: the course writes the unknown word {UNK!r}.")
    assert vocabulary[:2] == [PAD, UNK], (
        f"{call} starts with {vocabulary[:2]!r}: index 0 should be the padding {PAD!r} and index 1 {UNK!r}."
    )
    if max_tokens is not None and len(vocabulary) == max_tokens + 2 and len(expected) == max_tokens:
        raise AssertionError(f"{call} has {len(vocabulary)} entries: max_tokens counts the padding and {UNK} "
                             f"too, so keep {max_tokens} entries in all.")
    assert len(vocabulary) == len(expected), (
        f"{call} has {len(vocabulary)} entries, expected {len(expected)}"
        + (f" (the cap max_tokens = {max_tokens} counts padding and {UNK})." if max_tokens else
           f" (padding, {UNK} and each of the {len(expected) - 2} distinct words once).")
    )
    if vocabulary == expected:
        return
    counts = _token_counts(corpus)
    first = next(i for i, (a, b) in enumerate(zip(vocabulary, expected)) if a != b)
    got, want = vocabulary[first], expected[first]
    if got not in counts:
        raise AssertionError(f"{call}[{first}] is {got!r}, which is not a token of the corpus "
                             f"(expected {want!r}): use tokenize on each text.")
    if counts[got] == counts[want]:
        raise AssertionError(
            f"{call}[{first}] is {got!r}, expected {want!r}: both occur {counts[got]} times, and Keras "
            "breaks ties in reverse alphabetical order (it sorts by (count, word) and reverses the list)."
        )
    raise AssertionError(
        f"{call}[{first}] is {got!r} (count {counts[got]}), expected {want!r} (count {counts[want]}): "
        "sort the words by decreasing count."
    )


# ---- 1.3 sentences_to_one_hot -------------------------------------------------------------


def _problem(corpus, sentences, max_tokens, T_x):
    corpus = CORPUS if corpus is None else corpus
    sentences = SENTENCES if sentences is None else sentences
    layer = _vectorizer(corpus, max_tokens, T_x)
    vocabulary = _keras_vocabulary(layer)
    ids = _keras_ids(layer, sentences)
    return corpus, sentences, vocabulary, ids, _keras_one_hot(ids, len(vocabulary))


@check("sentences_to_one_hot")
def check_sentences_to_one_hot(sentences_to_one_hot, corpus=None, sentences=None, max_tokens=MAX_TOKENS, T_x=None):
    corpus, sentences, vocabulary, ids, expected = _problem(corpus, sentences, max_tokens, T_x)
    n_x, m, T = expected.shape
    with _reference_tokenize(sentences_to_one_hot, list(sentences)):
        x = sentences_to_one_hot(sentences, vocabulary, T_x=T_x)
    x = np.asarray(x)

    if x.shape != expected.shape and sorted(x.shape) == sorted(expected.shape):
        if x.shape == (m, T, n_x):
            raise AssertionError(f"x has shape {x.shape} = (m, T_x, n_x), Keras' batch-first layout: the course "
                                 f"layout is (n_x, m, T_x) = {expected.shape}.")
    if x.ndim == 3 and x.shape[1:] == (m, T) and x.shape[0] != n_x:
        raise AssertionError(f"x has {x.shape[0]} rows, but the vocabulary has n_x = {n_x} words: "
                             "use n_x = len(vocabulary).")
    if x.ndim == 3 and x.shape[:2] == (n_x, m) and x.shape[2] != T and T_x is None:
        raise AssertionError(f"x has T_x = {x.shape[2]} steps: with T_x=None, pad to the longest sentence, "
                             f"which has {T} words.")
    assert_shape("x", x, expected.shape)
    assert set(np.unique(x)) <= {0.0, 1.0}, "x should hold only zeros and ones."
    assert x.sum(axis=0).max() <= 1, "A column x[:, i, t] holds at most one 1 (one word)."

    got_ids = _sentence_ids(x)
    if np.any(x[0] == 1):
        raise AssertionError("x[0, i, t] is 1 somewhere: a padded position is the zero vector, "
                             "so row 0 (the padding index) never holds a 1.")
    for i in range(m):
        if np.array_equal(got_ids[i], ids[i]):
            continue
        words = [w for w in ids[i] if w != 0]
        without_unk = [w for w in words if w != 1]
        got_words = [w for w in got_ids[i] if w != 0]
        if 1 in words and got_words == without_unk[:len(got_words)] and 1 not in got_words:
            raise AssertionError(f"Sentence {i} ({sentences[i]!r}) lost its unknown words: a word outside "
                                 f"the vocabulary is {UNK!r}, index 1, not left out.")
        if got_words == words and not np.array_equal(got_ids[i], ids[i]):
            raise AssertionError(f"Sentence {i} has the right words at the wrong steps: word t goes to "
                                 "x[:, i, t], from t = 0, and the padding comes after the words.")
        t = int(np.argmax(got_ids[i] != ids[i]))
        raise AssertionError(
            f"Sentence {i} ({sentences[i]!r}), step {t}: x has index {got_ids[i][t]} "
            f"({vocabulary[got_ids[i][t]]!r}), expected {ids[i][t]} ({vocabulary[ids[i][t]]!r})."
            + (f" With T_x = {T_x} keep the first T_x words." if T_x is not None else "")
        )
    assert_close("x", x, expected, 0)


# ---- 1.4 one_hot_to_sentences --------------------------------------------------------------


@check("one_hot_to_sentences")
def check_one_hot_to_sentences(one_hot_to_sentences, corpus=None, sentences=None, max_tokens=MAX_TOKENS, T_x=None):
    corpus, sentences, vocabulary, ids, x = _problem(corpus, sentences, max_tokens, T_x)
    expected = [" ".join(vocabulary[w] for w in row if w != 0) for row in ids]
    result = one_hot_to_sentences(x.copy(), vocabulary)
    assert isinstance(result, list) and len(result) == len(expected), (
        f"one_hot_to_sentences should return a list of m = {len(expected)} strings, got "
        f"{type(result).__name__}" + (f" of {len(result)} items." if hasattr(result, "__len__") else ".")
    )
    for i, (got, want) in enumerate(zip(result, expected)):
        assert isinstance(got, str), f"Item {i} should be a string (the words joined by spaces), got {got!r}."
        if got == want:
            continue
        if got.split() == want.split():
            raise AssertionError(f"Sentence {i} is {got!r}, expected {want!r}: join the words with single "
                                 "spaces and skip padded steps (zero columns; argmax of a zero column is 0).")
        if KERAS_UNK in got:
            raise AssertionError(f"Sentence {i} is {got!r}: write unknown words as {UNK!r}.")
        raise AssertionError(f"Sentence {i} is {got!r}, expected {want!r}: the word at step t of sentence i "
                             "is vocabulary[index of the 1 in x[:, i, t]].")


# ---- 2.1 TextVectorization and one-hot in Keras -----------------------------------------------


@check("TextVectorization")
def check_text_vectorization(text_vectorizer, keras_one_hot, corpus=None, sentences=None,
                             max_tokens=MAX_TOKENS, T_x=None):
    import keras

    corpus, sentences, vocabulary, ids, expected = _problem(corpus, sentences, max_tokens, T_x)
    layer = text_vectorizer(corpus, max_tokens=max_tokens, T_x=T_x)
    assert isinstance(layer, keras.layers.TextVectorization), (
        f"text_vectorizer should return a keras.layers.TextVectorization layer, got {type(layer).__name__}."
    )
    got_vocabulary = [str(w) for w in layer.get_vocabulary()]
    if not got_vocabulary[2:]:
        raise AssertionError("The layer has no vocabulary: call its adapt method on the corpus.")
    assert len(got_vocabulary) == len(vocabulary), (
        f"The layer's vocabulary has {len(got_vocabulary)} entries, expected {len(vocabulary)}: "
        f"pass max_tokens={max_tokens}."
    )
    assert got_vocabulary[2:] == vocabulary[2:], "The layer's vocabulary differs: adapt it on the corpus given."
    got_ids = _keras_ids(layer, sentences)
    assert got_ids.shape == ids.shape, (
        f"The layer maps {len(sentences)} sentences to ids of shape {got_ids.shape}, expected {ids.shape}: "
        f"pass output_sequence_length=T_x (T_x = {T_x})."
    )

    x = np.asarray(keras_one_hot(layer, sentences))
    n_x, m, T = expected.shape
    if x.shape == (m, T, n_x):
        raise AssertionError(f"keras_one_hot returns shape {x.shape} = (m, T_x, n_x), Keras' layout: "
                             "transpose it to the course layout (n_x, m, T_x).")
    assert_shape("keras_one_hot(vectorizer, sentences)", x, expected.shape)
    if np.any(x[0] == 1):
        raise AssertionError("keras_one_hot puts a 1 at index 0 for padded steps (that is what "
                             "keras.ops.one_hot does with id 0): padded steps are zero vectors, "
                             "so multiply by the mask ids != 0.")
    assert_close("keras_one_hot(vectorizer, sentences)", x, expected, 0,
                 hint="Column x[:, i, t] is the one-hot vector of the id of word t of sentence i.")


# ---- 2.2 windowed_dataset ---------------------------------------------------------------------


def _rows(X, y):
    """(window, label) pairs as rows, sorted, to compare multisets exactly."""
    pairs = np.concatenate([np.asarray(X, dtype=float), np.asarray(y, dtype=float)[:, None]], axis=1)
    return pairs[np.lexsort(pairs.T[::-1])]


@check("windowed_dataset")
def check_windowed_dataset(windowed_dataset, series=None, window_size=5, batch_size=4, shuffle_buffer=100):
    import tensorflow as tf

    from rnncourse.data import fibonacci_sequence
    from rnncourse.windows import make_windows

    series = fibonacci_sequence(20) if series is None else np.asarray(series, dtype=float)
    X, y = make_windows(series, window_size)
    n_windows = len(y)
    call = f"windowed_dataset(series, window_size={window_size}, batch_size={batch_size}, shuffle_buffer={shuffle_buffer})"

    dataset = windowed_dataset(series, window_size, batch_size, shuffle_buffer)
    assert isinstance(dataset, tf.data.Dataset), f"{call} should return a tf.data.Dataset, got {type(dataset).__name__}."
    batches = list(dataset.as_numpy_iterator())
    assert batches, f"{call} yields nothing: expected {n_windows} windows."
    for k, batch in enumerate(batches):
        assert isinstance(batch, tuple) and len(batch) == 2, (
            f"Each batch should be a pair (windows, labels); batch {k} is {type(batch).__name__}"
            + (f" of {len(batch)} items." if isinstance(batch, tuple) else ".")
        )
        x_batch, y_batch = batch
        assert x_batch.ndim == 2 and x_batch.shape[1] == window_size, (
            f"Batch {k} holds windows of shape {x_batch.shape}: expected (batch, window_size = {window_size}). "
            "Split each window of window_size + 1 terms into its first window_size terms and the last one."
        )
        assert y_batch.shape == (x_batch.shape[0],), (
            f"Batch {k} holds labels of shape {y_batch.shape}, expected ({x_batch.shape[0]},): one number per window."
        )
    sizes = [len(b[1]) for b in batches]
    got_X = np.concatenate([b[0] for b in batches])
    got_y = np.concatenate([b[1] for b in batches])

    if np.allclose(got_y, got_X[:, -1]):
        raise AssertionError("Each label equals the last term of its window: the label is the term that "
                             "comes after the window (windows of window_size + 1 terms).")
    if len(got_y) < n_windows and len(got_y) == (n_windows // batch_size) * batch_size:
        raise AssertionError(f"{call} yields {len(got_y)} windows, expected {n_windows}: the last, smaller batch "
                             "is missing (do not pass drop_remainder=True to batch).")
    if len(got_y) > n_windows:
        raise AssertionError(f"{call} yields {len(got_y)} windows, expected {n_windows} = len(series) - window_size: "
                             "keep only complete windows (drop_remainder=True in window).")
    if len(got_y) < n_windows:
        raise AssertionError(f"{call} yields {len(got_y)} windows, expected {n_windows} = len(series) - window_size: "
                             "one window starts at every term (shift=1).")
    assert sizes[:-1] == [batch_size] * (len(sizes) - 1) and 0 < sizes[-1] <= batch_size, (
        f"The batches hold {sizes} windows: every batch but the last should hold batch_size = {batch_size}."
    )
    if not np.allclose(_rows(got_X, got_y), _rows(X, y), rtol=1e-6, atol=0):
        expected_rows = {tuple(row) for row in np.round(_rows(X, y), 6)}
        strange = next(row for row in np.round(_rows(got_X, got_y), 6) if tuple(row) not in expected_rows)
        raise AssertionError(f"The dataset yields the window {strange[:-1]} with label {strange[-1]}, which is "
                             "not a window of the series followed by its next term.")
    if shuffle_buffer and shuffle_buffer > 1 and n_windows >= 10 and np.array_equal(got_y, y):
        raise AssertionError(f"The windows come in the order of the series: shuffle them "
                             f"(buffer of shuffle_buffer = {shuffle_buffer} windows).")
