"""Key findings: the few sentences a report opens with, each built from an analysis result.

Report stage. A reader who opens a report should find its main findings on the first
screen, each with its number, how sure that number is (an interval, or how many it
rests on) and the caveat that goes with it, and a link to the section that shows it.
Every sentence here is built from a table the notebook also shows further down, so the
key findings claim nothing the sections do not show, and a test can check each number
against the analysis.

- Country report: :func:`harvest_finding`, :func:`substantiation_finding`,
  :func:`theme_finding`, :func:`agreement_finding`, :func:`quality_finding`.
- Comparison: :func:`rates_finding`, :func:`association_finding`,
  :func:`substantiation_comparison_finding`, :func:`distinctive_finding`.

Each returns a :class:`Finding` (or ``None`` when there is nothing to say);
:func:`key_findings_html` lays them out as the box at the top of a report
(``<section class="sl-key-findings-box">`` holding ``<ul class="sl-key-findings">``;
the batch index reads the first item). Statistics are worded only as strongly as their
test allows: a difference between countries is called one only when its Holm-corrected
test says so; otherwise the sentence says the data cannot tell.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import quote

import pandas as pd

from sparklearn.analysis.contingency import ContingencyResult
from sparklearn.report import comparison_words
from sparklearn.report.words import interpret_alpha
from sparklearn.wording import count_noun


@dataclass(frozen=True)
class Finding:
    """One key finding: a plain sentence and the section (heading) that shows it.

    Attributes
    ----------
    text
        The sentence, plain text (escaped when rendered).
    section
        The heading of the section that shows it, as written in the notebook.
    """

    text: str
    section: str

    @property
    def anchor(self) -> str:
        """The id nbconvert gives the section's heading."""
        return heading_id(self.section)


def heading_id(heading: str) -> str:
    """The ``id`` nbconvert gives a Markdown heading, for links within a report.

    nbconvert replaces spaces with ``-`` and URL-encodes what a fragment cannot hold.

    Parameters
    ----------
    heading
        The heading's text, as written after the ``#`` marks.

    Returns
    -------
    str
        The heading's id.

    Examples
    --------
    >>> heading_id("What kinds of outcomes, where"), heading_id("Agreement between coders")
    ('What-kinds-of-outcomes,-where', 'Agreement-between-coders')
    """
    return quote(heading.strip().replace(" ", "-"), safe="?/:@!$&'()*+,;=")


def percent(share: float) -> str:
    """A share as readers write it: ``34%``; one decimal only below 1% or above 99%.

    Parameters
    ----------
    share
        A proportion, 0 to 1.

    Returns
    -------
    str

    Examples
    --------
    >>> percent(0.3417), percent(0.004), percent(1.0), percent(0.5), percent(0.99999), percent(0.995)
    ('34%', '0.4%', '100%', '50%', '100%', '99.5%')
    """
    value = 100 * float(share)
    if 0 < value < 1 or 99 < value < 99.95:
        return f"{value:.1f}%"
    return f"{value:.0f}%"


def rate(value: float) -> str:
    """A rate as a report writes it: two decimals below 10 (so a rate and its interval read alike), whole above.

    Examples
    --------
    >>> rate(0.2841), rate(0.3), rate(1.4), rate(12.3), rate(0.0)
    ('0.28', '0.30', '1.40', '12', '0.00')
    """
    return f"{float(value):.2f}" if abs(value) < 10 else f"{float(value):.0f}"


def _months(dates: pd.Series) -> str:
    dates = pd.to_datetime(dates, errors="coerce").dropna()
    if dates.empty:
        return ""
    first, last = f"{dates.min():%b %Y}", f"{dates.max():%b %Y}"
    return f" ({first})" if first == last else f" ({first} to {last})"


# --------------------------------------------------------------------------- country report


