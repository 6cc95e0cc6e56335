"""The website builds with no warning, runs its pages, and shows the chapter."""

import pytest

from autograder.sandbox import NOTEBOOK_TIMEOUT
from rnncourse.imdb import imdb_parameter_counts

pytestmark = pytest.mark.slow


def test_book_builds_without_warnings(built_book):
    result, html = built_book
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]
    page = (html / "ch02_rnn_model.html").read_text()
    assert "The recurrent neural network model" in page
    assert "440" in page, "the SimpleRNN(20) parameter count, computed on the page"
    assert "<img" in page, "the diagrams are drawn"
    # Every chapter page shows its title, its computed key numbers and its figures. The IMDB model's counts come
    # from rnncourse/imdb.py, as on the pages.
    bigru, bilstm = (f'<span class="pasted-text">{sum(imdb_parameter_counts(cell)):,}</span>' for cell in ("GRU", "LSTM"))
    expected = {
        "ch01_notation": ["Why sequence models, and notation", '<span class="pasted-text">144 and 233</span>',
                          '<span class="pasted-text">1, 2, 3, 5, 8, 13, 21, 34, 55, 89</span>'],
        "ch03_backprop_through_time": ["Backpropagation through time", "J / T_x: True", "ms per step",
                                       "exercises/ch03_backprop_through_time/backprop_through_time.ipynb"],
        "ch04_rnn_types": ["Different types of RNNs", "4,961", "16.14", '<span class="pasted-text">lower</span>'],
        "ch05_language_models": ["Language models and sampling novel sequences", "&lt;UNK&gt;",
                                 "characters per second", "not in the Census list", "loss at a padded step",
                                 "exercises/ch05_language_models/language_models.ipynb"],
        "ch06_vanishing_gradients": ["Vanishing and exploding gradients", "largest difference from the tape",
                                     "fig-lag-sweep", "long_range.json",
                                     "exercises/ch06_vanishing_gradients/vanishing_gradients.ipynb"],
        "ch07_gru": ["The gated recurrent unit (GRU)", "fig-gru-gates", "Chrono initialization", '<span class="pasted-text">9,600</span>',
                     bigru, "book/results/comparison.json"],
        "ch08_lstm": ["Long short-term memory (LSTM)", "fig-gradient-profiles", "fig-lstm-forget", '<span class="pasted-text">12,544</span>',
                      bilstm, "173,941", "16.14"],
        "ch09_bidirectional": ["Bidirectional RNNs", bilstm, bigru, "173,941", "sign of x&lt;t&gt; alone",
                               "rnncourse.experiments comparison --only syllabus", "fig-imdb-comparison",
                               "exercises/ch09_bidirectional/bidirectional.ipynb"],
        "ch10_deep_rnns": ["Deep RNNs", '<span class="pasted-text">598,209</span>',
                           '<span class="pasted-text">635,329</span>', '<span class="pasted-text">41,216</span>',
                           '<span class="pasted-text">33,601</span>', "rnncourse.experiments comparison --only subword50",
                           "fig-imdb-layers", "exercises/ch10_deep_rnns/deep_rnns.ipynb"],
    }
    for name, texts in expected.items():
        chapter = (html / f"{name}.html").read_text()
        for text in texts + ["<img"]:
            assert text in chapter, (name, text)
    assert (html / "intro.html").exists() or (html / "index.html").exists()
    rules = (html / "assignments.html").read_text()
    assert "hidden tests" in rules
    assert f'<span class="pasted-text">{NOTEBOOK_TIMEOUT // 60}</span> minutes' in rules, "limits come from the grader"
    # Each chapter page offers its exercise notebook as a download.
    for name in expected:
        chapter = (html / f"{name}.html").read_text()
        assert 'class="reference download internal"' in chapter and ".ipynb" in chapter, name
