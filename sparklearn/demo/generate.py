""":func:`generate_demo`: write a whole synthetic data folder, the same bytes for the same seed.

For each country it writes ``participants.csv``, ``sessions/*.md``,
``codings/coder-*.csv`` and ``outcomes.xlsx``; each country draws from its own numpy
generator seeded with ``(seed, position of the country in the registry)`` and nothing
depends on the clock, so the committed ``data/raw`` is exactly
``generate_demo("data/raw")`` (a test checks it).
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sparklearn.codebook import Codebook, codebook_table, load_codebook
from sparklearn.countries import Registry, load_registry
from sparklearn.demo.content import (
    CODINGS_NOTE,
    CONTENT_FILE,
    PARTICIPANTS_NOTE,
    SYNTHETIC_MARKER,
    demo_content,
)
from sparklearn.demo.decisions import (
    DECISIONS_NOTE,
    demo_decisions,
    write_demo_decisions,
)
from sparklearn.demo.outcomes import demo_outcomes, write_demo_outcomes
from sparklearn.demo.sessions import (
    demo_codings,
    demo_participants,
    demo_sessions,
    render_session,
)
from sparklearn.exceptions import CodebookError, ParameterError


def _check_codes(codebook: Codebook) -> pd.DataFrame:
    """The demo's code ids and vocabulary values must exist in the codebook it is coded against."""
    content = demo_content()
    table = codebook_table(codebook)
    leaves = set(table.loc[table["is_leaf"], "code_id"])
    wanted = {c for t in content["themes"].values() for c in t["codes"] + t["alt"]} | {"LA-REFLECTION"}
    wanted |= {c for t in content["outcome_templates"].values() for c in t["strategic_components"] + [t["outcome_area"]]}
    wanted |= set(content["contribution"])
    missing = sorted(wanted - leaves)
    actor_types = set(codebook.vocabularies["actor_type"]["id"]) if "actor_type" in codebook.vocabularies else set()
    missing += sorted({t["actor_type"] for t in content["outcome_templates"].values()} - actor_types)
    if missing:
        raise CodebookError(f"the demo content uses codes the codebook lacks: {', '.join(missing)}",
                            file=codebook.source, value=missing[0],
                            fix="add the codes to codebook.yaml or change sparklearn/demo/content.yaml")
    return table


def _prepare_folder(folder: Path) -> None:
    """Empty a country folder that holds earlier demo data; refuse anything else."""
    if not folder.exists():
        return
    register = folder / "participants.csv"
    is_demo = register.exists() and SYNTHETIC_MARKER in register.read_text(encoding="utf-8-sig")[:200]
    if any(folder.iterdir()) and not is_demo:
        raise ParameterError(
            f"{folder} holds files that are not sparklearn demo data; refusing to overwrite them. "
            "Fix: give 'sparklearn demo-data --out' a new or demo-only folder")
    shutil.rmtree(folder)


def _write_csv(path: Path, note: str, frame: pd.DataFrame) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((note + "\n" + frame.to_csv(index=False, lineterminator="\n")).encode("utf-8"))


def generate_demo(out: str | Path, *, seed: int = 2019, countries: Sequence[str] | None = None,
                  registry: Registry | None = None, codebook: Codebook | None = None) -> dict[str, dict[str, int]]:
    """Write the synthetic demo data (sessions, codings, outcome harvests, decisions registers) into ``out``.

    Parameters
    ----------
    out
        Data folder to write: one sub-folder per country (replaced if it holds earlier
        demo data; a folder with anything else is refused). ``countries.yaml`` and
        ``codebook.yaml`` are copied beside them unless ``out`` is where they come from,
        so ``out`` is a complete data folder for ``--data``.
    seed
        The same seed gives byte-identical files.
    countries
        Country slugs to write (default: all). A country's files do not depend on
        which others are written.
    registry, codebook
        Default to the bundled ``data/raw`` files (never ``$SPARKLEARN_DATA``).

    Returns
    -------
    dict
        Country slug -> counts: participants, sessions, rounds, segments,
        ``codings_coder-a``, ``codings_coder-b``, double_coded_sessions, outcomes, decisions.

    Examples
    --------
    >>> import tempfile
    >>> counts = generate_demo(tempfile.mkdtemp(), countries=["ghana"])
    >>> counts["ghana"]["sessions"] >= 7, counts["ghana"]["outcomes"] >= 28
    (True, True)
    """
    # The project's registry and codebook: in this repository, data/raw's (the demo is built around them).
    registry = registry or load_registry()
    codebook = codebook or load_codebook()
    codes_table = _check_codes(codebook)
    slugs = list(countries) if countries is not None else registry.slugs
    unknown = sorted(set(slugs) - set(registry.slugs) | set(slugs) - set(demo_content()["countries"]))
    if unknown:
        raise ParameterError(f"unknown demo country '{unknown[0]}'; use one of: {', '.join(registry.slugs)}")
    no_text = sorted(set(registry.campaigns.loc[registry.campaigns["country"].isin(slugs), "campaign_id"])
                     - set(demo_content()["campaigns"]))
    if no_text:
        raise ParameterError(f"campaign '{no_text[0]}' has no demo text; add it to {CONTENT_FILE}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for source in (registry.source, codebook.source):
        if source and Path(source).is_file() and Path(source).resolve() != (out / Path(source).name).resolve():
            shutil.copyfile(source, out / Path(source).name)
    summary = {}
    for index, slug in enumerate(registry.slugs):
        if slug not in slugs:
            continue
        country = registry.country(slug).to_dict()
        campaigns = registry.campaigns_of(slug)
        people_rng, session_rng, coding_rng, outcome_rng = (
            np.random.default_rng(s) for s in np.random.SeedSequence([seed, index]).spawn(4))
        folder = out / slug
        _prepare_folder(folder)
        people = demo_participants(slug, country["code"], people_rng)
        sessions = demo_sessions(slug, country, campaigns, people, session_rng)
        codings = demo_codings(sessions, codes_table, coding_rng)
        outcomes = demo_outcomes(slug, country, campaigns, sessions, outcome_rng)
        # A stream of its own, so that adding the registers left every other file as it was.
        decision_rng = np.random.default_rng(np.random.SeedSequence([seed, index, 5]))
        decisions = demo_decisions(slug, country, campaigns, sessions, outcomes, decision_rng)

        _write_csv(folder / "participants.csv", PARTICIPANTS_NOTE, people)
        role_of = dict(zip(people["participant_id"], people["role"]))
        (folder / "sessions").mkdir(parents=True)
        for s in sessions:
            (folder / "sessions" / f"{s.session_id}.md").write_bytes(render_session(s, slug, role_of))
        for coder, frame in codings.items():
            _write_csv(folder / "codings" / f"{coder}.csv", CODINGS_NOTE, frame)
        write_demo_outcomes(outcomes, folder / "outcomes.xlsx", country=slug, registry=registry, codebook=codebook)
        write_demo_decisions(decisions, sessions, folder / "decisions.xlsx", country=slug, registry=registry,
                         codebook=codebook, note=DECISIONS_NOTE)
        summary[slug] = {
            "participants": len(people), "sessions": len(sessions),
            "rounds": len({s.round for s in sessions}),
            "segments": sum(len(s.turns) for s in sessions),
            **{f"codings_{c}": len(f) for c, f in codings.items()},
            "double_coded_sessions": int(codings["coder-b"]["session_id"].nunique()),
            "outcomes": len(outcomes),
            "decisions": len(decisions),
        }
    return summary
