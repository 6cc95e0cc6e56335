# nbgrader settings of the course. The autograder commands load this file and
# add the paths of their working folder (see autograder/course.py).
c = get_config()  # noqa: F821 (defined by traitlets when it loads this file)

# Seconds a cell may run. A cell that runs longer is interrupted and scores zero,
# and grading goes on with the next cell (the whole notebook has its own limit).
c.Execute.timeout = 120
c.Execute.interrupt_on_timeout = True
# Always run submissions in the course's Python, whatever kernel the notebook names.
c.Execute.kernel_name = "python3"

# autograder/grade.py puts back deleted or changed locked cells (tests and given code)
# before nbgrader runs; this is nbgrader's own fallback for deleted test cells.
c.OverwriteCells.add_missing_cells = True

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
