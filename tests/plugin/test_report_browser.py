"""The HTML report in a real browser: Debian's headless Chromium, driven by Playwright.

A small slice of the suite runs against the in-process mock with two defects, so the report has
failures of three root causes beside passing and skipped checks; the tests then work its
filters, open a failure's exchange and take a screenshot of the failure view.

Without a Chromium binary (``/usr/bin/chromium``, or ``$SCIM_CHROMIUM``) or without Playwright
these tests skip, except in CI (``CI=true``), where they fail. Playwright never downloads a
browser here: it drives the system's. ``SCIM_UPDATE_REPORT_SCREENSHOT=1`` also writes the
screenshot to ``docs/report-failures.png``, the picture the README shows.
"""

from __future__ import annotations

import os
import shutil
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.plugin.test_cli import run_cli

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "docs" / "report-failures.png"
CHROMIUM = Path(os.environ.get("SCIM_CHROMIUM", "/usr/bin/chromium"))
#: No GPU, no sandbox (CI runs as root), no network of the browser's own.
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
WIDTH, HEIGHT = 1280, 900
DEFECTS = ("error-status-integer", "delete-soft-keeps-listing")
SELECTION = "errors or delete or media_type"


def _unavailable(reason: str) -> None:
    """Skip on a developer's machine; fail in CI, where the browser must be installed."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason} (CI=true: the browser test must run)")
    pytest.skip(reason)


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def varied_rows(data: bytes) -> float:
    """The share of scanlines that are not one flat colour.

    PNG filters turn a flat row into one repeated byte after its first pixel whichever filter
    the encoder chose, so counting distinct bytes needs no full decoder.
    """
    width, height = png_size(data)
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[data[25]]
    assert data[24] == 8, "8-bit PNG expected"
    chunks, offset = [], 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        if data[offset + 4 : offset + 8] == b"IDAT":
            chunks.append(data[offset + 8 : offset + 8 + length])
        offset += 12 + length
    raw = zlib.decompress(b"".join(chunks))
    stride = 1 + width * channels
    rows = [raw[i * stride + 1 + 2 * channels : (i + 1) * stride] for i in range(height)]
    return sum(1 for row in rows if len(set(row)) > 2) / height


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The HTML report of a real run with failures, passes and a skip."""
    out = tmp_path_factory.mktemp("browser")
    faults = [arg for name in DEFECTS for arg in ("--scim-mock-fault", name)]
    result = run_cli(
        out, "--mock", "--html", "run.html", "-k", SELECTION, "--",
        "--scim-mock-transport", "wsgi", "-p", "no:randomly", *faults,
    )  # fmt: skip
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
    return out / "run.html"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium, the system's binary."""
    if not CHROMIUM.exists():
        _unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed (pip install playwright)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=ARGS, headless=True, timeout=60_000
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser, report: Path) -> Iterator[Page]:
    """The report opened in a fresh tab; script errors fail the test."""
    context = browser.new_context(
        viewport={"width": WIDTH, "height": HEIGHT}, device_scale_factor=1
    )
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.goto(report.as_uri())
    yield tab
    context.close()
    assert errors == []


def shown(page: Page) -> list[dict[str, Any]]:
    """The rows the filters leave shown (not ``hidden``), with what the filters read."""
    rows: list[dict[str, Any]] = page.evaluate(
        """Array.from(document.querySelectorAll("[data-outcome]"))
          .filter(row => !row.hidden)
          .map(row => ({outcome: row.dataset.outcome, level: row.dataset.level,
                        area: row.dataset.area, id: row.id}))"""
    )
    return rows


