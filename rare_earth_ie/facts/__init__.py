"""Facts: the sentences and clauses that carry a PERCENT, MONEY, QUANTITY or POLICY.

* :mod:`.component`: the spaCy component (``rei_facts``) that cuts a doc into facts with their
  subject, metric and period;
* :mod:`.identity`: what makes two copies one statement (normalised text, period key, fact id);
  light, so that dedup needs no spaCy.
"""
from .identity import fact_id_for, make_fact_id, normalise_text, period_key, strip_teaser_tail

__all__ = ["fact_id_for", "make_fact_id", "normalise_text", "period_key", "strip_teaser_tail"]
