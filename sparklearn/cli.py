"""The ``sparklearn`` command line: the top stage, which parses arguments, prints, and delegates.

Each command is one short function that turns its arguments into a call to the
library (:mod:`sparklearn.batch.run`, :mod:`sparklearn.prepare`, :mod:`sparklearn.report`)
and prints what happened; no analysis or file logic lives here.

The commands share one way of saying things:

- ``--country SLUG`` chooses the country, in every command; ``run`` and ``validate``
  take several (``--country kenya ghana`` or ``--country kenya --country ghana``) and
  default to all. The older ``run --countries`` and ``validate COUNTRY...`` still work
  and say so.
- ``--data DIR`` and ``--out DIR`` (or ``SPARKLEARN_DATA`` / ``SPARKLEARN_OUT``) choose
  the folders; without them, the project found from the current directory
  (:mod:`sparklearn.config`). Each command's ``--help`` says what it writes and where:
  ``run`` writes processed tables and reports; the commands that make a file
  (``validate``, ``template``, ``export``, ``export-qdpx``, ``export-taguette``, ``import-qdpx``) write that file,
  and processed tables only into an ``--out`` folder the user named; otherwise they
  prepare the country in memory.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from sparklearn import __version__
from sparklearn.config import Paths, resolve_paths
from sparklearn.exceptions import SparklearnError

_DATA_HELP = ("folder with countries.yaml, codebook.yaml and one folder per country "
              "(default: $SPARKLEARN_DATA, else the project's data/raw, found from the current folder upward)")

#: --out for the commands that only make a file: processed tables go only where the user says.
_CACHE_HELP = ("keep the prepared tables in DIR/processed/<country>/ and reuse them while current "
               "(default: $SPARKLEARN_OUT; without either, the country is prepared in memory and "
               "nothing but the output file is written)")


def _positive_int(text: str) -> int:
    """argparse type: a whole number of 1 or more."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not allowed: give 1 or more")
    return value


def _paths(args: argparse.Namespace, *, default_out: bool) -> Paths:
    return resolve_paths(getattr(args, "data", None), getattr(args, "out", None), default_out=default_out)


def _countries(args: argparse.Namespace) -> list[str] | None:
    """``--country`` values, plus those given in the older spellings (with a note to use ``--country``)."""
    old = getattr(args, "old_countries", None)
    if old:
        spelling = "--countries SLUG..." if args.command == "run" else "COUNTRY..."
        print(f"sparklearn {args.command}: '{spelling}' is deprecated; write --country {' '.join(old)}",
              file=sys.stderr)
    return [*(args.country or []), *(old or [])] or None


def _print_problems(problems: pd.DataFrame, *, limit: int = 200, rest: str = "") -> None:
    """One short block per problem (where, what, the fix): readable in an 80-column terminal."""
    if problems.empty:
        return
    # As text first: a missing row number (Int64 <NA>) cannot be filled with "" in its own dtype.
    for record in problems.head(limit).astype("string").fillna("").to_dict("records"):
        where = record["file"]
        if record["row"]:
            where += f", row {record['row']}"
        if record["column"]:
            where += f", column '{record['column']}'"
        value = f" (value: {record['value']!r})" if record["value"] else ""
        country = f"[{record['country']}] " if record.get("country") else ""
        print(f"{record['severity'].upper()}: {country}{where}\n  {record['rule']}{value}\n  fix: {record['fix']}")
    if len(problems) > limit:
        print(f"... and {len(problems) - limit} more{rest}")


def cmd_validate(args: argparse.Namespace) -> int:
    from sparklearn.prepare import validate_countries

    paths = _paths(args, default_out=False)
    result = validate_countries(_countries(args), paths)
    # Only a validate with --out keeps problems.csv: without it, say how to get the rest.
    _print_problems(result.problems, rest=f" (all of them: {paths.processed}/<country>/problems.csv)" if paths.has_out
                    else " (rerun with --out DIR to keep all of them in DIR/processed/<country>/problems.csv)")
    if len(result.summary):
        print(result.summary.to_string(index=False))
    kept = (f"rejected rows and problems are in {paths.processed}/<country>/" if paths.has_out
            else "nothing was written (give --out DIR to keep the rejected rows and problems)")
    print(f"\n{result.n_errors} error(s), {result.n_warnings} warning(s); {kept}; raw files were not changed.")
    return 1 if result.n_errors else 0


