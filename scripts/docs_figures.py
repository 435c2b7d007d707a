"""Draw the user guide's figures from the run folders its pages quote, with the package's own plotting.

Each figure is what a sernn command writes (``sernn report`` for a maze folder, the ``sernn microns`` figures
for a MICrONS folder), copied or drawn into ``docs/_static/figures/`` under the name the page embeds:

    sernn analyze runs/paper --dynamics --min-accuracy 0.9 --run condition=sernn_strength=0.136746_seed=0
    python scripts/docs_figures.py --paper runs/paper --dale runs/dale_leaky \\
        --published runs/published --corrected runs/corrected --dynamics-run condition=sernn_strength=0.136746_seed=0

``--paper`` and ``--dale`` must have been reported (``sernn report``), ``--paper`` also analysed with
``sernn analyze --dynamics`` (whose ``--run`` drew the dynamics figure of that network).
"""
import argparse
import shutil
from pathlib import Path

import pandas as pd

from sernn.experiments.microns_settings import PLATEAUS
from sernn.plotting import microns_figures
from sernn.runfolder import RunStore

OUT = Path(__file__).resolve().parents[1] / "docs" / "_static" / "figures"


def copy(source: Path, name: str) -> None:
    if not source.exists():
        raise SystemExit(f"{source} is missing: run the command that writes it first")
    shutil.copyfile(source, OUT / name)
    print(f"{OUT / name} <- {source}")


def microns(folder: Path, prefix: str) -> None:
    store = RunStore.open(folder)
    summary = pd.read_csv(folder / "summary.csv")
    for path in microns_figures(store.metrics(), summary, OUT / "tmp", PLATEAUS):
        if path.name == "accuracy_by_variant.png":
            copy(path, f"{prefix}_{path.name}")
    shutil.rmtree(OUT / "tmp")


def landing(folder: Path) -> None:
    """The landing page's picture: Q, σ and r against total weight, the kept seRNN and L1 networks at epoch 9."""
    from sernn.plotting import figure_measures_vs_weight

    topology = pd.read_csv(folder / "topology.csv")
    metrics = RunStore.open(folder).metrics()
    accuracy = metrics.loc[metrics["epoch"] == 9, ["run_id", "val_accuracy"]]
    table = topology[topology["epoch"] == 9].drop(columns=["val_accuracy"], errors="ignore").merge(accuracy,
                                                                                                 on="run_id")
    kept = table[(table["val_accuracy"] >= 0.9) & table["condition"].isin(["sernn", "l1"])]
    labels = {"modularity": "modularity Q", "small_worldness": "small-worldness σ",
              "weight_distance_corr": "weight–distance correlation r"}
    figure_measures_vs_weight(kept, labels, OUT / "paper_landing.png",
                              title=f"The seRNN paper's grid: the {len(kept):,} seRNN and L1 networks that learned "
                                    "the maze, each measure against total weight")
    print(f"{OUT / 'paper_landing.png'} <- {folder / 'topology.csv'} ({len(kept)} networks)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in ("paper", "dale", "published", "corrected"):
        parser.add_argument(f"--{name}", type=Path, required=True)
    parser.add_argument("--dynamics-run", required=True, help="the run whose dynamics figure is shown")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    landing(args.paper)
    copy(args.paper / "report" / "measures_weight.png", "paper_measures_weight.png")
    copy(args.paper / "report" / "learning_strength.png", "paper_learning_strength.png")
    copy(args.paper / "figures" / f"dynamics_{args.dynamics_run}_epoch9.png", "paper_dynamics.png")
    copy(args.dale / "report" / "measures_weight.png", "dale_leaky_measures_weight.png")
    microns(args.published, "microns_published")
    microns(args.corrected, "microns_corrected")


if __name__ == "__main__":
    main()
