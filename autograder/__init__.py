"""The instructor's tools: generate the student notebooks and grade submissions.

``python -m autograder --help`` lists the commands. Where the notebooks live:
``layout``; the solution notebooks and their questions: ``solutions``; the
student notebooks and feedback pages (nbgrader's generate commands):
``generate``; grading: ``grade`` (coordinates), ``submissions`` (reads them),
``execution`` and ``sandbox`` (runs them), ``judge`` (scores them). Every
nbgrader command runs in a working folder of its own, so that grading never
writes into ``solutions/`` or ``exercises/``.
"""
