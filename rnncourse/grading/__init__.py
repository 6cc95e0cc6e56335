"""Checks run by the assignment notebooks.

``checks`` holds assertions shared by every chapter; each chapter has a module
(``ch02_rnn_model``, ...) whose ``check_*`` functions are called by the test
cells of that chapter's notebook. A check raises ``AssertionError`` with a
message that names the most likely mistake, and prints one line when it passes.
Public test cells call them with one set of shapes and seeds; the hidden test
cells call them again with others, so a hard-coded answer cannot pass.
"""
