"""Fictitious participants, reflection sessions and the two coders' sheets for the demo data.

Sessions are planned in rounds; each turn is written from the theme banks with
weights that move from barriers early to outcomes late and differ by country (see
``data/raw/README.md``). Because the generator knows each turn's themes, it also knows
which codes fit: the first coder applies them; the second keeps most of them, swaps
some for a sibling code and adds some, which gives realistic, imperfect agreement. Generating
text is a walk over sessions and turns, so this module loops.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from sparklearn.demo.content import (
    CODERS,
    SESSION_NOTE,
    STAFF_ORGS,
    demo_content,
    fill_template,
    pin_tokens,
    tokens_of_campaign,
    translate_sentence,
    translation_table,
    usable_templates,
)

# ---------------------------------------------------------------------- participants


def demo_participants(slug: str, code: str, rng: np.random.Generator) -> pd.DataFrame:
    spec = demo_content()["countries"][slug]
    roles = spec["roles"]
    n = len(roles)
    given = rng.choice(np.array(spec["given"], dtype=object), size=n, replace=False)
    family = rng.choice(np.array(spec["family"], dtype=object), size=n, replace=True)
    return pd.DataFrame({
        "participant_id": [f"{code}-P{i:02d}" for i in range(1, n + 1)],
        "name": [f"{g} {f}" for g, f in zip(given, family)],
        "role": [r for r, _ in roles],
        "organisation": [o for _, o in roles],
    })


# -------------------------------------------------------------------------- sessions


@dataclass(frozen=True)
class _Turn:
    speaker: str
    language: str
    paragraphs: tuple[str, ...]
    themes: tuple[str, ...]
    translation: tuple[str, ...] = ()  # English, paragraph by paragraph, for a turn not in English


@dataclass(frozen=True)
class DemoSession:
    session_id: str
    title: str
    date: date
    round: int
    campaigns: tuple[str, ...]
    language: str
    participants: tuple[str, ...]
    turns: tuple[_Turn, ...]
    newline: str
    bom: bool


_PHASE_SLOPE = {"barrier": (1.8, -1.4), "strategy": (1.0, 0.0), "outcome": (0.3, 1.7), "learning": (0.6, 1.0)}


_CONDITION_THEMES = {
    "oversight_engagement": (("legislature", "audit"), 1.8, 0.5),
    "inside_allies": (("sandwich",), 1.8, 0.5),
    "broad_coalition": (("coalition", "coalition_practice"), 1.6, 0.6),
    "media_work": (("media",), 1.8, 0.4),
    "membership_base": (("mobilise", "within"), 1.4, 0.6),
}


def _theme_weights(slug: str, campaigns: Sequence[str], progress: float,
                   token_sets: Sequence[Mapping[str, object]], language: str) -> dict[str, float]:
    """How likely each theme is in a session: country emphasis x round x campaign conditions."""
    content = demo_content()
    country_w = content["countries"][slug]["weights"]
    conditions = [content["campaigns"][c]["conditions"] for c in campaigns]
    weights = {}
    for name, theme in content["themes"].items():
        bank = theme.get(language, [])
        if not any(set(theme.get("needs", [])) <= t.keys() and len(usable_templates(bank, t)) >= 3 for t in token_sets):
            continue
        base, slope = _PHASE_SLOPE[theme["phase"]]
        w = country_w.get(name, 1.0) * (base + slope * progress)
        for condition, (themes, high, low) in _CONDITION_THEMES.items():
            if name in themes:
                w *= high if any(c[condition] for c in conditions) else low
        weights[name] = w
    return weights


def _plan_rounds(rng: np.random.Generator) -> list[tuple[int, date]]:
    """(round, date) of each session: 3-5 rounds about six months apart, 2-4 sessions each."""
    n_rounds = int(rng.integers(3, 6))
    first = date(2020, 9, 1) + timedelta(days=int(rng.integers(0, 120)))
    gaps = np.concatenate([[0], np.cumsum(rng.integers(170, 300, size=n_rounds - 1))])
    per_round = rng.integers(2, 4, size=n_rounds)
    while per_round.sum() < 7:
        per_round[int(rng.integers(n_rounds))] += 1
    plan = []
    for r, (gap, k) in enumerate(zip(gaps, per_round), start=1):
        offsets = np.sort(rng.choice(np.arange(0, 45), size=int(k), replace=False))
        plan += [(r, first + timedelta(days=int(gap + o))) for o in offsets]
    return plan


def _speaks(slug: str, role: str, session_language: str, rng: np.random.Generator) -> str:
    spec = demo_content()["countries"][slug]
    if role in spec.get("community_roles", []):
        return "id"
    if session_language == "id" and rng.random() < 0.15:
        return "en"
    if role in spec.get("english_roles", []) and rng.random() < 0.3:
        return "en"
    return session_language


class _Decks:
    """Sentence banks dealt like cards, so a session rarely repeats a sentence."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.decks: dict[tuple, list[str]] = {}

    def left(self, key: tuple, bank: Sequence[str]) -> int:
        deck = self.decks.get(key)
        return len(bank) if deck is None else len(deck)

    def draw(self, key: tuple, bank: Sequence[str]) -> str:
        deck = self.decks.get(key)
        if not deck:
            deck = [bank[i] for i in self.rng.permutation(len(bank))]
            self.decks[key] = deck
        return deck.pop()


