"""Parts shared by the benchmarks' reports: the text of ``report.md`` and the trained networks' topology."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

__all__ = ["report_markdown", "trained_topology", "write_report", "TOPOLOGY_MEASURES"]

#: The topology measures a report shows (columns of ``sernn analyze``'s topology.csv).
TOPOLOGY_MEASURES = ("modularity", "small_worldness", "weight_distance_corr", "total_weight", "row_entropy",
                     "kde_entropy")


def trained_topology(run_dir, groups, n_boot=10000, seed=0) -> pd.DataFrame:
    """Per group, the topology of the trained networks (each run's last analysed epoch), with bootstrap CIs.

    Reads ``RUN_DIR/topology.csv`` (written by ``sernn analyze``); an empty frame when it is absent.
    ``groups`` are the columns that make a group (e.g. ``["task", "variant"]``).
    """
    from sernn.analysis.findings import describe_groups

    path = Path(run_dir) / "topology.csv"
    if not path.exists():
        return pd.DataFrame()
    table = pd.read_csv(path)
    if table.empty or not set(groups) <= set(table.columns):
        return pd.DataFrame()
    last = table[table["epoch"] == table.groupby("run_id")["epoch"].transform("max")].copy()
    measures = [m for m in TOPOLOGY_MEASURES if m in last.columns and last[m].notna().any()]
    last["_group"] = last[groups].astype(str).agg(" / ".join, axis=1)
    described = describe_groups(last, "_group", measures, n_boot=n_boot, seed=seed)
    keys = last.groupby("_group").agg(**{g: (g, "first") for g in groups}, epoch=("epoch", "max"))
    return keys.join(described.set_index("_group"), how="inner").reset_index(drop=True)


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


def write_report(run_dir, report: dict, intro: str, tables: dict, topology_groups, n_boot=10000, seed=0) -> None:
    """Write ``RUN_DIR/report/`` whole: ``tables`` (file name -> (title, DataFrame)), the trained
    networks' topology when the folder was analysed, ``report.json`` and ``report.md``."""
    import json

    from sernn.atomic import atomic_write_csv, atomic_write_text, replaced_folder

    tables = dict(tables)
    topology = trained_topology(run_dir, topology_groups, n_boot=n_boot, seed=seed)
    report["topology"] = not topology.empty
    if not topology.empty:
        tables["topology.csv"] = ("Topology of the trained networks (sernn analyze)", topology)
    with replaced_folder(Path(run_dir) / "report") as out:
        for name, (_, table) in tables.items():
            atomic_write_csv(out / name, table)
        atomic_write_text(out / "report.json", json.dumps(report, indent=2))
        atomic_write_text(out / "report.md", report_markdown(report, intro, tables.values()))