def test_the_filters_show_only_the_matching_rows(page: Page) -> None:
    """Outcome, level and area filters, one after the other, then Reset."""
    everything = shown(page)
    total = len(everything)
    assert {r["outcome"] for r in everything} == {"failed", "passed", "skipped"}
    assert page.locator("#filters").is_visible()
    assert page.locator("#shown").inner_text() == f"{total} of {total} shown"
    assert page.locator("article.fail").first.is_visible()
    assert not page.locator("#others-list li").first.is_visible()  # collapsed at first

    page.locator("label.chip", has_text="failed").click()
    rows = shown(page)
    assert rows and {r["outcome"] for r in rows} == {"passed", "skipped"}
    assert not page.locator("article.fail").first.is_visible()
    assert page.locator("#no-failure").is_visible()
    assert page.locator("#others-list li").first.is_visible()  # opened by the filter

    page.locator("label.chip", has_text="MUST").click()
    rows = shown(page)
    assert rows and {r["level"] for r in rows} <= {"SHOULD", "MAY"}

    page.locator("select[name=area]").select_option("errors")
    rows = shown(page)
    assert rows and {r["area"] for r in rows} == {"errors"}
    assert page.locator(".area[data-area=media_type]").is_hidden()
    assert page.locator("#shown").inner_text() == f"{len(rows)} of {total} shown"

    page.locator("button[type=reset]").click()
    page.wait_for_function("!document.querySelectorAll('[data-outcome][hidden]').length")
    assert len(shown(page)) == total
    assert page.locator("article.fail").first.is_visible()


def test_a_filtered_area_keeps_only_its_root_causes(page: Page) -> None:
    """Failures of one area: causes without a failure there disappear, the others stay."""
    page.locator("label.chip", has_text="passed").click()
    page.locator("label.chip", has_text="skipped").click()
    page.locator("select[name=area]").select_option("delete")
    rows = shown(page)
    assert rows and {(r["outcome"], r["area"]) for r in rows} == {("failed", "delete")}
    causes = page.locator("section.cause")
    states = [
        (causes.nth(i).is_visible(), causes.nth(i).locator("article.fail:not([hidden])").count())
        for i in range(causes.count())
    ]
    assert all(visible == (count > 0) for visible, count in states), states
    assert any(not visible for visible, _ in states), "some cause has no delete failure"
    for row in rows:
        assert page.locator(f"#{row['id']}").is_visible()  # opened if behind "N more"


def test_a_failure_exchange_opens_on_a_click(page: Page) -> None:
    """The exchange starts collapsed; its summary opens it and shows the bodies."""
    card = page.locator("article.fail").first
    exchange = card.locator("details.ex").first
    body = exchange.locator("pre").first
    assert exchange.get_attribute("open") is None and not body.is_visible()
    exchange.locator("summary").first.click()
    assert exchange.get_attribute("open") is not None and body.is_visible()
    assert '"status": 404' in body.inner_text()
    assert card.locator(".curl pre").inner_text().startswith("curl -X ")


def test_a_screenshot_of_the_failure_view_is_a_real_render(page: Page, tmp_path: Path) -> None:
    """The failure view as a person sees it, the first exchange open: a full, non-blank
    picture of the viewport's size, kept under the test's tmp dir."""
    page.locator("article.fail details.ex summary").first.click()
    page.locator("#failures").scroll_into_view_if_needed()
    page.evaluate("document.getElementById('failures').scrollIntoView()")
    picture = tmp_path / "report-failures.png"
    data = page.screenshot(path=str(picture))
    assert picture.read_bytes() == data
    assert png_size(data) == (WIDTH, HEIGHT)
    assert len(data) > 40_000, "a page of text compresses to much more than a blank one"
    assert varied_rows(data) > 0.3
    if os.environ.get("SCIM_UPDATE_REPORT_SCREENSHOT"):
        shutil.copyfile(picture, REFERENCE)


def test_the_reference_screenshot_is_committed() -> None:
    """docs/report-failures.png (for the README) is a render of the same view and size."""
    data = REFERENCE.read_bytes()
    assert png_size(data) == (WIDTH, HEIGHT)
    assert varied_rows(data) > 0.3