def harvest_finding(outcomes: pd.DataFrame, labels: Mapping[str, str] | None = None,
                    section: str = "Outcome harvest") -> Finding:
    """How many outcomes, for how many campaigns, how many policy or budget changes and above the local level.

    Parameters
    ----------
    outcomes
        The country's outcomes (campaign_id, date, outcome_area, type_of_change, level).
    labels
        Outcome-area id -> label.
    section
        Heading of the section that shows the harvest.

    Returns
    -------
    Finding

    Examples
    --------
    >>> o = pd.DataFrame({"campaign_id": ["a", "a", "b"], "date": pd.to_datetime(["2021-01-05", "2021-06-01",
    ...                   "2022-03-01"]), "outcome_area": ["OA-POWER", "OA-POWER", "OA-EQUITY"],
    ...                   "type_of_change": ["action", "policy", "budget"], "level": ["local", "local", "national"]})
    >>> print(harvest_finding(o, {"OA-POWER": "Power"}).text)
    3 outcomes harvested for 2 campaigns (Jan 2021 to Mar 2022): 2 are changes in policy or budgets and 1 is above the local level; the most frequent outcome area is Power (2 of 3). These are the changes the team harvested, not a census of every change.
    """
    n = len(outcomes)
    if n == 0:
        return Finding("No outcomes have been harvested yet (or none in the period chosen), so the report says "
                       "nothing yet about what changed.", section)
    labels = labels or {}
    policy = int(outcomes["type_of_change"].isin(["policy", "budget"]).sum())
    above = int(outcomes["level"].isin(["subnational", "national", "international"]).sum())
    areas = outcomes["outcome_area"].value_counts()
    text = (f"{count_noun(n, 'outcome')} harvested for {count_noun(outcomes['campaign_id'].nunique(), 'campaign')}"
            f"{_months(outcomes['date'])}: {policy} {'is a change' if policy == 1 else 'are changes'} in policy or "
            f"budgets and {above} {'is' if above == 1 else 'are'} above the local level")
    if len(areas):
        text += f"; the most frequent outcome area is {labels.get(areas.index[0], areas.index[0])} ({areas.iloc[0]} of {n})"
    return Finding(text + ". These are the changes the team harvested, not a census of every change.", section)


def substantiation_finding(overall: pd.DataFrame, section: str = "How well substantiated") -> Finding | None:
    """How many outcomes an independent informant was asked about, and the share confirmed, with its interval.

    Parameters
    ----------
    overall
        :func:`sparklearn.analysis.outcomes.substantiation_rates` with ``by=None``
        (one row: n_outcomes, n_checked, n_fully, n_partially, share_confirmed,
        confirmed_low, confirmed_high).
    section
        Heading of the section that shows it.

    Returns
    -------
    Finding or None
        None without outcomes.

    Examples
    --------
    >>> t = pd.DataFrame({"n_outcomes": [28], "n_checked": [10], "n_fully": [6], "n_partially": [2],
    ...                   "share_confirmed": [0.8], "confirmed_low": [0.49], "confirmed_high": [0.943]})
    >>> print(substantiation_finding(t).text)
    An independent informant was asked about 10 of the 28 outcomes and confirmed 8 of them fully or partly (80%, 95% interval 49% to 94%). The team chose which outcomes to check, so this speaks for the outcomes checked, not the whole harvest.
    """
    if overall.empty or int(overall["n_outcomes"].iloc[0]) == 0:
        return None
    row = overall.iloc[0]
    n, checked = int(row["n_outcomes"]), int(row["n_checked"])
    if checked == 0:
        return Finding(f"None of the {count_noun(n, 'outcome')} has been put to an independent informant yet, so "
                       "none is substantiated.", section)
    confirmed = int(row["n_fully"]) + int(row["n_partially"])
    return Finding(
        f"An independent informant was asked about {checked} of the {count_noun(n, 'outcome')} and confirmed "
        f"{confirmed} of them fully or partly ({percent(row['share_confirmed'])}, 95% interval "
        f"{percent(row['confirmed_low'])} to {percent(row['confirmed_high'])}). The team chose which outcomes to "
        "check, so this speaks for the outcomes checked, not the whole harvest.", section)


