"""PERCENT, MONEY, QUANTITY and DATE in the forms other writers use (the classes of issue 12,
and the English forms Microsoft Recognizers-Text and Duckling cover that fall in our contract).
Every sentence is our own; none is taken from a gold set."""
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rare_earth_ie as rei


def ents(text, label, published="2025-10-21"):
    return [(e.text, e.value) for e in rei.extract(text, published=published).entities if e.label == label]


def one(text, label, span, published="2025-10-21"):
    got = dict(ents(text, label, published))
    assert span in got, got
    return got[span]


def check(value, want):
    assert {k: value.get(k) for k in want} == pytest.approx(want), value


# --- PERCENT ------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,span,want", [
    ("Cobalt hydroxide payables rose by 3pc this week.", "3pc", {"value": 3.0, "direction": "up"}),
    ("Nickel sulphate, 22pc min, was steady.", "22pc", {"value": 22.0, "direction": None, "basis": None}),
    ("Output climbed seven percent in March.", "seven percent", {"value": 7.0, "direction": "up"}),
    ("The share fell two percentage points from a year earlier.", "two percentage points",
     {"value": 2.0, "direction": "down", "basis": "YoY"}),
    ("Margins widened by 1.5pp on the quarter.", "1.5pp", {"value": 1.5, "direction": "up", "basis": "QoQ"}),
    ("Shipments were 12% lower than a year earlier.", "12%", {"value": 12.0, "direction": "down", "basis": "YoY"}),
    ("Tin stocks slid 9% on year to 3,100t.", "9%", {"value": 9.0, "direction": "down", "basis": "YoY"}),
    ("Exports rose 4.4% y/y and 1.1% m/m.", "1.1%", {"value": 1.1, "direction": "up", "basis": "MoM"}),
    ("Revenue grew 31% from $12 million in the year-ago quarter.", "31%", {"basis": "YoY", "direction": "up"}),
    ("a 14% sequential decline in sales", "14%", {"direction": "down", "basis": "QoQ"}),
    ("Profit is forecast to jump 410%-460% YoY.", "460%", {"value": 460.0, "direction": "up", "basis": "YoY"}),
    ("Profit is forecast to jump 410%-460% YoY.", "410%", {"value": 410.0, "direction": "up", "basis": "YoY"}),
    ("Lynx Metals held 62% of the market, taking up 9% more than rivals.", "62%", {"direction": None, "basis": None}),
    ("The smelter is taking up 17% of the province's power.", "17%", {"direction": None}),
    ("Exports to Japan rose 8% and those to Korea 11%.", "11%", {"direction": "up"}),
    ("Prices were 27% above their level in January.", "27%", {"direction": "up"}),
    ("Output stood 6% below the figure of July 2024.", "6%", {"direction": "down", "basis": "YoY"}),
    ("Sales of the alloy fell 18% to 2,300 tonnes in 2023.", "18%", {"direction": "down", "basis": "YoY"}),
])
def test_percent_forms(text, span, want):
    check(one(text, "PERCENT", span), want)


@pytest.mark.parametrize("text,span,want", [
    # a comparison with a figure may run past the basis window, to the end of the clause
    ("Deliveries climbed 12% to 48,200 wmt from 43,050 wmt in the June quarter.", "12%",
     {"direction": "up", "basis": "QoQ"}),
    # ... or sit in the next clause when that one names what the change is measured from
    ("The average price slid 22% to $640/t on a dry basis, from $820/t the previous quarter.", "22%",
     {"direction": "down", "basis": "QoQ"}),
    ("Receipts fell 7%, against 9,870 tonnes a year earlier.", "7%", {"direction": "down", "basis": "YoY"}),
    # a level compared in the next clause is no change
    ("Mills ran at 64% in May, against 71% a year earlier.", "64%", {"direction": None, "basis": None}),
    # "up as much as": the direction word before a filler phrase
    ("Earnings are seen up as much as 310% this half.", "310%", {"direction": "up"}),
])
def test_percent_bases_and_directions_told_further_away(text, span, want):
    check(one(text, "PERCENT", span), want)