def demo_sessions(slug: str, country: dict, campaigns: pd.DataFrame, people: pd.DataFrame,
              rng: np.random.Generator) -> list[DemoSession]:
    code = country["code"]
    plan = _plan_rounds(rng)
    n_rounds = plan[-1][0]
    camp_ids = campaigns["campaign_id"].tolist()
    camp_rows = campaigns.set_index("campaign_id", drop=False)
    start = int(rng.integers(len(camp_ids)))
    name_of = dict(zip(people["participant_id"], people["name"]))
    role_of = dict(zip(people["participant_id"], people["role"]))
    org_of = dict(zip(people["participant_id"], people["organisation"]))
    languages = str(country["languages"]).split(";")
    sessions = []
    for k, (rnd, day) in enumerate(plan, start=1):
        if len(camp_ids) > 1 and rng.random() < 0.2:
            camps = tuple(camp_ids)
        else:
            camps = (camp_ids[(start + k) % len(camp_ids)],)
        language = languages[0] if languages[0] in ("fr", "id") else "en"
        if language == "id" and rng.random() < 0.4:
            language = "en"
        partners = set("; ".join(camp_rows.loc[list(camps), "partners"]).split("; "))
        pool = [p for p in people["participant_id"].iloc[1:] if org_of[p] in STAFF_ORGS | partners]
        size = min(len(pool), int(rng.integers(3, 7)))
        present = tuple([people["participant_id"].iloc[0]]
                        + sorted(rng.choice(np.array(pool, dtype=object), size=size, replace=False)))
        sessions.append(_session(
            f"{code}-S{k:02d}", slug, rnd, n_rounds, day, camps, language, present,
            {c: camp_rows.loc[c] for c in camps}, name_of, role_of, rng,
            newline="\r\n" if k == 3 or (slug == "senegal" and k == 6) else "\n",
            bom=(slug == "kenya" and k == 4),
        ))
    return sessions