def theme_finding(frequencies: pd.DataFrame, labels: Mapping[str, str] | None = None,
                  section: str = "Themes") -> Finding | None:
    """The theme that came up most: on how many of the turns, and the share.

    Parameters
    ----------
    frequencies
        :func:`sparklearn.analysis.themes.code_frequencies` for one group (code_id,
        n_segments, segments_in_group, coverage).
    labels
        Code id -> label.
    section
        Heading of the section that shows it.

    Returns
    -------
    Finding or None
        None when no turn is coded.

    Examples
    --------
    >>> f = pd.DataFrame({"code_id": ["A", "B"], "n_segments": [45, 12], "segments_in_group": [131, 131],
    ...                   "coverage": [45 / 131, 12 / 131]})
    >>> print(theme_finding(f, {"A": "Coalition building"}).text)
    The theme that came up most in the reflection sessions is Coalition building: 45 of 131 speaker turns (34%). It counts the turns any coder marked with it, so read it alongside the coders' agreement.
    """
    coded = frequencies.loc[frequencies["n_segments"] > 0]
    if coded.empty:
        return None
    top = coded.sort_values(["n_segments", "code_id"], ascending=[False, True]).iloc[0]
    labels = labels or {}
    return Finding(
        f"The theme that came up most in the reflection sessions is {labels.get(top['code_id'], top['code_id'])}: "
        f"{int(top['n_segments'])} of {int(top['segments_in_group'])} speaker turns ({percent(top['coverage'])}). "
        "It counts the turns any coder marked with it, so read it alongside the coders' agreement.", section)


def agreement_finding(table: pd.DataFrame, section: str = "Agreement between coders") -> Finding | None:
    """The pooled Krippendorff's alpha with its interval and what it allows, or why there is none.

    Parameters
    ----------
    table
        :func:`sparklearn.analysis.agreement.agreement` (its ``all codes`` row is read:
        n_units, krippendorff_alpha, and alpha_ci_low / alpha_ci_high when present).
    section
        Heading of the section that shows it.

    Returns
    -------
    Finding or None
        None when the table has no pooled row.

    Examples
    --------
    >>> t = pd.DataFrame({"code_id": ["all codes"], "n_units": [120], "krippendorff_alpha": [0.741],
    ...                   "alpha_ci_low": [0.69], "alpha_ci_high": [0.79]})
    >>> print(agreement_finding(t).text)
    Two coders who coded the same sessions agree with Krippendorff's alpha 0.74 (95% interval 0.69 to 0.79, over 120 turn-by-theme decisions): acceptable for tentative conclusions only, so the theme counts are a first reading to discuss.
    """
    pooled = table.loc[table["code_id"] == "all codes"]
    if "with_uncoded" in pooled and pooled["with_uncoded"].any():
        pooled = pooled.loc[pooled["with_uncoded"].astype(bool)]
    if pooled.empty:
        return None
    row = pooled.iloc[0]
    n = int(row["n_units"])
    alpha = row.get("krippendorff_alpha", float("nan"))
    if n < 10 or pd.isna(alpha) or bool(row.get("too_few_units", False)):
        return Finding("Agreement between coders cannot be measured yet (too few turns coded by two coders), so the "
                       "theme counts are one coder's reading.", section)
    interval = ""
    if pd.notna(row.get("alpha_ci_low", float("nan"))) and pd.notna(row.get("alpha_ci_high", float("nan"))):
        interval = f"95% interval {row['alpha_ci_low']:.2f} to {row['alpha_ci_high']:.2f}, "
    reading = interpret_alpha(alpha).split(" (")[0]
    use = {"reliable": "the theme counts can be relied on",
           "acceptable for tentative conclusions only": "the theme counts are a first reading to discuss"}.get(
        reading, "do not draw conclusions from the theme counts yet")
    return Finding(f"Two coders who coded the same sessions agree with Krippendorff's alpha {alpha:.2f} ({interval}"
                   f"over {n:,} turn-by-theme decisions): {reading}, so {use}.", section)


