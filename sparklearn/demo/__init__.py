"""Synthetic demo data: fictitious reflection sessions, codings and outcome harvests.

Everything this module writes is SYNTHETIC DEMO DATA: fictitious people and events
built around the real SPARK campaigns listed in ``countries.yaml``, so that every part
of sparklearn can be tried, tested and shown without real, sensitive data. Every file
it writes says so (a ``# SYNTHETIC DEMO DATA`` first line, a ``synthetic:`` front
matter key, or an "About" sheet).

:func:`generate_demo` writes, for each country, the files of the data layout
(``participants.csv``, ``sessions/*.md``, ``codings/coder-*.csv``, ``outcomes.xlsx``).
The same seed gives byte-identical files: each country draws from its own
``numpy`` generator seeded with ``(seed, position of the country in the registry)``,
nothing depends on the clock, and workbook timestamps are pinned. The committed
``data/raw`` is exactly ``generate_demo("data/raw")``.

The text comes from ``content.yaml`` in this package: name pools, sentence
banks per *theme* (in English, French and Bahasa Indonesia) with campaign facts
substituted, and outcome templates. Because the generator knows each turn's themes,
it also knows which codes fit, which is how the coding sheets are made. Differences
between countries and rounds are designed in (see ``data/raw/README.md``): theme
weights per country, barriers early and outcomes late, and campaign conditions
(:func:`demo_campaign_conditions`) that decide which outcomes a campaign reaches.

Generating text is inherently a walk over sessions and turns, so that part loops;
the large tables for benchmarks (:func:`synth_codings`, :func:`synth_outcomes`,
:func:`synth_campaigns`) are built with vectorised numpy and pandas.

The package follows the generator's steps: :mod:`.content` (the text banks and the
tokens filled into them), :mod:`.sessions` (participants, reflection sessions and the
two coders' sheets), :mod:`.outcomes` (outcome chains and the harvest workbook),
:mod:`.generate` (:func:`generate_demo`, writing a whole data folder) and
:mod:`.synthetic` (large random tables for the benchmarks). It sits at the top of the
layers, beside the batch: it writes raw data, which no other stage may do.
"""

from .content import CODERS, CONDITIONS, OUTCOME_COLUMNS, SYNTHETIC_MARKER
from .generate import generate_demo
from .outcomes import demo_campaign_conditions
from .synthetic import synth_campaigns, synth_codings, synth_outcomes

__all__ = ["CODERS", "CONDITIONS", "OUTCOME_COLUMNS", "SYNTHETIC_MARKER", "demo_campaign_conditions",
           "generate_demo", "synth_campaigns", "synth_codings", "synth_outcomes"]
