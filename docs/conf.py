"""Sphinx configuration of the sernn documentation (user guide pages in Markdown, a gallery of runnable
examples, API reference from the docstrings).

Build it with ``sphinx-build -W -b html docs docs/_build/html`` (the gallery's examples run: about 3 minutes
on 2 cores), or without running the examples with ``-D plot_gallery=0`` (what the tests build).
"""
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("SERNN_DATA", str(ROOT.parent / "shared" / "data"))   # the examples' data folder
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent / "_ext"))

import sernn  # noqa: E402
from sernn.console import native_logs_filtered  # noqa: E402

with native_logs_filtered():  # TensorFlow prints its native start-up lines once, here: keep them off the console
    import tensorflow as tf  # noqa: E402

    tf.constant(0.0) + 1.0

project = "sernn"
author = "the sernn developers"
copyright = "2026, the sernn developers"
release = version = sernn.__version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "sphinx_copybutton",
    "sphinx_gallery.gen_gallery",
    "api_links",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "_ext", "auto_examples/*.ipynb", "auto_examples/*.py", "auto_examples/*.zip",
                    "auto_examples/*.json", "auto_examples/*.md5"]
root_doc = "index"
highlight_language = "none"          # an output block without a language is plain text, not Python

# numpydoc-style docstrings, read by napoleon
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
napoleon_preprocess_types = False
autodoc_member_order = "bysource"
autodoc_typehints = "none"          # the numpydoc Parameters sections carry the types
autodoc_default_options = {"members": True}   # no "Bases:" lines (they named private base classes)
autodoc_inherit_docstrings = False   # Keras base-class docstrings are not numpydoc

myst_heading_anchors = 3
myst_enable_extensions = ["dollarmath"]

html_theme = "furo"
html_title = f"sernn {release}"
html_static_path = ["_static"]
html_css_files = ["sernn.css"]
html_theme_options = {"sidebar_hide_name": False, "navigation_with_keys": True}

# the copy button copies commands and code, not the prompts or the output
copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = False

sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "remove_config_comments": True,
    "matplotlib_animations": False,
    "show_memory": False,
    "reset_modules": ("matplotlib",),
    "capture_repr": (),
}


def _skip_namedtuple_fields(app, what, name, obj, skip, options):
    """NamedTuple fields are described in their class's Attributes section; do not list them twice."""
    if what == "class" and type(obj).__name__ == "_tuplegetter":
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_namedtuple_fields)
