"""The website builds with no warning, runs its pages, and shows the chapter."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.grade import NOTEBOOK_TIMEOUT

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent


def test_book_builds_without_warnings(tmp_path):
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    result = subprocess.run(
        [str(jupyter_book), "build", str(ROOT / "book"), "--path-output", str(tmp_path),
         "--warningiserror", "--keep-going"],
        capture_output=True, text=True, env={**os.environ, "PATH": f"{jupyter_book.parent}{os.pathsep}{os.environ['PATH']}"},
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]
    html = tmp_path / "_build" / "html"
    page = (html / "ch02_rnn_model.html").read_text()
    assert "The recurrent neural network model" in page
    assert "440" in page, "the SimpleRNN(20) parameter count, computed on the page"
    assert "<img" in page, "the diagrams are drawn"
    # Every chapter page shows its title, its computed key numbers and its figures.
    expected = {
        "ch01_notation": ["Why sequence models, and notation", '<span class="pasted-text">144 and 233</span>',
                          '<span class="pasted-text">1, 2, 3, 5, 8, 13, 21, 34, 55, 89</span>'],
        "ch03_backprop_through_time": ["Backpropagation through time", "J / T_x: True", "ms per step",
                                       "exercises/ch03_backprop_through_time/backprop_through_time.ipynb"],
        "ch04_rnn_types": ["Different types of RNNs", "4,961", "16.14", '<span class="pasted-text">lower</span>'],
        "ch07_gru": ["The gated recurrent unit (GRU)", '<span class="pasted-text">9,600</span>',
                     '<span class="pasted-text">169,997</span>', "book/results/gated.json"],
        "ch08_lstm": ["Long short-term memory (LSTM)", '<span class="pasted-text">12,544</span>',
                      '<span class="pasted-text">172,941</span>', "173,941", "16.14"],
    }
    for name, texts in expected.items():
        chapter = (html / f"{name}.html").read_text()
        for text in texts + ["<img"]:
            assert text in chapter, (name, text)
    assert (html / "intro.html").exists() or (html / "index.html").exists()
    rules = (html / "assignments.html").read_text()
    assert "hidden tests" in rules
    assert f'<span class="pasted-text">{NOTEBOOK_TIMEOUT // 60}</span> minutes' in rules, "limits come from the grader"
