"""`autograph dump FILE.py`: the converted source of a file's functions, without running it.

The file is parsed, never imported or executed, so `dump` is safe on any file and shows
exactly what `@autograph.convert` will turn each function into.
"""

from __future__ import annotations

import argparse
import ast
import io
import keyword
import sys
import tokenize

from autograph import converters
from autograph.errors import AutographError
from autograph.pyct import parsing, rendering


def _is_convert_decorator(expr: ast.expr) -> bool:
    if isinstance(expr, ast.Call):
        expr = expr.func
    if isinstance(expr, ast.Attribute):
        return expr.attr == "convert"
    return isinstance(expr, ast.Name) and expr.id == "convert"


def _select(module: ast.Module, names: list[str], everything: bool) -> list[ast.FunctionDef]:
    functions = [n for n in module.body if isinstance(n, ast.FunctionDef)]
    if names:
        by_name = {f.name: f for f in functions}
        missing = [n for n in names if n not in by_name]
        if missing:
            known = ", ".join(sorted(by_name)) or "none"
            raise AutographError(f"no top-level function named {missing[0]!r} (functions: {known})")
        return [by_name[n] for n in names]
    if everything:
        return functions
    return [f for f in functions if any(_is_convert_decorator(d) for d in f.decorator_list)]


def dump_source(text: str, filename: str, names=(), everything=False, renderer="auto") -> str:
    """The converted source of the selected functions of a file's text, separated by blank lines."""
    module = parsing.parse_module_source(text, filename)
    chunks = []
    for fn in _select(module, list(names), everything):
        fn.decorator_list = []
        converted = converters.convert_node(fn, filename)
        chunks.append(f"# {filename}:{fn.lineno} {fn.name}\n" + rendering.render(converted, renderer).rstrip())
    return "\n\n\n".join(chunks) + ("\n" if chunks else "")


_COLOURS = {"keyword": "\033[1;34m", "string": "\033[32m", "comment": "\033[90m",
            "runtime": "\033[35m", "number": "\033[36m"}
_RESET = "\033[0m"


def highlight(text: str) -> str:
    """Terminal colours for Python source (keywords, strings, numbers, comments, `ag__`)."""
    out, last_row, last_col = [], 1, 0
    lines = text.splitlines(keepends=True)
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return text
    for tok in tokens:
        (srow, scol), (erow, ecol) = tok.start, tok.end
        if (srow, scol) > (last_row, last_col):
            out.append(_slice(lines, (last_row, last_col), (srow, scol)))
        piece = tok.string
        kind = None
        if tok.type == tokenize.NAME and keyword.iskeyword(piece):
            kind = "keyword"
        elif tok.type == tokenize.NAME and piece == "ag__":
            kind = "runtime"
        elif tok.type == tokenize.STRING:
            kind = "string"
        elif tok.type == tokenize.NUMBER:
            kind = "number"
        elif tok.type == tokenize.COMMENT:
            kind = "comment"
        out.append(f"{_COLOURS[kind]}{piece}{_RESET}" if kind else piece)
        last_row, last_col = erow, ecol
    return "".join(out)


def _slice(lines, start, end):
    (srow, scol), (erow, ecol) = start, end
    if srow == erow:
        return lines[srow - 1][scol:ecol] if srow - 1 < len(lines) else ""
    parts = [lines[srow - 1][scol:]] + lines[srow:erow - 1]
    if erow - 1 < len(lines):
        parts.append(lines[erow - 1][:ecol])
    return "".join(parts)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="autograph", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    dump = commands.add_parser("dump", help="print the converted source of a file's functions")
    dump.add_argument("files", nargs="+", metavar="FILE.py")
    dump.add_argument("--function", action="append", default=[], metavar="NAME",
                      help="a top-level function to convert (repeatable)")
    dump.add_argument("--all", action="store_true", help="all top-level functions, decorated or not")
    dump.add_argument("--renderer", choices=("auto", "astor", "unparse"), default="auto")
    dump.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    return parser


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    colour = args.color == "always" or (args.color == "auto" and sys.stdout.isatty())
    status = 0
    for path in args.files:
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
            output = dump_source(text, path, args.function, args.all, args.renderer)
        except OSError as error:
            print(f"autograph: cannot read {path}: {error.strerror}", file=sys.stderr)
            status = 2
            continue
        except AutographError as error:
            print(f"autograph: {path}: {str(error).splitlines()[0]}", file=sys.stderr)
            status = 2
            continue
        sys.stdout.write(highlight(output) if colour else output)
    return status


if __name__ == "__main__":
    sys.exit(main())
