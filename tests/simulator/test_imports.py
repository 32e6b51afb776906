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


#: The client-side modules the simulator may use: pure helpers it shares with the
#: client (signing, stream names, venues, request weights, enums, exceptions) and the
#: process's one reactor. Never the client's connection machinery (websockets,
#: connection, protocol, the manager, user streams, the REST client).
SHARED_WITH_THE_CLIENT = {'_reactor', '_weights', 'enums', 'exceptions', 'helpers', 'signing',
                          'streams', 'venues'}


def _client_imports(path):
    """Modules of the ``binance`` package outside the simulator that ``path`` imports."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding='utf-8'))):
        if isinstance(node, ast.ImportFrom) and node.level == 2:
            if node.module:
                found.add(node.module.split('.')[0])
            else:
                found.update(alias.name for alias in node.names)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [node.module or ''] if isinstance(node, ast.ImportFrom) else \
                [alias.name for alias in node.names]
            found.update(n.split('.')[1] for n in names
                         if n.startswith('binance.') and not n.startswith('binance.simulator'))
    return found


def test_the_simulator_uses_only_the_pure_modules_it_shares_with_the_client():
    used = {path.stem: _client_imports(path) for path in PACKAGE.glob('*.py')}
    assert {'streams', 'venues'} <= set().union(*used.values())
    wrong = {module: sorted(names - SHARED_WITH_THE_CLIENT) for module, names in used.items()
             if names - SHARED_WITH_THE_CLIENT}
    assert not wrong, wrong


def test_importing_the_simulator_loads_none_of_the_clients_connection_modules():
    import subprocess
    import sys
    code = ('import importlib, pkgutil, sys, binance.simulator as s\n'
            'for m in pkgutil.iter_modules(s.__path__):\n'
            '    importlib.import_module("binance.simulator." + m.name)\n'
            'print(" ".join(sorted(n.split(".")[1] for n in sys.modules\n'
            '      if n.startswith("binance.") and not n.startswith("binance.simulator"))))\n')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=60,
                         check=True).stdout.split()
    assert 'streams' in out and 'venues' in out
    assert set(out) <= SHARED_WITH_THE_CLIENT, sorted(set(out) - SHARED_WITH_THE_CLIENT)