def cmd_run(args: argparse.Namespace) -> int:
    from sparklearn.batch.run import run_batch

    paths = _paths(args, default_out=True)
    if paths.notebooks_dir is None:  # --data and --out given outside a checkout: the notebooks are still needed
        from sparklearn.exceptions import ParameterError

        raise ParameterError(f"no notebooks folder: run uses the notebooks of your sparklearn checkout, and "
                             f"{Path.cwd()} is not inside one; cd into the checkout and run again (--data and --out, "
                             "or SPARKLEARN_DATA and SPARKLEARN_OUT, still keep the data and outputs outside it)")
    result = run_batch(_countries(args), jobs=args.jobs, force=args.force, paths=paths)
    return result.exit_code  # 0, 1 or 3: sparklearn.batch.run.EXIT_CODES


def cmd_template(args: argparse.Namespace) -> int:
    if args.kind in ("outcomes", "decisions") and args.output and Path(args.output).suffix.lower() != ".xlsx":
        from sparklearn.exceptions import InputError

        # An Excel workbook under a .csv name is read back as a damaged CSV: say so before writing.
        raise InputError("the template is an Excel workbook (with dropdowns), not a "
                         f"'{Path(args.output).suffix or 'file without extension'}'", file=args.output,
                         fix=f"name it .xlsx, e.g. -o {args.country}-{args.kind}.xlsx; to keep the register or "
                             "harvest as CSV, fill in the workbook and save it from Excel as 'CSV UTF-8'")
    paths = _paths(args, default_out=False)
    if args.kind == "outcomes":
        from sparklearn.report.sheets import harvest_template

        out = Path(args.output or f"outcomes-template-{args.country}.xlsx")
        print(f"wrote {harvest_template(args.country, out, data=paths.raw)}")
        return 0
    if args.kind == "decisions":
        from sparklearn.report.decision_sheets import decisions_template
        from sparklearn.store import country_tables

        out = Path(args.output or f"decisions-template-{args.country}.xlsx")
        # The country's sessions give the session dropdown (prepared in memory unless --out names a folder).
        sessions = country_tables(args.country, paths).sessions
        print(f"wrote {decisions_template(args.country, out, paths=paths, sessions=sessions)}")
        return 0
    from sparklearn.report.sheets import coding_templates

    out = Path(args.output or f"coding-sheets-{args.country}")
    sheets = coding_templates(args.country, out, paths=paths, sessions=args.session or None, coder=args.coder)
    print(f"wrote {len(sheets)} coding sheet(s) to {out}")
    return 0


def cmd_import_qdpx(args: argparse.Namespace) -> int:
    from sparklearn.report.refi_qda import import_project

    result = import_project(Path(args.file), country=args.country, paths=_paths(args, default_out=False),
                            output=Path(args.output), code_map=args.map, map_output=args.map_out,
                            coder=args.coder)
    report = result.report
    _print_problems(result.problems)
    print("\n".join(report.lines()))
    if report.codebook_only:
        print(f"wrote the code map of {len(report.codes)} codes to {report.map_file}: fill in its 'Your choice' "
              f"column, then import the project with --map {report.map_file}")
        return 0 if report.ok else 1
    if report.map_file is not None:
        print(f"\n{len(report.codes_unmapped)} of {len(report.codes)} codes are not SPARK codes. Wrote the code map "
              f"to {report.map_file} (nothing else was written).\nFill in its 'Your choice' column (a SPARK code, "
              f"or 'ignore'), then run again with --map {report.map_file}")
        return 4
    print(f"wrote {len(result.accepted)} codings to {args.output}")
    return 0 if report.ok else 1


def cmd_export_qdpx(args: argparse.Namespace) -> int:
    from sparklearn.report.refi_qda import export_project, write_qdc

    paths = _paths(args, default_out=False)
    if args.codebook_only:
        from sparklearn.codebook import load_codebook

        written = write_qdc(Path(args.output), load_codebook(paths.codebook_file))
    else:
        written = export_project(args.country, Path(args.output), paths=paths)
    print(f"wrote {written}")
    return 0


