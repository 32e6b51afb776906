"""Every public name of python-binance 0.7.11's binance.depthcache, with a compatible signature."""
import inspect

from binance import depthcache
from tests.dropin.pb0711 import module_surface, signature_problems


def _their_methods(surface, name):
    """Methods of a 0.7.11 class, inherited ones included (bases within the module)."""
    cls = surface.classes[name]
    methods = {}
    for base in cls.bases:
        if base in surface.classes:
            methods.update(_their_methods(surface, base))
    methods.update(cls.methods)
    return methods


def test_every_public_name_and_signature_of_0711_depthcache():
    surface = module_surface('binance.depthcache')
    assert set(surface.classes) == {'DepthCache', 'BaseDepthCacheManager', 'DepthCacheManager',
                                    'OptionsDepthCacheManager'}
    problems = []
    for name, theirs in surface.classes.items():
        ours = getattr(depthcache, name, None)
        assert inspect.isclass(ours), name
        for base in theirs.bases:
            if base in surface.classes:
                assert issubclass(ours, getattr(depthcache, base)), '{} is a {}'.format(name, base)
        for method, signature in _their_methods(surface, name).items():
            mine = getattr(ours, method, None)
            if mine is None:
                problems.append('{}.{} is missing'.format(name, method))
                continue
            problems += ['{}.{}'.format(name, p) for p in signature_problems(mine, signature)]
        for attribute, value in theirs.attributes.items():
            if isinstance(value, str) and value.replace(' ', '').replace('*', '').isdigit():
                value = eval(value, {'__builtins__': {}})   # '60 * 30' in 0.7.11's source
            assert getattr(ours, attribute) == value, '{}.{}'.format(name, attribute)
    for function in surface.functions:
        problems += signature_problems(getattr(depthcache, function), surface.functions[function])
    assert problems == []
    assert depthcache.BaseDepthCacheManager.DEFAULT_REFRESH == 60 * 30


def test_depth_cache_readers_keep_their_0711_calls():
    cache = depthcache.DepthCache('BNBBTC')
    cache.add_bid(['1.0', '2.0'])
    assert cache.get_bids() == [[1.0, 2.0]] and cache.get_asks() == []
    assert isinstance(cache.get_bids()[0][0], float) and isinstance(cache.get_bids()[0][1], float)
