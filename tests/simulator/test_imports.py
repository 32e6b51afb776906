"""The simulator's modules import each other without cycles (type-checking imports aside)."""
import ast
import pathlib

import binance.simulator

PACKAGE = pathlib.Path(binance.simulator.__file__).parent


def _imports(path):
    """Simulator modules imported by ``path`` at run time (in any function too)."""
    tree = ast.parse(path.read_text(encoding='utf-8'))
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and 'TYPE_CHECKING' in ast.dump(node.test):
            skipped.update(id(child) for child in ast.walk(node))
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped or not isinstance(node, ast.ImportFrom) or node.level != 1:
            continue
        if node.module:
            found.add(node.module.split('.')[0])
        else:
            found.update(alias.name for alias in node.names
                         if (PACKAGE / (alias.name + '.py')).exists())
            if any(not (PACKAGE / (alias.name + '.py')).exists() for alias in node.names):
                found.add('__init__')
    return found


def _graph():
    return {path.stem: _imports(path) for path in PACKAGE.glob('*.py')}


def _cycle(graph):
    state = {}

    def visit(node, trail):
        state[node] = 'open'
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 'open':
                return trail + [node, target]
            if target not in state:
                found = visit(target, trail + [node])
                if found:
                    return found
        state[node] = 'done'
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node, [])
            if found:
                return found
    return None


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({'a': {'b'}, 'b': {'c'}, 'c': {'a'}}) is not None
    assert _cycle({'a': {'b'}, 'b': {'c'}, 'c': set()}) is None


def test_no_import_cycle_between_simulator_modules():
    graph = _graph()
    assert {'server', 'stream_endpoint', 'wsapi'} <= set(graph)
    assert _cycle(graph) is None, ' -> '.join(_cycle(graph))


def test_the_web_server_does_not_import_the_endpoints_it_serves():
    assert not _imports(PACKAGE / 'server.py') & {'stream_endpoint', 'wsapi', 'rest', 'control'}
