"""The documentation and the README: they build, their examples run, their commands are real.

Every Python code block in ``docs/en`` and ``docs/ja`` is preceded by an RST
comment saying how it is tested:

``.. test: program``
    a complete program: run as written in a child process, with the library's
    URL class attributes pointed at a simulator; it must end by itself.
``.. test: fragment`` / ``.. test: fragment-us``
    a piece of a program: run in a child process in a fresh namespace that
    provides ``client``, ``bm`` (a started manager), ``conn_key`` (an open
    trade socket of ``bm``), ``process_message``, ``api_key`` and ``api_secret``, against a simulator modelling binance.com
    (or Binance US). Every market socket it starts must deliver a message.
``.. test: compile``
    shown for its shape (it needs a context the page describes in prose):
    compiled only.

The Japanese pages must hold the same code, in the same order, with the same
markers; only comments may differ.
"""
import configparser
import io
import json
import os
import re
import shlex
import subprocess
import sys
import textwrap
import tokenize
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / 'docs'
PAGES = ('overview', 'quickstart', 'websockets', 'userdata', 'depthcache', 'scale', 'client',
         'simulator',
         'performance')
MARKERS = ('program', 'fragment', 'fragment-us', 'compile')
DEMO_COMMAND = 'python3 -m pip install tox && tox -e demo'
TEST_COMMAND = 'python3 -m pip install tox && tox'

_MARKER = re.compile(r'^\.\. test: (\S+)\s*$')
_CODE = re.compile(r'^(\s*)\.\. (?:code-block|code|sourcecode)::\s*(\S*)\s*$')


class Block:
    """One code block of a page, with the test marker in front of it."""

    def __init__(self, path, line, lang, code, marker):
        self.path = path
        self.line = line
        self.lang = lang
        self.code = code
        self.marker = marker

    @property
    def where(self):
        return '{}:{}'.format(self.path.relative_to(ROOT), self.line)


def code_blocks(path):
    """Every code block of an RST file, with the marker comment just before it (or None)."""
    lines = path.read_text(encoding='utf-8').splitlines()
    blocks = []
    marker = None
    i = 0
    while i < len(lines):
        line = lines[i]
        found = _MARKER.match(line)
        if found:
            marker = found.group(1)
            i += 1
            continue
        code = _CODE.match(line)
        if code:
            indent = len(code.group(1))
            start = i + 1
            j = start
            # directive options
            while j < len(lines) and re.match(r'^\s+:\w[\w-]*:', lines[j]):
                j += 1
            body = []
            while j < len(lines) and (not lines[j].strip()
                                      or len(lines[j]) - len(lines[j].lstrip()) > indent):
                body.append(lines[j])
                j += 1
            text = textwrap.dedent('\n'.join(body)).strip('\n') + '\n'
            blocks.append(Block(path, i + 1, code.group(2) or 'python', text, marker))
            marker = None
            i = j
            continue
        if line.strip():
            marker = None
        i += 1
    return blocks


def python_blocks(lang):
    return [b for page in PAGES for b in code_blocks(DOCS / lang / (page + '.rst'))
            if b.lang == 'python']


def without_comments(code):
    """The code's tokens without comments, so translated comments compare equal."""
    tokens = tokenize.generate_tokens(io.StringIO(code).readline)
    return [(t.type, t.string) for t in tokens
            if t.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                              tokenize.DEDENT)]


# -- the build -----------------------------------------------------------------------------


@pytest.mark.timeout(400)
def test_docs_build_without_warnings(tmp_path):
    result = subprocess.run(
        [sys.executable, '-m', 'sphinx', '-W', '--keep-going', '-q', '-b', 'html',
         '-d', str(tmp_path / 'doctrees'), str(DOCS), str(tmp_path / 'html')],
        capture_output=True, text=True, timeout=300, cwd=str(ROOT))
    assert result.returncode == 0, result.stdout + result.stderr
    assert 'WARNING' not in result.stderr, result.stderr
    for lang in ('en', 'ja'):
        for page in PAGES:
            assert (tmp_path / 'html' / lang / (page + '.html')).is_file()
    assert (tmp_path / 'html' / 'api' / 'index.html').is_file()


# -- the code blocks -------------------------------------------------------------------------


def test_every_python_block_says_how_it_is_tested():
    for lang in ('en', 'ja'):
        for block in python_blocks(lang):
            assert block.marker in MARKERS, '{}: python block without a ".. test:" marker'.format(
                block.where)