def quality_finding(manifest: Mapping, problems: pd.DataFrame, section: str = "Data quality") -> Finding | None:
    """How many rows of the country's files were kept out by an error; None when none were.

    Parameters
    ----------
    manifest
        The country's ``manifest.json`` (``tables``: name -> read, accepted, rejected).
    problems
        The country's problems (severity).
    section
        Heading of the section that lists them.

    Returns
    -------
    Finding or None

    Examples
    --------
    >>> m = {"tables": {"codings": {"read": 10, "accepted": 9, "rejected": 1}}}
    >>> print(quality_finding(m, pd.DataFrame({"severity": ["error"]})).text)
    1 of 10 rows in the country's files was kept out of the analysis by an error: the numbers above leave it out until the file is fixed.
    """
    tables = manifest.get("tables", {}) if manifest else {}
    read = sum(int(t.get("read", 0)) for t in tables.values())
    rejected = sum(int(t.get("rejected", 0)) for t in tables.values())
    if rejected == 0:
        return None
    return Finding(f"{rejected} of {count_noun(read, 'row')} in the country's files "
                   f"{'was' if rejected == 1 else 'were'} kept out of the analysis by an error: the numbers above "
                   f"leave {'it' if rejected == 1 else 'them'} out until the file is fixed.", section)


# --------------------------------------------------------------------------- comparison


def rates_finding(country_rates: pd.DataFrame, names: Mapping[str, str] | None = None,
                  section: str = "Outcomes per campaign-month") -> Finding | None:
    """The highest and lowest outcome rate per campaign-month, with their exact intervals.

    Parameters
    ----------
    country_rates
        :func:`sparklearn.analysis.rates.outcome_rates` by country (country, n_campaigns,
        n_outcomes, per_campaign_month, ci_low, ci_high).
    names
        Country slug -> name.
    section
        Heading of the section that shows them.

    Returns
    -------
    Finding or None
        None without any rate.

    Examples
    --------
    >>> r = pd.DataFrame({"country": ["gh", "ke"], "n_campaigns": [2, 2], "n_outcomes": [10, 30],
    ...                   "per_campaign_month": [0.2841, 0.61], "ci_low": [0.14, 0.41], "ci_high": [0.52, 0.87]})
    >>> print(rates_finding(r, {"gh": "Ghana", "ke": "Kenya"}).text)
    Outcomes per campaign-month range from 0.28 in Ghana (95% interval 0.14 to 0.52) to 0.61 in Kenya (0.41 to 0.87), over 40 outcomes of 4 campaigns. Teams harvest in their own ways: a higher rate can mean a more thorough harvest as much as more change.
    """
    shown = country_rates.dropna(subset=["per_campaign_month"])
    if shown.empty:
        return None
    names = names or {}
    low, high = (shown.sort_values(["per_campaign_month", "country"]).iloc[i] for i in (0, -1))
    scope = (f"over {count_noun(int(shown['n_outcomes'].sum()), 'outcome')} of "
             f"{count_noun(int(shown['n_campaigns'].sum()), 'campaign')}")
    caveat = "Teams harvest in their own ways: a higher rate can mean a more thorough harvest as much as more change."
    if len(shown) == 1:
        return Finding(f"{names.get(low['country'], low['country'])} harvested {rate(low['per_campaign_month'])} "
                       f"outcomes per campaign-month (95% interval {rate(low['ci_low'])} to {rate(low['ci_high'])}), "
                       f"{scope}. {caveat}", section)
    return Finding(
        f"Outcomes per campaign-month range from {rate(low['per_campaign_month'])} in "
        f"{names.get(low['country'], low['country'])} (95% interval {rate(low['ci_low'])} to {rate(low['ci_high'])}) "
        f"to {rate(high['per_campaign_month'])} in {names.get(high['country'], high['country'])} "
        f"({rate(high['ci_low'])} to {rate(high['ci_high'])}), {scope}. {caveat}", section)


