"""The spaCy pipeline: one factory function builds it from a blank English pipeline.

    nlp = build_nlp()          # tokenizer that repairs text + our registered components
    doc = nlp(raw_text)        # doc.text is the repaired text; doc._.rei_repair maps offsets back
    add_to(my_nlp, after="ner")  # or the components alone, in a pipeline of your own

Components (registered spaCy factories, also exposed through the ``spacy_factories`` entry
point, each configured by ``patterns_dir``):

* ``rei_numbers``  PERCENT, MONEY, QUANTITY
* ``rei_dates``    DATE, resolved against ``doc._.rei_published``
* ``rei_materials`` MATERIAL
* ``rei_gazetteer`` (named ``rei_ruler``) the gazetteers of ``patterns/*.jsonl``
* ``rei_names``    ORG, POLICY, GPE: gazetteer spans, and rules grown around trigger words
* ``rei_resolve``  settles overlaps and conflicts, abbreviations, header fields; writes
  ``doc._.rei_entities``, ``doc.spans["rei"]`` (with ``span._.value``) and ``doc.ents``
* ``rei_facts``    sentence/clause facts (``doc._.rei_facts``)
"""
from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Optional

import spacy
from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc, Span
from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex
from srsly import msgpack_decoders, msgpack_encoders

from .._gc import gc_paused
from ..patterns import load_jsonl
from .gazetteer import Gazetteer, GazetteerComponent
from ..repair import Repaired, repair
from .recognizers.base import RULER_KEY, Ent, Recognizer
from .recognizers.dates import DateRecognizer
from .recognizers.gpe import GpeRecognizer
from .recognizers.material import MaterialRecognizer
from .recognizers.money import MoneyRecognizer
from .recognizers.org import OrgRecognizer
from .recognizers.percent import PercentRecognizer
from .recognizers.policy import PolicyRecognizer
from .recognizers.triggers import Triggers
from .recognizers.quantity import QuantityRecognizer

for _name in ("rei_published", "rei_repair", "rei_cands", "rei_entities", "rei_facts"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)
if not Span.has_extension("value"):
    Span.set_extension("value", default=None)


# A doc travels as msgpack bytes (``doc.to_bytes``, ``DocBin(store_user_data=True)``, spaCy's
# ``nlp.pipe(n_process=2)``), its extensions' values with it: srsly learns our two dataclasses,
# as it learns numpy arrays (its registry of encoders and decoders).
def _encode(obj, chain=None):
    if isinstance(obj, Ent):
        return {"__rei_ent__": [obj.label, obj.start, obj.end, obj.value, obj.priority]}
    if isinstance(obj, Repaired):
        return {"__rei_repaired__": {f.name: getattr(obj, f.name) for f in fields(Repaired)}}
    return obj if chain is None else chain(obj)


def _lists(x):
    """Values as they were made (a reader with ``use_list=False``, DocBin's, gives tuples)."""
    if isinstance(x, (list, tuple)):
        return [_lists(v) for v in x]
    if isinstance(x, dict):
        return {k: _lists(v) for k, v in x.items()}
    return x


def _decode(obj, chain=None):
    if "__rei_ent__" in obj:
        label, start, end, value, priority = obj["__rei_ent__"]
        return Ent(label, start, end, _lists(value), priority)
    if "__rei_repaired__" in obj:
        f = dict(obj["__rei_repaired__"])
        f["deleted"] = [tuple(d) for d in f["deleted"]]
        return Repaired(**{k: list(v) if isinstance(v, tuple) else v for k, v in f.items()})
    return obj if chain is None else chain(obj)


msgpack_encoders.register("rare_earth_ie", func=_encode)
msgpack_decoders.register("rare_earth_ie", func=_decode)


# --- tokenizer: repair, then tokenise the repaired text -----------------------------------------


class RepairTokenizer:
    """Wraps spaCy's tokenizer: repairs the raw text first and keeps the offset map on the doc."""

    def __init__(self, base, patterns_dir: Optional[str] = None):
        self.base = base
        self.patterns_dir = patterns_dir

    def __call__(self, text: str) -> Doc:
        rep = repair(text, self.patterns_dir)
        doc = self.base(rep.text)
        doc._.rei_repair = rep
        return doc

    def pipe(self, texts, batch_size: int = 1000):
        for t in texts:
            yield self(t)

    # serialisation delegates to the wrapped tokenizer
    def to_bytes(self, **kw):
        return self.base.to_bytes(**kw)

    def from_bytes(self, data, **kw):
        self.base.from_bytes(data, **kw)
        return self

    def to_disk(self, path, **kw):
        self.base.to_disk(path, **kw)

    def from_disk(self, path, **kw):
        self.base.from_disk(path, **kw)
        return self


