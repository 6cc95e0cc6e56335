# nbgrader settings of the course. The autograder commands load this file and
# add the paths of their working folder (see autograder/course.py).
c = get_config()  # noqa: F821 (defined by traitlets when it loads this file)

# Seconds a cell may run. A cell that runs longer is interrupted and scores zero,
# and grading goes on with the next cell (the whole notebook has its own limit).
c.Execute.timeout = 120
c.Execute.interrupt_on_timeout = True
# Always run submissions in the course's Python, whatever kernel the notebook names.
c.Execute.kernel_name = "python3"

# A test cell that a student deleted is put back, so it scores zero instead of vanishing.
c.OverwriteCells.add_missing_cells = True

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