def association_finding(result: ContingencyResult | None, *, what: str = "the outcome areas", alpha: float = 0.05,
                        section: str = "What kinds of outcomes, where") -> Finding | None:
    """Whether the countries spread their outcomes differently, as far as the report-wide corrected test says.

    Effect words only beside a test that supports them: a difference is said to be
    there only when the p-value after the report-wide Holm correction (``p_adjusted``,
    set by :func:`sparklearn.analysis.multiplicity.correct_across_report`; the table's
    own p-value when it is not in a family) is below ``alpha``; otherwise the sentence
    says the data do not show one. No effect size is worded here: the section gives it
    beside its test.

    Parameters
    ----------
    result
        :func:`sparklearn.analysis.contingency.contingency`, country (or sector) by a
        classification of outcomes.
    what
        The column classification in words.
    alpha
        Level of the test.
    section
        Heading of the section that shows the table.

    Returns
    -------
    Finding or None
        None without a result or when no test could be run.

    Examples
    --------
    >>> from sparklearn.analysis.contingency import contingency
    >>> o = pd.DataFrame({"country": ["gh"] * 30 + ["ke"] * 30,
    ...                   "level": ["local"] * 22 + ["national"] * 8 + ["local"] * 9 + ["national"] * 21})
    >>> print(association_finding(contingency(o, "country", "level"), what="the levels").text)
    Over 60 outcomes, the countries spread their outcomes over the levels differently, more than chance would explain (Pearson's chi-square, 1 degree of freedom: p < 0.001); the section shows where.
    """
    if result is None or pd.isna(result.p_value):
        return None
    adjusted = getattr(result, "p_adjusted", float("nan"))
    family = int(getattr(result, "family_size", 1) or 1)
    decisive = result.p_value if pd.isna(adjusted) else adjusted
    label = comparison_words.test_label(result.test, result.dof, result.n_resamples)
    tested = (f"{label}: " if label != "none possible" else "") + f"p {_p_text(result.p_value)}"
    if pd.notna(adjusted) and family > 1:
        tested += f"; p {_p_text(adjusted)} after Holm's correction across the report's {family} tests"
    subject = "countries" if result.row == "country" else f"{result.row}s"
    n = count_noun(int(result.n), "outcome")
    if decisive < alpha:
        return Finding(f"Over {n}, the {subject} spread their outcomes over {what} differently, more than chance "
                       f"would explain ({tested}); the section shows where.", section)
    return Finding(f"Over {n}, the {subject}' spread over {what} differs no more than chance would explain "
                   f"({tested}): the data do not show that {subject} harvest different kinds of change.", section)


def _p_text(p: float) -> str:
    shown = comparison_words.format_p(p)
    return shown if shown.startswith("<") else f"= {shown}"


def substantiation_comparison_finding(overall: pd.DataFrame, by_country: pd.DataFrame,
                                      names: Mapping[str, str] | None = None,
                                      section: str = "Substantiation: outcomes checked with an independent informant"
                                      ) -> Finding | None:
    """How many outcomes were checked across countries, the range by country, and the share confirmed.

    Parameters
    ----------
    overall
        :func:`sparklearn.analysis.outcomes.substantiation_rates` with ``by=None``.
    by_country
        :func:`sparklearn.analysis.outcomes.substantiation_by` (country, n_outcomes,
        share_checked).
    names
        Country slug -> name.
    section
        Heading of the section that shows it.

    Returns
    -------
    Finding or None

    Examples
    --------
    >>> o = pd.DataFrame({"n_outcomes": [40], "n_checked": [20], "n_fully": [12], "n_partially": [4],
    ...                   "share_confirmed": [0.8], "confirmed_low": [0.58], "confirmed_high": [0.92]})
    >>> b = pd.DataFrame({"country": ["gh", "ke"], "n_outcomes": [10, 30], "share_checked": [0.2, 0.6]})
    >>> print(substantiation_comparison_finding(o, b, {"gh": "Ghana", "ke": "Kenya"}).text)
    20 of 40 outcomes (50%) were put to an independent informant, from 20% in Ghana to 60% in Kenya; the informants confirmed 16 of the 20 fully or partly (80%; each country's share, with its interval, is in the section). Teams chose which outcomes to check, so the confirmations speak for the outcomes checked.
    """
    if overall.empty or int(overall["n_outcomes"].iloc[0]) == 0:
        return None
    row = overall.iloc[0]
    n, checked = int(row["n_outcomes"]), int(row["n_checked"])
    names = names or {}
    text = f"{checked} of {count_noun(n, 'outcome')} ({percent(checked / n)}) were put to an independent informant"
    shares = by_country.loc[by_country["n_outcomes"] > 0].sort_values(["share_checked", "country"])
    if len(shares) > 1:
        low, high = shares.iloc[0], shares.iloc[-1]
        text += (f", from {percent(low['share_checked'])} in {names.get(low['country'], low['country'])} to "
                 f"{percent(high['share_checked'])} in {names.get(high['country'], high['country'])}")
    if checked == 0:
        return Finding(text + ".", section)
    confirmed = int(row["n_fully"]) + int(row["n_partially"])
    # No pooled interval: the section gives each country's (outcomes of one team are not independent of each other).
    return Finding(text + f"; the informants confirmed {confirmed} of the {checked} fully or partly "
                   f"({percent(row['share_confirmed'])}; each country's share, with its interval, is in the section). "
                   "Teams chose which outcomes to check, so the confirmations speak for the outcomes checked.", section)


