"""The documentation: the Sphinx site builds without a warning, the README's Python snippets run as written,
and every ``sernn ...`` command line the README and the user guide show is accepted by the parser."""
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
GUIDE = sorted((ROOT / "docs").glob("*.md"))


def fenced_blocks(path, language):
    """The fenced code blocks of one language in a Markdown file, in order."""
    pattern = re.compile(r"^```" + language + r"\s*\n(.*?)^```", re.S | re.M)
    return pattern.findall(path.read_text())


def command_lines(path):
    """Each ``sernn ...`` line of the bash blocks, without its trailing comment."""
    for block in fenced_blocks(path, "bash"):
        block = re.sub(r"\\\n\s*", " ", block)  # continuation lines
        for line in block.splitlines():
            line = line.split("  #")[0].strip()
            for part in line.split("&&"):
                part = part.strip()
                if part.startswith("sernn "):
                    yield part


def test_the_readme_has_python_snippets_and_commands():
    assert len(fenced_blocks(README, "python")) >= 2
    assert any(line.startswith("sernn maze") for line in command_lines(README))


@pytest.mark.slow
def test_readme_python_snippets_run_as_written(tmp_path):
    # One interpreter, the blocks in order (the second block uses the first's imports), in an empty folder.
    code = "\n\n".join(fenced_blocks(README, "python"))
    code += "\n\nimport numpy as np\nout = rnn(np.zeros((2, 5, 8), dtype='float32'))\nprint('rnn output', tuple(out.shape))\n"
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                            timeout=900, env={**__import__("os").environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    assert result.returncode == 0, result.stderr[-3000:]
    assert "rnn output (2, 64)" in result.stdout


@pytest.mark.parametrize("line", sorted({line for path in [README, *GUIDE] for line in command_lines(path)}))
def test_documented_command_lines_parse(line, monkeypatch):
    from sernn import cli

    # shell variables of the cluster examples: a task number, a folder
    line = re.sub(r"\$\{?(\w+)\}?", lambda m: "3" if m.group(1).endswith(("ID", "INDEX")) else "/tmp", line)
    argv = shlex.split(line)[1:]
    argv = [a for a in argv if a != "--verbose"]
    parser = cli._build_parser(argv)
    try:
        parser.parse_args(argv)
    except SystemExit as exc:  # --help and --version exit 0; a bad option exits 2
        assert exc.code == 0, f"`{line}` is not accepted by the command line"


@pytest.mark.slow
def test_sphinx_site_builds_without_warnings(tmp_path):
    pytest.importorskip("sphinx")
    pytest.importorskip("myst_parser")
    # the gallery's pages without running its examples (the full build: docs/index.md, "Install and run")
    result = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
                             "-D", "plot_gallery=0", str(ROOT / "docs"), str(tmp_path / "html")],
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-5000:]
    native = [line for line in result.stderr.splitlines() if re.match(r"^[IWEF]\d{4} ", line)]
    assert not native, f"TensorFlow's native log lines reached the console: {native[:3]}"
    guide = (tmp_path / "html" / "dynamics.html").read_text()
    assert 'href="api/models.html#sernn.fixed_points.find_fixed_points"' in guide   # guide code names link to the API
    assert "Copyright &#169; 2026, the sernn developers" in guide   # the footer names its holder
    reference = (tmp_path / "html" / "api" / "keras_parts.html").read_text()
    assert "SpatialCommunicability" in reference and "Examples" in reference


def _cells(row: str) -> int:
    """Cells of a Markdown table row as GitHub and MyST split it: on every pipe not escaped with a backslash
    (a pipe inside inline code splits too unless escaped)."""
    body = row.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") and not body.endswith("\\|") else body
    return len(re.split(r"(?<!\\)\|", body))


@pytest.mark.parametrize("path", [README, *GUIDE], ids=lambda p: p.name)
def test_every_table_row_has_as_many_cells_as_its_header(path):
    lines = path.read_text().split("\n")
    fenced, bad = False, []
    for number, line in enumerate(lines):
        if line.startswith("```"):
            fenced = not fenced
        if fenced or number + 1 >= len(lines) or not re.match(r"^\|?\s*:?-{3,}", lines[number + 1]):
            continue
        if not line.lstrip().startswith("|"):
            continue
        width = _cells(line)
        row = number + 2
        while row < len(lines) and lines[row].lstrip().startswith("|"):
            if _cells(lines[row]) != width:
                bad.append(f"line {row + 1}: {_cells(lines[row])} cells, the header has {width}")
            row += 1
    assert not bad, f"{path.name}: " + "; ".join(bad)
