"""Test helpers shared by several test modules (pytest puts this folder on sys.path)."""

from __future__ import annotations

from hypothesis import strategies as st


@st.composite
def keyboard_slips(draw, valid: str, values: st.SearchStrategy[str]) -> str:
    """``valid`` text after a few slips of the keyboard: lines lost, repeated, moved, re-indented, retyped."""
    lines = valid.splitlines()
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["delete", "repeat", "indent", "dedent", "retype", "swap"]))
        if op == "delete" and len(lines) > 1:
            del lines[i]
        elif op == "repeat":
            lines.insert(i, lines[i])
        elif op == "indent":
            lines[i] = "  " + lines[i]
        elif op == "dedent":
            lines[i] = lines[i][2:]
        elif op == "retype":
            lines[i] = lines[i].split(":")[0] + ": " + draw(values)
        elif op == "swap" and i + 1 < len(lines):
            lines[i], lines[i + 1] = lines[i + 1], lines[i]
    return "\n".join(lines) + "\n"


def relabel_codebook(codebook: dict, label, counter) -> dict:
    """``codebook`` (parsed YAML) with every ``label`` replaced by ``label(old_label, next(counter))``."""

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("label"), str):
                node["label"] = label(node["label"], next(counter))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(codebook)
    return codebook