def distinctive_finding(distinctive: pd.DataFrame,
                        section: str = "What is distinctive for each country") -> Finding | None:
    """How many themes stand out for a country beyond chance (Holm within country), and for how many countries.

    Parameters
    ----------
    distinctive
        :func:`sparklearn.analysis.themes.distinctive_themes` by country (country,
        code_id, direction).
    section
        Heading of the section that lists them.

    Returns
    -------
    Finding or None

    Examples
    --------
    >>> d = pd.DataFrame({"country": ["gh", "gh", "ke", "ke"], "code_id": ["A", "B", "A", "B"],
    ...                   "direction": ["more", "", "less", ""]})
    >>> print(distinctive_finding(d).text)
    2 theme-country pairs stand out beyond chance (Holm-corrected within each country), in 2 of 2 countries; the section lists them all. Turns of one session share a topic, so read them as a list to discuss with the country teams, not as a test of difference.
    """
    if distinctive.empty or distinctive["country"].nunique() < 2:
        return None
    standing = distinctive.loc[distinctive["direction"].fillna("") != ""]
    countries = distinctive["country"].nunique()
    if standing.empty:
        return Finding(f"No theme stands out for any of the {countries} countries beyond chance "
                       "(Holm-corrected within each country): the countries' sessions dwell on their themes in "
                       "proportions chance could explain.", section)
    return Finding(f"{count_noun(len(standing), 'theme-country pair')} stand{'s' if len(standing) == 1 else ''} out "
                   f"beyond chance (Holm-corrected within each country), in {standing['country'].nunique()} of "
                   f"{count_noun(countries, 'country')}; the section lists them all. Turns of one session share a "
                   "topic, so read them as a list to discuss with the country teams, not as a test of difference.",
                   section)


# --------------------------------------------------------------------------- HTML


def key_findings_html(findings: Iterable[Finding | None]) -> str:
    """The key-findings box a report opens with: one list item per finding, each linking to its section.

    Parameters
    ----------
    findings
        The findings in reading order; ``None`` entries are skipped. Without any, the
        box says the findings appear once the report has run to the end (a notebook
        shows the box first and fills it in later, see ``display_id`` in IPython).

    Returns
    -------
    str
        ``<section class="sl-key-findings-box"><h2>Key findings</h2><ul class="sl-key-findings">``
        with one ``<li>`` per finding: the escaped sentence, then a link
        (``a.sl-finding-link``) to the section's heading. The heading has no id, so
        the report's contents (built from headings with ids) leave it out.

    Examples
    --------
    >>> print(key_findings_html([Finding("3 < 4 & more.", "Outcome harvest"), None]))
    <section class="sl-key-findings-box"><h2>Key findings</h2><ul class="sl-key-findings">
    <li>3 &lt; 4 &amp; more. <a class="sl-finding-link" href="#Outcome-harvest">See Outcome harvest</a></li>
    </ul></section>
    """
    findings = [f for f in findings if f is not None]
    if not findings:
        return ('<section class="sl-key-findings-box"><h2>Key findings</h2><ul class="sl-key-findings">\n'
                "<li>The key findings appear here once the report has run to the end.</li>\n</ul></section>")
    items = [f'<li>{html.escape(f.text, quote=False)} <a class="sl-finding-link" href="#{html.escape(f.anchor)}">'
             f"See {html.escape(f.section, quote=False)}</a></li>" for f in findings]
    return ('<section class="sl-key-findings-box"><h2>Key findings</h2><ul class="sl-key-findings">\n'
            + "\n".join(items) + "\n</ul></section>")
