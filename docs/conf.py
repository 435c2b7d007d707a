"""Sphinx configuration of the sernn documentation (user guide pages in Markdown, API reference from the
docstrings). Build it with ``sphinx-build -W -b html docs docs/_build/html``."""
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sernn  # noqa: E402

project = "sernn"
author = "the sernn developers"
release = version = sernn.__version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build"]
root_doc = "index"

# numpydoc-style docstrings, read by napoleon
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
napoleon_preprocess_types = False
autodoc_member_order = "bysource"
autodoc_typehints = "none"          # the numpydoc Parameters sections carry the types
autodoc_default_options = {"members": True, "show-inheritance": False}

myst_heading_anchors = 3
myst_enable_extensions = ["dollarmath"]

html_theme = "alabaster"
html_title = f"sernn {release}"
autodoc_inherit_docstrings = False   # Keras base-class docstrings are not numpydoc


def _skip_namedtuple_fields(app, what, name, obj, skip, options):
    """NamedTuple fields are described in their class's Attributes section; do not list them twice."""
    if what == "class" and type(obj).__name__ == "_tuplegetter":
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_namedtuple_fields)
