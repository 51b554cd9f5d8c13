"""`autograph dump FILE.py`: every stage of a file's functions, from source to program.

    autograph dump FILE.py                              the converted source (the default)
    autograph dump FILE.py --stage graph --run --function f --args "f32[1,512]" ...
    autograph dump FILE.py --stage optimized --run ... --passes      pass by pass
    autograph dump FILE.py --stage program --run ...    the generated program
    autograph dump FILE.py --stage graph --run ... --format svg -o f.svg   a picture

`--stage converted` parses the file and never imports or executes it, so it is safe on
any file and shows exactly what `@autograph.convert` turns each function into. The other
stages trace a function, which means importing the file (its module-level code runs), so
they ask for `--run` explicitly; their logic is in `autograph/cli/stages.py`. Every failure is
one line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import ast
import io
import sys
import tokenize

from autograph import converters
from autograph.cli import stages
from autograph.views import highlight as _highlight
from autograph.errors import AutographError
from autograph.ir import dot
from autograph.pyct import parsing, rendering


class _UsageError(AutographError):
    """Options that do not go together."""


class _NothingSelected(_UsageError):
    """A file in which no function was chosen (by decorator, convert call or option)."""


def _is_convert_decorator(expr: ast.expr) -> bool:
    if isinstance(expr, ast.Call):
        expr = expr.func
    if isinstance(expr, ast.Attribute):
        return expr.attr == "convert"
    return isinstance(expr, ast.Name) and expr.id == "convert"


def _converted_by_call(module: ast.Module, functions: dict[str, ast.FunctionDef]) -> set[str]:
    """Top-level functions the file hands to `convert(fn)` / `autograph.convert(fn, ...)`
    anywhere (at module level, in `main()`, ...) instead of decorating them."""
    names = set()
    for node in ast.walk(module):
        if (isinstance(node, ast.Call) and _is_convert_decorator(node.func) and node.args
                and isinstance(node.args[0], ast.Name) and node.args[0].id in functions):
            names.add(node.args[0].id)
    return names


def _select(module: ast.Module, names: list[str], everything: bool) -> list[ast.FunctionDef]:
    functions = [n for n in module.body if isinstance(n, ast.FunctionDef)]
    by_name = {f.name: f for f in functions}
    if names:
        missing = [n for n in names if n not in by_name]
        if missing:
            known = ", ".join(sorted(by_name)) or "none"
            raise AutographError(f"no top-level function named {missing[0]!r} (functions: {known})")
        return [by_name[n] for n in names]
    if everything:
        return functions
    called = _converted_by_call(module, by_name)
    selected = [f for f in functions if f.name in called
                or any(_is_convert_decorator(d) for d in f.decorator_list)]
    if not selected:
        raise _NothingSelected(
            "no function selected: none is decorated with @autograph.convert or passed to "
            "autograph.convert(...); choose with --function NAME or --all")
    return selected


def dump_source(text: str, filename: str, names=(), everything=False, renderer="auto") -> str:
    """The converted source of the selected functions of a file's text, separated by blank lines."""
    module = parsing.parse_module_source(text, filename)
    chunks = []
    for fn in _select(module, list(names), everything):
        fn.decorator_list = []
        converted = converters.convert_node(fn, filename)
        chunks.append(f"# {filename}:{fn.lineno} {fn.name}\n" + rendering.render(converted, renderer).rstrip())
    return "\n\n\n".join(chunks) + ("\n" if chunks else "")


def highlight(text: str) -> str:
    """Terminal colours for Python source (keywords, strings, numbers, comments, `ag__`)."""
    return _highlight.to_ansi(text)


_ARGS_HELP = ("example arguments of the traced function, one per parameter: a type "
              "(f32[1,512], i64[], f64~[], int, float: arrays of ones, Python 1 / 1.0), a "
              "Python literal for values tracing needs or static ones (20, True, (3, 4), "
              "'relu'), or NAME=SPEC for a keyword argument")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="autograph", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    dump = commands.add_parser(
        "dump", help="print a stage (converted source, graph, program) of a file's functions",
        description="Print a stage of a file's functions. --stage converted only parses the "
                    "file; graph, optimized and program trace a function, which IMPORTS the "
                    "file (its module-level code runs): they need --run and --args.")
    dump.add_argument("files", nargs="+", metavar="FILE.py")
    dump.add_argument("--stage", choices=stages.STAGES, default="converted",
                      help="converted: the converted source, never executing the file "
                           "(default); graph: the traced graph; optimized: the graph after "
                           "the passes; program: the generated program")
    dump.add_argument("--run", action="store_true",
                      help="allow importing (executing) the file, which tracing needs")
    dump.add_argument("--args", nargs="+", default=None, metavar="SPEC", help=_ARGS_HELP)
    dump.add_argument("--passes", action="store_true",
                      help="with --stage optimized or program: the graph after each pass "
                           "that changed it, and what each pass did")
    dump.add_argument("--format", choices=("text", "dot", "svg"), default="text",
                      help="text (default); dot: Graphviz text of the graph; svg: a picture "
                           "(needs Graphviz's dot program)")
    dump.add_argument("-o", "--output", metavar="FILE", help="write to FILE, not stdout")
    dump.add_argument("--function", action="append", default=[], metavar="NAME",
                      help="a top-level function to convert (repeatable)")
    dump.add_argument("--all", action="store_true", help="all top-level functions, decorated or not")
    dump.add_argument("--renderer", choices=("auto", "astor", "unparse"), default="auto")
    dump.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    return parser




