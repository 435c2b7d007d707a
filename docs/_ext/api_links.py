"""Inline code in the user guide that names a public sernn object links to its API entry.

A literal such as ``sernn.fixed_points.find_fixed_points``, ``build_sernn(...)`` or
``SpatialCommunicability(0.3)`` becomes a cross-reference to the object, when the name (the part before any
parenthesis) is a dotted ``sernn`` path, or a class or a called function that exactly one public sernn module
exports. Literals that name nothing, and those in headings, stay as they are.
"""
from __future__ import annotations

import importlib
import pkgutil
import re

from docutils import nodes
from sphinx.addnodes import pending_xref

NAME = re.compile(r"^([A-Za-z_][\w.]*)(\(.*\))?$")


def _public_names() -> dict:
    """Short name -> full path, for the names exactly one module's ``__all__`` exports (first definition)."""
    import sernn

    found = {}
    for info in pkgutil.walk_packages(sernn.__path__, "sernn."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        try:
            module = importlib.import_module(info.name)
        except Exception:  # an optional extra that is not installed
            continue
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name, None)
            home = getattr(obj, "__module__", None) or info.name
            full = f"{home}.{name}" if home.startswith("sernn") else f"{info.name}.{name}"
            found.setdefault(name, set()).add(full)
    return {name: paths.pop() for name, paths in found.items() if len(paths) == 1}


def _target(text: str, names: dict) -> str | None:
    """A dotted ``sernn.`` path; a short name only when it is called (``name(...)``) or is a class (CamelCase),
    so that a field or argument name (``recurrent_kernel``) is not taken for a function of that name."""
    match = NAME.match(text.strip())
    if not match:
        return None
    name = match.group(1)
    if name.startswith("sernn."):
        return name
    if match.group(2) is None and not name[:1].isupper():
        return None
    return names.get(name)


def link_literals(app, doctree) -> None:
    if not app.env.docname or app.env.docname.startswith(("api/", "auto_examples/")):
        return
    names = app.env.sernn_names if hasattr(app.env, "sernn_names") else None
    if names is None:
        names = app.env.sernn_names = _public_names()
    for literal in list(doctree.findall(nodes.literal)):
        if isinstance(literal.parent, (nodes.reference, pending_xref, nodes.title)):
            continue
        target = _target(literal.astext(), names)
        if target is None:
            continue
        ref = pending_xref("", refdomain="py", reftype="obj", reftarget=target, refwarn=False,
                           refexplicit=True, refdoc=app.env.docname)
        literal.replace_self(ref)
        ref += literal


def setup(app):
    app.connect("doctree-read", link_literals)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
