"""The gallery's examples: each is a titled script that draws a figure; the quick ones run here as written.

(The whole gallery runs when the documentation is built without ``-D plot_gallery=0``; see docs/index.md.)
"""
import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("plot_*.py"))
SHARED = ROOT.parent / "shared" / "data"
#: examples of a few seconds each, run by the tests (the others train a sweep of 12 networks)
QUICK = ["plot_fixed_points.py", "plot_microns_field.py", "plot_dale_leaky_neurogym.py"]


def test_the_gallery_has_at_least_eight_examples():
    assert len(EXAMPLES) >= 8


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_each_example_has_a_title_and_draws_a_figure(path):
    tree = ast.parse(path.read_text())
    doc = ast.get_docstring(tree)
    assert doc and doc.splitlines()[1].startswith("==="), f"{path.name}: the docstring's first line is its title"
    assert "plt.show()" in path.read_text()


@pytest.mark.slow
@pytest.mark.parametrize("name", QUICK)
def test_quick_examples_run_as_written(name, tmp_path):
    if "microns" in name and not SHARED.exists():
        pytest.skip("shared data not found")
    if "neurogym" in name:
        pytest.importorskip("neurogym")
    env = {**os.environ, "MPLBACKEND": "Agg", "TF_CPP_MIN_LOG_LEVEL": "3", "SERNN_DATA": str(SHARED)}
    result = subprocess.run([sys.executable, str(ROOT / "examples" / name)], cwd=tmp_path, capture_output=True,
                            text=True, timeout=600, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    expected = {"plot_fixed_points.py": "8 stable", "plot_microns_field.py": "neurons",
                "plot_dale_leaky_neurogym.py": "every weight keeps its unit's sign: True"}[name]
    assert expected in result.stdout