def test_japanese_pages_hold_the_same_code_as_english():
    for page in PAGES:
        en = code_blocks(DOCS / 'en' / (page + '.rst'))
        ja = code_blocks(DOCS / 'ja' / (page + '.rst'))
        assert len(en) == len(ja), '{}: {} code blocks in English, {} in Japanese'.format(
            page, len(en), len(ja))
        for a, b in zip(en, ja):
            assert (a.lang, a.marker) == (b.lang, b.marker), (a.where, b.where)
            if a.lang == 'python':
                assert without_comments(a.code) == without_comments(b.code), (a.where, b.where)
            else:
                assert a.code == b.code, (a.where, b.where)


def test_python_blocks_compile():
    for lang in ('en', 'ja'):
        for block in python_blocks(lang):
            compile(block.code, block.where, 'exec')


RUNNER = r'''
import builtins, functools, json, os, runpy, sys, threading, traceback

from binance.client import Client
from binance.websockets import BinanceSocketManager

API_KEY = os.environ['DOCS_API_KEY']
API_SECRET = os.environ['DOCS_API_SECRET']
BinanceSocketManager.STREAM_URL = os.environ['DOCS_STREAM_URL']
BinanceSocketManager.WS_API_URL = os.environ['DOCS_WS_API_URL']
BinanceSocketManager.FSTREAM_URL = os.environ['DOCS_FSTREAM_URL']
BinanceSocketManager.DSTREAM_URL = os.environ['DOCS_DSTREAM_URL']
BinanceSocketManager.VSTREAM_URL = os.environ['DOCS_VSTREAM_URL']
Client.API_URL = os.environ['DOCS_API_URL']
Client.MARGIN_API_URL = os.environ['DOCS_MARGIN_API_URL']
Client.FUTURES_URL = os.environ['DOCS_FUTURES_URL']
Client.FUTURES_COIN_URL = os.environ['DOCS_FUTURES_COIN_URL']

# Market sockets that must deliver at least one message.
EXPECTED = ('start_trade_socket', 'start_aggtrade_socket', 'start_kline_socket',
            'start_depth_socket', 'start_symbol_ticker_socket', 'start_miniticker_socket',
            'start_symbol_book_ticker_socket', 'start_multiplex_socket',
            'start_aggtrade_futures_socket', 'start_symbol_mark_price_socket',
            'start_futures_depth_socket', 'start_futures_multiplex_socket')
started = []
managers = []


def watch(name):
    original = getattr(BinanceSocketManager, name)

    @functools.wraps(original)
    def start(self, *args, **kwargs):
        args = list(args)
        got = threading.Event()
        for i, arg in enumerate(args):
            if callable(arg):
                args[i] = delivering(arg, got)
                break
        else:
            kwargs['callback'] = delivering(kwargs['callback'], got)
        key = original(self, *args, **kwargs)
        if key:
            started.append((name, key, got))
        return key
    setattr(BinanceSocketManager, name, start)


def delivering(callback, got):
    def wrapper(msg):
        got.set()
        return callback(msg)
    return wrapper


for name in EXPECTED:
    watch(name)

original_init = BinanceSocketManager.__init__


def init(self, *args, **kwargs):
    original_init(self, *args, **kwargs)
    managers.append(self)


BinanceSocketManager.__init__ = init


def run_fragments(path):
    failures = []
    for block in json.load(open(path, encoding='utf-8')):
        del started[:]
        errors = []

        def process_message(msg):
            if isinstance(msg, dict) and msg.get('e') == 'error':
                errors.append(msg)

        client = Client(API_KEY, API_SECRET)
        bm = BinanceSocketManager(client)
        bm.start()
        conn_key = bm.start_trade_socket('BNBBTC', process_message)
        del started[:]  # only the fragment's own sockets are checked
        namespace = {'__name__': '__doc_fragment__', 'client': client, 'bm': bm,
                     'conn_key': conn_key,
                     'process_message': process_message, 'api_key': API_KEY,
                     'api_secret': API_SECRET, 'BinanceSocketManager': BinanceSocketManager,
                     'Client': Client}
        try:
            exec(compile(block['code'], block['where'], 'exec'), namespace)
        except Exception:
            failures.append('{} raised:\n{}'.format(block['where'], traceback.format_exc()))
        for name, key, got in started:
            if not got.wait(20):
                failures.append('{}: {} ({}) delivered nothing'.format(block['where'], name, key))
        if errors:
            failures.append('{}: error messages {}'.format(block['where'], errors))
        for manager in managers:
            manager.close()
        del managers[:]
        print('ran', block['where'], flush=True)
    if failures:
        print('\n'.join(failures), file=sys.stderr)
        sys.exit(1)


if sys.argv[1] == 'program':
    runpy.run_path(sys.argv[2], run_name='__main__',
                   init_globals={'api_key': API_KEY, 'api_secret': API_SECRET})
else:
    run_fragments(sys.argv[2])
'''


