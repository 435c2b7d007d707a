"""The figures of the ``sernn memory`` and ``sernn microns`` benchmarks."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sernn.plotting.common import new_figure, save_figure


_MEMORY_COMBO = ["task", "setting", "optimizer", "activation", "learning_rate"]




def _seed_band(ax, rows, column, strategy, style):
    # losses span decades: mean and s.d. of log10(loss), drawn back on the loss scale
    values = rows[["epoch", column]].copy()
    log_scale = column == "test_loss"
    if log_scale:
        values[column] = np.log10(np.clip(values[column], 1e-12, None))
    stats = values.groupby("epoch")[column].agg(["mean", "std"]).fillna(0.0)
    centre, low, high = stats["mean"], stats["mean"] - stats["std"], stats["mean"] + stats["std"]
    if log_scale:
        centre, low, high = 10 ** centre, 10 ** low, 10 ** high
    ax.plot(stats.index, centre, style[1], color=style[0], label=strategy, lw=1.4)
    ax.fill_between(stats.index, low, high, color=style[0], alpha=0.15)


def _loss_panel(ax, rows, column, label, styles):
    """One species' curves of one column (every strategy) in one setting."""
    for strategy, style in styles.items():
        part = rows[rows["strategy"] == strategy]
        if not part.empty:
            _seed_band(ax, part, column, strategy, style)
    ax.set(xlabel="completed training epochs", ylabel=label)
    if column == "test_loss":
        ax.set_yscale("log")


def _loss_curves(metrics, key, species, styles, label):
    """Loss (and n-back accuracy) curves of one setting, one column of panels per species."""
    task, setting, optimizer, activation, lr = key
    part = metrics[(metrics["task"] == task) & (metrics["setting"] == setting) & (metrics["optimizer"] == optimizer)
                   & (metrics["activation"] == activation) & np.isclose(metrics["learning_rate"], lr)]
    panels = [("test_loss", "test loss (MSE, recall steps)" if task == "sequence"
               else "test loss (cross-entropy, response step)")]
    if task == "nback":
        panels.append(("test_accuracy", "test accuracy"))
    fig = new_figure((max(5.5, 4.2 * len(species)), 3.4 * len(panels)), layout=None)
    axes = fig.subplots(len(panels), len(species), squeeze=False)
    for col, name in enumerate(species):
        for row, (column, ylabel) in enumerate(panels):
            _loss_panel(axes[row, col], part[part["species"] == name], column, ylabel, styles)
        axes[0, col].set_title(name)
    axes[0, -1].legend(fontsize=7, frameon=False)
    fig.suptitle(f"{label}\nmean and s.d. over seeds (loss: of log10 loss)", fontsize=8)
    return fig


def _panel_row(table, column, values, size, draw):
    """A row of panels, one per value of ``column``, each drawn by ``draw(ax, value, rows)``."""
    fig = new_figure(size, layout=None)
    for ax, value in zip(fig.subplots(1, len(values), squeeze=False)[0], values):
        draw(ax, value, table[table[column] == value])
        ax.set_title(value)
    return fig


def _box_panel(ax, rows, column, label, styles):
    """Box plots of one summary column per strategy (one species, one task)."""
    ax.set_ylabel(label)
    present = [s for s in styles if (rows["strategy"] == s).any()]
    if not present:
        return
    box = ax.boxplot([rows.loc[rows["strategy"] == s, column].to_numpy() for s in present], patch_artist=True)
    for patch, strategy in zip(box["boxes"], present):
        patch.set_facecolor(styles[strategy][0])
        patch.set_alpha(0.5)
    ax.set_xticks(range(1, len(present) + 1), present, rotation=45, fontsize=8)


def memory_figures(metrics: pd.DataFrame, summary: pd.DataFrame, folder, setting_names: dict) -> list:
    """The ``sernn memory`` figures: loss curves per setting, box plots per task.

    ``loss_curves_<setting>.png`` per task setting, optimizer, activation and learning rate
    (per species and strategy: mean of log10(test loss) over seeds ± one s.d., for n-back also
    the test accuracy), ``min_test_loss_<task>.png`` and ``epoch_of_min_<task>.png`` (box plots).

    Parameters
    ----------
    metrics : pandas.DataFrame
        One row per run and epoch: the run columns (``species``, ``task``, ``setting``,
        ``optimizer``, ``activation``, ``learning_rate``, ``strategy``, ``seed``),
        ``epoch``, ``test_loss``, for n-back ``test_accuracy``.
    summary : pandas.DataFrame
        One row per run: the run columns, ``min_test_loss``, ``epoch_of_min``.
    folder : str or pathlib.Path
        Where the PNG files go (created if missing).
    setting_names : dict
        Task -> the name of its setting in the file names (``{"sequence": "length"}``).

    Returns
    -------
    list of pathlib.Path
        The files written; none when ``metrics`` is empty.

    Examples
    --------
    >>> import tempfile
    >>> run = dict(species="macaque", task="sequence", setting=3, optimizer="adam", activation="relu",
    ...            learning_rate=1e-3, strategy="b_w_no")
    >>> metrics = pd.DataFrame([dict(run, seed=s, epoch=e, test_loss=1 / (e + s)) for s in (1, 2) for e in (1, 2)])
    >>> summary = pd.DataFrame([dict(run, seed=s, min_test_loss=0.5, epoch_of_min=2) for s in (1, 2)])
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     [p.name for p in memory_figures(metrics, summary, folder, {"sequence": "length"})]
    ['loss_curves_sequence_length=3_adam_relu_lr=0.001.png', 'min_test_loss_sequence.png', 'epoch_of_min_sequence.png']
    """
    if metrics.empty:
        return []
    from matplotlib import colormaps
    from sernn.connectomes.strategies import STRATEGIES

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    styles = {s: (colormaps["tab10"](i), "--" if s.startswith("r_") else "-") for i, s in enumerate(STRATEGIES)}
    species = list(dict.fromkeys(summary["species"]))
    written = []
    for key in summary[_MEMORY_COMBO].drop_duplicates().itertuples(index=False, name=None):
        task, setting, optimizer, activation, lr = key
        label = f"{task}_{setting_names[task]}={setting}_{optimizer}_{activation}_lr={lr:g}"
        fig = _loss_curves(metrics, key, species, styles, label)
        written.append(save_figure(fig, folder / f"loss_curves_{label}.png", 110))
    for task in dict.fromkeys(summary["task"]):
        for column, label in (("min_test_loss", "minimum test loss"), ("epoch_of_min", "epoch of minimum")):
            fig = _panel_row(summary[summary["task"] == task], "species", species,
                             (max(5.5, 4.2 * len(species)), 3.6),
                             lambda ax, name, rows: _box_panel(ax, rows, column, label, styles))
            fig.suptitle(f"{task}: {label} over seeds and settings", fontsize=9)
            written.append(save_figure(fig, folder / f"{column}_{task}.png", 110))
    return written


