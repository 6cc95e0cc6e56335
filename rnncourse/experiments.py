"""Training runs too long for a book page, run by a command that stores what it measured.

    python -m rnncourse.experiments gated            # chapter 8: the sunspots with a stacked LSTM
    python -m rnncourse.experiments gated --short    # the same code on a sliver of the data (tests, CI)
    python -m rnncourse.experiments sunspots         # chapter 10's LSTM forecasters, chapter 4's SimpleRNN one
    python -m rnncourse.experiments comparison       # chapters 9-10: the parts syllabus, subword and best
    python -m rnncourse.experiments comparison --only subword50   # one part (here 1 vs 2 layers over 50 epochs)
    python -m rnncourse.experiments long_range       # chapters 6-8: how far back each cell remembers
    python -m rnncourse.experiments depth            # chapter 10: two GRU layers against one of the same size

The comparison's parts (``--only PART``, each recorded with its own environment and seconds): ``syllabus`` (the
word models of chapter 9, 10 epochs; chapters 7-8 read its bidirectional GRU and LSTM), ``pooling`` (the slides'
average-pooling model, 10 epochs), ``subword`` (1 and 2 bidirectional LSTM layers of chapter 10, 10 epochs),
``subword50`` (the same over 50 epochs, only when asked for) and ``best`` (the course's best recurrent classifier,
early stopping). ``--epochs N`` replaces the parts' epochs.

The results (per-epoch history, seconds per epoch, final scores, the library
versions and the machine) go to a small JSON file, by default
``book/results/EXPERIMENT.json``, which the pages read and present as
measured by this command. Seeds are fixed; timings are wall-clock on whatever
machine ran it, recorded with the machine's description.
"""

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

# The syllabus' IMDB configuration and model (chapters 7-9 build the same one).
from rnncourse.imdb import EMBEDDING_DIM, MAX_LENGTH, N_UNITS, VOCAB_SIZE, imdb_model, imdb_parameter_counts, word_model

RESULTS = Path(__file__).resolve().parent.parent / "book" / "results"

# Sunspots: the split of chapter 4 and a window of 30 months, as there.
WINDOW_SIZE = 30
SUNSPOT_EPOCHS = 150


def imdb_texts(n_train=None):
    """The reviews and their labels, ((train), (test)); with ``n_train``, a random sliver of each split."""
    from rnncourse.data import load_imdb_reviews

    (train_texts, train_labels), (test_texts, test_labels) = load_imdb_reviews()
    if n_train is not None:  # a sliver of each split, both labels
        pick = np.random.default_rng(0).permutation(len(train_texts))[:n_train]
        train_texts, train_labels = [train_texts[i] for i in pick], train_labels[pick]
        pick = np.random.default_rng(1).permutation(len(test_texts))[:n_train]
        test_texts, test_labels = [test_texts[i] for i in pick], test_labels[pick]
    return (train_texts, train_labels), (test_texts, test_labels)


def word_indices(fit_texts, *texts, vocab_size=VOCAB_SIZE, max_length=MAX_LENGTH, pad_in_front=False):
    """Word indices of each list of ``texts``, vocabulary from ``fit_texts`` only (chapter 1's TextVectorization).

    1 is any word outside the ``vocab_size - 2`` most frequent words of ``fit_texts``; a review longer than
    ``max_length`` is cut after ``max_length`` words, a shorter one padded with 0 at its end, or in front with
    ``pad_in_front`` (as the lecture's ``pad_sequences`` does), so that a left-to-right layer ends on words.
    """
    import keras

    vectorizer = keras.layers.TextVectorization(max_tokens=vocab_size, output_sequence_length=max_length)
    vectorizer.adapt(fit_texts, batch_size=1000)
    indices = [np.asarray(vectorizer(some)) for some in texts]
    if pad_in_front:  # 0 is only ever padding, so a review's words are its nonzero entries; roll them to the end
        for i, x in enumerate(indices):
            shift = max_length - (x != 0).sum(axis=1, keepdims=True)
            indices[i] = x[np.arange(len(x))[:, None], (np.arange(max_length)[None, :] - shift) % max_length]
    return indices


class EpochTimer:
    """A Keras callback that records the wall-clock seconds of every epoch."""

    def __new__(cls):
        import keras

        class Timer(keras.callbacks.Callback):
            def on_train_begin(self, logs=None):
                self.seconds = []

            def on_epoch_begin(self, epoch, logs=None):
                self.started = time.perf_counter()

            def on_epoch_end(self, epoch, logs=None):
                self.seconds.append(time.perf_counter() - self.started)

        return Timer()


def length_batches(x, y, batch_size=128, shuffle=True, seed=0):
    """Batches of reviews of about the same length, each cut to its longest review: a Keras PyDataset.

    The reviews are padded in front, so cutting a batch's leading columns removes padding only. With the padding
    masked the model computes the same thing as on the full width, but a recurrent layer no longer steps through
    hundreds of padded positions of a short review: an epoch takes a fraction of the time. ``shuffle`` draws new
    batches of similar lengths, in a new order, every epoch.
    """
    import keras

    class LengthBatches(keras.utils.PyDataset):
        def __init__(self):
            super().__init__()
            self.lengths = (x != 0).sum(axis=1)
            self.rng = np.random.default_rng(seed)
            self.on_epoch_end()

        def on_epoch_end(self):
            order = self.rng.permutation(len(x)) if shuffle else np.arange(len(x))
            order = order[np.argsort(self.lengths[order], kind="stable")]  # ties stay in random order
            self.batches = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
            if shuffle:
                self.rng.shuffle(self.batches)

        def __len__(self):
            return len(self.batches)

        def __getitem__(self, i):
            rows = self.batches[i]
            longest = max(int(self.lengths[rows].max()), 1)
            return x[rows][:, -longest:], y[rows]

    return LengthBatches()