def cmd_export_taguette(args: argparse.Namespace) -> int:
    from sparklearn.report.taguette import export_taguette

    written = export_taguette(args.country, Path(args.output), paths=_paths(args, default_out=False))
    print(f"wrote {written[0]} (in Taguette: Project info > Import codebook) and {len(written) - 1} session "
          f"document(s) to {args.output} (Documents > Add a document, each; a name must start with the session id)")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from sparklearn.report.exports import export_disagreements, export_framework_matrix

    paths = _paths(args, default_out=False)
    out = Path(args.output or f"{args.kind}-{args.country}.xlsx")
    if args.kind == "framework-matrix":
        matrix = export_framework_matrix(args.country, out, paths=paths, case=args.case, top=args.top,
                                         quotes_per_cell=args.quotes)
        print(f"wrote {out}: {matrix[args.case].nunique()} {args.case.replace('_id', '')}(s) "
              f"by {matrix['code_id'].nunique()} themes")
    else:
        table = export_disagreements(args.country, out, paths=paths)
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
        description="Learning with SPARK: reflection-session coding, outcome harvests, country reports. "
                    "Run it inside a sparklearn project (a folder holding sparklearn.toml or "
                    "data/raw/countries.yaml), or give --data and --out.",
    )
    parser.add_argument("--version", action="version", version=f"sparklearn {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, summary: str, writes: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=summary, description=f"{summary[0].upper()}{summary[1:]}. Writes: {writes}")

    def countries(p: argparse.ArgumentParser, old: str) -> None:
        p.add_argument("--country", action="extend", nargs="+", metavar="SLUG",
                       help="only these countries, e.g. --country kenya south-africa (repeatable; default: all)")
        if old == "option":
            p.add_argument("--countries", dest="old_countries", nargs="+", help=argparse.SUPPRESS)
        else:
            p.add_argument("old_countries", nargs="*", help=argparse.SUPPRESS)

    def one_country(p: argparse.ArgumentParser, required: bool = True) -> None:
        p.add_argument("--country", required=required, metavar="SLUG", help="country slug, e.g. kenya or south-africa")

    p = command("run", "prepare every country, run the notebooks in parallel, render the HTML reports",
                "processed tables to DIR/processed/<country>/ and reports to DIR/reports/ (index.html, one "
                "report per notebook, executed notebooks), DIR from --out or $SPARKLEARN_OUT; without either, "
                "to the project's data/processed/ and reports/, and only for the project's own data "
                "(data elsewhere need --out).")
    p.epilog = ("At the end, a summary of the input files' problems (by country and file, the first to fix, "
                "where the full list is). Exit status: 0 all reports built, no input errors; 1 a notebook "
                "failed (its report says where); 3 all reports built, but input files had errors (their rows "
                "are left out: see the summary); 2 nothing ran (a wrong option, an unreadable registry, an "
                "output folder that cannot be written); 130 interrupted.")
    countries(p, "option")
    p.add_argument("--jobs", metavar="N", type=_positive_int, default=None,
                   help="parallel notebooks, 1 or more (default: one per core)")
    p.add_argument("--force", action="store_true", help="re-run everything even if nothing changed")
    p.add_argument("--data", metavar="DIR", help=_DATA_HELP)
    p.add_argument("--out", metavar="DIR", help="folder for processed/ and reports/ (default: $SPARKLEARN_OUT, "
                                                "else the project's data/processed and reports/)")
    p.set_defaults(func=cmd_run)

    p = command("validate", "check the input files and print every problem (exit 1 on errors)",
                "nothing, unless --out or $SPARKLEARN_OUT names a folder: then each country's processed tables, "
                "rejected rows and problems go to DIR/processed/<country>/.")
    countries(p, "positional")
    p.add_argument("--data", metavar="DIR", help=_DATA_HELP)
    p.add_argument("--out", metavar="DIR", help="also write each country's processed tables, rejected rows and "
                                                "problems under DIR/processed/<country>/ (default: $SPARKLEARN_OUT; "
                                                "without either, nothing is written)")
    p.set_defaults(func=cmd_validate)

    p = command("template", "write an Excel sheet to fill in: an outcome harvest, a decisions register or coding "
                "sheets",
                "the workbook (outcomes, decisions) or folder of workbooks (coding) named by --output; processed "
                "tables only into --out (coding, decisions).")
    p.add_argument("kind", choices=["outcomes", "decisions", "coding"],
                   help="outcomes: one harvest workbook with dropdowns; decisions: the register of what the team "
                        "decided after each reflection session (save it as <country>/decisions.xlsx); coding: one "
                        "sheet per reflection session")
    one_country(p)
    p.add_argument("--session", nargs="+", help="coding: only these session ids")
    p.add_argument("--coder", help="coding: your name or initials, filled into every row's coder column")
    p.add_argument("--output", "-o", help="file (outcomes, decisions; default <kind>-template-<country>.xlsx) or "
                                          "folder (coding; default coding-sheets-<country>) to write")
    p.add_argument("--data", metavar="DIR", help=_DATA_HELP)
    p.add_argument("--out", metavar="DIR", help=f"coding: {_CACHE_HELP}")
    p.set_defaults(func=cmd_template)

    p = command("import-qdpx", "turn a REFI-QDA project (.qdpx) or a Taguette highlights export into a coding sheet, "
                "with an import report; a project with codes of its own comes in through a code map",
                "the coding sheet named by --output, or the code map (.xlsx) when one is needed; processed tables "
                "only into --out.")
    p.epilog = ("A project whose codes are not SPARK codes imports nothing the first time: a code map (Excel, one "
                "row per code with a suggested SPARK code and a dropdown) is written to --map-out, else beside "
                "--output as <output>-code-map.xlsx (one folder up from a codings/ folder). Fill in its 'Your choice' column (a SPARK code, or 'ignore') "
                "and run again with --map. Sources are matched to sessions by session id, file name, or text. "
                "Exit status: 0 codings imported, none in error; 1 nothing imported, or some codings rejected "
                "(see the report); 2 nothing read (a file that cannot be read, a code map with a choice that is "
                "not a SPARK code); 4 a code map is needed: it was written, fill it in and rerun with --map.")
    p.add_argument("file", help=".qdpx project, Taguette highlights .csv/.xlsx, or a .qdc codebook (writes its code "
                                "map to --output, to fill in before any coding)")
    one_country(p, required=False)
    p.add_argument("--output", "-o", required=True, metavar="FILE",
                   help="coding sheet (.csv) to write; for a .qdc codebook, the code map (.xlsx)")
    p.add_argument("--map", metavar="FILE", help="a filled code map (.xlsx) saying which SPARK code each of the "
                                                 "project's codes is, or 'ignore'")
    p.add_argument("--map-out", metavar="FILE", help="where to write the code map when one is needed (default: "
                                                     "beside --output, named <output>-code-map.xlsx; one folder "
                                                     "up when --output is in a codings/ folder)")
    p.add_argument("--coder", metavar="NAME", help="who made a Taguette export's highlights, as the coding sheet's "
                                                   "coder (Taguette's export does not say; default: taguette). A "
                                                   ".qdpx names its coders itself")
    p.add_argument("--data", metavar="DIR", help=_DATA_HELP)
    p.add_argument("--out", metavar="DIR", help=_CACHE_HELP)
    p.set_defaults(func=cmd_import_qdpx)

    p = command("export-qdpx", "export a country's sessions, codebook and codings as REFI-QDA (.qdpx) for NVivo, "
                "ATLAS.ti, MAXQDA or QualCoder, or the codebook (.qdc); speakers as pseudonyms only",
                "only the file named by --output (nothing else: the country is prepared in memory; processed "
                "tables only into an --out folder you name).")
    one_country(p, required=False)
    p.add_argument("--output", "-o", required=True, metavar="FILE",
                   help="the only file written (.qdpx, or .qdc with --codebook-only); its folder is created")
    p.add_argument("--codebook-only", action="store_true", help="write the codebook alone as .qdc")
    p.add_argument("--data", metavar="DIR", help=_DATA_HELP)
    p.add_argument("--out", metavar="DIR", help=_CACHE_HELP)
    p.set_defaults(func=cmd_export_qdpx)

    p = command("export-taguette", "export a country's codebook (Taguette's codebook CSV) and sessions (one HTML "
                "document each, speakers as pseudonyms only) for coding in Taguette",
                "codebook.csv and <session id>.html into the folder named by --output (created if needed); "
                "processed tables only into --out.")
    p.epilog = ("Bring the codings back with Taguette's highlights export (all tags, CSV or Excel): "
                "sparklearn import-qdpx highlights.csv --country SLUG -o coding-sheet.csv")
    one_country(p)
    p.add_argument("--output", "-o", required=True, metavar="FOLDER", help="folder to write the files into")
    p.add_argument("--data", metavar="DIR", help=_DATA_HELP)
    p.add_argument("--out", metavar="DIR", help=_CACHE_HELP)
    p.set_defaults(func=cmd_export_taguette)

    p = command("export", "write a country's framework matrix (with quotes) or the coders' disagreements to Excel",
                "the workbook named by --output; processed tables only into --out.")
    p.add_argument("kind", choices=["framework-matrix", "disagreements"])
    one_country(p)
    p.add_argument("--case", default="campaign_id", choices=["country", "campaign_id", "session_id"],
                   help="framework matrix rows (default: campaign_id)")
    p.add_argument("--top", metavar="N", type=_positive_int, default=12,
                   help="framework matrix: the N themes coded most (default 12)")
    p.add_argument("--quotes", type=int, default=2, help="framework matrix: quotes per cell (default 2)")
    p.add_argument("--output", "-o", help="workbook to write (default: <kind>-<country>.xlsx)")
    p.add_argument("--data", metavar="DIR", help=_DATA_HELP)
    p.add_argument("--out", metavar="DIR", help=_CACHE_HELP)
    p.set_defaults(func=cmd_export)

    p = command("demo-data", "regenerate the synthetic demo data (same seed, same bytes)",
                "the demo data into the folder named by --out.")
    p.add_argument("--out", metavar="DIR", required=True,
                   help="folder to write (use a new folder; compare with data/raw)")
    p.add_argument("--seed", type=int, default=2019)
    p.set_defaults(func=cmd_demo_data)
    return parser


def _os_fix(err: OSError) -> str:
    """What to do about an OSError met while writing, in the user's terms."""
    import errno

    if err.errno in (errno.ENOTDIR, errno.EEXIST):
        return "--out (or $SPARKLEARN_OUT) must name a folder, not a file: give a folder path, or move the file away"
    if err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "choose an output folder you may write to (--out DIR), or change the folder's permissions"
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        return "free some disk space or choose --out on another disk; rerun: finished reports were kept"
    return "check the output folder (--out DIR) and rerun"


def main(argv: Sequence[str] | None = None) -> int:
    # jsonschema (which nbformat validates notebooks with) imports rfc3987_syntax when it is
    # installed, and jupyter-events installs it; that module compiles an Earley grammar at
    # import: 1.5-3 s of every command that reads or writes a notebook, for IRI format checks
    # no notebook schema uses. Without it jsonschema simply has no IRI checker. Upstream:
    # python-jsonschema/jsonschema#1392 and #1428 (rfc3987-syntax2 loads lazily, #1521).
    sys.modules.setdefault("rfc3987_syntax", None)
    args = build_parser().parse_args(argv)
    if args.command == "export-qdpx" and not args.codebook_only and not args.country:
        build_parser().error("export-qdpx needs --country (or --codebook-only)")
    if args.command == "import-qdpx" and not args.country and not args.file.lower().endswith(".qdc"):
        build_parser().error("import-qdpx needs --country (only a .qdc codebook does not)")
    try:
        return args.func(args)
    except SparklearnError as err:
        print(f"sparklearn {args.command}: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        # A folder that cannot be written (a file in its place, read-only, a full disk): say which and what to do.
        print(f"sparklearn {args.command}: cannot write {err.filename or 'the output'}: "
              f"{err.strerror or err}\n  fix: {_os_fix(err)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: finished reports were kept; rerun to continue", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
