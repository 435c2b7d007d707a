"""The text of a report (``report.md``): claims first, then the tables, shared by the benchmarks' reports."""
from __future__ import annotations

__all__ = ["report_markdown"]


def report_markdown(report: dict, intro: str, tables) -> str:
    """``report.md``: a title, ``intro``, one bullet per claim, then each ``(title, DataFrame)`` as text."""
    lines = [f"# Report: {report['folder']}", "", f"Made {report['made']} by `{report['command']}`. {intro}",
             "", "## Claims", ""]
    lines += [f"- **{c['claim']}**: {c['verdict']}; {c['detail']}" for c in report["claims"]]
    for title, table in tables:
        shown = table.copy()
        for column in shown.columns:
            if shown[column].dtype.kind == "f":
                shown[column] = shown[column].map(lambda v: f"{v:.4g}")
        lines += ["", f"## {title}", "", "```", shown.to_string(index=False), "```"]
    return "\n".join(lines) + "\n"
