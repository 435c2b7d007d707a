"""Module sizes and the longest functions of the package (docstrings excluded).

    python scripts/code_size.py            # modules over 300 lines, functions over 40 lines of code
    python scripts/code_size.py --all      # every module

A function's size counts its lines of code: blank lines, comment lines and its
docstring are left out (nested functions count towards their parent too).
"""
import argparse
import ast
import io
import tokenize
from pathlib import Path


def code_lines(source: str) -> set:
    """Line numbers that hold code (not blank, not only a comment, not a docstring)."""
    lines = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
                          tokenize.ENDMARKER):
            continue
        lines.update(range(token.start[0], token.end[0] + 1))
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
                    and isinstance(body[0].value.value, str):
                lines.difference_update(range(body[0].lineno, body[0].end_lineno + 1))
    return lines


def functions(path: Path):
    source = path.read_text()
    code = code_lines(source)
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            count = len([n for n in code if node.lineno <= n <= node.end_lineno])
            yield node.name, node.lineno, count


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=str(Path(__file__).resolve().parents[1] / "sernn"))
    parser.add_argument("--all", action="store_true")
    parser.add_argument("--function-limit", type=int, default=40)
    args = parser.parse_args()
    root = Path(args.root)
    sizes = sorted(((len(p.read_text().splitlines()), p) for p in root.rglob("*.py")), reverse=True)
    print("lines  module")
    for lines, path in sizes if args.all else [s for s in sizes if s[0] > 300]:
        print(f"{lines:5d}  {path.relative_to(root.parent)}")
    long = sorted(((count, f"{path.relative_to(root.parent)}:{line} {name}") for _, path in sizes
                   for name, line, count in functions(path) if count > args.function_limit), reverse=True)
    print(f"\nfunctions over {args.function_limit} lines of code: {len(long)}")
    for count, where in long:
        print(f"{count:5d}  {where}")
    print(f"\nlargest module: {sizes[0][0]} lines; longest function: {long[0][0] if long else '-'} lines of code")


if __name__ == "__main__":
    main()
