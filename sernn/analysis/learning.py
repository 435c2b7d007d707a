"""How often networks learn: success at an epoch, best, final, plateau and collapse, with Wilson CIs.

Works on any per-epoch table with a run column, an ``epoch`` column (the
number of completed training epochs) and an accuracy column, such as a
benchmark's ``metrics.csv``. A run

- **succeeds at epoch E** when its accuracy after E epochs is >= ``threshold``;
- **reached** the threshold when it did so at any epoch (its best accuracy);
- **ends successful** when its last recorded epoch is >= ``threshold``;
- is on the **plateau** when its last accuracy lies in the ``plateau`` band
  (e.g. the maze task's no-memory band around 5/8);
- **collapsed** when it reached the threshold and then fell below it by its
  last epoch (on the maze task: learned, then lost the memory as pruning went on).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from sernn.analysis.statistics import wilson_interval
from sernn.validation import check_integer

__all__ = ["learning_outcomes", "learning_table", "OUTCOMES"]

#: The per-run outcomes of :func:`learning_outcomes` that :func:`learning_table` counts.
OUTCOMES = ("success", "reached", "final_success", "plateau", "collapse")


def learning_outcomes(metrics: pd.DataFrame, epoch: int = 9, threshold: float = 0.9, plateau=None,
                      accuracy: str = "val_accuracy", run: str = "run_id") -> pd.DataFrame:
    """One row per run: its accuracy at ``epoch``, best and last accuracy, and the outcomes.

    Parameters
    ----------
    metrics : pandas.DataFrame
        One row per run and epoch; columns ``run``, ``"epoch"``, ``accuracy``
        and any run parameters (constant within a run; they are kept).
    epoch : int, default=9
        The epoch at which ``success`` is judged (the seRNN paper's epoch 9 of 10).
    threshold : float, default=0.9
        Accuracy that counts as learned (the seRNN paper's 0.9).
    plateau : (low, high), optional
        Accuracy band of a network that learned nothing useful; without it
        ``plateau`` is False for every run.
    accuracy, run : str
        Column names.

    Returns
    -------
    outcomes : pandas.DataFrame
        The run's parameters, ``accuracy_at_epoch``, ``best_accuracy``,
        ``best_epoch``, ``final_accuracy``, ``final_epoch`` and the boolean
        :data:`OUTCOMES`. Runs that never reached ``epoch`` are left out.

    Raises
    ------
    ValueError
        When a column is missing, or no run has ``epoch`` (the message gives
        the range of epochs present).

    Examples
    --------
    >>> import pandas as pd
    >>> metrics = pd.DataFrame({"run_id": ["a"] * 3 + ["b"] * 3, "epoch": [1, 2, 3] * 2,
    ...                         "val_accuracy": [0.5, 0.95, 0.6, 0.4, 0.7, 0.92]})
    >>> table = learning_outcomes(metrics, epoch=2, plateau=(0.58, 0.66))
    >>> table[["run_id", "success", "reached", "collapse", "plateau"]].values.tolist()
    [['a', True, True, True, True], ['b', False, True, False, False]]
    """
    missing = [c for c in (run, "epoch", accuracy) if c not in metrics.columns]
    if missing:
        raise ValueError(f"metrics has no column {missing[0]!r}; columns are {list(metrics.columns)}")
    epoch = check_integer(epoch, "epoch", low=0)
    frame = metrics.dropna(subset=[accuracy]).sort_values([run, "epoch"])
    if frame.empty:
        raise ValueError(f"metrics has no {accuracy!r} values")
    epochs = frame["epoch"].astype(int)
    if not (epochs == epoch).any():
        raise ValueError(f"no run has epoch {epoch}; the runs have epochs {epochs.min()}..{epochs.max()}")
    grouped = frame.groupby(run, sort=True)
    parameters = grouped.first().drop(columns=["epoch", accuracy])
    parameters = parameters[[c for c in parameters.columns if grouped[c].nunique(dropna=False).max() <= 1]]
    best_index = grouped[accuracy].idxmax()
    last = grouped.tail(1).set_index(run)
    at_epoch = frame[epochs == epoch].set_index(run)[accuracy]
    table = parameters.assign(
        accuracy_at_epoch=at_epoch,
        best_accuracy=grouped[accuracy].max(),
        best_epoch=frame.loc[best_index].set_index(run)["epoch"].astype(int),
        final_accuracy=last[accuracy],
        final_epoch=last["epoch"].astype(int),
    )
    table = table[table["accuracy_at_epoch"].notna()].copy()
    table["success"] = table["accuracy_at_epoch"] >= threshold
    table["reached"] = table["best_accuracy"] >= threshold
    table["final_success"] = table["final_accuracy"] >= threshold
    if plateau is None:
        table["plateau"] = False
    else:
        low, high = plateau
        table["plateau"] = (table["final_accuracy"] >= low) & (table["final_accuracy"] <= high)
    table["collapse"] = table["reached"] & ~table["final_success"]
    return table.reset_index()


def learning_table(outcomes: pd.DataFrame, by=(), confidence: float = 0.95) -> pd.DataFrame:
    """Counts, rates and Wilson intervals of every outcome, per group.

    Parameters
    ----------
    outcomes : pandas.DataFrame
        From :func:`learning_outcomes`.
    by : sequence of str
        Grouping columns (e.g. ``["condition", "strength_bin"]``); empty: one row.
    confidence : float, default=0.95

    Returns
    -------
    table : pandas.DataFrame
        The ``by`` columns, ``n`` and, for every outcome ``o`` of
        :data:`OUTCOMES`, ``o`` (count), ``o_rate``, ``o_low`` and ``o_high``.

    Examples
    --------
    >>> import pandas as pd
    >>> outcomes = pd.DataFrame({"success": [True] * 16 + [False] * 14, "reached": [True] * 30,
    ...                          "final_success": [True] * 16 + [False] * 14,
    ...                          "plateau": [False] * 30, "collapse": [False] * 16 + [True] * 14})
    >>> row = learning_table(outcomes).iloc[0]
    >>> int(row["n"]), int(row["success"]), round(float(row["success_low"]), 3), round(float(row["success_high"]), 3)
    (30, 16, 0.361, 0.698)
    """
    by = list(by)
    rows = []
    groups = outcomes.groupby(by, sort=True) if by else [((), outcomes)]
    for key, part in groups:
        key = key if isinstance(key, tuple) else (key,)
        row = dict(zip(by, key))
        row["n"] = int(len(part))
        for outcome in OUTCOMES:
            k = int(part[outcome].sum())
            low, high = wilson_interval(k, len(part), confidence)
            row.update({outcome: k, f"{outcome}_rate": k / len(part) if len(part) else np.nan,
                        f"{outcome}_low": low, f"{outcome}_high": high})
        rows.append(row)
    return pd.DataFrame(rows)
