"""python-binance 0.7.11's public surface, read from its wheel, never installed.

Our package is imported as ``binance``, as python-binance was, so the two
cannot be installed side by side; and importing 0.7.11 would need its
dependencies. Instead the wheel is fetched from the package index (once,
into a cache directory, checked against its SHA-256) and its modules are
read with :mod:`ast`: names, signatures and literal values, no code run.

Use::

    surface = module_surface('binance.client')
    surface.classes['Client'].methods['get_klines']   # -> Signature
    problems = signature_problems(Client.get_klines, surface.classes['Client'].methods['get_klines'])

Set ``PB0711_WHEEL`` to a wheel file to skip the download (an offline machine).
"""
import ast
import dataclasses
import hashlib
import inspect
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

WHEEL_NAME = 'python_binance-0.7.11-py2.py3-none-any.whl'
WHEEL_SHA256 = '5e14b8990885f0cfeaf19eb4113691722dea7a9ed7f434cb0e0cb6f23b337972'

#: Marks a parameter without a default.
NO_DEFAULT = object()


@dataclasses.dataclass
class Param:
    """One parameter of a 0.7.11 function, as written in its source."""

    name: str
    kind: inspect._ParameterKind
    #: the default's source text, or NO_DEFAULT
    default: Any = NO_DEFAULT

    @property
    def has_default(self) -> bool:
        return self.default is not NO_DEFAULT


@dataclasses.dataclass
class Signature:
    """A 0.7.11 function or method: its parameters (``self`` left out)."""

    name: str
    params: List[Param]

    def __str__(self) -> str:
        parts = []
        for p in self.params:
            prefix = {inspect.Parameter.VAR_POSITIONAL: '*',
                      inspect.Parameter.VAR_KEYWORD: '**'}.get(p.kind, '')
            parts.append(prefix + p.name + ('' if not p.has_default else '=' + p.default))
        return '{}({})'.format(self.name, ', '.join(parts))


@dataclasses.dataclass
class ClassSurface:
    name: str
    bases: List[str]
    #: public methods and ``__init__``
    methods: Dict[str, Signature]
    #: public class attributes -> value (literal) or source text
    attributes: Dict[str, Any]


@dataclasses.dataclass
class ModuleSurface:
    name: str
    functions: Dict[str, Signature]
    classes: Dict[str, ClassSurface]
    #: public module-level assignments -> value (literal) or source text
    constants: Dict[str, Any]


def listed_differences(page: str, language: str = 'en') -> List[str]:
    """The names a documentation page lists as deliberate differences from 0.7.11.

    The list sits between the RST comments ``.. deliberate-differences`` and
    ``.. end-deliberate-differences`` of ``docs/<language>/<page>.rst``, one
    ````name```` term per entry.
    """
    import re
    root = Path(__file__).resolve().parents[2]
    lines = (root / 'docs' / language / (page + '.rst')).read_text(encoding='utf-8').splitlines()
    start = lines.index('.. deliberate-differences')
    end = lines.index('.. end-deliberate-differences')
    term = re.compile(r'^``([^`]+)``\s*$')
    return [m.group(1) for m in map(term.match, lines[start + 1:end]) if m]


def _cache_dir() -> Path:
    base = os.environ.get('XDG_CACHE_HOME') or os.path.join(os.path.expanduser('~'), '.cache')
    return Path(base) / 'binance-sockets' / 'pb0711'


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def wheel_path() -> Path:
    """The 0.7.11 wheel: ``$PB0711_WHEEL``, the cache, or a fresh download into the cache.

    Raises:
        RuntimeError: the download failed or the file is not the published wheel.
    """
    given = os.environ.get('PB0711_WHEEL')
    path = Path(given) if given else _cache_dir() / WHEEL_NAME
    if not path.exists() and not given:
        path.parent.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, '-m', 'pip', 'download', '--quiet', '--no-deps', '--only-binary=:all:',
               '--dest', str(path.parent), 'python-binance==0.7.11']
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        if done.returncode != 0 or not path.exists():
            raise RuntimeError('could not download python-binance 0.7.11 from the package index '
                               '(set PB0711_WHEEL to a copy of {}): {}'.format(WHEEL_NAME,
                                                                            done.stderr[-2000:]))
    if not path.exists():
        raise RuntimeError('PB0711_WHEEL={} does not exist'.format(given))
    digest = _sha256(path)
    if digest != WHEEL_SHA256:
        raise RuntimeError('{} is not the published python-binance 0.7.11 wheel (sha256 {})'
                           .format(path, digest))
    return path


def module_source(module: str) -> str:
    """The source text of a 0.7.11 module, e.g. ``'binance.client'``."""
    member = module.replace('.', '/') + '.py'
    with zipfile.ZipFile(wheel_path()) as wheel:
        return wheel.read(member).decode('utf-8')


def _value(node: ast.AST) -> Any:
    try:
        return ast.literal_eval(node)
    except ValueError:
        return ast.unparse(node)


def _signature(fn: ast.FunctionDef, method: bool) -> Signature:
    args = fn.args
    params: List[Param] = []
    positional = list(args.posonlyargs) + list(args.args)
    defaults = [NO_DEFAULT] * (len(positional) - len(args.defaults)) + \
        [ast.unparse(d) for d in args.defaults]
    for arg, default in zip(positional, defaults):
        params.append(Param(arg.arg, inspect.Parameter.POSITIONAL_OR_KEYWORD, default))
    if args.vararg is not None:
        params.append(Param(args.vararg.arg, inspect.Parameter.VAR_POSITIONAL))
    for arg, default in zip(args.kwonlyargs, args.kw_defaults):
        params.append(Param(arg.arg, inspect.Parameter.KEYWORD_ONLY,
                            NO_DEFAULT if default is None else ast.unparse(default)))
    if args.kwarg is not None:
        params.append(Param(args.kwarg.arg, inspect.Parameter.VAR_KEYWORD))
    if method and params and params[0].name in ('self', 'cls'):
        params = params[1:]
    return Signature(fn.name, params)


