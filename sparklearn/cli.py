"""The ``sparklearn`` command line: parses arguments and prints; the library does the work."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from sparklearn import __version__
from sparklearn.config import resolve_paths
from sparklearn.exceptions import SparklearnError


def _paths(args: argparse.Namespace):
    return resolve_paths(getattr(args, "data", None), getattr(args, "out", None))


def _print_problems(problems: pd.DataFrame, *, limit: int = 200) -> None:
    """One short block per problem (where, what, the fix): readable in an 80-column terminal."""
    if problems.empty:
        return
    for record in problems.head(limit).fillna("").to_dict("records"):
        where = str(record["file"])
        if str(record["row"]) not in ("", "<NA>"):
            where += f", row {record['row']}"
        if record["column"]:
            where += f", column '{record['column']}'"
        value = f" (value: {record['value']!r})" if record["value"] != "" else ""
        country = f"[{record['country']}] " if record.get("country") else ""
        print(f"{record['severity'].upper()}: {country}{where}\n  {record['rule']}{value}\n  fix: {record['fix']}")
    if len(problems) > limit:
        print(f"... and {len(problems) - limit} more (see problems.csv in each processed country folder)")


def cmd_validate(args: argparse.Namespace) -> int:
    from sparklearn.prepare import validate_countries

    paths = _paths(args)
    result = validate_countries(args.countries or None, paths)
    _print_problems(result.problems)
    print(result.summary.to_string(index=False))
    n_err = int((result.problems["severity"] == "error").sum())
    n_warn = int((result.problems["severity"] == "warning").sum())
    print(f"\n{n_err} error(s), {n_warn} warning(s). Rejected rows are in {paths.processed}/<country>/rejected_*.csv;"
          f" raw files were not changed.")
    return 1 if n_err else 0


def cmd_run(args: argparse.Namespace) -> int:
    from sparklearn.batch.run import run_batch

    result = run_batch(args.countries or None, jobs=args.jobs, force=args.force, paths=_paths(args),
                       warm_kernels=not args.fresh_kernels)
    return 0 if result.ok else 1


def cmd_template(args: argparse.Namespace) -> int:
    paths = _paths(args)
    if args.kind == "outcomes":
        from sparklearn.report.sheets import harvest_template

        out = Path(args.output or f"outcomes-template-{args.country}.xlsx")
        written = harvest_template(args.country, out, data=paths.raw)
    else:
        from sparklearn.report.sheets import coding_templates

        out = Path(args.output or f"coding-sheets-{args.country}")
        sheets = coding_templates(args.country, out, paths=paths, sessions=args.session or None, coder=args.coder)
        print(f"wrote {len(sheets)} coding sheet(s) to {out}")
        return 0
    print(f"wrote {written}")
    return 0


def cmd_import_qdpx(args: argparse.Namespace) -> int:
    from sparklearn.report.refi_qda import import_project

    result = import_project(Path(args.file), country=args.country, paths=_paths(args), output=Path(args.output))
    _print_problems(result.problems)
    print(f"wrote {len(result.accepted)} codings to {args.output}; {len(result.rejected)} selection(s) could not be mapped")
    return 1 if (result.problems["severity"] == "error").any() else 0


def cmd_export_qdpx(args: argparse.Namespace) -> int:
    from sparklearn.report.refi_qda import export_project, write_qdc

    paths = _paths(args)
    if args.codebook_only:
        from sparklearn.codebook import load_codebook

        written = write_qdc(Path(args.output), load_codebook(paths.codebook_file))
    else:
        written = export_project(args.country, Path(args.output), paths=paths)
    print(f"wrote {written}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from sparklearn.codebook import load_codebook
    from sparklearn.store import country_tables

    paths = _paths(args)
    tables = country_tables(args.country, paths)
    out = Path(args.output or f"{args.kind}-{args.country}.xlsx")
    if args.kind == "framework-matrix":
        from sparklearn.analysis.themes import code_frequencies, framework_matrix
        from sparklearn.report.sheets import framework_matrix_to_excel

        codebook = load_codebook(paths.codebook_file)
        top = code_frequencies(tables.codings).nlargest(args.top, "n_segments")["code_id"].tolist()
        matrix = framework_matrix(tables.codings, tables.segments, case=args.case, sessions=tables.sessions,
                                  codes=top, quotes_per_cell=args.quotes)
        framework_matrix_to_excel(matrix, out, codebook=codebook)
        print(f"wrote {out}: {matrix.iloc[:, 0].nunique()} {args.case.replace('_id', '')}(s) by {len(top)} themes")
    else:
        from sparklearn.analysis.agreement import disagreements
        from sparklearn.report.sheets import disagreements_to_excel

        table = disagreements(tables.codings, tables.segments)
        disagreements_to_excel(table, out)
        print(f"wrote {out}: {len(table)} disagreement(s) to talk through")
    return 0


def cmd_demo_data(args: argparse.Namespace) -> int:
    from sparklearn.demo import generate_demo

    out = Path(args.out)
    generate_demo(out, seed=args.seed)
    print(f"wrote synthetic demo data to {out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sparklearn",
        description="Learning with SPARK: reflection-session coding, outcome harvests, country reports.",
    )
    parser.add_argument("--version", action="version", version=f"sparklearn {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    data_help = "folder with countries.yaml, codebook.yaml and one folder per country (default: $SPARKLEARN_DATA or the demo data)"
    out_help = "folder for processed tables and reports (default: $SPARKLEARN_OUT or data/processed and reports/)"

    p = sub.add_parser("run", help="prepare every country, run the notebooks in parallel, render the HTML reports")
    p.add_argument("--countries", nargs="+", metavar="SLUG", help="only these countries (default: all)")
    p.add_argument("--jobs", type=int, default=None, help="parallel notebooks (default: one per core)")
    p.add_argument("--force", action="store_true", help="re-run everything even if nothing changed")
    p.add_argument("--fresh-kernels", action="store_true",
                   help="start every notebook's kernel from scratch instead of from the preloaded kernel server "
                        "(slower; the reports are the same)")
    p.add_argument("--data", help=data_help)
    p.add_argument("--out", help=out_help)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("validate", help="check the input files and print every problem (exit 1 on errors)")
    p.add_argument("countries", nargs="*", metavar="COUNTRY", help="country slugs (default: all)")
    p.add_argument("--data", help=data_help)
    p.add_argument("--out", help=out_help)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("template", help="write an Excel sheet to fill in: an outcome harvest or coding sheets")
    p.add_argument("kind", choices=["outcomes", "coding"],
                   help="outcomes: one harvest workbook with dropdowns; coding: one sheet per reflection session")
    p.add_argument("--country", required=True, metavar="SLUG", help="country slug, e.g. kenya or south-africa")
    p.add_argument("--session", nargs="+", help="coding: only these session ids")
    p.add_argument("--coder", help="coding: your name or initials, filled into every row's coder column")
    p.add_argument("--output", "-o", help="file (outcomes) or folder (coding) to write")
    p.add_argument("--data", help=data_help)
    p.set_defaults(func=cmd_template)

    p = sub.add_parser("import-qdpx", help="turn a REFI-QDA project (.qdpx) or a Taguette highlights export into a coding sheet")
    p.add_argument("file", help=".qdpx file, or Taguette highlights .csv/.xlsx")
    p.add_argument("--country", required=True, metavar="SLUG")
    p.add_argument("--output", "-o", required=True, help="coding sheet (.csv) to write")
    p.add_argument("--data", help=data_help)
    p.set_defaults(func=cmd_import_qdpx)

    p = sub.add_parser("export-qdpx", help="export a country's sessions, codebook and codings as REFI-QDA (.qdpx), or the codebook (.qdc)")
    p.add_argument("--country", metavar="SLUG")
    p.add_argument("--output", "-o", required=True)
    p.add_argument("--codebook-only", action="store_true", help="write the codebook alone as .qdc")
    p.add_argument("--data", help=data_help)
    p.set_defaults(func=cmd_export_qdpx)

    p = sub.add_parser("export", help="write a country's framework matrix (with quotes) or the coders' disagreements to Excel")
    p.add_argument("kind", choices=["framework-matrix", "disagreements"])
    p.add_argument("--country", required=True, metavar="SLUG")
    p.add_argument("--case", default="campaign_id", choices=["country", "campaign_id", "session_id"],
                   help="framework matrix rows (default: campaign_id)")
    p.add_argument("--top", type=int, default=12, help="framework matrix: the N themes coded most (default 12)")
    p.add_argument("--quotes", type=int, default=2, help="framework matrix: quotes per cell (default 2)")
    p.add_argument("--output", "-o", help="workbook to write (default: <kind>-<country>.xlsx)")
    p.add_argument("--data", help=data_help)
    p.add_argument("--out", help=out_help)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("demo-data", help="regenerate the synthetic demo data (same seed, same bytes)")
    p.add_argument("--out", required=True, help="folder to write (use a new folder; compare with data/raw)")
    p.add_argument("--seed", type=int, default=2019)
    p.set_defaults(func=cmd_demo_data)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "export-qdpx" and not args.codebook_only and not args.country:
        build_parser().error("export-qdpx needs --country (or --codebook-only)")
    try:
        return args.func(args)
    except SparklearnError as err:
        print(f"sparklearn {args.command}: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: finished reports were kept; rerun to continue", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
