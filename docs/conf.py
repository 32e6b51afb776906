"""Sphinx configuration for the binance-sockets documentation.

The English pages live in ``en/``, the Japanese ones in ``ja/`` (same file
names, same code blocks), and the API reference, generated from the
docstrings, in ``api/``.
"""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(HERE, '_ext'))

with open(os.path.join(ROOT, 'binance', '__init__.py'), encoding='utf-8') as f:
    release = re.search(r"__version__ = '([^']+)'", f.read()).group(1)
version = release

project = 'binance-sockets'
author = 'binance-sockets contributors'
copyright = '2026, binance-sockets contributors'

extensions = [
    'sphinx.ext.autodoc',
    'sphinx.ext.napoleon',
    'benchresults',
    'cjkspacing',
]

language = 'en'
root_doc = 'index'
exclude_patterns = ['_build', '_ext', '_generated']
templates_path = []
html_theme = 'alabaster'
html_title = 'binance-sockets {}'.format(release)
html_theme_options = {
    'description': 'Drop-in BinanceSocketManager on Twisted, with a simulated exchange',
    'fixed_sidebar': True,
}

# The docstrings use Google style (Args:, Raises:, Returns:).
napoleon_google_docstring = True
napoleon_numpy_docstring = False
autodoc_member_order = 'bysource'
autodoc_typehints = 'description'
autodoc_default_options = {
    'members': True,
    'show-inheritance': True,
}
# Cross references into Twisted, requests and the standard library are not
# resolved (no intersphinx: the build must work offline); they render as
# plain text instead of failing the build.
nitpicky = False

html_static_path = ['_static']
html_css_files = ['custom.css']