# how many distinct chunks (text between spaces) the tokenizer keeps tokenised, filled by the
# first text a process reads outside memory zones (Settings.warm_chars). spaCy's 10,000 were full
# after a few hundred kB, mostly of one-off numbers, or of the gazetteer's names when their tokens
# were made at start: later text of another kind tokenised 2x slower. ~5 MB at 100,000.
_TOKEN_CACHE = 100_000


@spacy.registry.tokenizers("rare_earth_ie.RepairTokenizer.v1")
def create_repair_tokenizer(patterns_dir: Optional[str] = None):
    def make(nlp: Language) -> RepairTokenizer:
        d = nlp.Defaults
        # split "U.S.-Saudi" and "US-made" at the hyphen so the country is its own token
        infixes = list(d.infixes) + [r"(?<=\.)-(?=[A-Z])", r"(?<=[A-Z]{2})-(?=[A-Za-z])"]
        # English's affixes, and no special cases: its 1,300 tokenizer exceptions (contractions,
        # "Inc.", emoticons) make tokenising 3-4x slower and none of our rules needs them ("Co."
        # is "Co" + "."); building the default tokenizer only to take its affixes cost 0.2 s
        base = Tokenizer(nlp.vocab, rules={}, prefix_search=compile_prefix_regex(d.prefixes).search,
                         suffix_search=compile_suffix_regex(d.suffixes).search,
                         infix_finditer=compile_infix_regex(infixes).finditer,
                         token_match=d.token_match, url_match=d.url_match, max_cache_size=_TOKEN_CACHE)
        return RepairTokenizer(base, patterns_dir)

    return make


# --- components ---------------------------------------------------------------------------------


class RecognizersComponent:
    """Runs recognizers over a doc and collects their candidates (``doc._.rei_cands``), which
    the resolver settles."""

    def __init__(self, recognizers: list[Recognizer]):
        self.recognizers = recognizers

    def __call__(self, doc: Doc) -> Doc:
        found: list[Ent] = []
        for r in self.recognizers:
            found.extend(r.find(doc))
        # the extension is read once per component, not twice per recognizer: each ``doc._``
        # access builds an accessor object
        cands = doc._.rei_cands
        if cands is None:
            doc._.rei_cands = found
        else:
            cands.extend(found)
        return doc


class NumbersComponent(RecognizersComponent):
    """PERCENT, MONEY and QUANTITY."""

    def __init__(self, patterns_dir: Optional[str]):
        super().__init__([PercentRecognizer(patterns_dir), MoneyRecognizer(patterns_dir),
                          QuantityRecognizer(patterns_dir)])


class DatesComponent(RecognizersComponent):
    """DATE, resolved against ``doc._.rei_published``."""

    def __init__(self, patterns_dir: Optional[str]):
        super().__init__([DateRecognizer(patterns_dir)])


class MaterialsComponent(RecognizersComponent):
    """MATERIAL."""

    def __init__(self, patterns_dir: Optional[str]):
        super().__init__([MaterialRecognizer(patterns_dir)])


class NamesComponent(RecognizersComponent):
    """ORG, POLICY and GPE: gazetteer spans from the ruler, rules grown around trigger words."""

    def __init__(self, nlp: Language, patterns_dir: Optional[str]):
        triggers = Triggers(nlp.vocab, patterns_dir)
        super().__init__([OrgRecognizer(triggers, patterns_dir), PolicyRecognizer(triggers, patterns_dir),
                          GpeRecognizer(patterns_dir)])


@Language.factory("rei_numbers", default_config={"patterns_dir": None})
def make_numbers(nlp: Language, name: str, patterns_dir: Optional[str]):
    return NumbersComponent(patterns_dir)


@Language.factory("rei_dates", default_config={"patterns_dir": None})
def make_dates(nlp: Language, name: str, patterns_dir: Optional[str]):
    return DatesComponent(patterns_dir)


@Language.factory("rei_materials", default_config={"patterns_dir": None})
def make_materials(nlp: Language, name: str, patterns_dir: Optional[str]):
    return MaterialsComponent(patterns_dir)


