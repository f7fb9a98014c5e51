"""Build patterns/currencies.jsonl (MONEY currency signs, codes and names) from babel's CLDR data.

A development tool, not a runtime dependency: run it after editing the extra forms below.
    pip install babel && python tools/build_currencies.py
Each line is ``{"code", "prefixes", "suffixes", "weak_suffixes"?, "minor"?}``: prefixes are
written before the number (``US$``, ``€``, ``RMB``), suffixes after it (``yuan``, ``Swiss
francs``), weak suffixes are words that are English words too (``won``, ``rand``) and count only
after a scale word or a grouped number, and ``minor`` maps the names of smaller units to their worth (``US cents``: 0.01).
The currencies are those some territory uses as tender today (CLDR), with their ISO code, the
English names CLDR gives (singular and plural, and the plural's last word where no other
currency shares it) and their symbols; the forms news writes that CLDR does not know are added
from ``EXTRA`` below.
"""
import datetime
import json
import re
from collections import defaultdict
from pathlib import Path

from babel import Locale
from babel.numbers import get_currency_name, get_currency_symbol, get_territory_currencies

OUT = Path(__file__).resolve().parent.parent / "patterns" / "currencies.jsonl"

# house styles of wire and trade press that CLDR does not list
EXTRA = {
    "USD": {"prefixes": ["US$", "U.S.$", "US $", "USD$"], "suffixes": ["U.S. dollars", "dollars", "dollar"],
            "minor": {"US cents": 0.01, "U.S. cents": 0.01, "cents": 0.01, "cent": 0.01, "¢": 0.01,
                      "dimes": 0.1, "dime": 0.1}},
    "CNY": {"prefixes": ["¥", "RMB", "Rmb", "Yn", "CNY¥"], "suffixes": ["yuan", "RMB", "renminbi"]},
    "JPY": {"prefixes": ["JP¥", "円"], "suffixes": ["yen"]},
    "AUD": {"prefixes": ["AU$", "AUD$"], "suffixes": ["Australian dollar"]},
    "CAD": {"prefixes": ["C$", "Cdn$", "CDN$", "Can$", "CAD$"], "suffixes": ["Canadian dollar"]},
    "HKD": {"prefixes": ["HK $"], "suffixes": []},
    "SGD": {"prefixes": ["S$"], "suffixes": []},
    "TWD": {"prefixes": ["NT $"], "suffixes": ["Taiwan dollars"]},
    "NZD": {"prefixes": ["NZ $"], "suffixes": []},
    "GBP": {"prefixes": ["£", "GB£", "UK£"], "suffixes": ["pounds sterling", "sterling"], "minor": {"pence": 0.01, "penny": 0.01}},
    "EUR": {"prefixes": [], "suffixes": ["euro", "Euros", "Euro", "€"]},
    "INR": {"prefixes": ["Rs.", "Rs", "INR", "₹"], "suffixes": ["rupees", "rupee"]},
    "KRW": {"prefixes": ["₩"], "suffixes": ["won", "Korean won"]},
    "BRL": {"prefixes": ["R$"], "suffixes": ["reais"]},
    "ZAR": {"prefixes": [], "suffixes": ["rand"]},
    "RUB": {"prefixes": ["₽"], "suffixes": ["roubles", "rubles"]},
    "MYR": {"prefixes": ["RM"], "suffixes": ["ringgit"]},
    "IDR": {"prefixes": ["Rp"], "suffixes": ["rupiah"]},
    "VND": {"prefixes": ["₫"], "suffixes": ["dong"]},
    "CHF": {"prefixes": ["SFr."], "suffixes": ["francs", "Swiss franc"]},
}
# a bare plural word ("dollars", "pounds", "francs") belongs to one currency by default
WORD_DEFAULT = {"dollars": "USD", "francs": "CHF", "rupees": "INR", "pesos": "MXN", "yuan": "CNY",
                "euros": "EUR", "yen": "JPY", "won": "KRW"}
# words that are English words as well: a currency only after a scale word or a grouped number
WEAK = {"won", "rand", "dong", "real", "reals", "mark", "marks", "lev", "som", "kip"}
# "pounds" is a mass unit as often as a currency: only the unambiguous forms are currencies
NOT_CURRENCY_WORDS = {"pounds", "pound"}
# ISO codes that spell English words: in capitals they are headline words, not currencies
CODE_WORDS = {"ALL", "TOP", "CUP", "PEN", "GEL", "MOP", "BOB", "SOS", "MAD", "FOK", "TVD", "LAK", "CVE",
              "BAM", "ERN", "GIP", "HNL", "TRY", "AMD", "AOA"}


def current_codes() -> set[str]:
    today = datetime.date.today()
    codes = set()
    for territory in Locale("en").territories:
        try:
            codes.update(get_territory_currencies(territory, today, tender=True))
        except Exception:  # a territory without currency data
            continue
    return {c for c in codes if not c.startswith("X") or c in ("XAF", "XOF")}


def build() -> list[dict]:
    codes = sorted(current_codes())
    rows = {c: {"code": c, "prefixes": [], "suffixes": [c]} for c in codes}
    last_words = defaultdict(set)
    for c in codes:
        singular = get_currency_name(c, locale="en")
        plural = get_currency_name(c, count=2, locale="en")
        rows[c]["suffixes"] += [singular, plural]
        last_words[plural.split()[-1]].add(c)
        if c not in CODE_WORDS:
            rows[c]["prefixes"].append(c)
        symbol = get_currency_symbol(c, "en")
        # a symbol that is only the code or a lone letter says nothing more
        if symbol != c and not re.fullmatch(r"[A-Za-z]", symbol):
            rows[c]["prefixes"].append(symbol)
    for word, owners in last_words.items():
        owner = WORD_DEFAULT.get(word) or (next(iter(owners)) if len(owners) == 1 else None)
        if owner and word.lower() not in NOT_CURRENCY_WORDS:
            rows[owner]["suffixes"].append(word)
    for c, extra in EXTRA.items():
        rows[c]["prefixes"] += extra["prefixes"]
        rows[c]["suffixes"] += extra["suffixes"]
        if extra.get("minor"):
            rows[c]["minor"] = extra["minor"]
    # a bare sign shared by several currencies goes to the one news means by it ("$" is USD)
    owner_of = {"$": "USD", "¥": "CNY", "£": "GBP"}
    seen: dict[str, str] = {}
    out = []
    for c in codes:
        r = rows[c]
        prefixes = []
        for p in dict.fromkeys(r["prefixes"]):
            if owner_of.get(p, c) != c or seen.get(p, c) != c:
                continue
            seen[p] = c
            prefixes.append(p)
        suffixes = [s for s in dict.fromkeys(r["suffixes"])
                    if s.lower() not in NOT_CURRENCY_WORDS and s not in CODE_WORDS]
        row = {"code": c, "prefixes": prefixes, "suffixes": [s for s in suffixes if s not in WEAK]}
        weak = [s for s in suffixes if s in WEAK]
        if weak:
            row["weak_suffixes"] = weak
        if r.get("minor"):
            row["minor"] = r["minor"]
        out.append(row)
    return out


def main() -> None:
    rows = build()
    with open(OUT, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} currencies to {OUT}")


if __name__ == "__main__":
    main()
