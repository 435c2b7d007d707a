"""What every figure shares: the measures drawn, the order and colours of conditions, a new figure, saving."""
from __future__ import annotations

__all__ = ["FIGURE_METRICS", "CONDITION_ORDER", "conditions_of", "subset", "condition_colours", "new_figure", "save_figure"]

FIGURE_METRICS = {
    "modularity": "modularity Q",
    "small_worldness": "small-worldness σ",
    "wiring_cost": "wiring cost Σ|W|·D",
    "weight_distance_corr": "weight–distance correlation r",
}

#: Conditions of the maze benchmark, in the order they are drawn (others follow, sorted).
CONDITION_ORDER = ("baseline", "l1", "spatial", "sernn")


def conditions_of(table):
    """The conditions of a table, in :data:`CONDITION_ORDER` first, then sorted ([None] without a column)."""
    if "condition" not in table.columns:
        return [None]
    present = list(dict.fromkeys(table["condition"].astype(str)))
    ordered = [c for c in CONDITION_ORDER if c in present]
    return ordered + sorted(c for c in present if c not in ordered)


def subset(table, condition):
    """The rows of one condition (all rows for None)."""
    return table if condition is None else table[table["condition"].astype(str) == condition]


def condition_colours(conditions):
    """One tab10 colour per condition."""
    from matplotlib import colormaps

    cycle = colormaps["tab10"]
    return {c: cycle(i % 10) for i, c in enumerate(conditions)}


def new_figure(size, layout="constrained"):
    """A matplotlib Figure (no pyplot state)."""
    from matplotlib.figure import Figure

    return Figure(figsize=size, layout=layout)




def save_figure(fig, path, dpi):
    """Lay out (tight, at the figure's dpi) and save ``fig`` as ``path``; returns the path."""
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    return path