def _check_options(args) -> None:
    repeated = sorted({n for n in args.function if args.function.count(n) > 1})
    if repeated:
        raise _UsageError(f"--function {repeated[0]} is given more than once")
    traced = args.stage in stages.TRACED_STAGES
    if not traced:
        if args.args is not None:
            raise _UsageError("--args is for the traced stages (--stage graph, optimized, "
                              "program)")
        if args.passes:
            raise _UsageError("--passes needs --stage optimized or program")
        if args.format != "text":
            raise _UsageError(f"--format {args.format} draws a graph: use --stage graph or "
                              f"optimized")
        return
    if not args.run:
        raise _UsageError(f"--stage {args.stage} traces the function, which imports (executes) "
                          f"the file: add --run to allow it")
    if args.args is None:
        raise _UsageError(f"--stage {args.stage} needs example arguments: --args "
                          f"\"f32[1,512]\" ... (types, or values such as 20)")
    if args.passes and args.stage not in ("optimized", "program"):
        raise _UsageError("--passes needs --stage optimized or program")
    if args.format != "text" and args.stage not in stages.GRAPH_STAGES:
        raise _UsageError(f"--format {args.format} draws a graph: use --stage graph or "
                          f"optimized")
    if len(args.files) != 1:
        raise _UsageError(f"--stage {args.stage} traces one function of one file")


def _traced_output(path: str, text: str, args) -> str:
    """The output of a traced stage for the one selected function of the file `path`."""
    module_ast = parsing.parse_module_source(text, path)
    selected = _select(module_ast, args.function, args.all)
    if len(selected) != 1:
        names = ", ".join(f.name for f in selected) or "none"
        raise _UsageError(f"--stage {args.stage} traces one function: choose it with "
                          f"--function NAME (selected: {names})")
    name = selected[0].name
    module = stages.import_file(path)
    lowered = stages.lower(stages.converted(module, name), args.args, name)
    if args.format == "dot":
        return stages.stage_graph(lowered, args.stage).to_dot()
    if args.format == "svg":
        return dot.to_svg(stages.stage_graph(lowered, args.stage))
    header = f"# {path}:{selected[0].lineno} {name}({', '.join(args.args)}) --stage {args.stage}\n"
    if args.passes:
        log = stages.passes_log(lowered.traced_graph)
        if args.stage == "optimized":
            return header + log
        return header + log + "\n" + stages.stage_text(lowered, args.stage)
    return header + stages.stage_text(lowered, args.stage)


def _output(path: str, args) -> str:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        raise _UsageError(f"cannot read {path}: {error.strerror}") from None
    try:  # UTF-8 unless the file declares its encoding (PEP 263), as Python reads it
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
    except (SyntaxError, LookupError) as error:  # not UTF-8, or an unknown declared encoding
        reason = getattr(error, "msg", None) or str(error)
        raise _UsageError(f"cannot read {path}: {reason} (Python source is UTF-8 unless a "
                          f"'# -*- coding: ... -*-' line declares another encoding)") from None
    except UnicodeDecodeError as error:
        raise _UsageError(f"cannot read {path}: not {error.encoding} text (byte "
                          f"{data[error.start]:#04x} at offset {error.start}); declare the "
                          f"file's encoding with a '# -*- coding: ... -*-' line") from None
    if args.stage == "converted":
        return dump_source(text, path, args.function, args.all, args.renderer)
    return _traced_output(path, text, args)


def _write(output: str, args) -> None:
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as handle:
                handle.write(output)
        except OSError as error:
            raise _UsageError(f"cannot write {args.output}: {error.strerror}") from None
        return
    colour = args.color == "always" or (args.color == "auto" and sys.stdout.isatty())
    sys.stdout.write(highlight(output) if colour and args.format == "text" else output)


def _fail(where: str, error: AutographError) -> int:
    message = str(error).strip().splitlines()
    print(f"autograph: {where}{message[0] if message else type(error).__name__}",
          file=sys.stderr)
    return 2


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    try:
        _check_options(args)
    except AutographError as error:
        return _fail("", error)
    status = 0
    outputs = []
    for path in args.files:
        try:
            outputs.append(_output(path, args))
        except AutographError as error:
            status = _fail(f"{path}: ", error)
    try:
        if outputs:
            _write("".join(outputs), args)
    except AutographError as error:
        status = _fail("", error)
    return status


if __name__ == "__main__":
    sys.exit(main())
