"""The checked registry and codebook the notebooks read (store.reference): same as the YAML, kept current, no schema library in kernels."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pandas as pd
import pytest

from sparklearn.codebook import load_codebook
from sparklearn.config import resolve_paths
from sparklearn.countries import load_registry
from sparklearn.exceptions import CodebookError
from sparklearn.prepare import REFERENCE_FOLDER
from sparklearn.store import load_processed, reference


def test_the_reference_copy_is_what_the_yaml_files_say(tmp_path):
    paths = resolve_paths(out=tmp_path)
    registry, codebook = reference(paths)
    checked_registry, checked_codebook = load_registry(paths.countries_file), load_codebook(paths.codebook_file)

    for name in ("countries", "campaigns", "sectors"):
        pd.testing.assert_frame_equal(getattr(registry, name), getattr(checked_registry, name))
    pd.testing.assert_frame_equal(codebook.codes, checked_codebook.codes)
    assert list(codebook.vocabularies) == list(checked_codebook.vocabularies)
    for name, table in checked_codebook.vocabularies.items():
        pd.testing.assert_frame_equal(codebook.vocabularies[name], table)
    assert (codebook.version, codebook.title, codebook.description, codebook.source) == (
        checked_codebook.version, checked_codebook.title, checked_codebook.description, checked_codebook.source)
    assert registry.source == checked_registry.source
    assert registry.colours() == checked_registry.colours()


def test_a_current_copy_is_read_not_written_again(tmp_path):
    paths = resolve_paths(out=tmp_path)
    reference(paths)
    folder = tmp_path / "processed" / REFERENCE_FOLDER
    before = {f.name: f.stat().st_mtime_ns for f in folder.iterdir()}

    reference(paths)

    assert {f.name: f.stat().st_mtime_ns for f in folder.iterdir()} == before


def test_an_edited_codebook_is_checked_again_and_its_errors_reach_the_reader(kenya_data, tmp_path):
    paths = resolve_paths(data=kenya_data, out=tmp_path)
    assert reference(paths).codebook.title != "Edited title"
    book = kenya_data / "codebook.yaml"
    text = book.read_text(encoding="utf-8")
    book.write_text(text.replace("title:", 'title: "Edited title"\nold_title:', 1), encoding="utf-8")
    assert reference(paths).codebook.title == "Edited title"

    book.write_text(text.replace("version:", "version: [", 1), encoding="utf-8")
    with pytest.raises(CodebookError, match="codebook.yaml"):
        reference(paths)


def test_a_copy_from_another_build_is_not_trusted(tmp_path):
    paths = resolve_paths(out=tmp_path)
    reference(paths)
    manifest_file = tmp_path / "processed" / REFERENCE_FOLDER / "reference.json"
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    manifest["library"] = "another-build"
    manifest["codebook"]["title"] = "stale title"
    manifest_file.write_text(json.dumps(manifest), encoding="utf-8")

    assert reference(paths).codebook.title == load_codebook(paths.codebook_file).title


def test_without_an_output_folder_nothing_is_written(tmp_path, repo_untouched):
    paths = resolve_paths(default_out=False)
    registry, codebook = reference(paths)
    assert len(registry.campaigns) == 14 and codebook.version == "1.0.0"


def test_the_folder_is_not_taken_for_a_country(tmp_path):
    paths = resolve_paths(out=tmp_path)
    reference(paths)
    load_processed(paths, ["kenya"])  # prepares kenya beside the reference folder
    assert load_processed(tmp_path / "processed").countries == ("kenya",)


def test_a_notebook_kernel_never_loads_the_schema_library(tmp_path):
    """What the country notebook does before its first analysis, in a fresh interpreter, on current tables."""
    paths = resolve_paths(out=tmp_path)
    reference(paths)
    load_processed(paths, ["kenya"])
    script = textwrap.dedent(f"""
        import sys
        from sparklearn.analysis import outcomes, themes
        from sparklearn.analysis.agreement import agreement
        from sparklearn.codebook import code_labels
        from sparklearn.report import figures
        from sparklearn.store import country_tables, notebook_paths, reference
        paths = notebook_paths(None, {str(tmp_path / "processed")!r})
        registry, codebook = reference(paths)
        tables = country_tables("kenya", paths)
        agreement(tables.codings, tables.segments)
        print(len(tables.segments), sorted(m for m in ("pandera", "hypothesis") if m in sys.modules))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=tmp_path,
                          env={"PATH": "/usr/bin:/bin", "SPARKLEARN_DATA": str(paths.raw)})
    n_segments, loaded = done.stdout.split(" ", 1)
    assert int(n_segments) > 100
    assert loaded.strip() == "[]"