def fit_and_record(build, train, validation, epochs, batch_size=128, callbacks=(), optimizer="adam", by_length=False):
    """Seed, build, compile with binary cross-entropy, fit; the run's history and seconds per epoch.

    ``validation`` may be None (no reviews held out). ``by_length``: batches of reviews of similar length
    (``length_batches``), for models that mask their padding.
    """
    import keras

    x_train, y_train = train
    keras.utils.set_random_seed(42)
    model = build()
    model.compile(optimizer=optimizer, loss="binary_crossentropy", metrics=["accuracy"])
    timer = EpochTimer()
    if by_length:
        data = {"x": length_batches(x_train, y_train, batch_size)}
        if validation is not None:
            data["validation_data"] = length_batches(*validation, batch_size, shuffle=False)
    else:
        data = {"x": x_train, "y": y_train, "batch_size": batch_size, "validation_data": validation}
    history = model.fit(**data, epochs=epochs, verbose=0, callbacks=[timer, *callbacks])
    return model, {"params": int(model.count_params()), "epochs": epochs, "batch_size": batch_size,
                   "train_reviews": int(len(x_train)), "validation_reviews": 0 if validation is None else
                   int(len(validation[0])),
                   "batches": "reviews of similar length, cut to their longest" if by_length else "fixed width",
                   "history": {key: [float(v) for v in values] for key, values in history.history.items()},
                   "seconds_per_epoch": [round(s, 2) for s in timer.seconds]}


def sunspots_model():
    """Scaled input -> LSTM(32, sequences) -> LSTM(32) -> Dense(1) -> x 100 (the sunspot scale)."""
    import keras

    return keras.Sequential([
        keras.Input((WINDOW_SIZE,)),
        keras.layers.Lambda(lambda x: keras.ops.expand_dims(x / 100.0, axis=-1)),
        keras.layers.LSTM(32, return_sequences=True),
        keras.layers.LSTM(32),
        keras.layers.Dense(1),
        keras.layers.Lambda(lambda x: x * 100.0),
    ], name="sunspots_lstm")


def run_sunspots(epochs):
    import keras

    from rnncourse.data import SUNSPOTS_SPLIT_TIME, load_sunspots
    from rnncourse.forecast import naive_mae, validation_mae
    from rnncourse.windows import split_series, windowed_dataset

    time_index, series = load_sunspots()
    (_, x_train), _ = split_series(time_index, series, SUNSPOTS_SPLIT_TIME)
    train_set = windowed_dataset(x_train, WINDOW_SIZE, 32, 1000, seed=51)
    keras.utils.set_random_seed(51)
    model = sunspots_model()
    # Adam from 3e-3, decayed to 0 along a cosine over the whole run: big steps first, a settled model at the end.
    steps = epochs * int(np.ceil((len(x_train) - WINDOW_SIZE) / 32))
    rate = keras.optimizers.schedules.CosineDecay(3e-3, steps)
    model.compile(loss=keras.losses.Huber(), optimizer=keras.optimizers.Adam(rate), metrics=["mae"])
    timer = EpochTimer()
    history = model.fit(train_set, epochs=epochs, callbacks=[timer], verbose=0)
    return {"params": int(model.count_params()), "epochs": epochs, "window_size": WINDOW_SIZE,
            "optimizer": "Adam, rate 3e-3 decayed to 0 along a cosine, Huber loss, batches of 32",
            "history": {key: [float(v) for v in values] for key, values in history.history.items()},
            "seconds_per_epoch": [round(s, 2) for s in timer.seconds],
            "validation_mae": validation_mae(model, series, SUNSPOTS_SPLIT_TIME, WINDOW_SIZE),
            "naive_mae": naive_mae(series, SUNSPOTS_SPLIT_TIME)}


def sunspots_bidirectional_model(n_layers, scaled):
    """``n_layers`` Bidirectional(LSTM(32)) (sequences below the top) -> Dense(1) -> x 100: the syllabus' variants.

    ``scaled=False`` feeds the raw sunspot numbers (0 to about 400) as the syllabus does; ``scaled=True`` divides
    them by 100 first, as chapter 4 and ``sunspots_model`` do, so that the LSTM's gates do not saturate.
    """
    import keras

    layers = [keras.Input((WINDOW_SIZE,)),
              keras.layers.Lambda(lambda x: keras.ops.expand_dims(x / 100.0 if scaled else x, axis=-1))]
    layers += [keras.layers.Bidirectional(keras.layers.LSTM(32, return_sequences=l < n_layers - 1))
               for l in range(n_layers)]
    layers += [keras.layers.Dense(1), keras.layers.Lambda(lambda x: x * 100.0)]
    return keras.Sequential(layers, name=f"sunspots_bilstm_{n_layers}")


def run_sunspots_variant(n_layers, recipe, epochs):
    """One bidirectional forecaster trained with the syllabus' recipe or with the course's (see ``run_sunspots``)."""
    import keras

    from rnncourse.data import SUNSPOTS_SPLIT_TIME, load_sunspots
    from rnncourse.forecast import validation_mae
    from rnncourse.windows import split_series, windowed_dataset

    time_index, series = load_sunspots()
    (_, x_train), _ = split_series(time_index, series, SUNSPOTS_SPLIT_TIME)
    train_set = windowed_dataset(x_train, WINDOW_SIZE, 32, 1000, seed=51)
    keras.backend.clear_session()
    keras.utils.set_random_seed(51)
    model = sunspots_bidirectional_model(n_layers, scaled=recipe == "course")
    if recipe == "syllabus":
        optimizer, loss = keras.optimizers.SGD(1e-6, momentum=0.9), "mse"
        described = "syllabus: raw input, MSE, SGD 1e-6 momentum 0.9, batches of 32"
    else:
        steps = epochs * int(np.ceil((len(x_train) - WINDOW_SIZE) / 32))
        optimizer, loss = keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(3e-3, steps)), keras.losses.Huber()
        described = "course: input / 100, Huber, Adam 3e-3 decayed to 0 along a cosine, batches of 32"
    model.compile(loss=loss, optimizer=optimizer, metrics=["mae"])
    timer = EpochTimer()
    history = model.fit(train_set, epochs=epochs, callbacks=[timer], verbose=0)
    return {"layers": n_layers, "recipe": described, "params": int(model.count_params()), "epochs": epochs,
            "history": {key: [float(v) for v in values] for key, values in history.history.items()},
            "seconds_per_epoch": [round(s, 2) for s in timer.seconds],
            "validation_mae": validation_mae(model, series, SUNSPOTS_SPLIT_TIME, WINDOW_SIZE)}


