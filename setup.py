"""Packaging for binance-sockets."""
import re
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent


def _read(name):
    path = HERE / name
    return path.read_text(encoding='utf-8') if path.exists() else ''

VERSION = re.search(r"__version__ = '([^']+)'", (HERE / 'binance' / '__init__.py').read_text()).group(1)

setup(
    name='binance-sockets',
    version=VERSION,
    description='Twisted-based, drop-in BinanceSocketManager with a simulated exchange',
    long_description=_read('README.rst'),
    long_description_content_type='text/x-rst',
    license='MIT',
    packages=find_packages(include=['binance', 'binance.*']),
    package_data={'binance': ['py.typed']},
    python_requires='>=3.9',
    install_requires=[
        'twisted>=22.10',
        'autobahn>=22.7',
        'pyopenssl>=22.0',
        'service-identity>=21.1',
        'requests>=2.28',
        'orjson>=3.8',
        'certifi',
        # Date strings such as "1 day ago UTC" (binance.helpers), as python-binance 0.7.11
        # read them; imported only when a date string is given.
        'dateparser>=1.1',
    ],
    extras_require={
        'test': [
            'pytest>=7',
            'pytest-timeout>=2.1',
            'hypothesis>=6.80',
            'websocket-client>=1.6',
            'sphinx>=7',
        ],
        'docs': ['sphinx>=7'],
    },
    entry_points={'console_scripts': [
        'binance-sockets=binance.cli:main',
        'binance-simulator=binance.simulator.__main__:main',
    ]},
    classifiers=[
        'License :: OSI Approved :: MIT License',
        'Programming Language :: Python :: 3',
        'Framework :: Twisted',
    ],
)
