"""Repository-wide pytest hooks: a per-notebook timing summary for `make test`.

The timings go to the terminal only, never into a notebook's outputs.
"""
import collections

_seconds_per_file = collections.defaultdict(float)


def pytest_runtest_logreport(report):
    path = report.nodeid.split("::", 1)[0]
    if path.endswith(".ipynb"):
        _seconds_per_file[path] += report.duration


def pytest_terminal_summary(terminalreporter):
    if not _seconds_per_file:
        return
    terminalreporter.section("seconds per notebook (budget: 60 s each)")
    for path, seconds in sorted(_seconds_per_file.items()):
        flag = "  OVER BUDGET" if seconds > 60 else ""
        terminalreporter.write_line(f"{seconds:7.1f}  {path}{flag}")