def test_a_run_of_changes_keeps_the_comparison_of_the_first():
    text = ("Scandium imports fell 22pc on the year to 9,100t in 2023, customs figures show. Arrivals "
            "from Korea eased to 1,200t.\n"
            "Oxide shipments dropped by 12pc to about 3,400t and those from Vietnam were 6pc lower at 800t, "
            "while re-exports went up 3pc on thin trade.\n"
            "Market Data\n"
            "Spot offers firmed 2% over the week.\n"
            "Listed producers fared worse. The shares sank 9.5% on Tuesday.")
    got = dict(ents(text, "PERCENT"))
    assert [got[k]["basis"] for k in ("12pc", "6pc", "3pc")] == ["YoY"] * 3
    assert got["2%"]["basis"] is None  # after a heading: another story
    assert got["9.5%"]["basis"] is None  # a share price's move carries no annual comparison


def test_a_change_told_before_keeps_its_basis():
    text = ("Cobalt imports rose 41% year-on-year to 9,000 tonnes.\n"
            "After the 41 per cent rise, stocks swelled; despite the 39% surge in volume, the bill grew 2%.")
    got = dict(ents(text, "PERCENT"))
    assert got["39%"]["basis"] == "YoY" and got["2%"]["basis"] == "YoY"
    assert got["41 per cent"] == {"value": 41.0, "direction": "up", "basis": "YoY"}


@pytest.mark.parametrize("text", [
    "see https://example.org/q?name=cobalt%20prices%2C%202025&page=3",
    "download /docs/report%2015%29final%20v2.pdf today",
    "a link: ?text=lithium%20falls%2040%25%20today",
])
def test_url_encoded_text_has_no_percentage(text):
    assert ents(text, "PERCENT") == []


# --- MONEY --------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,span,want", [
    ("Revenue Climbs To $3 Billion", "$3 Billion", {"amount": 3e9, "currency": "USD"}),
    ("an outlay of ₹620 crore", "₹620 crore", {"amount": 6.2e9, "currency": "INR"}),
    ("a subsidy of Rs 4 lakh per unit", "Rs 4 lakh per unit", {"amount": 4e5, "currency": "INR", "per": "unit"}),
    ("a ₩2.1tn battery plant", "₩2.1tn", {"amount": 2.1e12, "currency": "KRW"}),
    ("an investment of 1.8 trillion won", "1.8 trillion won", {"amount": 1.8e12, "currency": "KRW"}),
    ("spot was Yn412,000-418,000/t ex-works", "Yn412,000-418,000/t",
     {"amount": 412000.0, "amount_max": 418000.0, "currency": "CNY", "per": "t"}),
    ("copper at 412 US cents per lb", "412 US cents per lb", {"amount": 4.12, "currency": "USD", "per": "lb"}),
    ("gold at 7,300 US cents an ounce", "7,300 US cents an ounce", {"amount": 73.0, "per": "oz"}),
    ("offered at EUR 2,100 (US$2,280) per tonne", "EUR 2,100", {"amount": 2100.0, "currency": "EUR", "per": "t"}),
    ("profit of 310 million to 355 million yuan", "310 million to 355 million yuan",
     {"amount": 3.1e8, "amount_max": 3.55e8, "currency": "CNY"}),
    ("between $40 million and $45 million", "$40 million and $45 million", {"amount": 4e7, "amount_max": 4.5e7}),
    ("a grant of 12 million Swiss francs", "12 million Swiss francs", {"amount": 1.2e7, "currency": "CHF"}),
    ("bonds worth 300 million pounds sterling", "300 million pounds sterling", {"amount": 3e8, "currency": "GBP"}),
    ("a loan of 5 billion rupees", "5 billion rupees", {"amount": 5e9, "currency": "INR"}),
    ("raised C$18 million", "C$18 million", {"amount": 1.8e7, "currency": "CAD"}),
    ("shares closed at HK$41.20", "HK$41.20", {"amount": 41.2, "currency": "HKD"}),
    ("a S$90 million plant", "S$90 million", {"amount": 9e7, "currency": "SGD"}),
    ("a NT$2 billion order", "NT$2 billion", {"amount": 2e9, "currency": "TWD"}),
    ("APT traded at $410/mtu", "$410/mtu", {"amount": 410.0, "per": "mtu"}),
    ("spodumene at US$880/dmt", "US$880/dmt", {"amount": 880.0, "per": "t"}),
    ("a dividend of C$0.05 per ordinary share", "C$0.05 per ordinary share", {"currency": "CAD", "per": "share"}),
])
def test_money_forms(text, span, want):
    check(one(text, "MONEY", span), want)