def _environment(sim):
    from binance.simulator import DEFAULT_API_KEY, DEFAULT_API_SECRET
    env = dict(os.environ)
    env.update({
        'DOCS_STREAM_URL': sim.stream_url, 'DOCS_WS_API_URL': sim.ws_api_url,
        'DOCS_FSTREAM_URL': sim.fstream_url, 'DOCS_DSTREAM_URL': sim.dstream_url,
        'DOCS_VSTREAM_URL': sim.options_stream_url,
        'DOCS_API_URL': sim.api_url, 'DOCS_MARGIN_API_URL': sim.margin_api_url,
        'DOCS_FUTURES_URL': sim.futures_api_url, 'DOCS_FUTURES_COIN_URL': sim.futures_coin_api_url,
        'DOCS_API_KEY': DEFAULT_API_KEY, 'DOCS_API_SECRET': DEFAULT_API_SECRET,
        'PYTHONPATH': os.pathsep.join([str(ROOT)] + [p for p in [env.get('PYTHONPATH')] if p]),
    })
    return env


def _spawn(tmp_path, env, mode, target):
    runner = tmp_path / 'doc_runner.py'
    if not runner.exists():
        runner.write_text(RUNNER, encoding='utf-8')
    return subprocess.Popen([sys.executable, str(runner), mode, str(target)], env=env,
                            cwd=str(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def _finish(process, what, timeout=120):
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        pytest.fail('{} did not end within {} s\n{}\n{}'.format(what, timeout, out, err))
    assert process.returncode == 0, '{} failed (exit {})\n{}\n{}'.format(
        what, process.returncode, out[-3000:], err[-5000:])
    return out


def _readme_program():
    blocks = [b for b in code_blocks(ROOT / 'README.rst') if b.lang == 'python']
    assert len(blocks) == 1
    return blocks[0]


@pytest.mark.timeout(400)
def test_examples_run_against_the_simulator(make_sim, tmp_path):
    com = make_sim(seed=11, trade_rate=50.0)
    us = make_sim(seed=12, trade_rate=50.0, retired_streams_live=True, legacy_listen_keys=True)
    blocks = python_blocks('en')
    runs = []
    for context, sim in (('fragment', com), ('fragment-us', us)):
        chosen = [{'where': b.where, 'code': b.code} for b in blocks if b.marker == context]
        assert chosen
        # A fragment that stops the reactor ends its process: it gets one of its own.
        groups = [[c for c in chosen if 'reactor.stop()' not in c['code']]]
        groups += [[c] for c in chosen if 'reactor.stop()' in c['code']]
        for n, group in enumerate(groups):
            path = tmp_path / '{}-{}.json'.format(context, n)
            path.write_text(json.dumps(group), encoding='utf-8')
            runs.append(('{} blocks {}'.format(context, [c['where'] for c in group]),
                         _spawn(tmp_path, _environment(sim), 'fragments', path)))
    programs = [b for b in blocks if b.marker == 'program'] + [_readme_program()]
    for n, block in enumerate(programs):
        path = tmp_path / 'program_{}.py'.format(n)
        path.write_text(block.code, encoding='utf-8')
        runs.append((block.where, _spawn(tmp_path, _environment(com), 'program', path)))
    outputs = {what: _finish(process, what) for what, process in runs}
    for block in programs:
        if block.path.name != 'README.rst':
            assert outputs[block.where].strip(), '{} printed nothing'.format(block.where)
        # Programs print their checks as 'what: True'.
        assert 'gave up' not in outputs[block.where], outputs[block.where]
        assert not re.search(r'(?m)^[\w ]+: False$', outputs[block.where]), outputs[block.where]


# -- commands ----------------------------------------------------------------------------------


def _console_commands(lang):
    for page in PAGES:
        for block in code_blocks(DOCS / lang / (page + '.rst')):
            if block.lang == 'console':
                for line in block.code.splitlines():
                    if line.startswith('$ '):
                        yield block, line[2:].strip()


def test_documented_cli_commands_parse():
    from binance.cli import build_parser
    from binance.simulator.__main__ import build_parser as build_simulator_parser
    from benchmarks.soak import build_parser as build_soak_parser
    parsers = {'binance': build_parser, 'binance.simulator': build_simulator_parser,
               'benchmarks.soak': build_soak_parser}
    seen = set()
    for lang in ('en', 'ja'):
        for block, command in _console_commands(lang):
            argv = shlex.split(command)
            if argv[:2] == ['python', '-m'] and argv[2] in parsers:
                parsers[argv[2]]().parse_args(argv[3:])
                seen.add(argv[2])
    assert seen == set(parsers)


def test_documented_simulator_output_names_its_urls(sim):
    for lang in ('en', 'ja'):
        for block, command in _console_commands(lang):
            if command.startswith('python -m binance.simulator'):
                shown = [line.split()[0] for line in block.code.splitlines()
                         if line.strip() and not line.startswith('$ ')]
                assert shown == [name for name, _url in sim.urls()]


def test_documented_stream_command_prints_json_lines():
    commands = [c for _, c in _console_commands('en') if ' stream ' in c and '--simulator' in c]
    assert commands
    argv = shlex.split(commands[0])
    argv[0] = sys.executable
    count = int(argv[argv.index('--count') + 1])
    result = subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd=str(ROOT))
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == count
    assert all(set(line) == {'stream', 'data'} for line in lines)


def test_documented_control_endpoint_call_works(sim):
    import binance.simulator  # noqa: F401  (the simulator must exist)
    calls = [c for _, c in _console_commands('en') if c.startswith('curl ')]
    assert calls
    for call in calls:
        argv = shlex.split(call)
        method = argv[argv.index('-X') + 1]
        url = next(a for a in argv if a.startswith('http'))
        url = re.sub(r'^http://127\.0\.0\.1:PORT', sim.base_url, url)
        answer = requests.request(method, url, timeout=10)
        assert answer.status_code == 200, answer.text
        assert 'result' in answer.json()


# -- the README --------------------------------------------------------------------------------


def test_readme_commands_match_tox_and_ci():
    readme = (ROOT / 'README.rst').read_text(encoding='utf-8')
    literal_lines = [line.strip() for line in readme.splitlines() if line.startswith('    ')]
    assert DEMO_COMMAND in literal_lines
    assert TEST_COMMAND in literal_lines

    tox = configparser.ConfigParser(interpolation=None)
    tox.read(ROOT / 'tox.ini')
    demo = tox['testenv:demo']['commands'].strip()
    assert demo.startswith('python -m binance demo')
    assert '--seconds 15' in demo
    assert 'python -m pytest' in tox['testenv']['commands']
    assert 'test' in tox['testenv']['extras']

    ci = (ROOT / '.ci' / 'run').read_text(encoding='utf-8').splitlines()
    commands = [line.strip() for line in ci if line.strip() and not line.startswith('#')]
    assert any(re.fullmatch(r'python3 -m pip install (--\S+ )*tox', c) for c in commands), commands
    assert commands[-1] == 'tox'
    assert 'python -m binance demo --seconds 15' in readme
    assert 'tox -e docs' in readme
    assert 'tox -e bench' in readme and 'python -m benchmarks' in readme


def test_sphinx_is_installed_by_the_test_extra():
    setup = (ROOT / 'setup.py').read_text(encoding='utf-8')
    test_extra = re.search(r"'test':\s*\[(.*?)\]", setup, re.S).group(1)
    assert 'sphinx' in test_extra


def _option_strings(parser):
    import argparse
    found = set()
    for action in parser._actions:
        found.update(action.option_strings)
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found |= _option_strings(sub)
    return found


def test_every_option_the_docs_name_exists():
    from binance.cli import build_parser
    from binance.simulator.__main__ import build_parser as build_simulator_parser
    bench_help = subprocess.run([sys.executable, '-m', 'benchmarks', '--help'], capture_output=True,
                                text=True, timeout=120, cwd=str(ROOT))
    assert bench_help.returncode == 0, bench_help.stderr
    from benchmarks.soak import build_parser as build_soak_parser
    known = _option_strings(build_parser()) | _option_strings(build_simulator_parser())
    known |= _option_strings(build_soak_parser())
    known |= set(re.findall(r'--[a-z][a-z-]*', bench_help.stdout))
    for lang in ('en', 'ja'):
        for page in PAGES:
            text = (DOCS / lang / (page + '.rst')).read_text(encoding='utf-8')
            for option in re.findall(r'``(--[a-z][a-z-]*)', text):
                assert option in known, '{}/{}: {} is no option of our commands'.format(
                    lang, page, option)


def test_readme_is_valid_restructuredtext():
    # setup.py publishes it as the long description; a markup error would show as raw text.
    from docutils.core import publish_doctree
    from docutils.utils import Reporter
    messages = []
    text = (ROOT / 'README.rst').read_text(encoding='utf-8')
    doctree = publish_doctree(text, settings_overrides={
        'report_level': Reporter.WARNING_LEVEL, 'halt_level': Reporter.SEVERE_LEVEL + 1,
        'warning_stream': io.StringIO()})
    for node in doctree.findall():
        if node.tagname == 'system_message' and node['level'] >= Reporter.WARNING_LEVEL:
            messages.append(node.astext())
    assert not messages, messages
