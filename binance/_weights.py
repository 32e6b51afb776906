"""Request weight of Binance's order book snapshots, by ``limit`` (Binance's published tiers).

Pure functions shared by the depth caches (which pace their snapshots with
them, :mod:`binance._pacing`) and the simulator (which charges them).
"""

__all__ = ['spot_depth_weight', 'futures_depth_weight']


def spot_depth_weight(limit: int) -> int:
    """Request weight of ``GET /api/v3/depth`` for ``limit`` levels."""
    if limit <= 100:
        return 5
    if limit <= 500:
        return 25
    if limit <= 1000:
        return 50
    return 250


def futures_depth_weight(limit: int) -> int:
    """Request weight of ``GET /fapi/v1/depth`` (and ``/dapi/v1/depth``) for ``limit`` levels."""
    if limit <= 50:
        return 2
    if limit <= 100:
        return 5
    if limit <= 500:
        return 10
    return 20
