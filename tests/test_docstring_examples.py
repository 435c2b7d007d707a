"""Every public class and function of the Keras parts, tasks, analysis and connectome modules has a
runnable ``Examples`` section (run by ``pytest --doctest-modules``, see ``setup.cfg``)."""
import doctest
import importlib
import inspect
import pkgutil

import pytest

import sernn

#: Packages and modules whose public API must carry runnable examples.
DOCUMENTED = ("sernn.regularizers", "sernn.constraints", "sernn.initializers", "sernn.layers", "sernn.leaky", "sernn.dale",
              "sernn.tasks", "sernn.analysis", "sernn.connectomes", "sernn.spatial",
              "sernn.communicability", "sernn.masks", "sernn.validation", "sernn.models",
              "sernn.population", "sernn.training", "sernn.callbacks")


def documented_modules():
    names = []
    for info in pkgutil.walk_packages(sernn.__path__, "sernn."):
        if any(info.name == p or info.name.startswith(p + ".") for p in DOCUMENTED):
            names.append(info.name)
    return sorted(names)


def public_items():
    for name in documented_modules():
        module = importlib.import_module(name)
        for attr in getattr(module, "__all__", ()):
            value = getattr(module, attr)
            if (inspect.isclass(value) or inspect.isfunction(value)) and value.__module__ == name:
                yield f"{name}.{attr}", value


def test_the_documented_packages_are_found():
    names = documented_modules()
    assert {"sernn.analysis.graph", "sernn.tasks.maze", "sernn.regularizers.spatial",
            "sernn.connectomes.loading", "sernn.constraints"} <= set(names)


@pytest.mark.parametrize("qualname, item", list(public_items()), ids=lambda v: v if isinstance(v, str) else "")
def test_public_item_has_a_runnable_example(qualname, item):
    doc = inspect.getdoc(item) or ""
    assert "Examples\n--------" in doc, f"{qualname} has no numpydoc 'Examples' section"
    examples = doctest.DocTestParser().get_examples(doc)
    assert examples, f"{qualname}'s Examples section has no '>>>' line"