def sunspots_simple_rnn_model():
    """Chapter 4's forecaster: the raw window -> SimpleRNN(40, sequences) -> SimpleRNN(40) -> Dense(1) -> x 100.

    The page of chapter 4 writes the same model out for its readers and checks, when it is built, that it computes
    what this one computes, so the stored run below is the run of that page's model.
    """
    import keras

    return keras.Sequential([
        keras.Input((WINDOW_SIZE,)),
        keras.layers.Lambda(lambda x: keras.ops.expand_dims(x, axis=-1)),
        keras.layers.SimpleRNN(40, return_sequences=True),
        keras.layers.SimpleRNN(40),
        keras.layers.Dense(1),
        keras.layers.Lambda(lambda x: x * 100.0),
    ], name="sunspots_rnn")


# Chapter 4's recipe: batches of 256, SGD with momentum 0.9 at 5e-6 for 400 epochs, then 100 at a tenth of it.
SIMPLE_RNN_RECIPE = {"batch_size": 256, "shuffle_buffer": 1000, "seed": 51, "learning_rate": 5e-6,
                     "epochs": 500, "annealed_from_epoch": 400}


def run_simple_rnn_sunspots(short=False):
    """Chapter 4's SimpleRNN forecaster trained by chapter 4's recipe, stored so that chapters 8 and 10 can cite it."""
    import keras

    from rnncourse.data import SUNSPOTS_SPLIT_TIME, load_sunspots
    from rnncourse.forecast import validation_mae
    from rnncourse.windows import split_series, windowed_dataset

    recipe = dict(SIMPLE_RNN_RECIPE, epochs=1 if short else SIMPLE_RNN_RECIPE["epochs"])
    time_index, series = load_sunspots()
    (_, x_train), _ = split_series(time_index, series, SUNSPOTS_SPLIT_TIME)
    train_set = windowed_dataset(x_train, WINDOW_SIZE, recipe["batch_size"], recipe["shuffle_buffer"],
                                 seed=recipe["seed"])
    keras.backend.clear_session()
    keras.utils.set_random_seed(recipe["seed"])
    model = sunspots_simple_rnn_model()
    model.compile(loss=keras.losses.Huber(), optimizer=keras.optimizers.SGD(momentum=0.9), metrics=["mae"])

    def rate(epoch):
        return recipe["learning_rate"] / (10 if epoch >= recipe["annealed_from_epoch"] else 1)

    timer = EpochTimer()
    history = model.fit(train_set, epochs=recipe["epochs"], verbose=0,
                        callbacks=[keras.callbacks.LearningRateScheduler(rate), timer])
    return {"model": "SimpleRNN(40) x 2 on the raw window, Dense(1), x 100 (chapter 4)", "recipe": recipe,
            "optimizer": "SGD, momentum 0.9, Huber loss", "params": int(model.count_params()),
            "epochs": recipe["epochs"], "window_size": WINDOW_SIZE,
            "history": {key: [float(v) for v in values] for key, values in history.history.items()},
            "seconds_per_epoch": [round(s, 2) for s in timer.seconds],
            "validation_mae": validation_mae(model, series, SUNSPOTS_SPLIT_TIME, WINDOW_SIZE)}


def sunspots(short=False, parts=("variants", "simple_rnn")):
    """Chapters 8-10: the syllabus' bidirectional and stacked LSTM forecasters of the sunspots, one table, and
    chapter 4's SimpleRNN forecaster (part ``simple_rnn``), which chapters 8 and 10 set beside them."""
    from rnncourse.data import SUNSPOTS_SPLIT_TIME, load_sunspots
    from rnncourse.forecast import naive_mae

    started = time.perf_counter()
    epochs = 1 if short else 100
    results = {"command": "python -m rnncourse.experiments sunspots" + (" --short" if short else ""),
               "short": short, "environment": environment(), "window_size": WINDOW_SIZE,
               "naive_mae": naive_mae(load_sunspots()[1], SUNSPOTS_SPLIT_TIME)}
    runs = [(1, "syllabus"), (2, "syllabus"), (3, "syllabus"), (1, "course"), (2, "course")]
    if "variants" in parts:
        results["variants"] = [run_sunspots_variant(n_layers, recipe, epochs) for n_layers, recipe in runs]
    if "simple_rnn" in parts:
        part_started = time.perf_counter()
        results["simple_rnn"] = {"command": results["command"] + " --only simple_rnn", "short": short,
                                 "environment": environment(), **run_simple_rnn_sunspots(short)}
        results["simple_rnn"]["seconds"] = round(time.perf_counter() - part_started, 1)
    results["total_seconds"] = round(time.perf_counter() - started, 1)
    return results


def code_commit():
    """The commit of the course the command ran from, with "+changes" when the working tree differed from it."""
    import subprocess

    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True,
                                check=True).stdout.strip()
        changed = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                                 capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return commit + ("+changes" if changed else "")


