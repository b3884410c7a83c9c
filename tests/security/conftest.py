"""Collects the access matrix's size and unexpected cells and prints them at the end."""

from __future__ import annotations

from pathlib import Path

import pytest

SUMMARY: dict[str, dict] = {}


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not SUMMARY:
        return
    lines = [format_summary()]
    terminalreporter.write_sep("=", "access matrix")
    for line in lines:
        terminalreporter.write_line(line)


def format_summary() -> str:
    routes = max((s["routes"] for s in SUMMARY.values()), default=0)
    roles = max((s["roles"] for s in SUMMARY.values()), default=0)
    cells = sum(s["cells"] for s in SUMMARY.values())
    probes = sum(s["foreign"] for s in SUMMARY.values())
    bad = sum(len(s["unexpected"]) for s in SUMMARY.values())
    leaks = sum(len(s["leaks"]) for s in SUMMARY.values())
    text = (
        f"access matrix: {routes} routes x {roles} roles x {len(SUMMARY)} consent states; "
        f"{cells} requests checked (GET and POST, {probes} of them foreign-id probes); "
        f"{bad} unexpected cells; {leaks} leaks of data the role may not see"
    )
    out = Path(__file__).resolve().parents[2] / "artifacts"
    out.mkdir(exist_ok=True)
    details = [text]
    for state, s in SUMMARY.items():
        details.append(f"{state}: {s['cells']} requests, {len(s['unexpected'])} unexpected, {len(s['leaks'])} leaks")
        details.extend(f"  {row}" for row in s["unexpected"] + s["leaks"])
    (out / "security-matrix.txt").write_text("\n".join(details) + "\n")
    return text
