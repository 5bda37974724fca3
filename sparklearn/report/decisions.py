"""The learning loop for readers: what teams decided after reflecting, and what followed.

Stage: report. Sentences, a figure and reader tables over the results of
:mod:`sparklearn.analysis.decisions`:

- :func:`describe_decisions`: one country's register in a few sentences (decided, done,
  dropped, never followed up, linked to outcomes, how long to the first outcome);
- :func:`describe_follow_through`: the countries side by side, described, not ranked by
  a test (the numbers are small and the registers are the teams' own);
- :func:`plot_follow_through`: where each country's decisions stand, as stacked bars;
- :func:`decisions_for_readers`: the register as a reader's table (names, labels, dates).

The links from decisions to outcomes are the teams' own judgement of contribution; every
sentence that uses them says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from sparklearn.report.figure_text import describe_figure
from sparklearn.wording import and_list, count_noun

#: What the links are, in the readers' words (said beside every use of them).
LINKS_CAVEAT = ("The links are the team's own record of which decisions contributed to which outcomes: "
                "contribution as the team saw it, not a test of cause.")

#: Where a decision stands, in the order drawn, with the colour of each part (colour-blind safe, Okabe-Ito).
STANDING = {"done": ("done", "#009E73"), "dropped": ("dropped", "#999999"),
            "open_not_due": ("open, not yet due", "#56B4E9"),
            "never_followed_up": ("due, never followed up", "#D55E00"),
            "due_noted": ("due, open, with a follow-up note", "#E69F00")}


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "no"


def _register_errors(problems: pd.DataFrame) -> bool:
    """Whether any error is about a decisions register file (``decisions.xlsx`` or ``.csv``)."""
    stems = problems["file"].astype(str).map(lambda f: Path(f).stem.casefold())
    return bool(((stems == "decisions") & (problems["severity"] == "error")).any())


def describe_decisions(follow: pd.DataFrame, *, as_of: pd.Timestamp | None = None,
                       problems: pd.DataFrame | None = None) -> str:
    """One country's decisions register in a few sentences (Markdown).

    Parameters
    ----------
    follow
        :func:`sparklearn.analysis.decisions.follow_through` for the country (one row;
        empty when the country keeps no register).
    as_of
        The date the due decisions were counted at (the data's last date).
    problems
        The country's problems: when no decision was read but the register has errors
        (it could not be read, or every row was kept out), that is said, not that the
        team keeps no register.

    Returns
    -------
    str

    Examples
    --------
    >>> row = pd.DataFrame({"n_decisions": [16], "done": [13], "dropped": [3], "open": [0], "due": [0],
    ...                     "never_followed_up": [0], "with_outcome": [11], "median_days_to_outcome": [43.0]})
    >>> print(describe_decisions(row))  # doctest: +NORMALIZE_WHITESPACE
    The team recorded 16 decisions after its reflection sessions: 13 done (81%), 3 dropped and none still
    open. 11 decisions (69%) are linked to at least one later outcome; the median time from a decision to its
    first linked outcome was 43 days. The links are the team's own record ...
    """
    if follow.empty or int(follow["n_decisions"].sum()) == 0:
        if problems is not None and len(problems) and _register_errors(problems):
            return ("The team's decisions register is there, but no decision could be read from it, so this report "
                    "cannot follow its decisions from reflection to action to outcome. The 'Data quality' section "
                    "says what to fix.")
        return ("The team keeps no decisions register yet, so this report cannot follow its decisions from "
                "reflection to action to outcome. The country lead can start one from the Excel template "
                "(see the README's section on the decisions register).")
    row = follow.iloc[0]
    n, done, dropped, still_open = (int(row[c]) for c in ("n_decisions", "done", "dropped", "open"))
    opened = f"{count_noun(still_open, 'still open', 'still open')}" if still_open else "none still open"
    text = [f"The team recorded {count_noun(n, 'decision')} after its reflection sessions: {done} done "
            f"({_share(done, n)}), {dropped} dropped and {opened}."]
    if int(row["due"]):
        when = f" by {as_of:%d %B %Y}" if as_of is not None else ""
        never = int(row["never_followed_up"])
        text.append(f"Of the open ones, {count_noun(int(row['due']), 'was', 'were')} due{when}; "
                    f"{never} of them {'has' if never == 1 else 'have'} no follow-up note: "
                    f"{'a decision' if never == 1 else 'decisions'} never followed up.")
    linked = int(row["with_outcome"])
    if linked:
        text.append(f"{count_noun(linked, 'decision')} ({_share(linked, n)}) "
                    f"{'is' if linked == 1 else 'are'} linked to at least one later outcome")
        median = row.get("median_days_to_outcome")
        if median is not None and pd.notna(median):
            text[-1] += f"; the median time from a decision to its first linked outcome was {median:.0f} days"
        text[-1] += f". {LINKS_CAVEAT}"
    else:
        text.append("No decision is linked to an outcome yet.")
    return " ".join(text)


def decisions_finding(follow: pd.DataFrame, *, as_of: pd.Timestamp | None = None,
                      section: str = "From reflection to action"):
    """The key finding on the country's decisions register, or None when it keeps none.

    Parameters
    ----------
    follow
        :func:`sparklearn.analysis.decisions.follow_through` for the country (one row).
    as_of
        The date due decisions were counted at.
    section
        Heading of the section that shows it.

    Returns
    -------
    sparklearn.report.findings.Finding or None

    Examples
    --------
    >>> row = pd.DataFrame({"n_decisions": [27], "done": [7], "dropped": [8], "open": [12], "due": [12],
    ...                     "never_followed_up": [12], "with_outcome": [6]})
    >>> print(decisions_finding(row).text)  # doctest: +ELLIPSIS
    Of 27 decisions the team recorded after its reflection sessions, 7 were done (26%) and 12 were due but never followed up; 6 are linked by the team to a later outcome (its own record of contribution, not a test of cause).
    """
    from sparklearn.report.findings import Finding

    if follow.empty or int(follow["n_decisions"].sum()) == 0:
        return None
    row = follow.iloc[0]
    n, done, never, linked = (int(row[c]) for c in ("n_decisions", "done", "never_followed_up", "with_outcome"))
    never_text = (f" and {never} {'was' if never == 1 else 'were'} due but never followed up" if never
                  else ", and none is overdue without a follow-up note")
    return Finding(f"Of {count_noun(n, 'decision')} the team recorded after its reflection sessions, {done} "
                   f"{'was' if done == 1 else 'were'} done ({_share(done, n)}){never_text}; {linked} "
                   f"{'is' if linked == 1 else 'are'} linked by the team to a later outcome (its own record of "
                   "contribution, not a test of cause).", section)


def describe_follow_through(table: pd.DataFrame, *, names: Mapping[str, str] | None = None) -> str:
    """The countries' registers side by side, described (Markdown); no ranking claim.

    Parameters
    ----------
    table
        :func:`sparklearn.analysis.decisions.follow_through` by country.
    names
        Country slug -> name.

    Returns
    -------
    str

    Examples
    --------
    >>> t = pd.DataFrame({"country": ["kenya", "indonesia", "ghana"], "n_decisions": [16, 27, 0], "done": [13, 7, 0],
    ...                   "never_followed_up": [0, 12, 0], "with_outcome": [11, 6, 0]})
    >>> print(describe_follow_through(t, names={"kenya": "Kenya", "indonesia": "Indonesia"}))  # doctest: +ELLIPSIS
    2 countries keep a decisions register (ghana keeps none). The share of decisions done ranged from 26% (Indonesia, 7 of 27) to 81% (Kenya, 13 of 16); ...
    """
    names = dict(names or {})
    kept = table.loc[table["n_decisions"] > 0].reset_index(drop=True)
    none = [names.get(c, c) for c in table.loc[table["n_decisions"] == 0, "country"]]
    if kept.empty:
        return "No country keeps a decisions register yet."
    kept["share"] = kept["done"] / kept["n_decisions"]
    low, high = kept.loc[kept["share"].idxmin()], kept.loc[kept["share"].idxmax()]

    def who(row) -> str:
        return f"{names.get(row['country'], row['country'])}, {int(row['done'])} of {int(row['n_decisions'])}"

    text = [f"{count_noun(len(kept), 'country', 'countries')} {'keeps' if len(kept) == 1 else 'keep'} a decisions "
            "register"
            + (f" ({and_list(none)} {'keeps' if len(none) == 1 else 'keep'} none)." if none else ".")]
    if len(kept) > 1:
        text.append(f"The share of decisions done ranged from {low['share']:.0%} ({who(low)}) to "
                    f"{high['share']:.0%} ({who(high)});")
    never = kept.loc[kept["never_followed_up"] > 0]
    if len(never):
        listed = and_list([f"{names.get(c, c)} ({int(n)})" for c, n in zip(never["country"], never["never_followed_up"])])
        text.append(f"decisions due and never followed up: {listed}.")
    else:
        text.append("no country has a decision due and never followed up.")
    text.append("The registers are small and kept by each team in its own way: read these as descriptions of each "
                f"team's record, not as a ranking of teams. {LINKS_CAVEAT}")
    return " ".join(text)


def describe_course_changes(changes: pd.DataFrame, *, names: Mapping[str, str] | None = None) -> str:
    """How often teams changed course from one round of decisions to the next (Markdown).

    Parameters
    ----------
    changes
        :func:`sparklearn.analysis.decisions.course_changes` (one country or several).
    names
        Country slug -> name; with several countries, each is counted.

    Returns
    -------
    str

    Examples
    --------
    >>> c = pd.DataFrame({"country": "kenya", "campaign_id": "c", "round": [1, 2, 3],
    ...                   "changed_course": [False, True, False]})
    >>> describe_course_changes(c)
    'Of 2 rounds that followed an earlier round of decisions for the same campaign, 1 changed course: at least half of its decisions went to strategic components the previous round had not used.'
    """
    if changes.empty:
        return "No round of decisions to compare yet."
    later = changes.loc[changes.groupby(["country", "campaign_id"]).cumcount() > 0]
    if later.empty:
        return "Each campaign has one round of decisions so far: nothing to compare yet."
    rule = ("at least half of its decisions went to strategic components the previous round had not used")
    if later["country"].nunique() == 1:
        n, changed = len(later), int(later["changed_course"].sum())
        return (f"Of {count_noun(n, 'round')} that followed an earlier round of decisions for the same campaign, "
                f"{changed} changed course: {rule}.")
    names = dict(names or {})
    per = later.groupby("country")["changed_course"].agg(["sum", "size"])
    listed = and_list([f"{names.get(c, c)} {int(r['sum'])} of {int(r['size'])}" for c, r in per.iterrows()],
                      limit=len(per))
    return f"Rounds that changed course (where {rule}), by country: {listed}."


def plot_follow_through(table: pd.DataFrame, *, names: Mapping[str, str] | None = None, ax=None,
                        title: str = "Where each team's decisions stand"):
    """Stacked bars: each country's decisions by where they stand (done, dropped, open, never followed up).

    Parameters
    ----------
    table
        :func:`sparklearn.analysis.decisions.follow_through` by country (or one row).
    names
        Country slug -> name for the bars' labels.
    ax
        Axes to draw on; default a new figure.
    title
        The caption.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> t = pd.DataFrame({"country": ["kenya"], "n_decisions": [16], "done": [13], "dropped": [3], "open": [0],
    ...                   "due": [0], "never_followed_up": [0]})
    >>> fig = plot_follow_through(t)
    >>> [p.get_label() for p in fig.axes[0].containers][:2]
    ['done', 'dropped']
    """
    import matplotlib.pyplot as plt

    names = dict(names or {})
    kept = table.loc[table["n_decisions"] > 0].sort_values("n_decisions")
    parts = pd.DataFrame({
        "done": kept["done"], "dropped": kept["dropped"], "open_not_due": kept["open"] - kept["due"],
        "never_followed_up": kept["never_followed_up"], "due_noted": kept["due"] - kept["never_followed_up"],
    }).astype(int)
    labels = [names.get(c, c) for c in kept["country"]]
    if ax is None:
        fig, ax = plt.subplots(figsize=(8, 1.4 + 0.45 * max(len(kept), 1)), layout="constrained")
    else:
        fig = ax.figure
    left = pd.Series(0, index=parts.index)
    for key, (label, colour) in STANDING.items():
        ax.barh(labels, parts[key], left=left, color=colour, label=label)
        left = left + parts[key]
    ax.set_xlabel("decisions recorded")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, frameon=False, fontsize=8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    listing = "; ".join(f"{name}: {int(r.done)} done, {int(r.dropped)} dropped, {int(r.never_followed_up)} never "
                        f"followed up, of {int(r.n_decisions)}" for name, r in zip(labels, kept.itertuples()))
    describe_figure(fig, f"Stacked bars of where each team's decisions stand. {listing}." if listing
                    else "No decisions recorded.", title)
    return fig


def decisions_for_readers(decisions: pd.DataFrame, *, campaigns: Mapping[str, str] | None = None,
                          labels: Mapping[str, str] | None = None,
                          sessions: pd.DataFrame | None = None) -> pd.DataFrame:
    """The decisions register as readers read it: names and labels, dates, no ids but the decision's own.

    Parameters
    ----------
    decisions
        The decisions table.
    campaigns
        Campaign id -> name.
    labels
        Code id -> label (strategic components and the codes decisions address).
    sessions
        The sessions table: each decision's session is then shown as its round
        ("round 2") rather than its id.

    Returns
    -------
    pandas.DataFrame
        decided on, session (its round, with ``sessions``), campaign, decision, component, responds to, status, due by,
        follow-up, outcomes it led to; ``attrs["caption"]`` set.

    Examples
    --------
    >>> d = pd.DataFrame({"decision_id": ["D1"], "session_id": ["KE-S01"], "campaign_id": ["c"],
    ...                   "date": pd.to_datetime(["2023-01-10"]), "decision": ["Ask for a hearing."],
    ...                   "strategic_component": ["SC-ECOSYSTEM"], "addresses": ["BR-CLOSEDSPACE"],
    ...                   "status": ["in-progress"], "due_date": pd.to_datetime([None]), "follow_up": [None],
    ...                   "outcome_ids": ["KE-O004;KE-O009"]})
    >>> decisions_for_readers(d, campaigns={"c": "Clean water"}).iloc[0][["campaign", "status", "outcomes it led to"]].tolist()
    ['Clean water', 'in progress', 'KE-O004, KE-O009']
    """
    campaigns, labels = dict(campaigns or {}), dict(labels or {})

    def named(codes: pd.Series) -> pd.Series:
        return codes.astype("string").str.split(";").map(
            lambda parts: ", ".join(labels.get(p, p) for p in parts) if isinstance(parts, list) else "")

    session = decisions["session_id"].astype("string")
    if sessions is not None and len(sessions):
        rounds = dict(zip(sessions["session_id"], sessions["round"]))
        session = session.map(lambda s: f"round {rounds[s]}" if s in rounds else s)
    table = pd.DataFrame({
        "decided on": pd.to_datetime(decisions["date"]).dt.strftime("%d %b %Y").fillna(""),
        "session": session,
        "campaign": decisions["campaign_id"].map(lambda c: campaigns.get(c, c)).fillna(""),
        "decision": decisions["decision"].astype("string"),
        "strategic component": named(decisions["strategic_component"]),
        "responds to": named(decisions["addresses"]),
        "status": decisions["status"].astype("string").str.replace("-", " ", regex=False).fillna("not recorded"),
        "due by": pd.to_datetime(decisions["due_date"]).dt.strftime("%d %b %Y").fillna(""),
        "follow-up": decisions["follow_up"].astype("string").fillna(""),
        "outcomes it led to": decisions["outcome_ids"].astype("string").str.replace(";", ", ", regex=False).fillna(""),
    })
    table.attrs["caption"] = "The decisions register: what the team decided after each reflection session"
    return table.reset_index(drop=True)
