"""The instructor's tools: generate the student notebooks and grade submissions.

``python -m autograder --help`` lists the commands. Both drive nbgrader with the
course settings of ``autograder/nbgrader_config.py`` in a working folder of
their own, so that grading never writes into ``solutions/`` or ``exercises/``.
"""
