"""The book's conventions, checked: the rules in README's "Writing a chapter".

These tests read the files only (no kernel); nbval runs the notebooks.
"""
import json
import pathlib
import re

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
NOTEBOOKS = sorted(p for p in BOOK.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
CHAPTERS = [p for p in NOTEBOOKS if p.name.startswith("ch")]
BAD_OUTPUT = {
    "an absolute path": r"/work/|/tmp/|/root/|/home/|/Users/",
    "a timing": r"\d+ms/step|\d+s/step|Wall time:|CPU times:",
    "a memory address": r"\bat 0x[0-9a-fA-F]{6,}",
    "TensorFlow start-up lines": r"I0000 |absl::InitializeLog|oneDNN custom operations|cuda drivers",
    "a progress bar": r"\r|\u2588",
}


def toc_files(node=TOC):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("file", "root"):
                yield value
            else:
                yield from toc_files(value)
    elif isinstance(node, list):
        for item in node:
            yield from toc_files(item)


def cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def code_cells(path):
    return [c for c in cells(path) if c["cell_type"] == "code" and "".join(c["source"]).strip()]


def tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def test_toc_lists_exactly_the_pages_that_exist():
    listed = set(toc_files())
    for entry in listed:
        assert any((ROOT / f"{entry}{s}").exists() for s in (".md", ".ipynb")), entry
    for nb in NOTEBOOKS:
        assert str(nb.relative_to(ROOT).with_suffix("")) in listed, f"{nb} is not in _toc.yml"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.name)
def test_first_code_cell_is_the_colab_bootstrap(nb):
    first = code_cells(nb)[0]
    source = "".join(first["source"])
    assert {"remove-cell", "nbval-skip"} <= set(tags(first))
    assert '"google.colab" in sys.modules' in source
    assert CONFIG["repository"]["url"] in source, "the Colab cell must install from _config.yml's URL"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.name)
def test_outputs_are_stored_and_deterministic(nb):
    runnable = [c for c in code_cells(nb) if "nbval-skip" not in tags(c)]
    assert all(c["execution_count"] is not None for c in runnable), "run `make refresh`"
    for cell in runnable:
        source = "".join(cell["source"])
        for output in cell["outputs"]:
            if output["output_type"] == "error":
                assert "raises-exception" in tags(cell), f"unexpected error in: {source[:60]}"
        text = json.dumps(cell["outputs"])
        for what, pattern in BAD_OUTPUT.items():
            assert not re.search(pattern, text), f"{what} in the output of: {source[:60]}"
        if "NBVAL_IGNORE_OUTPUT" in source or "nbval-ignore-output" in tags(cell):
            assert re.search(r"#.*(because|since|varies|differs)", source, re.I), \
                "say why the output is not compared"
        assert "timing" not in cell.get("metadata", {}), "use make refresh (no timing metadata)"


@pytest.mark.parametrize("nb", CHAPTERS, ids=lambda p: p.name)
def test_chapters_end_with_summary_and_exercises(nb):
    headings = [line for c in cells(nb) if c["cell_type"] == "markdown"
                for line in "".join(c["source"]).splitlines() if line.startswith("## ")]
    assert "## Summary" in headings and headings[-1] == "## Exercises"
    text = "".join("".join(c["source"]) for c in cells(nb))
    exercises = re.findall(r":::\{exercise\}\n:label: (\S+)", text)
    solutions = re.findall(r":::\{solution\} (\S+)\n:class: dropdown", text)
    assert exercises and sorted(exercises) == sorted(solutions), "each exercise needs a hidden solution"


def test_no_placeholders_in_pages():
    for path in [*NOTEBOOKS, *BOOK.rglob("*.md")]:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\bTODO\b|\bTBD\b|lorem ipsum|example\.com", text), path


def test_every_citation_is_in_the_bibliography():
    bib = (BOOK / "references.bib").read_text(encoding="utf-8")
    keys = set(re.findall(r"@\w+\{([^,]+),", bib))
    cited = set()
    for path in [*NOTEBOOKS, *BOOK.rglob("*.md")]:
        for group in re.findall(r"\{cite(?::\w+)?\}`([^`]+)`", path.read_text(encoding="utf-8")):
            cited.update(k.strip() for k in group.split(","))
    assert cited <= keys, f"not in references.bib: {sorted(cited - keys)}"


def test_errata_entries_are_complete_and_point_to_pages_in_the_book():
    listed = set(toc_files())
    files = sorted((BOOK / "errata").glob("*.yml"))
    assert files
    for path in files:
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")):
            assert set(entry) == {"section", "article", "correct", "where"}, path
            assert re.fullmatch(r"§\d+(\.\d+)*", entry["section"]), entry
            assert f"book/{entry['where']}" in listed, entry["where"]


def test_requirements_are_pinned():
    lines = [l.strip() for l in (ROOT / "requirements.txt").read_text().splitlines()]
    for line in lines:
        if line and not line.startswith("#"):
            assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[\w.]+", line), line
