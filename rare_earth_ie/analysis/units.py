"""Physical units to one unit per dimension, with pint.

The recognizers write units as short symbols (``t``, ``kt``, ``t/yr``, ``MGOe``, a price's
``per``: ``kg``, ``lb``, ``mtu``). :func:`normalise` turns a value in such a unit into the one
unit of its dimension that ``patterns/series.json`` names (``targets``: tonnes for a mass, tonnes
a year for a mass rate, ...); :func:`per_unit_factor` says how many of a price's ``per`` unit
make one unit of the price's target (a price per tonne is 1/1000 of a price per kg). Symbols pint
reads otherwise (its ``kt`` is the knot) are mapped by the ``units`` table of the same file;
units pint lacks (``mtu``, ``MGOe``) are defined in ``patterns/pint_units.txt``.

The registry is built once per process (about a second) and only when first needed.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Optional

from ..patterns import default_dir, load_json

ANALYSIS_HINT = "series and conflicts need the analysis extra: pip install 'rare-earth-ie[analysis]'"


def require() -> None:
    """Raise an ImportError naming the extra when pint or currencyconverter is missing."""
    try:
        import currency_converter  # noqa: F401
        import pint  # noqa: F401
    except ImportError as e:
        raise ImportError(f"{ANALYSIS_HINT} ({e.name} is not installed)") from e


def config() -> dict[str, Any]:
    return load_json("series.json")


@lru_cache(maxsize=1)
def registry():
    """pint's default registry with the units of ``patterns/pint_units.txt``."""
    require()
    import pint

    ureg = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
    ureg.load_definitions(str(default_dir() / "pint_units.txt"))
    return ureg


@lru_cache(maxsize=1)
def _targets() -> list[tuple[str, Any]]:
    """(name, pint unit) of every target, in order of preference."""
    ureg = registry()
    return [(name, ureg.Unit(expr)) for name, expr in config()["targets"].items() if not name.startswith("_")]


@lru_cache(maxsize=512)
def unit_of(symbol: Optional[str]):
    """The pint unit of one of our unit symbols, or None when pint cannot read it."""
    if not symbol:
        return None
    import pint

    expr = config()["units"].get(symbol, symbol)
    try:
        return registry().Unit(expr)
    except (pint.errors.PintError, AttributeError, TypeError, ValueError, SyntaxError, AssertionError):
        return None


@lru_cache(maxsize=512)
def _conversion(symbol: str) -> Optional[tuple[str, float, float]]:
    """(target name, factor, offset) so that value_in_target = value * factor + offset."""
    unit = unit_of(symbol)
    if unit is None:
        return None
    ureg = registry()
    for name, target in _targets():
        if unit.dimensionality == target.dimensionality:
            zero = ureg.Quantity(0.0, unit).to(target).magnitude
            one = ureg.Quantity(1.0, unit).to(target).magnitude
            return name, one - zero, zero
    return None


def normalise(value: Optional[float], symbol: Optional[str]) -> tuple[Optional[float], Optional[str]]:
    """``value`` in the target unit of its dimension, and that unit's name; the value as it is
    when the unit has no target, (None, None) when pint cannot read the unit."""
    if value is None or not symbol:
        return None, None
    conv = _conversion(symbol)
    if conv is None:
        return (float(value), symbol) if unit_of(symbol) is not None else (None, None)
    name, factor, offset = conv
    return float(value) * factor + offset, name


@lru_cache(maxsize=256)
def per_unit_factor(per: str, target: str) -> Optional[float]:
    """How many ``per`` units make one ``target`` unit (``per_unit_factor("t", "kg")`` is
    0.001: a price per tonne times 0.001 is the price per kg); None when the two are not of one
    dimension or pint cannot read either."""
    import pint

    a, b = unit_of(per), unit_of(target)
    if a is None or b is None:
        return None
    try:
        return float(registry().Quantity(1.0, b).to(a).magnitude)
    except pint.errors.DimensionalityError:
        return None


def dimension_target(per: str) -> Optional[str]:
    """The target unit name of ``per``'s dimension (``kg`` -> ``t``), or None."""
    conv = _conversion(per)
    return conv[0] if conv else None