def _variant_bars(ax, rows, plateau):
    """Final validation accuracy per variant of one task, plateaued ones grey and marked."""
    rows = rows.sort_values("variant")
    colours = ["#bbbbbb" if s == "plateau" else "#4477aa" for s in rows["status"]]
    ax.bar(range(len(rows)), rows["val_accuracy"], yerr=rows["val_accuracy_sd"], color=colours, capsize=3)
    for k, status in enumerate(rows["status"]):
        if status != "learned":
            ax.text(k, 0.02, "plateau" if status == "plateau" else "part.", rotation=90, ha="center",
                    va="bottom", fontsize=8)
    ax.axhspan(*plateau, color="#ee6677", alpha=0.15, label="no-memory band")
    ax.set_xticks(range(len(rows)), rows["variant"], rotation=60, ha="right", fontsize=8)
    ax.set(ylim=(0, 1), ylabel="final validation accuracy")
    ax.legend(loc="lower right", fontsize=8)


def _variant_curves(ax, rows):
    """Validation accuracy over epochs, mean over seeds, per variant of one task."""
    for variant, part in rows.groupby("variant"):
        curve = part.groupby("epoch")["val_accuracy"].mean()
        ax.plot(curve.index, curve.values, marker="o", ms=3, label=variant)
    ax.set(xlabel="completed training epochs", ylabel="validation accuracy (mean over seeds)", ylim=(0, 1))
    ax.legend(fontsize=7)


def microns_figures(metrics: pd.DataFrame, summary: pd.DataFrame, folder, plateaus: dict) -> list:
    """The ``sernn microns`` figures, one panel per task.

    ``accuracy_by_variant.png``: final validation accuracy (mean ± s.d. over seeds)
    per variant with the no-memory band, plateaued variants grey and marked;
    ``learning_curves.png``: validation accuracy over epochs per variant.

    Parameters
    ----------
    metrics : pandas.DataFrame
        One row per run and epoch (``task``, ``variant``, ``epoch``, ``val_accuracy``).
    summary : pandas.DataFrame
        One row per task and variant (``task``, ``variant``, ``val_accuracy``,
        ``val_accuracy_sd``, ``status``: ``"learned"``, ``"partly plateau"`` or ``"plateau"``).
    folder : str or pathlib.Path
        Where the PNG files go (created if missing).
    plateaus : dict
        Task -> (low, high) accuracy band without memory; its key order is the
        panel order (tasks not in it are not drawn).

    Returns
    -------
    list of pathlib.Path
        The two files written; empty when ``summary`` holds none of the tasks.

    Examples
    --------
    >>> import tempfile
    >>> metrics = pd.DataFrame(dict(task="maze", variant="W", seed=[0, 0, 1, 1], epoch=[1, 2, 1, 2],
    ...                             val_accuracy=[0.5, 0.8, 0.6, 0.9]))
    >>> summary = pd.DataFrame(dict(task=["maze"], variant=["W"], val_accuracy=[0.85],
    ...                             val_accuracy_sd=[0.07], status=["learned"]))
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     [p.name for p in microns_figures(metrics, summary, folder, {"maze": (0.58, 0.66)})]
    ['accuracy_by_variant.png', 'learning_curves.png']
    """
    tasks = [t for t in plateaus if t in set(summary.get("task", ()))]
    if not tasks:
        return []
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    size = (5 * len(tasks), 4)
    bars = _panel_row(summary, "task", tasks, size, lambda ax, task, rows: _variant_bars(ax, rows, plateaus[task]))
    curves = _panel_row(metrics, "task", tasks, size, lambda ax, task, rows: _variant_curves(ax, rows))
    return [save_figure(bars, folder / "accuracy_by_variant.png", 120), save_figure(curves, folder / "learning_curves.png", 120)]
