"""Print what the security suites covered at the end of a run (also under pytest-xdist).

A plugin of the root conftest, so that the xdist controller, which collects no test, loads it;
the workers send each test's ``user_properties`` along with its report.
"""


def pytest_terminal_summary(terminalreporter) -> None:
    """Print the counts the security tests recorded as ``isolation_*`` user properties."""
    totals: dict[str, int] = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "when", None) != "call":
                continue
            for name, value in getattr(report, "user_properties", ()):
                if name.startswith("isolation_") and isinstance(value, int):
                    totals[name] = totals.get(name, 0) + value
    if totals:
        terminalreporter.section("isolation des organisations et fuzzing de l'API")
        for name, value in sorted(totals.items()):
            terminalreporter.write_line(f"{name.removeprefix('isolation_')}: {value}")
