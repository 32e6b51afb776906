"""Savings (the "lending" product): Binance removed it; Simple Earn replaced it.

Binance deleted the ``/sapi/v1/lending/daily``, ``/lending/union`` and
``/lending/project`` endpoints in 2023, when Savings became Simple Earn,
whose products, parameters and answers are different. Returning Simple
Earn answers under the old method names would silently give scripts data of
another shape, so each method raises
:class:`~binance.exceptions.BinanceEndpointRemovedError` naming the Simple
Earn endpoint to use, which :meth:`~binance.client.Client.request` can call.
"""
from .endpoint import SAPI, USER_DATA, Endpoint, EndpointMethods

__all__ = ['Savings']


def _removed(method: str, path: str, replacement: str) -> Endpoint:
    """A removed lending endpoint and its Simple Earn successor (or none)."""
    if replacement:
        advice = ('Simple Earn replaced it: {0} (e.g. client.request({1!r}, {2!r}, signed=True, '
                  "api='sapi')).".format(replacement, replacement.split()[0],
                                         replacement.split()[1][len('/sapi/'):]))
    else:
        advice = 'Simple Earn has no equivalent.'
    return Endpoint(method, SAPI, path, security=USER_DATA, weight=1,
                    was='{} /sapi/{}'.format(method, path), removed=advice,
                    summary='Savings call removed by Binance in 2023.')


class Savings(EndpointMethods):
    """The retired Savings methods; each raises, naming its Simple Earn successor."""

    get_lending_product_list = _removed('GET', 'v1/lending/daily/product/list',
                                        'GET /sapi/v1/simple-earn/flexible/list')
    get_lending_daily_quota_left = _removed('GET', 'v1/lending/daily/userLeftQuota',
                                            'GET /sapi/v1/simple-earn/flexible/personalLeftQuota')
    purchase_lending_product = _removed('POST', 'v1/lending/daily/purchase',
                                        'POST /sapi/v1/simple-earn/flexible/subscribe')
    get_lending_daily_redemption_quota = _removed('GET', 'v1/lending/daily/userRedemptionQuota',
                                                  'GET /sapi/v1/simple-earn/flexible/position')
    redeem_lending_product = _removed('POST', 'v1/lending/daily/redeem',
                                      'POST /sapi/v1/simple-earn/flexible/redeem')
    get_lending_position = _removed('GET', 'v1/lending/daily/token/position',
                                    'GET /sapi/v1/simple-earn/flexible/position')
    get_fixed_activity_project_list = _removed('GET', 'v1/lending/project/list',
                                               'GET /sapi/v1/simple-earn/locked/list')
    get_lending_account = _removed('GET', 'v1/lending/union/account',
                                   'GET /sapi/v1/simple-earn/account')
    get_lending_purchase_history = _removed(
        'GET', 'v1/lending/union/purchaseRecord',
        'GET /sapi/v1/simple-earn/flexible/history/subscriptionRecord')
    get_lending_redemption_history = _removed(
        'GET', 'v1/lending/union/redemptionRecord',
        'GET /sapi/v1/simple-earn/flexible/history/redemptionRecord')
    get_lending_interest_history = _removed(
        'GET', 'v1/lending/union/interestHistory',
        'GET /sapi/v1/simple-earn/flexible/history/rewardsRecord')
    change_fixed_activity_to_daily_position = _removed('POST', 'v1/lending/positionChanged', '')
