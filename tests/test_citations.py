"""Papers are cited by authors, year and venue: every file of the package and the user guide that names a
work names its venue at least once, and no file refers to material a user does not have."""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FILES = sorted([*(ROOT / "sernn").rglob("*.py"), *(ROOT / "docs").glob("*.md"), *(ROOT / "examples").glob("*.py"),
                ROOT / "README.md"])

#: first author (as cited) -> words of which one must appear in the file (the venue)
WORKS = {
    "Rajan": ("Physical Review Letters", "Phys. Rev. Lett."),
    "Clauset": ("Physical Review E",),
    "Ehrlich": ("eNeuro",),
    "Song": ("PLoS Computational Biology",),
    "Sussillo": ("Neural Computation", "Journal of Open Source Software"),
    "Golub": ("Journal of Open Source Software",),
    "Gao": ("bioRxiv",),
    "Molano-Mazón": ("PsyArXiv",),
    "Achterberg": ("Nature Machine Intelligence",),
    "Goulas": ("Neural Networks",),
    "Damicelli": ("Neural Networks",),   # Goulas, Damicelli & Hilgetag
    "Ypma": ("PNAS",),                   # Rubinov, Ypma et al.
    "Rokni": ("Neuromatch Academy",),    # Shakiba, Rokni & Mohammadi
    "Crofts": ("J. R. Soc. Interface", "J R Soc Interface", "Journal of the Royal Society Interface"),
    "Onnela": ("Physical Review E", "Phys. Rev. E", "Phys Rev E"),
    "Leicht": ("Physical Review Letters", "Phys. Rev. Lett."),
    "Humphries": ("PLoS ONE",),
    "Rubinov": ("NeuroImage", "PNAS"),
    "Cutts": ("J. Neurosci", "J Neurosci", "Journal of Neuroscience"),
    "Markov": ("Cerebral Cortex",),
    "Majka": ("J Comp Neurol", "Journal of Comparative Neurology"),
    "Betzel": ("PNAS",),
    "Gamanut": ("Neuron",),
    "Oh": ("Nature",),
    "Chiang": ("Curr Biol", "Current Biology"),
    "Turner": ("Cell",),
    "Elabbady": ("Nature",),
    "Dorkenwald": ("eLife",),
    "Sheeran": ("arXiv",),
    "Meyer": ("Symposium on Simplicity in Algorithms", "SOSA"),
    "Musco": ("Symposium on Simplicity in Algorithms", "SOSA"),   # Meyer, Musco, Musco & Woodruff
    "Shakiba": ("Neuromatch Academy",),
}
CITATION = re.compile(r"\b([A-Z][a-zé]+)(?: et al\.| & [A-Z][a-z]+| and [A-Z][a-z]+ \(?(?:19|20)\d\d)")


def cited_works(text):
    return {match.group(1) for match in CITATION.finditer(text)}


def test_the_pattern_finds_citations():
    assert cited_works("as in Achterberg et al. 2023 and Crofts & Higham 2009") == {"Achterberg", "Crofts"}


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_each_cited_work_has_its_venue(path):
    text = " ".join(path.read_text().split())  # a venue may be broken over two lines
    for author in sorted(cited_works(text)):
        assert author in WORKS, f"{path.name} cites {author} et al., which is not in the list of works"
        assert any(venue in text for venue in WORKS[author]), (
            f"{path.name} cites {author} but never gives the venue ({' or '.join(WORKS[author])})")


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_reference_to_files_users_do_not_have(path):
    text = path.read_text()
    for phrase in ("SPEC", "seeds/", "seed 00"):
        assert phrase not in text, f"{path.name} mentions {phrase!r}"