def _session(session_id: str, slug: str, rnd: int, n_rounds: int, day: date, camps: tuple[str, ...],
             language: str, present: tuple[str, ...], camp_rows: Mapping[str, pd.Series],
             name_of: Mapping[str, str], role_of: Mapping[str, str], rng: np.random.Generator,
             *, newline: str, bom: bool) -> DemoSession:
    content = demo_content()
    spec = content["countries"][slug]
    themes = content["themes"]
    lang_tokens = {lang: {c: tokens_of_campaign(spec, camp_rows[c], lang) for c in camps} for lang in ("en", "fr", "id")}
    progress = (rnd - 1) / max(n_rounds - 1, 1)
    weights = _theme_weights(slug, camps, progress, list(lang_tokens[language].values()), language)
    names = list(weights)
    p = np.array([weights[n] for n in names])
    chosen = list(rng.choice(np.array(names, dtype=object), size=int(rng.integers(3, 7)), replace=False,
                             p=p / p.sum()))
    chosen_p = np.array([weights[n] for n in chosen])
    decks = _Decks(rng)
    facilitator = present[0]
    others = present[1:]
    n_turns = int(rng.integers(8, 21))
    turns: list[_Turn] = []

    picked = [camps[0]]  # the campaign whose tokens the last sentence used (for its translation)

    def campaign_tokens(lang: str, theme: str | None = None) -> dict[str, object]:
        fits = [c for c in camps if theme is None or _bank(themes[theme], lang, lang_tokens[lang][c])]
        picked[0] = fits[int(rng.integers(len(fits)))]
        return pin_tokens(lang_tokens[lang][picked[0]], rng)

    def say(template: str, toks: Mapping[str, object], lang: str) -> tuple[str, str | None]:
        """The sentence filled in, and its English (None when it is English or has no translation)."""
        used: dict[str, str] = {}
        text = fill_template(template, toks, rng, record=used)
        if lang == "en":
            return text, None
        return text, translate_sentence(template, used, lang, lang_tokens[lang][picked[0]], lang_tokens["en"][picked[0]])

    def facilitator_line(kind: str) -> tuple[str, str | None]:
        lines = content["facilitator"][language]
        toks = campaign_tokens(language)
        if len(camps) > 1:
            toks["short"] = {"en": "our campaigns", "fr": "nos campagnes", "id": "kampanye kita"}[language]
        toks["next"] = lines["next"]
        return say(decks.draw(("fac", kind), lines[kind]), toks, language)

    def turn(speaker: str, lang: str, sentences: Sequence[tuple[str, str | None]], cut: int | None,
             turn_themes: tuple[str, ...]) -> _Turn:
        said = [t for t, _ in sentences]
        english = [e for _, e in sentences]
        paragraphs = (" ".join(said),) if cut is None else (" ".join(said[:cut]), " ".join(said[cut:]))
        translation = ()
        if lang != "en" and all(e is not None for e in english):
            translation = ((" ".join(english),) if cut is None
                           else (" ".join(english[:cut]), " ".join(english[cut:])))
        return _Turn(speaker, lang, paragraphs, turn_themes, translation)

    turns.append(turn(facilitator, language, [facilitator_line("open")], None, ()))
    previous = facilitator
    for _ in range(n_turns - 2):
        if previous != facilitator and rng.random() < 0.18:
            turns.append(turn(facilitator, language, [facilitator_line("ask")], None, ()))
            previous = facilitator
            continue
        speaker = str(rng.choice(np.array([o for o in others if o != previous], dtype=object)))
        lang = _speaks(slug, role_of[speaker], language, rng)
        # Themes whose sentences are used up in this session are picked less, to limit repeats.
        fresh = np.array([1.0 if any(decks.left((t, lang, tuple(b)), b) for c in camps
                                     if (b := _bank(themes[t], lang, lang_tokens[lang][c]))) else 0.05
                          for t in chosen])
        main = str(rng.choice(np.array(chosen, dtype=object), p=chosen_p * fresh / (chosen_p * fresh).sum()))
        if not any(_bank(themes[main], lang, lang_tokens[lang][c]) for c in camps):
            lang = language
        toks = campaign_tokens(lang, main)
        turn_themes = [main]
        bank = _bank(themes[main], lang, toks)
        n_sentences = int(rng.choice([1, 2, 3], p=[0.4, 0.42, 0.18]))
        n_sentences = max(1, min(n_sentences, decks.left((main, lang, tuple(bank)), bank)))
        sentences = [say(decks.draw((main, lang, tuple(bank)), bank), toks, lang) for _ in range(n_sentences)]
        rest = [t for t in chosen if t != main and _bank(themes[t], lang, toks)]
        if rest and rng.random() < 0.3:
            extra = str(rng.choice(np.array(rest, dtype=object)))
            turn_themes.append(extra)
            bank = _bank(themes[extra], lang, toks)
            sentences.append(say(decks.draw((extra, lang, tuple(bank)), bank), toks, lang))
        mentionable = [o for o in present if o != speaker]
        if rng.random() < 0.22:
            who = str(rng.choice(np.array(mentionable, dtype=object)))
            name = name_of[who] if rng.random() < 0.5 else name_of[who].split(" ")[0]
            named = {**toks, "name": name}
            line = say(decks.draw(("mention", lang), usable_templates(content["mentions"][lang], named)), named, lang)
            sentences.insert(0 if rng.random() < 0.5 else len(sentences), line)
        flavour = spec.get("flavour", {}).get(lang, [])
        if flavour and rng.random() < 0.08:
            said = decks.draw(("flavour", lang), flavour)
            sentences.insert(0, (said, None if lang == "en" else translation_table().get(lang, {}).get(said)))
        cut = int(rng.integers(1, len(sentences))) if len(sentences) >= 3 and rng.random() < 0.35 else None
        turns.append(turn(speaker, lang, sentences, cut, tuple(dict.fromkeys(turn_themes))))
        previous = speaker
    turns.append(turn(facilitator, language, [facilitator_line("close")], None, ("adaptation",)))

    top = chosen[int(np.argmax(chosen_p))]
    short = ({"en": "all campaigns", "fr": "toutes les campagnes", "id": "semua kampanye"}[language]
             if len(camps) > 1 else str(lang_tokens[language][camps[0]]["short"]))
    title = themes[top]["title"][language]
    title = {"en": f"Round {rnd} reflection: {title}, {short}",
             "fr": f"Cycle {rnd} : {title} ({short})",
             "id": f"Refleksi putaran {rnd}: {title} ({short})"}[language]
    return DemoSession(session_id, title, day, rnd, camps, language, present, tuple(turns), newline, bom)


def _bank(theme: Mapping, language: str, tokens: Mapping[str, object]) -> list[str]:
    if not set(theme.get("needs", [])) <= tokens.keys():
        return []
    return usable_templates(theme.get(language, []), tokens)


