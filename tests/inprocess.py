"""Run a notebook's code in this process, and rerun only what an edit changes.

The fast test tier (tests/test_checks.py) uses it to put each wrong submission
before its checks in seconds, without nbgrader or a kernel: the solved
notebook runs once; a wrong submission reruns its edited cells and the later
cells that use a name those redefine (a training cell is rerun only when the
model it trains changed).
"""

import ast
import contextlib
import io
from dataclasses import dataclass, field

from autograder.layout import is_test_cell


def names(source):
    """(names a cell defines, names it uses), read from its syntax; magics and errors give empty sets."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set(), set()
    defined, used = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, ast.Name):
            (defined if isinstance(node.ctx, ast.Store) else used).add(node.id)
        elif isinstance(node, ast.alias):
            defined.add((node.asname or node.name).split(".")[0])
    return defined, used


@dataclass
class Run:
    """The namespace after running a notebook's code cells, and the error of each cell that failed."""

    namespace: dict
    errors: dict = field(default_factory=dict)  # cell index -> exception
    changed: set = field(default_factory=set)  # names (re)defined by this run


def _execute(source, namespace):
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        exec(compile(source, "<cell>", "exec"), namespace)  # noqa: S102 (our own notebooks and fixtures)


def code_cells(notebook):
    """The cells that run before grading: every code cell but the test cells."""
    return [(index, cell) for index, cell in enumerate(notebook.cells)
            if cell.cell_type == "code" and not is_test_cell(cell)]


def run(notebook):
    """Run every code cell in order, going on after errors as a grader would."""
    result = Run({"__name__": "__main__"})
    for index, cell in code_cells(notebook):
        try:
            _execute(cell.source, result.namespace)
        except Exception as error:  # noqa: BLE001 (an untouched exercise raises NotImplementedError)
            result.errors[index] = error
    return result


def rerun(base, original, notebook):
    """``base`` (the run of ``original``) with the cells ``notebook`` changed, and the cells using them, run again.

    The namespace is copied: functions defined in re-run cells see the copy,
    the others keep seeing ``base`` (which holds the same names, unchanged).
    A name that an edited cell no longer defines is removed, as it would be
    missing in a fresh kernel; so is a name that a re-run cell fails before
    assigning (a training cell whose model no longer builds), unless an
    earlier cell defines it too.
    """
    result = Run(dict(base.namespace))
    earlier = set()  # names the cells before this one define at top level
    for index, cell in code_cells(notebook):
        # A function's local variables are not changes: only the names a cell binds at top level are.
        defined, used = _top_level(cell.source), names(cell.source)[1]
        edited = cell.source != original.cells[index].source
        if edited:
            for name in _top_level(original.cells[index].source) - defined:
                result.namespace.pop(name, None)
                result.changed.add(name)
        depends = used & result.changed
        if edited or depends:
            result.changed |= defined
            before = {name: result.namespace.get(name) for name in defined - earlier}
            try:
                _execute(cell.source, result.namespace)
            except Exception as error:  # noqa: BLE001
                result.errors[index] = error
                for name, value in before.items():
                    if name in result.namespace and result.namespace[name] is value:
                        del result.namespace[name]
        earlier |= defined
    return result


def _top_level(source):
    """The names a cell defines outside its functions (``names`` counts their local variables too)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return set().union(*({node.name} if isinstance(node, (ast.FunctionDef, ast.ClassDef)) else
                         names(ast.unparse(node))[0] for node in tree.body))
