"""The published area connectomes the package knows by name, with their studies.

The files are not shipped with the package: :func:`find_connectome` looks for
them in a folder you give (or ``$SERNN_CONNECTOMES``). The collection is the
MIT-licensed one of the ``bio2art`` project; cite the original study when you
use a connectome.
"""
from __future__ import annotations

import os
from pathlib import Path

__all__ = ["KNOWN_CONNECTOMES", "find_connectome", "default_connectome_dirs"]

#: species key -> (file name, number of regions, citation of the original study)
KNOWN_CONNECTOMES = {
    "macaque": ("macaque_markov2014.csv", 29,
                "Markov et al., Cerebral Cortex 24:17-36 (2014), retrograde tracing (FLN)"),
    "marmoset": ("marmoset_majka2016.csv", 55,
                 "Majka et al., J Comp Neurol 524:2161-2181 (2016)"),
    "human": ("human_betzel2018.csv", 57,
              "Betzel & Bassett, PNAS 115:E4880 (2018), diffusion MRI, left hemisphere, symmetric"),
    "mouse": ("mouse_gamanut2018.csv", 19, "Gamanut et al., Neuron 97:698 (2018)"),
    "mouse_ypma_oh": ("mouse_ypma_oh2015.csv", 56,
                      "Rubinov, Ypma et al., PNAS 112:10032 (2015); Oh et al., Nature 508:207 (2014)"),
    "drosophila": ("drosophila_chiang2011.csv", 49, "Chiang et al., Curr Biol 21:1-11 (2011)"),
}


def default_connectome_dirs() -> list:
    """Folders searched when none is given: ``$SERNN_CONNECTOMES``, then
    ``../shared/data/connectomes`` and ``data/connectomes`` (relative to the
    working directory).

    Examples
    --------
    >>> import os
    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {"SERNN_CONNECTOMES": "my_connectomes"}):
    ...     print([d.as_posix() for d in default_connectome_dirs()])
    ['my_connectomes', '../shared/data/connectomes', 'data/connectomes']
    """
    dirs = []
    if os.environ.get("SERNN_CONNECTOMES"):
        dirs.append(Path(os.environ["SERNN_CONNECTOMES"]))
    dirs += [Path("..") / "shared" / "data" / "connectomes", Path("data") / "connectomes"]
    return dirs


def find_connectome(species: str, directory=None) -> Path:
    r"""Path of a connectome file: a known species name, or a path to a CSV file.

    Parameters
    ----------
    species : str
        A key of :data:`KNOWN_CONNECTOMES` (e.g. ``"macaque"``) or a file path.
    directory : str or path-like, optional
        Folder holding the files; default :func:`default_connectome_dirs`.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    A folder holding the mouse connectome under its catalogue file name
    (here a tiny stand-in file):

    >>> import tempfile
    >>> from pathlib import Path
    >>> KNOWN_CONNECTOMES["mouse"][0]
    'mouse_gamanut2018.csv'
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "mouse_gamanut2018.csv"
    ...     _ = path.write_text("region,A,B\nA,0,1\nB,2,0\n")
    ...     by_name = find_connectome("mouse", directory=folder)
    ...     by_path = find_connectome(str(path))   # a CSV path is returned as it is
    ...     print(by_name == path, by_path == path)
    True True
    """
    candidate = Path(species)
    if candidate.suffix.lower() == ".csv" or candidate.is_file():
        if not candidate.is_file():
            raise FileNotFoundError(f"connectome file {species!r} does not exist")
        return candidate
    if species not in KNOWN_CONNECTOMES:
        raise ValueError(f"unknown species {species!r}; use one of {', '.join(KNOWN_CONNECTOMES)} "
                         "or the path of a connectome CSV file")
    filename = KNOWN_CONNECTOMES[species][0]
    dirs = [Path(directory)] if directory is not None else default_connectome_dirs()
    for folder in dirs:
        if (folder / filename).is_file():
            return folder / filename
    raise FileNotFoundError(f"connectome file {filename!r} for {species!r} not found in "
                            f"{[str(d) for d in dirs]}; pass its folder (--connectome-dir) or set "
                            "SERNN_CONNECTOMES")