@Language.factory("rei_names", default_config={"patterns_dir": None})
def make_names(nlp: Language, name: str, patterns_dir: Optional[str]):
    return NamesComponent(nlp, patterns_dir)


@Language.factory("rei_resolve", default_config={"patterns_dir": None, "spans": True})
def make_resolve(nlp: Language, name: str, patterns_dir: Optional[str], spans: bool):
    from .resolve import Resolver

    # every recognizer of the components before this one, refined in pipeline order
    recognizers = [r for _, comp in nlp.pipeline if isinstance(comp, RecognizersComponent)
                   for r in comp.recognizers]
    return Resolver(patterns_dir, recognizers, spans=spans)


@Language.factory("rei_facts", default_config={"patterns_dir": None})
def make_facts(nlp: Language, name: str, patterns_dir: Optional[str]):
    from ..facts.component import FactsComponent

    return FactsComponent(patterns_dir)


@Language.factory("rei_gazetteer", default_config={"patterns_dir": None})
def make_gazetteer(nlp: Language, name: str, patterns_dir: Optional[str]):
    """Places and organisations into ``doc.spans[RULER_KEY]``, their names' tokens by this
    pipeline's tokenizer (cached on disk: see :mod:`.gazetteer`)."""
    def tokenize(texts: list[str]) -> list[list[str]]:
        return [[t.text for t in nlp.make_doc(x)] for x in texts]

    return GazetteerComponent(Gazetteer(ruler_patterns(patterns_dir), tokenize, _tokenizer_tag()), RULER_KEY)


def _tokenizer_tag() -> str:
    """What the repairing tokenizer's output depends on: its code and spaCy's version."""
    import hashlib

    from .. import repair as repair_module

    h = hashlib.sha1(spacy.__version__.encode())
    for path in (repair_module.__file__, __file__):
        h.update(Path(path).read_bytes())
    return "repair:" + h.hexdigest()


def ruler_patterns(patterns_dir: Optional[str] = None) -> list[dict]:
    """The gazetteer's phrase patterns: the place and organisation gazetteers of ``patterns/``.
    (The generated ``orgs_listed.jsonl`` is looked up by the ORG recognizer itself: 2,400 more
    phrase patterns here make spaCy's tokenizer several times slower on every later text.)"""
    pats: list[dict] = []
    for name in ("gpe.jsonl", "orgs.jsonl"):
        pats.extend(load_jsonl(name, patterns_dir))
    return pats


#: the components in pipeline order, by factory name and the name they take in a pipeline
COMPONENTS = (("rei_numbers", "rei_numbers"), ("rei_dates", "rei_dates"), ("rei_materials", "rei_materials"),
              ("rei_gazetteer", "rei_ruler"), ("rei_names", "rei_names"), ("rei_resolve", "rei_resolve"),
              ("rei_facts", "rei_facts"))


def add_to(nlp: Language, patterns_dir: Optional[str] = None, spans: bool = True, **where) -> Language:
    """Add the components to an existing pipeline, at its end or where ``before=``/``after=``
    says (``add_to(nlp, after="ner")``): the entities go to ``doc._.rei_entities`` and, with
    ``spans`` (the default), to ``doc.spans["rei"]`` (value on ``span._.value``) and, where they
    overlap nothing already there, to ``doc.ents``; the facts to ``doc._.rei_facts``. The
    pipeline keeps its own tokenizer (the repair of scraped text comes with :func:`build_nlp`'s)."""
    cfg = {"patterns_dir": str(patterns_dir) if patterns_dir else None}
    # the tables and patterns built here live as long as the pipeline, and building them makes
    # few garbage cycles: with the collector running, it rescanned them all three times (a fifth
    # of a second of every start)
    with gc_paused():
        for factory, name in COMPONENTS:
            config = dict(cfg, spans=spans) if factory == "rei_resolve" else cfg
            nlp.add_pipe(factory, name=name, config=config, **where)
            if where:  # the next one goes right after this one
                where = {"after": name}
    return nlp


def build_nlp(patterns_dir: Optional[str] = None, spans: bool = True) -> Language:
    """The pipeline: a blank English pipeline with our tokenizer and components (``spans``: see
    :func:`add_to`)."""
    pd = str(patterns_dir) if patterns_dir else None
    tok = {"@tokenizers": "rare_earth_ie.RepairTokenizer.v1", "patterns_dir": pd}
    with gc_paused():  # see add_to
        nlp = spacy.blank("en", config={"nlp": {"tokenizer": tok}})
        return add_to(nlp, pd, spans=spans)
