"""A one-file HTML report: the numbered notebooks run on a person's own exports.

The notebooks run with papermill (their ``parameters`` cell receives the paths), are joined
into one document behind a warning-signs header, and are rendered by nbconvert with the code
hidden. The file embeds its figures and its style sheet and loads nothing from the network,
so it opens offline and can be handed to a physiotherapist.
"""

from __future__ import annotations

import html
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..readers import read_log
from ..safety import red_flags
from ..schema import PathLike

NOTEBOOKS_DIR = Path(__file__).resolve().parents[2] / "notebooks"

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 60rem;
       margin: 2rem auto; padding: 0 1rem; color: #111; line-height: 1.45; }
h1, h2, h3 { line-height: 1.2; }
table { border-collapse: collapse; font-size: 0.85rem; margin: 0.5rem 0; }
th, td { border: 1px solid #ccc; padding: 0.2rem 0.45rem; text-align: left; }
img { max-width: 100%; height: auto; }
pre { white-space: pre-wrap; background: #f6f6f6; padding: 0.5rem; }
.warning { border: 3px solid #b2182b; padding: 0.5rem 1rem; margin-bottom: 2rem; }
.ok { border: 2px solid #1b7837; padding: 0.5rem 1rem; margin-bottom: 2rem; }
.jp-InputPrompt, .jp-OutputPrompt, .prompt { display: none; }
"""


def report_notebooks(folder: Path = NOTEBOOKS_DIR) -> list[Path]:
    """The numbered notebooks in ``folder``, in order."""
    found = sorted(p for p in folder.glob("[0-9][0-9]-*.ipynb"))
    if not found:
        raise FileNotFoundError(
            f"no numbered notebooks in {folder}; the report runs the project's notebooks, "
            "so run it from a checkout of backcare-analysis"
        )
    return found


def _warning_header(paths: Sequence[Path]) -> str:
    flags = red_flags(read_log(list(paths)))
    sources = ", ".join(html.escape(p.name) for p in paths)
    if flags.empty:
        body = "<p>No warning signs found in this log.</p>"
        css = "ok"
    else:
        items = "".join(
            f"<li><strong>{html.escape(str(r.detail))}</strong> {html.escape(str(r.action))}</li>"
            for r in flags.itertuples()
        )
        body = f"<ul>{items}</ul>"
        css = "warning"
    return (
        "<h1>Back-spasm log report</h1>"
        f"<p>Made by backcare-analysis from: {sources}. Everything was computed on this "
        "computer; this report gives no medical advice.</p>"
        f'<section class="{css}"><h2>Warning signs</h2>{body}</section>'
    )


def _execute(notebook: Path, out_dir: Path, parameters: dict[str, Any]) -> Path:
    import papermill

    target = out_dir / notebook.name
    papermill.execute_notebook(
        str(notebook),
        str(target),
        parameters=parameters,
        cwd=str(notebook.parent),
        progress_bar=False,
        kernel_name="python3",
    )
    return target


def _body(executed: Path) -> str:
    import nbformat
    from nbconvert import HTMLExporter

    notebook = nbformat.read(str(executed), as_version=4)  # type: ignore[no-untyped-call]
    notebook.cells = [
        cell
        for cell in notebook.cells
        if not {"parameters", "injected-parameters"} & set(cell.metadata.get("tags", []))
    ]
    exporter = HTMLExporter(template_name="basic", exclude_input=True)  # type: ignore[no-untyped-call]
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    body, _ = exporter.from_notebook_node(notebook)
    return str(body)


def build_report(
    paths: PathLike | Sequence[PathLike],
    out: PathLike,
    *,
    notebooks: Sequence[Path] | None = None,
    progress: bool = True,
) -> Path:
    """Run the notebooks on ``paths`` and write one self-contained HTML file.

    Parameters
    ----------
    paths
        The person's export files or folders.
    out
        The HTML file to write.
    notebooks
        Notebooks to run, in order; the project's numbered notebooks by default.
    progress
        Show a progress bar (on standard error) while the notebooks run.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    LogFormatError
        When an input cannot be read (before any notebook runs).
    """
    from tqdm import tqdm

    if isinstance(paths, str | os.PathLike):
        inputs = [Path(paths).resolve()]
    else:
        inputs = [Path(p).resolve() for p in paths]
    header = _warning_header(inputs)
    chosen = list(notebooks) if notebooks is not None else report_notebooks()
    parameters = {"LOG_PATHS": [str(p) for p in inputs], "EXPECT_SAMPLE": False}
    sections = [header]
    with tempfile.TemporaryDirectory() as tmp:
        bar = tqdm(
            chosen, desc="running notebooks", unit="notebook", disable=not progress, file=sys.stderr
        )
        for notebook in bar:
            bar.set_postfix_str(notebook.name)
            sections.append(_body(_execute(notebook, Path(tmp), parameters)))
    document = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>Back-spasm log report</title>"
        f"<style>{_STYLE}</style></head><body>" + "\n".join(sections) + "</body></html>\n"
    )
    target = Path(out)
    target.write_text(document, encoding="utf-8")
    return target
