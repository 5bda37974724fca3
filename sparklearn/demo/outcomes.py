"""Fictitious outcome harvests for the demo data: outcome chains decided by campaign conditions.

:func:`demo_campaign_conditions` fixes, per campaign, the conditions (coalition
breadth, oversight engagement, inside allies, ...) that decide which outcomes a
campaign reaches; outcomes build on one another in chains, and only campaigns meant to
win hold a substantiated positive policy or budget outcome. The harvest is written as the Excel template a country
lead fills in, with timestamps pinned so that the workbook's bytes never change.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from sparklearn.codebook import Codebook
from sparklearn.countries import Registry, load_registry
from sparklearn.demo.content import (
    CONDITIONS,
    FIRST_DAY,
    HARVEST_NOTE,
    LAST_DAY,
    OUTCOME_COLUMNS,
    XLSX_TIME,
    demo_content,
    fill_template,
    pin_tokens,
    template_tokens,
    tokens_of_campaign,
)
from sparklearn.demo.sessions import DemoSession

# -------------------------------------------------------------------------- outcomes


def _eligible(template: Mapping, conditions: Mapping[str, int], tokens: Mapping[str, object]) -> bool:
    needed = template_tokens(template["text"]) | template_tokens(template["social_actor"]) | template_tokens(str(template["level"]))
    return all(conditions[r] for r in template["requires"]) and needed - {"when", "n"} <= tokens.keys()


#: Outcome templates that show a campaign condition; a campaign with the condition gets one of them.
_INDICATORS = {
    "broad_coalition": ("coalition_form", "cso_network"),
    "oversight_engagement": ("legislature_summons", "legislature_question", "audit_agenda"),
    "inside_allies": ("exec_meeting",),
    "media_work": ("media_series",),
}


def _chains(slug: str, campaign_id: str, tokens: Mapping[str, object], n_target: int,
            rng: np.random.Generator) -> list[list[str]]:
    """Outcome templates in chains: community action -> government response -> policy or budget.

    The first chains show the campaign's conditions (:data:`_INDICATORS`); then a
    'policy_win' campaign gets a chain ending in a positive policy or budget change,
    and every campaign one ending in a setback.
    """
    content = demo_content()
    spec = content["campaigns"][campaign_id]
    conditions, win = spec["conditions"], spec["policy_win"]
    weights_by_country = content["countries"][slug].get("outcome_weights", {})
    templates = {n: t for n, t in content["outcome_templates"].items()
                 if _eligible(t, conditions, tokens)}
    used: dict[str, int] = {}

    def pick(stage: int | None, *, positive_policy: bool = False, negative: bool = True,
             exclude: Sequence[str] = (), among: Sequence[str] | None = None) -> str:
        names = [n for n, t in templates.items() if (stage is None or t["stage"] == stage) and n not in exclude
                 and (among is None or n in among)
                 and (negative or not t.get("negative"))
                 and (not positive_policy or (t["type_of_change"] in ("policy", "budget") and not t.get("negative")))]
        w = np.array([weights_by_country.get(n, 1.0) * 0.35 ** used.get(n, 0)
                      * (0.3 if templates[n]["actor_type"] == "community" and not conditions["membership_base"] else 1.0)
                      * (0.35 if templates[n].get("negative") else 1.0)
                      for n in names])
        name = str(rng.choice(np.array(names, dtype=object), p=w / w.sum()))
        used[name] = used.get(name, 0) + 1
        return name

    def start() -> str:
        # Without a membership base, campaigns start as often from an official's or a CSO's move.
        if conditions["membership_base"] or rng.random() < 0.3:
            return pick(1)
        return pick(2, negative=False)

    chains: list[list[str]] = []
    for condition, group in _INDICATORS.items():
        if conditions[condition]:
            first = start()
            chains.append([first] if first in group else [first, pick(None, among=group, exclude=[first])])
    if win:
        first = start()
        chains.append([first, pick(2, negative=False, exclude=[first]), pick(3, positive_policy=True)])
    # Every campaign meets at least one setback: a space closed, a threat, a cut.
    setbacks = [n for n, t in templates.items() if t.get("negative")]
    chains.append([start(), pick(None, among=setbacks)])
    total = sum(map(len, chains))
    while total < n_target:
        length = int(rng.choice([1, 2, 3, 4], p=[0.2, 0.35, 0.3, 0.15]))
        chain = [start()]
        for i in range(1, max(1, min(length, n_target - total))):
            last = i == length - 1 and rng.random() < (0.65 if win else 0.35)
            chain.append(pick(3 if last else 2, exclude=chain))
            if templates[chain[-1]].get("negative"):
                break
        chains.append(chain)
        total += len(chain)
    return chains


def _substantiation(template: Mapping, win: int, first_win: bool, rng: np.random.Generator) -> str:
    """Designed so that only 'policy_win' campaigns hold a substantiated positive policy/budget outcome."""
    policy = template["type_of_change"] in ("policy", "budget") and not template.get("negative")
    if policy and first_win:
        return "fully"
    if policy and not win:
        return str(rng.choice(np.array(["not-yet", "disagree"], dtype=object), p=[0.75, 0.25]))
    return str(rng.choice(np.array(["not-yet", "fully", "partially", "disagree"], dtype=object),
                          p=[0.68, 0.14, 0.12, 0.06]))


def demo_outcomes(slug: str, country: dict, campaigns: pd.DataFrame, sessions: Sequence[DemoSession],
              rng: np.random.Generator) -> pd.DataFrame:
    content = demo_content()
    spec = content["countries"][slug]
    templates = content["outcome_templates"]
    sc_order = ["SC-AGENCY", "SC-COALITION", "SC-ROOTCAUSE", "SC-ECOSYSTEM", "SC-ENABLING", "SC-DISCOURSE"]
    records = []
    per_campaign = int(np.ceil(30 / len(campaigns)))
    for camp_no, camp in campaigns.iterrows():
        cid = camp["campaign_id"]
        win = content["campaigns"][cid]["policy_win"]
        tokens = tokens_of_campaign(spec, camp, "en")
        camp_sessions = [s for s in sessions if cid in s.campaigns] or list(sessions)
        earliest = max(camp["start_date"].date(), FIRST_DAY) + timedelta(days=90)
        first_win_done = False
        for chain_no, chain in enumerate(_chains(slug, cid, tokens, per_campaign + int(rng.integers(0, 3)), rng)):
            toks = pin_tokens(tokens, rng)
            day = earliest + timedelta(days=int(rng.integers(0, (date(2023, 9, 30) - earliest).days)))
            for pos, name in enumerate(chain):
                if pos:
                    day = min(day + timedelta(days=int(rng.integers(45, 240))), LAST_DAY)
                t = templates[name]
                negative = bool(t.get("negative"))
                policy = t["type_of_change"] in ("policy", "budget") and not negative
                first_win = bool(win and policy and not first_win_done)
                first_win_done |= first_win
                filled = {**toks, "when": day.strftime("%B %Y"), "n": int(rng.integers(30, 300))}
                sc = list(t["strategic_components"])
                if rng.random() < 0.2:
                    sc.append(str(rng.choice(np.array(sc_order, dtype=object))))
                sc = [c for c in sc_order if c in sc]
                area = t["outcome_area"]
                substantiation = _substantiation(t, win, first_win, rng)
                later = [s for s in camp_sessions if s.date >= day]
                session = later[0] if later else camp_sessions[-1]
                docs = content["sources"][t["actor_type"]]
                sig_bank = content["significance"]["negative" if negative else area]
                records.append({
                    "country": slug, "campaign_id": cid, "date": pd.Timestamp(day),
                    "social_actor": fill_template(t["social_actor"], filled, rng),
                    "actor_type": t["actor_type"],
                    "outcome": fill_template(t["text"], filled, rng),
                    "significance": fill_template(str(rng.choice(np.array(sig_bank, dtype=object))), filled, rng),
                    "contribution": " ".join(fill_template(content["contribution"][c], filled, rng) for c in sc),
                    "other_contributors": fill_template(str(rng.choice(np.array(content["other_contributors"], dtype=object))),
                                                filled, rng),
                    "outcome_area": area,
                    "type_of_change": t["type_of_change"],
                    "level": fill_template(str(t["level"]), filled, rng, sentence=False),
                    "strategic_components": ";".join(sc),
                    "intended": "unintended" if negative or rng.random() < 0.1 else "intended",
                    "valence": "negative" if negative else "positive",
                    "substantiation": substantiation,
                    "substantiator_role": "" if substantiation == "not-yet" else content["substantiators"][t["actor_type"]],
                    "sources": f"Reflection session {session.session_id}; {rng.choice(np.array(docs, dtype=object))}",
                    "_campaign": camp_no, "_chain": chain_no, "_pos": pos,
                })
    frame = pd.DataFrame(records)
    # Outcome ids follow dates, so an outcome only ever builds on lower ids.
    frame = frame.sort_values(["date", "_campaign", "_chain", "_pos"], kind="stable").reset_index(drop=True)
    frame.insert(0, "outcome_id", [f"{country['code']}-O{i:03d}" for i in range(1, len(frame) + 1)])
    key = ["_campaign", "_chain", "_pos"]
    parent = frame[key].assign(_pos=frame["_pos"] - 1).merge(frame[key + ["outcome_id"]], on=key, how="left")
    links = [[p] if isinstance(p, str) else [] for p in parent["outcome_id"]]
    # Now and then an outcome also grew from another chain of the same campaign.
    for i in np.flatnonzero(rng.random(len(frame)) < 0.12):
        earlier = frame.iloc[:i]
        others = earlier.loc[(earlier["_campaign"] == frame.at[i, "_campaign"])
                             & (earlier["_chain"] != frame.at[i, "_chain"]) & (earlier["valence"] == "positive")]
        if len(others):
            links[i].append(str(others["outcome_id"].iloc[int(rng.integers(len(others)))]))
    frame["builds_on"] = [";".join(x) for x in links]
    return _gains_and_money(frame[OUTCOME_COLUMNS], slug)


#: The optional harvest columns the demo fills in (who gained, kind of change, the money).
OPTIONAL_COLUMNS = ["social_group", "kind_of_change", "budget_stage", "amount", "currency", "amount_year"]


#: Campaign -> the group every outcome benefits, and the groups that often gain with it.
_GAINERS = {
    "gh-fertiliser": ("farmers", ("rural-communities", "women")),
    "gh-mining": ("mining-communities", ("rural-communities", "children")),
    "in-manual-scavengers": ("caste-tribal", ("informal-workers", "women")),
    "in-maternal-nutrition": ("women", ("caste-tribal", "children")),
    "in-scholarships": ("students", ("caste-tribal",)),
    "id-fisherfolk-fuel": ("fisherfolk", ("rural-communities", "informal-workers")),
    "id-jakarta-social-assistance": ("urban-poor", ("informal-workers", "older-people", "persons-with-disabilities")),
    "ke-primary-health": ("patients", ("women", "rural-communities", "children")),
    "ke-baringo-water": ("ethnic-minorities", ("rural-communities", "women")),
    "ng-primary-health": ("patients", ("women", "children")),
    "ng-women-farmers": ("women", ("farmers", "rural-communities")),
    "sn-sanitation": ("informal-settlements", ("urban-poor", "women")),
    "sn-disability": ("persons-with-disabilities", ("patients", "older-people")),
    "za-sanitation": ("informal-settlements", ("urban-poor", "women")),
}


#: Country -> (currency, amounts drawn between these powers of ten, fiscal year starts in month).
_MONEY = {
    "ghana": ("GHS", (5.5, 7.5), 1), "india": ("INR", (6.5, 8.8), 4), "indonesia": ("IDR", (9.5, 11.8), 1),
    "kenya": ("KES", (6.5, 8.5), 7), "nigeria": ("NGN", (7.5, 9.5), 1), "senegal": ("XOF", (7.5, 9.3), 1),
    "south-africa": ("ZAR", (6.0, 8.0), 4),
}


#: Country -> weight of budget execution against allocation, and of service delivery against practice:
#: some campaigns win money on paper, others see it spent and services arrive.
_EXECUTION = {"ghana": 0.3, "india": 0.5, "indonesia": 0.7, "kenya": 0.6, "nigeria": 0.25, "senegal": 0.45,
              "south-africa": 0.75}


def _gains_and_money(frame: pd.DataFrame, slug: str) -> pd.DataFrame:
    """Who gained, the kind of change, the budget stage and the money, from each outcome's classification.

    Drawn with a generator of its own (seeded by the country), so the other columns of
    the demo stay as they were. Amounts are in the country's own currency (Ghana's mining
    campaign also reports some in US dollars, as royalties are).
    """
    rng = np.random.default_rng([zlib.crc32(slug.encode()), 14])
    n = len(frame)
    type_, actor = frame["type_of_change"].to_numpy(), frame["actor_type"].to_numpy()
    groups = []
    for cid, u in zip(frame["campaign_id"], rng.random((n, 4))):
        first, others = _GAINERS[cid]
        groups.append(";".join([first, *(g for g, x in zip(others, u[1:]) if x < 0.4)]) if u[0] < 0.85 else "")
    execution = _EXECUTION[slug]
    u = rng.random((n, 3))
    kind = np.select(
        [type_ == "policy", type_ == "budget",
         np.isin(type_, ["practice", "action"]) & np.isin(actor, ["executive", "local-government"]),
         type_ == "practice", np.isin(type_, ["relationship", "agenda"]) & (u[:, 0] < 0.3)],
        ["policy", np.where(u[:, 1] < execution, "budget-execution", "budget-allocation"),
         np.where(u[:, 1] < execution, "service-delivery", "practice"), "practice", "system"], "")
    stage = np.select(
        [actor == "legislature", actor == "audit-institution",
         np.isin(kind, ["budget-execution", "service-delivery"]), kind == "budget-allocation",
         (type_ == "policy") & (u[:, 2] < 0.5)],
        ["approval", "oversight-audit", "execution", "formulation", "formulation"], "")
    stage = np.where((actor == "legislature") & np.isin(type_, ["relationship", "agenda", "discourse"])
                     & (u[:, 2] < 0.5), "oversight-audit", stage)
    currency, (low, high), fy_month = _MONEY[slug]
    money = (np.isin(kind, ["budget-allocation", "budget-execution"]) | ((kind == "service-delivery") & (u[:, 0] < 0.6))
             | ((stage == "approval") & (u[:, 0] < 0.5))
             | ((frame["campaign_id"].to_numpy() == "gh-mining") & (kind != "") & (u[:, 0] < 0.6)))  # royalties
    known = money & (rng.random(n) < 0.85)
    amount = np.round(10 ** rng.uniform(low, high, n), -int(low) + 2)
    dollars = (frame["campaign_id"].to_numpy() == "gh-mining") & (rng.random(n) < 0.5)
    amount = np.where(dollars, np.round(amount / 12, -3), amount)
    dates = pd.to_datetime(frame["date"])
    start = dates.dt.year - (dates.dt.month < fy_month).astype(int)
    year = start.astype(str) if fy_month == 1 else start.astype(str) + "/" + ((start + 1) % 100).map("{:02d}".format)
    return frame.assign(
        social_group=groups, kind_of_change=kind, budget_stage=stage,
        amount=pd.Series(amount, index=frame.index).where(known),
        currency=np.where(known, np.where(dollars, "USD", currency), ""),
        amount_year=year.where(known, ""),
    )


#: Column headers of the fallback workbook: what ``read_table`` normalises back to the column names.
_HARVEST_HEADERS = {c: c.replace("_", " ").capitalize().replace(" id", " ID") for c in OUTCOME_COLUMNS}


def write_demo_outcomes(outcomes: pd.DataFrame, path: Path, *, country: str, registry: Registry,
                    codebook: Codebook) -> None:
    """Write the harvest with ``sparklearn.report.sheets.write_harvest``, or a plain workbook without it."""
    try:
        from sparklearn.report.sheets import write_harvest
    except ImportError:  # outcomes.py not yet in this checkout: same sheet and note, plain layout
        from openpyxl import Workbook
        from openpyxl.styles import Font

        book = Workbook()
        sheet = book.active
        sheet.title = "Outcomes"
        sheet.append([_HARVEST_HEADERS[c] for c in outcomes.columns])
        for row in outcomes.itertuples(index=False):
            sheet.append([v.date() if isinstance(v, pd.Timestamp) else v for v in row])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for cell in sheet["D"][1:]:
            cell.number_format = "yyyy-mm-dd"
        sheet.freeze_panes = "B2"
        about = book.create_sheet("About")
        for line in (HARVEST_NOTE, f"Country: {country}", "Columns and vocabularies: see data/raw/README.md"):
            about.append([line])
        book.save(path)
    else:
        write_harvest(outcomes, path, country=country, registry=registry, codebook=codebook,
                      synthetic_note=HARVEST_NOTE)
    freeze_xlsx(path)


def freeze_xlsx(path: Path) -> None:
    """Rewrite a workbook with pinned zip and document timestamps (openpyxl stamps 'now')."""
    with zipfile.ZipFile(path) as zin:
        members = [(info.filename, zin.read(info.filename)) for info in zin.infolist()]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in members:
            if name == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)",
                              rb"\g<1>" + XLSX_TIME + rb"\g<3>", data)
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zout.writestr(info, data)
    path.write_bytes(buffer.getvalue())


# ------------------------------------------------------------------------ public API


def demo_campaign_conditions(registry: Registry | None = None) -> pd.DataFrame:
    """The campaign conditions designed into the demo data (for case comparison and QCA tests).

    Returns
    -------
    pandas.DataFrame
        campaign_id, country, broad_coalition, oversight_engagement, inside_allies,
        membership_base, media_work (0/1), policy_win (1 when the demo harvest holds a
        positive policy or budget outcome substantiated fully or partially).

    Examples
    --------
    >>> c = demo_campaign_conditions()
    >>> len(c), int(c["policy_win"].sum())
    (14, 8)
    >>> rule = c["membership_base"] & c["broad_coalition"] & (c["oversight_engagement"] | c["inside_allies"])
    >>> bool((rule == c["policy_win"]).all())
    True
    """
    registry = registry or load_registry()  # the project's (the demo's own registry in this repository)
    spec = demo_content()["campaigns"]
    frame = registry.campaigns[["campaign_id", "country"]].copy()
    for column in CONDITIONS:
        frame[column] = frame["campaign_id"].map(lambda c: spec[c]["conditions"][column]).astype("int64")
    frame["policy_win"] = frame["campaign_id"].map(lambda c: spec[c]["policy_win"]).astype("int64")
    return frame