def test_a_day_before_to_is_no_range_end():
    got = dict(ents("The price rose on Mar. 4 to 88,500 yuan per ton.", "MONEY"))
    assert got == {"88,500 yuan per ton": {"amount": 88500.0, "amount_max": None, "currency": "CNY", "per": "t"}}


@pytest.mark.parametrize("text,currency", [
    ("Kestrel Minerals (ASX: KSM) reported revenue of $41 million. Kestrel Minerals (ASX: KSM) "
     "shares rose. The Perth company expects $5 million more.", "AUD"),
    ("Ottawa committed $12 million to the Canadian plant. Canada wants more refining in Canada.", "CAD"),
    ("The Canadian miner reports in U.S. dollars; revenue was $9 million in Canada.", "USD"),
    ("Washington pledged $400 million to US producers in the United States.", "USD"),
])
def test_bare_dollar_follows_the_issuer(text, currency):
    money = ents(text, "MONEY")
    assert money and all(v["currency"] == currency for t, v in money if t.startswith("$"))


def test_bare_yen_in_an_article_about_japan():
    text = "Japan's trade ministry set aside ¥25 billion. Tokyo and Japan's refiners welcome it in Japan."
    assert one(text, "MONEY", "¥25 billion")["currency"] == "JPY"


# --- QUANTITY -----------------------------------------------------------------------------------

@pytest.mark.parametrize("text,span,want", [
    ("quotas of between 40,000 and 45,000 tonnes", "40,000 and 45,000 tonnes",
     {"value": 40000.0, "value_max": 45000.0, "unit": "t"}),
    ("between 2 million and 3 million tonnes of ore", "2 million and 3 million tonnes",
     {"value": 2e6, "value_max": 3e6, "unit": "t"}),
    ("shipped eleven tonnes in May", "eleven tonnes", {"value": 11.0, "unit": "t"}),
    ("capacity of five lakh tonnes", "five lakh tonnes", {"value": 5e5, "unit": "t"}),
    ("a 3 MTPA iron ore mine", "3 MTPA", {"value": 3e6, "unit": "t/yr"}),
    ("a 15,000 mtpa hydroxide plant", "15,000 mtpa", {"value": 15000.0, "unit": "t/yr"}),
    ("sold 62,000 wmt of ore", "62,000 wmt", {"value": 62000.0, "unit": "t"}),
    ("exports of 30kt in April", "30kt", {"value": 30000.0, "unit": "t"}),
    ("a 7.5ktpa refinery", "7.5ktpa", {"value": 7500.0, "unit": "t/yr"}),
    ("a bar of 10.5±0.2 kg", "10.5±0.2 kg", {"value": 10.5, "unit": "kg"}),
    ("cells of 2 1/2 in thick", "2 1/2 in", {"value": 2.5, "unit": "in"}),
    ("rose in 2023 to 61,200 tons", "61,200 tons", {"value": 61200.0, "unit": "t"}),
    ("in 2022 it averaged 4,000 tonnes a month", "4,000 tonnes a month", {"value": 4000.0, "unit": "t/mo"}),
    ("up from 512t a year earlier", "512t", {"value": 512.0, "unit": "t"}),
    ("a 400 tonnes a day mill", "400 tonnes a day", {"value": 400.0, "unit": "t/day"}),
])
def test_quantity_forms(text, span, want):
    check(one(text, "QUANTITY", span), want)


@pytest.mark.parametrize("text", [
    "the 1st of May", "He came 2nd in 2024.", "ranked 3rd in 2023", "There are 2 in 2024 and 3 in 2025.",
    "see /files/ore%2020tonnes%20list%2C2025.pdf", "the meeting starts at 2 pm",
])
def test_no_unit_from_an_ordinal_a_word_or_a_url(text):
    assert ents(text, "QUANTITY") == []


def test_from_one_quantity_to_another_is_two():
    got = [t for t, _ in ents("lifting capacity from 1,200 tonnes to 1,800 tonnes", "QUANTITY")]
    assert got == ["1,200 tonnes", "1,800 tonnes"]


# --- DATE ---------------------------------------------------------------------------------------

# 2025-10-22 is a Wednesday
PUB = "2025-10-22"


