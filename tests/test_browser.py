"""Open every notebook in a real JupyterLab in headless Chromium, run it from the menu,
and check that it shows figures and no error output.

Needs Debian's ``chromium`` and the Python package ``playwright`` (driven with
``executable_path``; ``playwright install`` is never used). ``scripts/test.sh`` installs
both; without them the test is skipped locally and fails under CI (``CI=true``).
Screenshots go to ``artifacts/browser/``.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import unicodedata
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "artifacts" / "browser"
NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _require_browser() -> None:
    missing = []
    if not CHROMIUM.exists():
        missing.append("Debian package chromium (/usr/bin/chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("Python package playwright")
    if missing:
        message = "browser test needs " + " and ".join(missing) + " (scripts/test.sh installs them)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A JupyterLab server on loopback over a copy of the notebooks and sample data."""
    _require_browser()
    root = tmp_path_factory.mktemp("lab")
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    shutil.copytree(ROOT / "data", root / "data")
    home = tmp_path_factory.mktemp("jupyter-home")
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
    }
    # No "get Jupyter news?" toast over the notebook (and no news fetched).
    notification = home / "settings" / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True)
    (notification / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    # Render every cell (no windowing), so that no error output can hide off-screen.
    notebook_settings = home / "settings" / "@jupyterlab" / "notebook-extension"
    notebook_settings.mkdir(parents=True)
    (notebook_settings / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    port, token = _free_port(), secrets.token_hex(16)
    log = (home / "lab.log").open("w")
    server = subprocess.Popen(
        [
            sys.executable, "-m", "jupyter", "lab", "--allow-root", "--no-browser",
            "--ip=127.0.0.1", f"--port={port}", f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.news_url=",
        ],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    log.flush()
                    pytest.fail("JupyterLab did not start:\n" + (home / "lab.log").read_text())
                time.sleep(0.5)
        # ?reset starts each page from an empty workspace: only the notebook under test.
        yield f"{url}/lab/tree/notebooks/{{name}}?reset&token={token}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.mark.browser
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_in_jupyterlab(lab: str, browser: object, name: str) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    try:
        page.goto(lab.format(name=name))
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
        # The kernel must be connected before "Run All Cells": the status bar says Idle.
        page.get_by_text("Python 3 (ipykernel) | Idle").wait_for(timeout=90_000)
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        # Every code cell gets an execution count when done; none left as [*] or [ ].
        page.wait_for_function(
            """() => {
                const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
                if (!panel) return false;
                const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
                return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
            }""",
            timeout=120_000,
        )
        page.get_by_text("Python 3 (ipykernel) | Idle").wait_for(timeout=60_000)
        errors = page.locator(
            '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
        )
        texts = [errors.nth(i).inner_text() for i in range(errors.count())]
        assert texts == [], f"{name} shows error output: {texts}"
        assert page.locator(".jp-RenderedImage img").count() >= 1, f"{name} rendered no figure"
    finally:
        figures = page.locator(".jp-RenderedImage img")
        if figures.count():
            figures.first.scroll_into_view_if_needed()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{Path(name).stem}.png"))
        page.close()


_REAL = ROOT.parent / "shared" / "real-exports"
#: Every real export a report can be made of (as a user passes it), and the samples.
REPORT_LOGS = {
    "sample": [ROOT / "data" / "sample" / "spreadsheet"],
    **{
        f"real-{p.parent.name}-{p.stem}": [p]
        for p in sorted(_REAL.glob("*/*"))
        if p.name not in ("bearable-export-02-04-2021.csv", "davidcdcb-2021-es-noheader.csv")
    },
}
#: A report prints to a few clean pages.
MAX_REPORT_PAGES = 8


@pytest.mark.browser
@pytest.mark.parametrize("name", list(REPORT_LOGS))
def test_report_prints_with_warning_signs_and_scorecard_on_page_one(
    browser: object, name: str, tmp_path: Path
) -> None:
    from pypdf import PdfReader

    from backcare_analysis import check_advice, read_log
    from backcare_analysis.outputs import words
    from backcare_analysis.outputs.report import build_report

    paths = REPORT_LOGS[name]
    if not all(p.exists() for p in paths):
        pytest.skip("../shared/real-exports is not beside the project")
    report = build_report(paths, tmp_path / "report.html", progress=False)
    page = browser.new_page()  # type: ignore[attr-defined]
    try:
        page.goto(report.resolve().as_uri())
        pdf = tmp_path / "report.pdf"
        page.pdf(path=str(pdf), format="A4", print_background=True)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.set_viewport_size({"width": 900, "height": 1270})
        page.screenshot(path=str(ARTIFACTS / f"report-{name}.png"))
    finally:
        page.close()
    reader = PdfReader(str(pdf))
    assert 1 <= len(reader.pages) <= MAX_REPORT_PAGES
    # NFKC undoes the ligatures a PDF's text holds ("\ufb01rst" -> "first").
    first = " ".join(unicodedata.normalize("NFKC", reader.pages[0].extract_text()).split())
    assert "Warning signs" in first
    assert "Signs that need urgent care" in first
    assert "The advice, checked against this log" in first
    card = check_advice(read_log(paths))
    letters = "".join(ch for ch in first if ch.isalpha())
    for claim in card["claim"]:
        # Every claim of the scorecard is on page one (titles wrap in their cell, so the
        # text comes out interleaved: look for the title's longest word).
        longest = max(words.claim_title(str(claim)).split(), key=len)
        assert "".join(ch for ch in longest if ch.isalpha()) in letters, claim
    assert first.index("Warning signs") < first.index("The advice, checked")
