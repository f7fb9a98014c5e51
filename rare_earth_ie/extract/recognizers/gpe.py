"""GPE: countries, blocs, regions, provinces and cities from ``patterns/gpe.jsonl``.

The gazetteer is matched by the pipeline's SpanRuler (case-sensitive phrase patterns); each
pattern's id is ``CODE:Canonical name:kind`` so that ``U.S.``, ``US``, ``United States`` and
``America`` are one ``US``, a city carries its country's code and a multi-country region none.
"""
from __future__ import annotations

from spacy.tokens import Doc

from .base import RULER_KEY, Ent, Recognizer


def gpe_value(span_id: str) -> dict:
    code, name, _kind = (span_id.split(":") + ["", ""])[:3]
    return {"name": name, "code": code or None}


def gpe_kind(span_id: str) -> str:
    """country, bloc, region or place (a province or city)."""
    parts = span_id.split(":")
    return parts[2] if len(parts) > 2 else "country"


class GpeRecognizer(Recognizer):
    label = "GPE"

    def find(self, doc: Doc) -> list[Ent]:
        out = []
        for sp in doc.spans.get(RULER_KEY, ()):
            if sp.label_ != "GPE":
                continue
            out.append(Ent(self.label, sp.start_char, sp.end_char, gpe_value(sp.id_), priority=1))
        return out