@pytest.mark.parametrize("text,span,start,end,grain", [
    ("The board met on Monday.", "Monday", "2025-10-20", "2025-10-20", "day"),
    ("The board met on Wednesday.", "Wednesday", "2025-10-22", "2025-10-22", "day"),
    ("Prices peaked last Wednesday.", "last Wednesday", "2025-10-15", "2025-10-15", "day"),
    ("The rules will apply from Friday.", "Friday", "2025-10-24", "2025-10-24", "day"),
    ("Bids closed last week.", "last week", "2025-10-13", "2025-10-19", "day"),
    ("Stocks built up two months ago.", "two months ago", "2025-08-01", "2025-08-31", "month"),
    ("The plant shut three days ago.", "three days ago", "2025-10-19", "2025-10-19", "day"),
    ("Output fell yesterday.", "yesterday", "2025-10-21", "2025-10-21", "day"),
    ("Talks ran Sep 8-12 in Paris.", "Sep 8-12", "2025-09-08", "2025-09-12", "day"),
    ("The fair runs 14-16 October 2025.", "14-16 October 2025", "2025-10-14", "2025-10-16", "day"),
    ("updated 17/10/2025", "17/10/2025", "2025-10-17", "2025-10-17", "day"),
    ("filed 10/17/2025", "10/17/2025", "2025-10-17", "2025-10-17", "day"),
    ("signed 2025-10-17", "2025-10-17", "2025-10-17", "2025-10-17", "day"),
    ("signed 17-Oct-2025", "17-Oct-2025", "2025-10-17", "2025-10-17", "day"),
    ("sales in 2024 Q2", "2024 Q2", "2024-04-01", "2024-06-30", "quarter"),
    ("sales in 2Q24", "2Q24", "2024-04-01", "2024-06-30", "quarter"),
    ("a 2H25 recovery", "2H25", "2025-07-01", "2025-12-31", "half"),
    ("half-year 2024 results", "half-year 2024", "2024-01-01", "2024-06-30", "half"),
    ("the Fourth Quarter 2024 report", "the Fourth Quarter 2024", "2024-10-01", "2024-12-31", "quarter"),
    ("imports in the first seven months of 2025", "the first seven months of 2025", "2025-01-01", "2025-07-31",
     "month"),
    ("exports over the first two quarters", "the first two quarters", "2025-01-01", "2025-06-30", "quarter"),
    ("shipped on June 1st", "June 1st", "2025-06-01", "2025-06-01", "day"),
    ("results for the 1st quarter of 2025", "the 1st quarter of 2025", "2025-01-01", "2025-03-31", "quarter"),
    ("cash at the end of June", "the end of June", "2025-06-30", "2025-06-30", "day"),
    ("the second half of August", "the second half of August", "2025-08-16", "2025-08-31", "day"),
    ("the six months to 30 June 2025", "the six months to 30 June 2025", "2025-01-01", "2025-06-30", "half"),
    ("the quarter ended June 30", "the quarter ended June 30", "2025-04-01", "2025-06-30", "quarter"),
])
def test_date_forms(text, span, start, end, grain):
    check(one(text, "DATE", span, PUB), {"start": start, "end": end, "grain": grain})


@pytest.mark.parametrize("text,span,start,end", [
    # an Australian issuer (July-June years, named by their end)
    ("Kestrel (ASX: KSM) results for Q2 FY26 in Australia.", "Q2 FY26", "2025-10-01", "2025-12-31"),
    ("Kestrel (ASX: KSM) targets 1H FY2027 in Australia.", "1H FY2027", "2026-07-01", "2026-12-31"),
    # an Indian scheme (April-March years)
    ("India's scheme runs FY27 to FY30 in India.", "FY27 to FY30", "2026-04-01", "2030-03-31"),
    ("India's imports in 2023-24 in India rose.", "2023-24", "2023-04-01", "2024-03-31"),
    # a year stated by the text
    ("The group's financial year runs to 30 September; FY2025 closed well.", "FY2025", "2024-10-01", "2025-09-30"),
    # calendar when nothing says otherwise
    ("Orders in 1H CY2026 rose.", "1H CY2026", "2026-01-01", "2026-06-30"),
])
def test_fiscal_periods(text, span, start, end):
    check(one(text, "DATE", span, PUB), {"start": start, "end": end})


