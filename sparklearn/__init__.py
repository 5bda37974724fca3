"""sparklearn: action-research helpers for Learning with SPARK.

Coding reflection sessions against the SPARK codebook, agreement between coders,
outcome harvests, one notebook per country run in batch, and a cross-country
comparison rendered as HTML reports.

The names in ``__all__`` are what a country lead or an analyst uses in a notebook of
their own; each takes and returns tidy pandas tables (see its docstring)::

    import sparklearn as sl

    t = sl.country_tables("kenya")                      # processed tables, prepared if stale
    sl.code_frequencies(t.codings, t.segments, by="round", sessions=t.sessions)
    sl.agreement(t.codings, t.segments)                  # kappa and alpha per code

Importing ``sparklearn`` itself is light: each name is imported from its stage the
first time it is used, so a kernel pays only for what its notebook calls.
"""

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("sparklearn")
except PackageNotFoundError:  # running from a checkout that was not installed
    __version__ = "0.0.0+unknown"

#: Public name -> the module that defines it (stages in the order data flows).
_PUBLIC = {
    # reference data
    "load_codebook": "sparklearn.codebook",
    "code_labels": "sparklearn.codebook",
    "vocabulary": "sparklearn.codebook",
    "load_registry": "sparklearn.countries",
    # reading raw files (checked, never written back)
    "read_sessions": "sparklearn.ingest.sessions",
    "read_codings": "sparklearn.ingest.codings",
    "read_harvest": "sparklearn.ingest.harvest",
    "read_qdpx": "sparklearn.ingest.refi_qda",
    "read_code_map": "sparklearn.ingest.code_map",
    "read_taguette_highlights": "sparklearn.ingest.taguette",
    # processed tables
    "country_tables": "sparklearn.store",
    "load_processed": "sparklearn.store",
    # analysis: themes and agreement
    "code_frequencies": "sparklearn.analysis.themes",
    "cooccurrence": "sparklearn.analysis.themes",
    "themes_over_rounds": "sparklearn.analysis.themes",
    "framework_matrix": "sparklearn.analysis.quotes",
    "quotes": "sparklearn.analysis.quotes",
    "quote_parts": "sparklearn.analysis.quotes",
    "turns_by_campaign": "sparklearn.analysis.sessions",
    "attribute_turns": "sparklearn.analysis.sessions",
    "distinctive_themes": "sparklearn.analysis.themes",
    "agreement": "sparklearn.analysis.agreement",
    "disagreements": "sparklearn.analysis.agreement",
    "coder_summary": "sparklearn.analysis.agreement",
    "krippendorff_alpha": "sparklearn.analysis.alpha",
    "unit_agreement": "sparklearn.analysis.alpha",
    # analysis: outcomes
    "counts_by": "sparklearn.analysis.outcomes",
    "timeline": "sparklearn.analysis.outcomes",
    "substantiation_rates": "sparklearn.analysis.outcomes",
    "contribution_matrix": "sparklearn.analysis.outcomes",
    "outcome_chains": "sparklearn.analysis.outcomes",
    # analysis: SPARK's learning questions (barriers, power, the accountability ecosystem)
    "turn_rounds": "sparklearn.analysis.barriers",
    "barriers_by_round": "sparklearn.analysis.barriers",
    "barrier_persistence": "sparklearn.analysis.barriers",
    "barrier_responses": "sparklearn.analysis.barriers",
    "power_by_round": "sparklearn.analysis.power",
    "power_profile": "sparklearn.analysis.power",
    "space_moves": "sparklearn.analysis.power",
    "actor_engagement": "sparklearn.analysis.ecosystem",
    "ecosystem_graph": "sparklearn.analysis.ecosystem",
    "engaged_actors": "sparklearn.analysis.ecosystem",
    "actor_combinations": "sparklearn.analysis.ecosystem",
    # analysis: who gained, who speaks, following the money
    "who_gained": "sparklearn.analysis.gains",
    "kinds_of_change": "sparklearn.analysis.gains",
    "who_speaks": "sparklearn.analysis.gains",
    "budget_stages": "sparklearn.analysis.money",
    "money_by_currency": "sparklearn.analysis.money",
    "exchange_rates": "sparklearn.analysis.money",
    "converted_totals": "sparklearn.analysis.money",
    # analysis: comparing countries
    "exposure": "sparklearn.analysis.rates",
    "outcome_rates": "sparklearn.analysis.rates",
    "rate_ratios": "sparklearn.analysis.rates",
    "contingency": "sparklearn.analysis.contingency",
    "holm": "sparklearn.analysis.contingency",
    "bias_corrected_cramers_v": "sparklearn.analysis.contingency",
    "correct_across_report": "sparklearn.analysis.multiplicity",
    "campaign_conditions": "sparklearn.analysis.cases",
    "case_comparison": "sparklearn.analysis.cases",
    "skewed_conditions": "sparklearn.analysis.cases",
    "exposure_alternatives": "sparklearn.analysis.choices",
    "qca_alternatives": "sparklearn.analysis.choices",
    "choices_summary": "sparklearn.analysis.choices",
    "truth_table": "sparklearn.analysis.qca",
    "minimise": "sparklearn.analysis.qca",
    # analysis: fuzzy sets, necessity before sufficiency, robustness
    "calibrate_fuzzy": "sparklearn.analysis.fuzzy_sets",
    "necessity": "sparklearn.analysis.necessity",
    "fuzzy_truth_table": "sparklearn.analysis.fuzzy_qca",
    "fuzzy_minimise": "sparklearn.analysis.fuzzy_qca",
    "sufficiency": "sparklearn.analysis.fuzzy_qca",
    "robustness": "sparklearn.analysis.robustness",
    # report: tables a reader can use, findings first
    "with_caption": "sparklearn.report.tables",
    "key_findings_html": "sparklearn.report.findings",
    "describe_figure": "sparklearn.report.figure_text",
    "write_code_map": "sparklearn.report.code_map_sheet",
    # the batch
    "run_batch": "sparklearn.batch.run",
}

__all__ = ["__version__", *_PUBLIC]


def __getattr__(name: str):
    # PEP 562: import a public name's stage on first use, then keep it here.
    if name in _PUBLIC:
        value = getattr(import_module(_PUBLIC[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sparklearn' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_PUBLIC})