def render_session(session: DemoSession, slug: str, role_of: Mapping[str, str]) -> bytes:
    lines = [
        "---",
        f"synthetic: {json.dumps(SESSION_NOTE)}",
        f"session_id: {session.session_id}",
        f"title: {json.dumps(session.title, ensure_ascii=False)}",
        f"date: {session.date.isoformat()}",
        f"round: {session.round}",
        f"country: {slug}",
        f"campaigns: [{', '.join(session.campaigns)}]",
        "facilitator: research lead",
        f"language: {session.language}",
        "participants:",
        *[f"  - {{participant_id: {p}, role: {json.dumps(role_of[p], ensure_ascii=False)}}}"
          for p in session.participants],
        "---",
        f"# {session.title}",
        "",
    ]
    for turn in session.turns:
        tag = f" [{turn.language}]" if turn.language != session.language else ""
        lines.append(f"**{turn.speaker}{tag}:** {turn.paragraphs[0]}")
        for para in turn.paragraphs[1:]:
            lines += ["", para]
        if turn.translation:  # the lead's translation: a block quote tagged with its language
            lines += ["", f"> [en] {turn.translation[0]}"]
            for para in turn.translation[1:]:
                lines += [">", f"> {para}"]
        lines.append("")
    text = "\n".join(lines).replace("\n", session.newline)
    return ("\ufeff" if session.bom else "").encode("utf-8") + text.encode("utf-8")


# --------------------------------------------------------------------------- codings


def _codes_for(turn: _Turn, rng: np.random.Generator) -> list[str]:
    """The primary coder's codes for a turn: the theme's codes, perhaps one more that fits."""
    themes = demo_content()["themes"]
    main = themes[turn.themes[0]]
    codes = list(main["codes"])
    if main["alt"] and rng.random() < 0.55:
        w = 1.0 / np.arange(1, len(main["alt"]) + 1)
        codes.append(str(rng.choice(np.array(main["alt"], dtype=object), p=w / w.sum())))
    if len(turn.themes) > 1:
        codes.append(themes[turn.themes[1]]["codes"][0])
    return list(dict.fromkeys(codes))[:3]


def _second_coder(codes: list[str], theme: Mapping, siblings: Mapping[str, list[str]],
                  rng: np.random.Generator) -> list[str]:
    """A second coder who agrees in part: keeps most codes, swaps some for a sibling, adds some."""
    if rng.random() < 0.04:
        return []
    out = []
    for c in codes:
        r = rng.random()
        if r < 0.72:
            out.append(c)
        elif r < 0.85 and siblings.get(c):
            out.append(str(rng.choice(np.array(siblings[c], dtype=object))))
    extra = [a for a in theme["alt"] if a not in out]
    if extra and rng.random() < 0.25:
        out.append(str(rng.choice(np.array(extra, dtype=object))))
    return list(dict.fromkeys(out or codes[:1]))[:3]


def demo_codings(sessions: Sequence[DemoSession], codes_table: pd.DataFrame,
             rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    content = demo_content()
    leaves = codes_table.loc[codes_table["is_leaf"]]
    label_of = dict(zip(leaves["code_id"], leaves["label"]))
    siblings = {c: sorted(set(g["code_id"]) - {c})
                for _, g in leaves.groupby("parent_id") for c in g["code_id"]}
    n_double = max(int(np.ceil(0.4 * len(sessions))), int(np.ceil(len(sessions) / 3)))
    double = set(rng.choice(np.array([s.session_id for s in sessions], dtype=object), size=n_double,
                            replace=False))
    rows: dict[str, list[dict]] = {c: [] for c in CODERS}
    for s in sessions:
        for t, turn in enumerate(s.turns, start=1):
            seg = f"{s.session_id}-T{t:03d}"
            a = _codes_for(turn, rng) if turn.themes else []
            by_coder = {"coder-a": a}
            if s.session_id in double:
                if a:
                    by_coder["coder-b"] = _second_coder(a, content["themes"][turn.themes[0]], siblings, rng)
                else:
                    by_coder["coder-b"] = ["LA-REFLECTION"] if rng.random() < 0.08 else []
            for coder, codes in by_coder.items():
                for c in codes:
                    memo = ""
                    if rng.random() < 0.07:
                        alt = siblings.get(c) or [c]
                        memo = fill_template(str(rng.choice(np.array(content["memos"], dtype=object))),
                                     {"alt": alt}, rng)
                    shown = label_of[c] if rng.random() < 0.05 else c
                    rows[coder].append({"session_id": s.session_id, "segment_id": seg, "code": shown,
                                        "coder": coder, "memo": memo})
    return {c: pd.DataFrame(r, columns=["session_id", "segment_id", "code", "coder", "memo"])
            for c, r in rows.items()}
