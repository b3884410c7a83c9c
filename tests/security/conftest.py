"""Collects the access matrix's size and unexpected cells and prints them at the end.

Each state's test attaches its figures to its report (`user_properties`), so the summary
is complete also when pytest-xdist runs the states in several worker processes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

KEY = "access_matrix"
WRITE_KEY = "write_disclosure"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    summary: dict[str, dict] = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "when", None) != "call":
                continue
            for name, value in getattr(report, "user_properties", []):
                if name == KEY:
                    data = json.loads(value)
                    summary[data["state"]] = data
    if summary:
        terminalreporter.write_sep("=", "access matrix")
        terminalreporter.write_line(format_summary(summary))
    writes: dict[str, dict] = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "when", None) != "call":
                continue
            for name, value in getattr(report, "user_properties", []):
                if name == WRITE_KEY:
                    data = json.loads(value)
                    writes[data["writer"]] = data
    if writes:
        terminalreporter.write_sep("=", "write-path disclosure")
        terminalreporter.write_line(format_write_summary(writes))


def format_write_summary(writes: dict[str, dict]) -> str:
    """The write-path disclosure suite's size and findings (test_write_disclosure.py)."""
    operations = max(s["operations"] for s in writes.values())
    cells = {c for s in writes.values() for c in s["cells"]}
    kinds = sorted({k for s in writes.values() for k in s["kinds"]})
    requests = sum(s["requests"] for s in writes.values())
    leaks = [row for s in writes.values() for row in s["leaks"]]
    oracles = [row for s in writes.values() for row in s["oracles"]]
    vacuous = [row for s in writes.values() for row in s["vacuous"]]
    text = (
        f"write-path disclosure: {operations} write operations x {len(writes)} writers; "
        f"{len(cells)} (operation, identifier kind) pairs over {len(kinds)} identifier kinds "
        f"({', '.join(kinds)}); {requests} requests; {len(leaks)} disclosures of victim data, "
        f"{len(oracles)} answers that differ for a known identifier, {len(vacuous)} vacuous probes"
    )
    out = Path(__file__).resolve().parents[2] / "artifacts"
    out.mkdir(exist_ok=True)
    details = [text]
    for writer, s in writes.items():
        details.append(
            f"{writer}: {s['attempts']} probes, {s['requests']} requests, {s['seconds']} s "
            f"(baseline walk {s['baseline_seconds']} s); "
            f"already visible before any write: {s['baseline_markers'] or 'nothing'}"
        )
        details.append(f"  slowest pages: {', '.join(s['slowest'])}")
        details.extend(f"  LEAK {row}" for row in s["leaks"])
        details.extend(f"  ORACLE {row}" for row in s["oracles"])
        details.extend(f"  VACUOUS {row}" for row in s["vacuous"])
    (out / "security-writes.txt").write_text("\n".join(details) + "\n")
    return text


def format_summary(summary: dict[str, dict]) -> str:
    routes = max(s["routes"] for s in summary.values())
    roles = max(s["roles"] for s in summary.values())
    cells = sum(s["cells"] for s in summary.values())
    probes = sum(s["foreign"] for s in summary.values())
    bad = sum(len(s["unexpected"]) for s in summary.values())
    leaks = sum(len(s["leaks"]) for s in summary.values())
    text = (
        f"access matrix: {routes} routes x {roles} roles x {len(summary)} consent states; "
        f"{cells} requests checked (GET and POST, {probes} of them foreign-id probes); "
        f"{bad} unexpected cells; {leaks} leaks of data the role may not see"
    )
    out = Path(__file__).resolve().parents[2] / "artifacts"
    out.mkdir(exist_ok=True)
    details = [text]
    for state, s in summary.items():
        details.append(f"{state}: {s['cells']} requests, {len(s['unexpected'])} unexpected, {len(s['leaks'])} leaks")
        details.extend(f"  {row}" for row in s["unexpected"] + s["leaks"])
    (out / "security-matrix.txt").write_text("\n".join(details) + "\n")
    return text
