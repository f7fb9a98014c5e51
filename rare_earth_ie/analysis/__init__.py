"""From canonical facts to what analysts chart: comparable observations over time, and the
places where sources disagree (``pip install 'rare-earth-ie[analysis]'``: pint, currencyconverter,
pandas).

    import rare_earth_ie as rei
    df = rei.series("facts.sqlite")              # or a dump, extract/run output, results, facts
    prices = df[(df.metric == "price") & (df.unit_norm == "USD/kg")]
    bad = rei.conflicts("facts.sqlite")          # one row per side of each conflict

* :mod:`.observe`: one row per observation, units and currencies normalised (:mod:`.units`:
  pint; :mod:`.fx`: the ECB's rates, offline);
* :mod:`.conflicts`: observations of one thing whose values disagree;
* :mod:`.inputs`: reading stores, JSONL records and raw articles; :mod:`.write`: CSV, JSONL,
  Parquet.
"""
from __future__ import annotations

from typing import Any, Optional

from ..settings import DEFAULT, Settings
from .conflicts import DEFAULT_TOLERANCE, SIDE_COLUMNS, find_conflicts, side_rows
from .inputs import Collected, Documents, collect
from .observe import COLUMNS, observation_rows, observations
from .units import ANALYSIS_HINT, require

PANDAS_HINT = "series and conflicts as DataFrames need pandas: pip install 'rare-earth-ie[analysis]'"


def rows(data, tolerance: float = DEFAULT_TOLERANCE, explicit_only: bool = True, n_process: int = 1,
         settings: Settings = DEFAULT) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(observation rows, conflicts) of ``data`` (see :func:`series`), as plain dicts."""
    require()
    got = data if isinstance(data, Collected) else collect(data, n_process=n_process, settings=settings)
    obs = observation_rows(got.facts, got.docs)
    return obs, find_conflicts(obs, tolerance, explicit_only)


def _frame(records: list[dict], columns: list[str]):
    try:
        import pandas as pd
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(PANDAS_HINT) from e
    return pd.DataFrame.from_records(records, columns=columns)


def series(data, tolerance: float = DEFAULT_TOLERANCE, explicit_only: bool = True, n_process: int = 1,
           metrics: Optional[list[str]] = None, settings: Settings = DEFAULT):
    """One row per observation, as a pandas DataFrame (columns: :data:`COLUMNS`).

    ``data``: a path or a list of paths (a store written by ``ingest``, JSONL written by
    ``extract``, ``run`` or ``dedup``, raw articles: folders, ``.txt``, dumps), a
    :class:`rare_earth_ie.store.Store`, or extracted articles, facts or canonical facts. Rows in
    a conflict (see :func:`conflicts`) have ``conflict`` set and share a ``conflict_id``;
    ``metrics`` keeps only those metrics."""
    obs, _ = rows(data, tolerance, explicit_only, n_process, settings)
    if metrics:
        obs = [r for r in obs if r["metric"] in set(metrics)]
    return _frame(obs, COLUMNS)


def conflicts(data, tolerance: float = DEFAULT_TOLERANCE, explicit_only: bool = True, n_process: int = 1,
              settings: Settings = DEFAULT):
    """One row per side of each conflict, as a pandas DataFrame (columns: :data:`SIDE_COLUMNS`):
    the values of that side and the articles (``sources``, ``source_names``, ``published``) that
    state them."""
    _, found = rows(data, tolerance, explicit_only, n_process, settings)
    return _frame(side_rows(found), SIDE_COLUMNS)


__all__ = ["ANALYSIS_HINT", "COLUMNS", "Collected", "DEFAULT_TOLERANCE", "Documents", "SIDE_COLUMNS",
           "collect", "conflicts", "find_conflicts", "observation_rows", "observations", "require",
           "rows", "series", "side_rows"]
