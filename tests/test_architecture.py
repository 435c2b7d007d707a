"""The package's layering: lower layers never import higher ones; analysis never imports Keras."""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "sernn"

#: Layers from the bottom. A module may import modules of its own layer or below.
LAYERS = {
    # storage, geometry and graph maths, data (numpy/scipy/pandas)
    "sernn.atomic": 0, "sernn.validation": 0, "sernn.executors": 0, "sernn.readers": 0, "sernn.resources": 0, "sernn.arraycodec": 0, "sernn.runfolder": 0, "sernn.masks": 0, "sernn.spatial": 0, "sernn.dale": 0,
    "sernn.communicability": 0, "sernn.functional": 0, "sernn.connectomes": 0, "sernn.microns": 0,
    "sernn.analysis": 0, "sernn.plotting": 0,
    # Keras parts
    "sernn.regularizers": 1, "sernn.sparse_matmul": 1, "sernn.layers": 1, "sernn.leaky": 1, "sernn.constraints": 1, "sernn.initializers": 1,
    # tasks
    "sernn.tasks": 2,
    # models and training
    "sernn.models": 3, "sernn.callbacks": 3, "sernn.training": 3, "sernn.population": 3,
    "sernn.architecture": 3, "sernn.hidden_states": 3, "sernn.population_members": 3, "sernn.population_training": 3,
    "sernn.fixed_points": 3, "sernn.network_maps": 3,
    # experiments, command line
    "sernn.experiments": 4, "sernn.cli": 5, "sernn.commands": 5, "sernn.console": 5,
}
KERAS_FREE = ("sernn.atomic", "sernn.dale", "sernn.validation", "sernn.executors", "sernn.readers", "sernn.resources", "sernn.arraycodec", "sernn.runfolder", "sernn.masks", "sernn.spatial", "sernn.communicability",
              "sernn.functional", "sernn.connectomes", "sernn.microns", "sernn.analysis", "sernn.plotting")


def layer_of(module):
    best = max((name for name in LAYERS if module == name or module.startswith(name + ".")),
               key=len, default=None)
    return None if best is None else LAYERS[best]


def modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        yield name, path


def imports_of(path, top_level_only=False):
    tree = ast.parse(path.read_text())
    for node in (tree.body if top_level_only else ast.walk(tree)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


@pytest.mark.parametrize("name, path", list(modules()), ids=lambda v: str(v))
def test_lower_layers_never_import_higher_ones(name, path):
    if name == "sernn":
        return
    own = layer_of(name)
    assert own is not None, f"{name} is not placed in a layer"
    for imported in imports_of(path):
        if imported.startswith("sernn.") or imported == "sernn":
            other = layer_of(imported)
            if other is None:
                continue
            assert other <= own, f"{name} (layer {own}) imports {imported} (layer {other})"


@pytest.mark.parametrize("name, path", [(n, p) for n, p in modules()
                                        if any(n == m or n.startswith(m + ".") for m in KERAS_FREE)],
                         ids=lambda v: str(v))
def test_numpy_layer_never_imports_keras_at_import_time(name, path):
    # (communicability imports keras.ops inside the function that handles tensors)
    for imported in imports_of(path, top_level_only=True):
        assert imported.split(".")[0] not in ("keras", "tensorflow"), f"{name} imports {imported}"


def test_analysis_import_does_not_load_keras_or_tensorflow():
    code = ("import sys, sernn.analysis, sernn.spatial, sernn.communicability, sernn.connectomes, "
            "sernn.functional, sernn.microns; "
            "print(sorted(m for m in ('keras', 'tensorflow') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