def environment():
    """What a stored result records of how it was made: versions, machine, load, date and the course's commit."""
    import keras
    import tensorflow as tf

    return {"commit": code_commit(), "python": platform.python_version(), "tensorflow": tf.__version__,
            "keras": keras.__version__,
            "numpy": np.__version__, "machine": platform.machine(), "processor": platform.processor() or "unknown",
            "cpu_count": os.cpu_count(), "system": platform.system(),
            "load_average_at_start": [round(x, 1) for x in os.getloadavg()],
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def gated(short=False, parts=("sunspots",)):
    """Chapter 8: the sunspots with a stacked LSTM.

    The IMDB runs of chapters 7-8 are the comparison's (``comparison --only syllabus``): one protocol, in which the
    test reviews are never used for a choice, and one stored run per model.
    """
    started = time.perf_counter()
    results = {"command": "python -m rnncourse.experiments gated" + (" --short" if short else ""),
               "short": short, "environment": environment()}
    if "sunspots" in parts:
        results["sunspots"] = run_sunspots(epochs=1 if short else SUNSPOT_EPOCHS)
    results["total_seconds"] = round(time.perf_counter() - started, 1)
    return results


# Chapters 9-10: the syllabus' IMDB models side by side. Every model is trained on the same 20,000 training
# reviews, watched on the other 5,000 (validation) and scored once, after its last epoch, on the 25,000 test
# reviews, which no choice ever looks at.
VALIDATION_REVIEWS = 5_000
COMPARISON_EPOCHS = 10
SMALL_VOCAB_SIZE = 1_000
# The syllabus' 8,185-token vocabulary came from a subword tokenizer; here it is the 8,183 most frequent words of
# the training reviews plus padding and out-of-vocabulary (the parameter counts depend only on its size).
SUBWORD_VOCAB_SIZE, SUBWORD_EMBEDDING_DIM, SUBWORD_MAX_LENGTH = 8_185, 64, 200
# Beyond the syllabus: nearly every review whole (each run records how many fit), a larger vocabulary, padding
# masked out, every step's states pooled, dropout, and early stopping on the validation reviews.
BEST_VOCAB_SIZE, BEST_EMBEDDING_DIM, BEST_MAX_LENGTH, BEST_UNITS, BEST_MAX_EPOCHS = 20_000, 128, 1_000, 64, 10

# The syllabus' parameter counts; every model's count_params() must equal its number. The course's own
# bidirectional models are counted by rnncourse/imdb.py (formula_params).
SYLLABUS_PARAMS = {"flatten": 171_533, "conv_average": 171_149,
                   "conv_max_1000": 29_489, "subword_1_layer": 598_209, "subword_2_layers": 635_329}


def flatten_model():
    """Embedding(10,000, 16) -> Flatten -> Dense(6, relu) -> Dense(1, sigmoid): no recurrence at all."""
    import keras

    return word_model(keras.layers.Flatten(), name="flatten")


def conv_average_model():
    """Embedding(10,000, 16) -> Conv1D(128, 5) -> GlobalAveragePooling1D -> Dense(6, relu) -> Dense(1, sigmoid)."""
    import keras

    return word_model(keras.layers.Conv1D(128, 5, activation="relu"), keras.layers.GlobalAveragePooling1D(),
                      name="conv_average")


def conv_max_small_vocab_model():
    """Embedding(1,000, 16) -> Conv1D(128, 5) -> GlobalMaxPooling1D -> Dense(24, relu) -> Dense(1, sigmoid)."""
    import keras

    return keras.Sequential([
        keras.Input(shape=(MAX_LENGTH,)),
        keras.layers.Embedding(SMALL_VOCAB_SIZE, EMBEDDING_DIM),
        keras.layers.Conv1D(128, 5, activation="relu"),
        keras.layers.GlobalMaxPooling1D(),
        keras.layers.Dense(24, activation="relu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ], name="conv_max_1000")


def subword_model(n_layers):
    """Embedding(8,185, 64) -> Bidirectional(LSTM(64)) [-> Bidirectional(LSTM(32))] -> Dense(64, relu) -> Dense(1).

    With two layers the first returns its whole sequence for the second to read (chapter 10). The padding is
    masked (``mask_zero``), so neither direction reads it; the mask adds no weight. Reviews of up to
    ``SUBWORD_MAX_LENGTH`` words come in batches of similar lengths (``length_batches``).
    """
    import keras

    units = [64] if n_layers == 1 else [64, 32]
    return keras.Sequential([
        keras.Input(shape=(None,), dtype="int32"),
        keras.layers.Embedding(SUBWORD_VOCAB_SIZE, SUBWORD_EMBEDDING_DIM, mask_zero=True),
        *[keras.layers.Bidirectional(keras.layers.LSTM(n_a, return_sequences=layer < len(units) - 1))
          for layer, n_a in enumerate(units)],
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ], name=f"subword_{n_layers}_layer{'s' if n_layers > 1 else ''}")


def masked_max_pooling():
    """The largest value of each feature over the steps that hold words: a GlobalMaxPooling1D that obeys the mask.

    Keras' own takes the maximum over the padding too, where a bidirectional layer's outputs are zeros or copies,
    so a review's score would depend on how much padding its batch gave it.
    """
    import keras

    class MaskedGlobalMaxPooling1D(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.supports_masking = True

        def call(self, inputs, mask=None):
            if mask is not None:
                inputs = keras.ops.where(mask[:, :, None], inputs, -1e9)
            return keras.ops.max(inputs, axis=1)

        def compute_mask(self, inputs, mask=None):
            return None

        def compute_output_shape(self, input_shape):
            return input_shape[0], input_shape[2]

    return MaskedGlobalMaxPooling1D(name="masked_max")


def best_model():
    """Embedding(20,000, 128, masked) -> Bidirectional(GRU(64)) at every step -> mean and max over the words -> Dense(1).

    Pooling reads the states of every step rather than the last one alone, so a telling sentence in the middle of a
    long review is not washed out by the time the GRU reaches the end. Reviews of any length (up to
    ``BEST_MAX_LENGTH`` words) go in: it is trained on batches of reviews of similar length (``length_batches``).
    """
    import keras

    layers = keras.layers
    words = keras.Input(shape=(None,), dtype="int32", name="words")
    embedded = layers.Embedding(BEST_VOCAB_SIZE, BEST_EMBEDDING_DIM, mask_zero=True)(words)
    embedded = layers.SpatialDropout1D(0.3)(embedded)  # drops whole embedding channels of a review
    states = layers.Bidirectional(layers.GRU(BEST_UNITS, return_sequences=True))(embedded)
    pooled = layers.Concatenate()([layers.GlobalAveragePooling1D()(states), masked_max_pooling()(states)])
    pooled = layers.Dropout(0.5)(pooled)
    return keras.Model(words, layers.Dense(1, activation="sigmoid")(pooled), name="best_bigru")


def pooling_model():
    """Embedding(10,000, 16) -> GlobalAveragePooling1D -> Dense(24, relu) -> Dense(1, sigmoid): the slides' model.

    The mean of the embedded words, padding included (nothing is masked), so word order plays no part at all.
    """
    import keras

    return keras.Sequential([
        keras.Input(shape=(MAX_LENGTH,)),
        keras.layers.Embedding(VOCAB_SIZE, EMBEDDING_DIM),
        keras.layers.GlobalAveragePooling1D(),
        keras.layers.Dense(24, activation="relu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ], name="pooling")


def lstm_model():
    """Embedding(10,000, 16) -> LSTM(32), left to right only -> Dense(6, relu) -> Dense(1, sigmoid)."""
    import keras

    return word_model(keras.layers.LSTM(N_UNITS), name="lstm")


def formula_params(name):
    """The count of a model the syllabus does not list, from the formulas of rnncourse/cells.py."""
    from rnncourse.cells import GRU, LSTM

    if name == "lstm":
        return VOCAB_SIZE * EMBEDDING_DIM + LSTM.count_params(EMBEDDING_DIM, N_UNITS) + N_UNITS * 6 + 6 + 6 + 1
    if name == "pooling":  # the pooling has no weight: Dense(24) reads the 16 averaged features
        return VOCAB_SIZE * EMBEDDING_DIM + EMBEDDING_DIM * 24 + 24 + 24 + 1
    if name in ("bilstm", "bigru"):  # the course's own model (the slide prints 173,941 for the LSTM's)
        return sum(imdb_parameter_counts("LSTM" if name == "bilstm" else "GRU"))
    assert name == "best"
    return (BEST_VOCAB_SIZE * BEST_EMBEDDING_DIM
            + GRU.count_bidirectional(BEST_EMBEDDING_DIM, BEST_UNITS, GRU.keras_bias_vectors)
            + 2 * (2 * BEST_UNITS) + 1)  # Dense(1) on the mean and the max of both directions' states


# name: (builder, (vocabulary size, review length), what the model is)
COMPARISON_MODELS = {
    "flatten": (flatten_model, (VOCAB_SIZE, MAX_LENGTH), "Embedding(10,000, 16) -> Flatten -> Dense(6) -> Dense(1)"),
    "lstm": (lstm_model, (VOCAB_SIZE, MAX_LENGTH),
             "Embedding(10,000, 16) -> LSTM(32) -> Dense(6) -> Dense(1) (one direction, beside the syllabus)"),
    "bilstm": (lambda: imdb_model("LSTM"), (VOCAB_SIZE, MAX_LENGTH),
               "Embedding(10,000, 16) -> Bidirectional(LSTM(32)) -> Dense(6) -> Dense(1)"),
    "bigru": (lambda: imdb_model("GRU"), (VOCAB_SIZE, MAX_LENGTH),
              "Embedding(10,000, 16) -> Bidirectional(GRU(32)) -> Dense(6) -> Dense(1)"),
    "pooling": (pooling_model, (VOCAB_SIZE, MAX_LENGTH),
                "Embedding(10,000, 16) -> GlobalAveragePooling1D -> Dense(24) -> Dense(1) (the slides' model)"),
    "conv_average": (conv_average_model, (VOCAB_SIZE, MAX_LENGTH),
                     "Embedding(10,000, 16) -> Conv1D(128, 5) -> GlobalAveragePooling1D -> Dense(6) -> Dense(1)"),
    "conv_max_1000": (conv_max_small_vocab_model, (SMALL_VOCAB_SIZE, MAX_LENGTH),
                      "Embedding(1,000, 16) -> Conv1D(128, 5) -> GlobalMaxPooling1D -> Dense(24) -> Dense(1)"),
    "subword_1_layer": (lambda: subword_model(1), (SUBWORD_VOCAB_SIZE, SUBWORD_MAX_LENGTH),
                        "Embedding(8,185, 64) -> Bidirectional(LSTM(64)) -> Dense(64) -> Dense(1)"),
    "subword_2_layers": (lambda: subword_model(2), (SUBWORD_VOCAB_SIZE, SUBWORD_MAX_LENGTH),
                         "Embedding(8,185, 64) -> Bidirectional(LSTM(64)) -> Bidirectional(LSTM(32)) -> Dense(64) "
                         "-> Dense(1)"),
    "best": (best_model, (BEST_VOCAB_SIZE, BEST_MAX_LENGTH),
             "Embedding(20,000, 128, masked) -> SpatialDropout1D(0.3) -> Bidirectional(GRU(64), every step) -> "
             "[mean, max over the words] -> Dropout(0.5) -> Dense(1)"),
}
# Short names for the tables of the pages.
LABELS = {"flatten": "Flatten", "lstm": "LSTM(32), one direction", "bilstm": "Bidirectional(LSTM(32))",
          "bigru": "Bidirectional(GRU(32))",
          "pooling": "GlobalAveragePooling1D, Dense(24)", "conv_average": "Conv1D(128, 5), average pooling",
          "conv_max_1000": "Conv1D(128, 5), max pooling, 1,000 words", "subword_1_layer": "1 layer: BiLSTM(64)",
          "subword_2_layers": "2 layers: BiLSTM(64), BiLSTM(32)", "best": "course's best: BiGRU(64), 1,000 words"}
# Models that mask their padding and take reviews of any length learn from batches of similar lengths.
BY_LENGTH = ("subword_1_layer", "subword_2_layers", "best")
# "lstm" is not in the syllabus: chapter 9 sets one direction beside two.
COMPARISON_PARTS = {"syllabus": ("flatten", "lstm", "bilstm", "bigru", "conv_average", "conv_max_1000"),
                    "pooling": ("pooling",),
                    "subword": ("subword_1_layer", "subword_2_layers"),
                    "subword50": ("subword_1_layer", "subword_2_layers"),
                    "best": ("best",)}
COMPARISON_DEFAULT_PARTS = ("syllabus", "pooling", "subword", "best")
VOCABULARIES = {
    VOCAB_SIZE: "the 9,998 most frequent words of the training reviews, padding and out-of-vocabulary",
    SMALL_VOCAB_SIZE: "the 998 most frequent words of the training reviews, padding and out-of-vocabulary",
    SUBWORD_VOCAB_SIZE: ("the 8,183 most frequent words of the training reviews, padding and out-of-vocabulary: "
                         "a word vocabulary of the size of the syllabus' subword one (the original's subword "
                         "tokenizer is not used; the parameter counts depend only on the size)"),
    BEST_VOCAB_SIZE: "the 19,998 most frequent words of the training reviews, padding and out-of-vocabulary",
}


def expected_params(name):
    """The count a model must have: the syllabus' number, or else the cells' formulas."""
    return SYLLABUS_PARAMS[name] if name in SYLLABUS_PARAMS else formula_params(name)


def comparison_splits(texts, n_validation):
    """Shuffle the training reviews once (they come sorted by label) and hold out ``n_validation`` of them."""
    (train_texts, train_labels), test = texts
    order = np.random.default_rng(2).permutation(len(train_texts))
    keep, held_out = order[n_validation:], order[:n_validation]
    return ([train_texts[i] for i in keep], train_labels[keep]), ([train_texts[i] for i in held_out],
                                                                  train_labels[held_out]), test


def run_comparison_model(name, splits, epochs, indices=None):
    """Train one model of the comparison and score it on the test reviews; ``indices`` caches the word indices."""
    import keras

    build, (vocab_size, max_length), description = COMPARISON_MODELS[name]
    (train_texts, y_train), (validation_texts, y_validation), (test_texts, y_test) = splits
    indices = {} if indices is None else indices
    if (vocab_size, max_length) not in indices:  # models on the same vocabulary and length share the indices
        indices[vocab_size, max_length] = word_indices(train_texts, train_texts, validation_texts, test_texts,
                                                       vocab_size=vocab_size, max_length=max_length,
                                                       pad_in_front=True)
    x_train, x_validation, x_test = indices[vocab_size, max_length]
    callbacks = []
    by_length = name in BY_LENGTH
    if name == "best":  # stop when the validation loss has not improved for 2 epochs, keep the best weights
        callbacks.append(keras.callbacks.EarlyStopping(patience=2, restore_best_weights=True))
    started = time.perf_counter()
    model, run = fit_and_record(build, (x_train, y_train), (x_validation, y_validation), epochs, callbacks=callbacks,
                                by_length=by_length)
    run["train_seconds"] = round(time.perf_counter() - started, 1)
    if run["params"] != expected_params(name):
        raise AssertionError(f"{name} has {run['params']:,} parameters, not the expected {expected_params(name):,}")
    def score(model):  # (loss, accuracy) on the test reviews
        return model.evaluate(**evaluation_data(x_test, y_test, by_length), verbose=0)

    test_loss, test_accuracy = score(model)
    run.update({"model": description, "expected_params": expected_params(name), "padding": "in front",
                "vocabulary_size": vocab_size, "vocabulary": VOCABULARIES[vocab_size], "max_length": max_length,
                "epochs_run": len(run["seconds_per_epoch"]),
                "median_seconds_per_epoch": round(float(np.median(run["seconds_per_epoch"])), 2),
                "test_reviews": int(len(x_test)), "test_accuracy": float(test_accuracy), "test_loss": float(test_loss),
                # How much of the reviews the model reads: a review's words are its nonzero entries.
                "training_reviews_read_whole": float(np.mean((x_train != 0).sum(axis=1) < max_length))})
    if by_length:
        run["padding_check"] = padding_check(model, x_validation, y_validation)
    if name == "best":
        run["best_epoch"] = int(np.argmin(run["history"]["val_loss"])) + 1
        # The recipe's last step: the same training, from the same seed, on all the training reviews (the held-out
        # ones too) for the epochs early stopping chose. Its test accuracy is the recipe's; the early-stopped
        # model's is kept beside it.
        run["early_stopped"] = {"test_accuracy": run["test_accuracy"], "test_loss": run["test_loss"]}
        started = time.perf_counter()
        everything = np.concatenate([x_train, x_validation]), np.concatenate([y_train, y_validation])
        model, refit = fit_and_record(build, everything, None, run["best_epoch"], by_length=by_length)
        test_loss, test_accuracy = score(model)
        run["refit"] = {key: refit[key] for key in ("train_reviews", "epochs", "history", "seconds_per_epoch")}
        run["refit"]["train_seconds"] = round(time.perf_counter() - started, 1)
        run.update(test_accuracy=float(test_accuracy), test_loss=float(test_loss),
                   train_seconds=round(run["train_seconds"] + run["refit"]["train_seconds"], 1))
    return run


def evaluation_data(x, y, by_length, batch_size=512):
    """The arguments of ``model.evaluate`` for reviews ``x``: full width, or batches of similar lengths in order."""
    if by_length:
        return {"x": length_batches(x, y, batch_size, shuffle=False)}
    return {"x": x, "y": y, "batch_size": batch_size}


def padding_check(model, x, y):
    """The validation reviews scored twice, padded to the full width and in length batches: same accuracy, seconds.

    Shows on real reviews that batching by length changes nothing but the time (the masks see to it), and
    measures the time it saves, both in one run. Each way is run once untimed first, so tracing is not counted.
    """
    seconds, accuracy = {}, {}
    for way, data in (("full_width", evaluation_data(x, y, by_length=False)),
                      ("length_batches", evaluation_data(x, y, by_length=True))):
        model.evaluate(**data, verbose=0)
        started = time.perf_counter()
        accuracy[way] = float(model.evaluate(**data, verbose=0)[1])
        seconds[way] = round(time.perf_counter() - started, 2)
    return {"reviews": int(len(x)), "seconds": seconds, "accuracy": accuracy}


def comparison(short=False, parts=COMPARISON_DEFAULT_PARTS, epochs=None):
    """Chapters 9-10: the syllabus' IMDB models (and the course's best) on one split, each part timed on its own.

    ``epochs`` replaces the default of every part run (10; 50 for subword50; at most 10 for best).
    """
    started = time.perf_counter()
    command = "python -m rnncourse.experiments comparison" + (" --short" if short else "")
    epochs_option = f" --epochs {epochs}" if epochs else ""
    results = {"command": command + epochs_option, "short": short, "environment": environment()}
    # A few hundred reviews for --short: 256 to train on, 64 to validate, 320 to test.
    texts = imdb_texts(n_train=320 if short else None)
    splits = comparison_splits(texts, n_validation=64 if short else VALIDATION_REVIEWS)
    indices = {}
    for part in parts:
        part_started = time.perf_counter()
        default = {"subword50": 50, "best": BEST_MAX_EPOCHS}.get(part, COMPARISON_EPOCHS)
        part_epochs = 1 if short else (epochs or default)
        results[part] = {"command": f"{command} --only {part}{epochs_option}",
                         "short": short, "environment": environment(), "epochs": part_epochs,
                         "models": {name: run_comparison_model(name, splits, part_epochs, indices)
                                    for name in COMPARISON_PARTS[part]}}
        results[part]["seconds"] = round(time.perf_counter() - part_started, 1)
    results["total_seconds"] = round(time.perf_counter() - started, 1)
    return results


def load_comparison(path=None):
    """The stored comparison, or an empty dict before the command has run (the pages then say so)."""
    path = path or RESULTS / "comparison.json"
    return json.loads(path.read_text()) if path.exists() else {}


def comparison_status(results, part):
    """A sentence for a page: where and when ``part`` was measured, or why its numbers are missing or mean nothing."""
    command = f"python -m rnncourse.experiments comparison --only {part}"
    if part not in results:
        return (f"`book/results/comparison.json` holds no `{part}` run yet, so this section shows no numbers; "
                f"`{command}` measures them.")
    run = results[part]
    if run["short"]:
        return (f"These numbers come from the short CI run (`{run['command']}`: a few hundred reviews, one epoch) and "
                f"mean nothing about the models; `{command}` measures them on all the reviews.")
    env = run["environment"]
    return (f"Measured by `{run['command']}` on {env['date']}: {env['cpu_count']} CPU cores ({env['machine']}), "
            f"TensorFlow {env['tensorflow']}, Keras {env['keras']}, load average {env['load_average_at_start'][0]} "
            f"at the start (a shared machine makes the seconds rough); the part took {run['seconds'] / 60:.0f} min.")


def comparison_table(results, part):
    """The part's models, one line each: parameters, median seconds per epoch, epochs run, test accuracy."""
    if part not in results:
        return ""
    lines = [f"{'model':<40} {'parameters':>10} {'s/epoch':>8} {'epochs':>6} {'test accuracy':>13}"]
    for name, run in results[part]["models"].items():
        lines.append(f"{LABELS[name]:<40} {run['params']:>10,} {run['median_seconds_per_epoch']:>8.1f} "
                     f"{run['epochs_run']:>6} {run['test_accuracy']:>13.1%}")
    return "\n".join(lines)


def comparison_summary(results, part, target=0.88):
    """What a page may say of ``part``, computed from the stored numbers; the status alone when there are none."""
    if part not in results or results[part]["short"]:
        return comparison_status(results, part)
    runs = results[part]["models"]
    if part == "best":
        run = runs["best"]
        verdict = "reaches" if run["test_accuracy"] >= target else "falls short of"
        refit = run.get("refit")
        text = (f"{run['training_reviews_read_whole']:.1%} of the training reviews have fewer than "
                f"{run['max_length']:,} words and are read whole. Early stopping chose epoch {run['best_epoch']} of "
                f"the {run['epochs_run']} it ran")
        if refit:
            text += (f"; the final model then trained {refit['epochs']} epoch{'s' if refit['epochs'] > 1 else ''} "
                     f"from the same start on all {refit['train_reviews']:,} training reviews")
        text += (f", {run['train_seconds'] / 60:.0f} min of training in all. It classifies {run['test_accuracy']:.1%} "
                 f"of the {run['test_reviews']:,} test reviews correctly, so it {verdict} the course's target of "
                 f"{target:.0%}")
        if refit:
            text += (f" (the early-stopped model, trained on {run['train_reviews']:,} reviews: "
                     f"{run['early_stopped']['test_accuracy']:.1%})")
        return text + "." + padding_sentence(run.get("padding_check"))
    training = [run["history"]["accuracy"][-1] for run in runs.values()]
    validation = [run["history"]["val_accuracy"][-1] for run in runs.values()]
    lowest = {name: int(np.argmin(run["history"]["val_loss"])) + 1 for name, run in runs.items()}
    epochs = results[part]["epochs"]
    early = sum(epoch < epochs for epoch in lowest.values())
    text = (f"After {epochs} epochs the training accuracy is {_span(training)} and the "
            f"validation accuracy {_span(validation)}; for {early} of the {len(runs)} "
            f"models the validation loss was lowest before the last epoch (lowest: "
            f"{'; '.join(f'{LABELS[name]} at epoch {lowest[name]}' for name in runs)}).")
    if part.startswith("subword"):
        one, two = runs["subword_1_layer"], runs["subword_2_layers"]
        text += (f" The second layer costs {two['median_seconds_per_epoch'] / one['median_seconds_per_epoch']:.1f} "
                 f"times the seconds per epoch and moves the test accuracy from {one['test_accuracy']:.1%} to "
                 f"{two['test_accuracy']:.1%}.")
        text += "".join(padding_sentence(run.get("padding_check"), f" ({LABELS[name]})") for name, run in runs.items())
    return text


def _span(fractions):
    """'81.3% to 82.1%', or one figure when they print the same."""
    low, high = f"{min(fractions):.1%}", f"{max(fractions):.1%}"
    return low if low == high else f"{low} to {high}"


def padding_sentence(check, who=""):
    """What the padding check of a length-batched model measured, as a sentence ('' when it did not run).

    Whether batching by length was faster, slower or about as fast is read from the seconds, never assumed.
    """
    if not check:
        return ""
    (full, batched), accuracy = (check["seconds"][way] for way in ("full_width", "length_batches")), check["accuracy"]
    ratio = full / batched
    if ratio >= 1.1:
        speed = f"{ratio:.1f} times faster"
    elif ratio <= 1 / 1.1:
        speed = f"{1 / ratio:.1f} times slower"
    else:
        speed = "about as long"
    same = ("the same accuracy both ways" if accuracy["full_width"] == accuracy["length_batches"] else
            f"accuracies of {accuracy['full_width']:.2%} and {accuracy['length_batches']:.2%}")
    return (f" Scoring the {check['reviews']:,} validation reviews{who} padded to the full width took {full:.1f} s, in "
            f"batches of similar lengths {batched:.1f} s ({speed}), with {same}.")


def long_range(short=False, parts=("runs", "gradients")):
    """Chapters 6-8: how far back SimpleRNN, GRU and LSTM remember (``rnncourse.long_range``)."""
    from rnncourse import long_range as sweep

    return sweep.sweep(short=short, parts=parts)


# Chapter 10: a task where depth pays (rnncourse.tasks.outlier_parity_task). Two GRU layers against the narrowest
# single GRU layer with at least their parameters, trained the same way, over three seeds; the notebook of
# chapter 10 trains the two-layer model with this recipe and grades it on held-out accuracy.
DEPTH_RECIPE = {"T_x": 30, "train_sequences": 4_000, "test_sequences": 2_000, "units": [16, 16], "epochs": 10,
                "batch_size": 64, "learning_rate": 0.01, "seeds": [0, 1, 2]}
DEPTH_LONGER_FACTOR = 3


def gru_tagger(T_x, units):
    """Input(T_x, 1) -> GRU(units[0]) -> ... -> GRU(units[-1]) -> Dense(1, sigmoid), every layer on every step."""
    import keras

    return keras.Sequential([keras.Input(shape=(T_x, 1)),
                             *[keras.layers.GRU(n_a, return_sequences=True) for n_a in units],
                             keras.layers.Dense(1, activation="sigmoid")])


def run_depth(units, seed, recipe, data):
    """Train one tagger of the depth comparison from ``seed`` and score it on the held-out sequences."""
    import keras

    (x_train, y_train), (x_test, y_test) = data
    keras.utils.set_random_seed(seed)
    model = gru_tagger(recipe["T_x"], units)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=recipe["learning_rate"]), loss="binary_crossentropy",
                  metrics=["accuracy"])
    started = time.perf_counter()
    history = model.fit(x_train, y_train, epochs=recipe["epochs"], batch_size=recipe["batch_size"], verbose=0)
    seconds = time.perf_counter() - started
    return {"units": list(units), "layers": len(units), "seed": seed, "params": int(model.count_params()),
            "train_seconds": round(seconds, 1),
            "train_accuracy": [round(float(a), 4) for a in history.history["accuracy"]],
            "test_accuracy": float(model.evaluate(x_test, y_test, verbose=0)[1])}


def depth(short=False, parts=("runs",)):
    """Chapter 10: two GRU layers against one of about the same size on a task that needs two stages per step."""
    from rnncourse.tasks import narrowest_single_layer, outlier_parity_task, tagger_count

    started = time.perf_counter()
    recipe = dict(DEPTH_RECIPE, **({"epochs": 1, "train_sequences": 256, "test_sequences": 256, "seeds": [0]}
                                  if short else {}))
    width = narrowest_single_layer(1, recipe["units"])
    data = (outlier_parity_task(recipe["train_sequences"], recipe["T_x"], seed=0),
            outlier_parity_task(recipe["test_sequences"], recipe["T_x"], seed=1))
    runs = [run_depth(units, seed, recipe, data) for seed in recipe["seeds"] for units in (recipe["units"], [width])]
    # Does the single layer only learn slower? Both models again from the first seed, with three times the epochs.
    longer = dict(recipe, epochs=DEPTH_LONGER_FACTOR * recipe["epochs"])
    longer_runs = [run_depth(units, recipe["seeds"][0], longer, data) for units in (recipe["units"], [width])]
    for run in runs + longer_runs:  # what count_params() says is what the cells' formulas say
        assert run["params"] == tagger_count(1, run["units"]), run
    return {"command": "python -m rnncourse.experiments depth" + (" --short" if short else ""), "short": short,
            "environment": environment(), "task": "rnncourse.tasks.outlier_parity_task (train seed 0, test seed 1)",
            "recipe": recipe, "single_layer_units": width, "runs": runs,
            "longer": {"epochs": longer["epochs"], "seed": recipe["seeds"][0], "runs": longer_runs},
            "total_seconds": round(time.perf_counter() - started, 1)}


EXPERIMENTS = {"gated": gated, "sunspots": sunspots, "comparison": comparison, "long_range": long_range,
               "depth": depth}
PARTS = {"gated": ("sunspots",), "sunspots": ("variants", "simple_rnn"), "comparison": tuple(COMPARISON_PARTS),
         "long_range": ("runs", "gradients"), "depth": ("runs",)}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m rnncourse.experiments", description=__doc__.splitlines()[0])
    parser.add_argument("experiment", choices=sorted(EXPERIMENTS))
    parser.add_argument("--short", action="store_true", help="a sliver of the data, one epoch: proves the code runs")
    parser.add_argument("--out", type=Path, help="JSON file to write (default book/results/EXPERIMENT.json)")
    parser.add_argument("--only", choices=sorted({part for parts in PARTS.values() for part in parts}),
                        help="run one part and keep the others of the existing file (each part records its own run)")
    parser.add_argument("--epochs", type=int, help="comparison only: epochs of every model of the parts run")
    args = parser.parse_args(argv)
    if args.only and args.only not in PARTS[args.experiment]:
        parser.error(f"{args.experiment} has the parts {', '.join(PARTS[args.experiment])}")
    if args.epochs and args.experiment != "comparison":
        parser.error("--epochs is for the comparison")
    options = {"epochs": args.epochs} if args.epochs else {}
    out = args.out or RESULTS / f"{args.experiment}.json"
    if args.only:
        part = EXPERIMENTS[args.experiment](short=args.short, parts=(args.only,), **options)
        # Keep the other parts of an existing file; a first run starts the file with this part.
        results = json.loads(out.read_text()) if out.exists() else {k: v for k, v in part.items() if k != args.only}
        part[args.only]["environment"] = part["environment"]
        results[args.only] = part[args.only]
        results["total_seconds"] = part["total_seconds"]
        # The file is short if any of its parts is (the comparison's parts say which).
        flags = [results[name]["short"] for name in PARTS[args.experiment] if "short" in results.get(name, {})]
        if flags:
            results["short"] = any(flags)
    else:
        results = EXPERIMENTS[args.experiment](short=args.short, **options)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1) + "\n")
    print(f"wrote {out} ({results['total_seconds']} s)")
    return out


if __name__ == "__main__":
    sys.exit(main() and 0)