def test_year_to_date_runs_to_the_month_before_publication():
    check(one("Year-to-date imports rose.", "DATE", "Year-to-date", PUB),
          {"start": "2025-01-01", "end": "2025-09-30", "grain": "month"})


@pytest.mark.parametrize("text", [
    "under Notice No. 12 of 2025",
    "Orders No. 3, 4 and 5 of 2024 apply",
    "the Critical Minerals (Supply) Act 2024 passed",
])
def test_a_year_inside_a_reference_is_no_date(text):
    assert ents(text, "DATE", PUB) == []


@pytest.mark.parametrize("text", ["prices fell from the previous quarter", "compared with a year earlier"])
def test_comparison_bases_are_no_dates(text):
    assert ents(text, "DATE", PUB) == []


def test_a_year_before_a_quantity_is_a_date():
    assert ents("Output rose in 2024 to 18,900 tons.", "DATE", PUB) == [
        ("2024", {"start": "2024-01-01", "end": "2024-12-31", "grain": "year"})]


def test_past_months_without_a_year_stay_in_the_past():
    # an April 2020 article: what happened in March and in February was in 2020, not 2021
    got = dict(ents("Shipments rose more than expected in March, after a fall in February.", "DATE",
                    "2020-04-14"))
    assert got["March"]["start"] == "2020-03-01" and got["February"]["start"] == "2020-02-01"


def test_a_futures_contract_month_is_the_coming_one():
    assert one("the December contract settled lower", "DATE", "December", PUB)["start"] == "2025-12-01"


def test_the_current_quarter_stays_current_when_announced():
    assert one("Approvals are expected to pick up in Q4.", "DATE", "Q4", PUB)["start"] == "2025-10-01"


# --- undated articles ---------------------------------------------------------------------------

@pytest.mark.parametrize("text,span,grain", [
    ("Exports fell in September.", "September", "month"),
    ("The ministry acted on Friday.", "Friday", "day"),
    ("Prices rose last month.", "last month", "month"),
    ("Bids closed two weeks ago.", "two weeks ago", "day"),
    ("Revenue rose in Q3.", "Q3", "quarter"),
    ("Output was up on 9 October.", "9 October", "day"),
])
def test_undated_articles_resolve_nothing_against_today(text, span, grain):
    assert one(text, "DATE", span, None) == {"start": None, "end": None, "grain": grain}


def test_undated_articles_keep_dates_with_a_year():
    assert one("Output was up on 9 October 2024.", "DATE", "9 October 2024", None)["start"] == "2024-10-09"


# --- properties ---------------------------------------------------------------------------------

WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
DAYS = st.dates(min_value=date(2000, 1, 1), max_value=date(2049, 12, 31))


@settings(max_examples=40, deadline=None)
@given(pub=DAYS, wd=st.sampled_from(WEEKDAYS))
def test_a_weekday_is_the_latest_one_on_or_before_publication(pub, wd):
    v = one(f"The company said on {wd} that output fell.", "DATE", wd, pub.isoformat())
    d = date.fromisoformat(v["start"])
    assert WEEKDAYS[d.weekday()] == wd and pub - timedelta(days=6) <= d <= pub
    last = date.fromisoformat(one(f"Prices fell last {wd}.", "DATE", f"last {wd}", pub.isoformat())["start"])
    assert WEEKDAYS[last.weekday()] == wd and pub - timedelta(days=7) <= last < pub


@settings(max_examples=40, deadline=None)
@given(d=st.dates(min_value=date(1990, 1, 1), max_value=date(2049, 12, 31)).filter(lambda d: d.day > 12))
def test_numeric_dates_read_either_order_when_a_part_is_no_month(d):
    for text in (f"{d.day}/{d.month}/{d.year}", f"{d.month}/{d.day}/{d.year}"):
        assert one(f"dated {text} in the file", "DATE", text)["start"] == d.isoformat()


@settings(max_examples=40, deadline=None)
@given(pub=DAYS, month=st.integers(1, 12))
def test_a_past_month_without_a_year_is_the_latest_on_or_before_publication(pub, month):
    name = date(2000, month, 1).strftime("%B")
    if name == "May":
        name = "May"  # the month after "in"
    v = one(f"Imports fell in {name}.", "DATE", name, pub.isoformat())
    start = date.fromisoformat(v["start"])
    assert start <= pub < start.replace(year=start.year + 1)