def _public(name: str) -> bool:
    return not name.startswith('_')


def module_surface(module: str) -> ModuleSurface:
    """Public functions, classes (methods, class attributes) and constants of a 0.7.11 module."""
    tree = ast.parse(module_source(module))
    functions: Dict[str, Signature] = {}
    classes: Dict[str, ClassSurface] = {}
    constants: Dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and _public(node.name):
            functions[node.name] = _signature(node, method=False)
        elif isinstance(node, ast.ClassDef) and _public(node.name):
            methods: Dict[str, Signature] = {}
            attributes: Dict[str, Any] = {}
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and (_public(item.name) or item.name == '__init__'):
                    methods[item.name] = _signature(item, method=True)
                elif isinstance(item, ast.Assign):
                    for target in item.targets:
                        if isinstance(target, ast.Name) and _public(target.id):
                            attributes[target.id] = _value(item.value)
            classes[node.name] = ClassSurface(node.name, [ast.unparse(b) for b in node.bases],
                                              methods, attributes)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and _public(target.id):
                    constants[target.id] = _value(node.value)
    return ModuleSurface(module, functions, classes, constants)


def _default_matches(ours: Any, theirs_source: str, resolve: Optional[Callable[[str], Any]]) -> bool:
    try:
        theirs = ast.literal_eval(theirs_source)
    except ValueError:
        if resolve is None:
            return True  # a name such as Client.KLINE_INTERVAL_1MINUTE: the caller resolves it
        theirs = resolve(theirs_source)
    return ours == theirs


def signature_problems(ours: Callable[..., Any], theirs: Signature,
                       resolve: Optional[Callable[[str], Any]] = None) -> List[str]:
    """Why a call written for 0.7.11's ``theirs`` might fail or mean something else on ``ours``.

    Every call 0.7.11 accepted must be accepted with the same meaning:
    the same positional parameters in the same order with the same names,
    the same defaults (literals compared by value; other expressions through
    ``resolve`` when given), ``*args``/``**kwargs`` kept where 0.7.11 had
    them. ``ours`` may add parameters after them, if they have defaults.

    Args:
        ours: our function, or a method taken from the class (``Client.get_klines``).
        theirs: 0.7.11's signature from :func:`module_surface`.
        resolve: maps a default's source text (``'Client.KLINE_INTERVAL_1MINUTE'``)
            to its value.

    Returns:
        Human-readable problems; empty when compatible.
    """
    problems: List[str] = []
    try:
        sig = inspect.signature(ours)
    except (TypeError, ValueError) as exc:
        return ['{}: no signature ({})'.format(theirs.name, exc)]
    params = list(sig.parameters.values())
    if params and params[0].name in ('self', 'cls') and inspect.isfunction(ours):
        params = params[1:]
    kinds = {p.kind for p in params}
    ours_positional = [p for p in params if p.kind in (inspect.Parameter.POSITIONAL_ONLY,
                                                       inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    by_name = {p.name: p for p in params}
    theirs_positional = [p for p in theirs.params if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
    for index, their in enumerate(theirs_positional):
        if index >= len(ours_positional):
            if inspect.Parameter.VAR_POSITIONAL not in kinds:
                problems.append('{}: positional parameter {} ({!r}) is missing'.format(
                    theirs.name, index + 1, their.name))
            continue
        mine = ours_positional[index]
        if mine.name != their.name:
            problems.append('{}: positional parameter {} is {!r}, 0.7.11 has {!r}'.format(
                theirs.name, index + 1, mine.name, their.name))
            continue
        problems.extend(_default_problems(theirs.name, mine, their, resolve))
    for their in theirs.params:
        if their.kind is inspect.Parameter.KEYWORD_ONLY:
            mine = by_name.get(their.name)
            if mine is None and inspect.Parameter.VAR_KEYWORD not in kinds:
                problems.append('{}: keyword {!r} is missing'.format(theirs.name, their.name))
            elif mine is not None:
                problems.extend(_default_problems(theirs.name, mine, their, resolve))
        elif their.kind is inspect.Parameter.VAR_POSITIONAL and \
                inspect.Parameter.VAR_POSITIONAL not in kinds:
            problems.append('{}: *{} is missing'.format(theirs.name, their.name))
        elif their.kind is inspect.Parameter.VAR_KEYWORD and \
                inspect.Parameter.VAR_KEYWORD not in kinds:
            problems.append('{}: **{} is missing'.format(theirs.name, their.name))
    for extra in ours_positional[len(theirs_positional):]:
        if extra.default is inspect.Parameter.empty:
            problems.append('{}: our extra parameter {!r} has no default'.format(
                theirs.name, extra.name))
    for extra in params:
        if extra.kind is inspect.Parameter.KEYWORD_ONLY and extra.default is inspect.Parameter.empty \
                and not any(p.name == extra.name for p in theirs.params):
            problems.append('{}: our keyword-only parameter {!r} has no default'.format(
                theirs.name, extra.name))
    return problems


def _default_problems(where: str, mine: inspect.Parameter, their: Param,
                      resolve: Optional[Callable[[str], Any]]) -> List[str]:
    if not their.has_default:
        return []
    if mine.default is inspect.Parameter.empty:
        return ['{}: {!r} has no default, 0.7.11 has {}'.format(where, mine.name, their.default)]
    if not _default_matches(mine.default, their.default, resolve):
        return ['{}: {!r} defaults to {!r}, 0.7.11 to {}'.format(where, mine.name, mine.default,
                                                                  their.default)]
    return []
