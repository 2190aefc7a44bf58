"""The portfolio HTML in a real browser: Debian's headless `chromium`.

Three things are proven on the fixture portfolio (tests/portfolio_inventory.py):
1. it renders: a screenshot is taken and is not blank (decoded here with zlib
   and struct), and the stylesheet was applied (the heatmap's and the funnel's
   colours are in it, so the CSP's style hash was accepted); it also prints to
   a PDF of several pages;
2. the DOM chromium built holds the fixture's known counts, stuck pilots and
   deadline rows (`--dump-dom`, read with html.parser);
3. the browser makes no network request for the page: chromium's own NetLog
   (`--log-net-log`) lists every URL request the network stack saw; none of
   those made on behalf of a document (an initiator other than "not an
   origin", or a file:// network isolation key) may be http(s), ws(s) or ftp.
   Chromium's own background requests (time, sign-in) carry no document
   initiator and are ignored; `--host-resolver-rules` keeps them off the
   network anyway. A control page that does load an image, a stylesheet and a
   font proves the check sees such requests. The console log (CSP violations
   are reported there) must stay silent too.

Without /usr/bin/chromium (or $CHROMIUM, or `chromium` on PATH) the tests skip outside CI and fail
under CI: .ci/run installs Debian's `chromium` when it is missing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import zlib
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
from portfolio_inventory import DUE_30, DUE_31_90, KNOWN, STUCK_NAMES, fixture_inventory

from checker.portfolio import html as html_

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND",
]
TIMEOUT = 90  # seconds for one chromium run


def find_chromium() -> str | None:
    """$CHROMIUM when set (and only it), else Debian's /usr/bin/chromium, else `chromium` on PATH."""
    wanted = os.environ.get("CHROMIUM")
    if wanted:
        return wanted if os.path.isfile(wanted) and os.access(wanted, os.X_OK) else None
    if os.path.isfile("/usr/bin/chromium"):
        return "/usr/bin/chromium"
    return shutil.which("chromium")


def chromium() -> str:
    path = find_chromium()
    if not path:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing and CI is set: .ci/run installs Debian's chromium package")
        pytest.skip("chromium is not installed (apt-get install chromium); the browser tests need it")
    return path


def test_without_chromium_the_browser_tests_skip_outside_ci_and_fail_under_ci(monkeypatch, tmp_path):
    monkeypatch.setenv("CHROMIUM", str(tmp_path / "no-such-chromium"))
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        chromium()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception):
        chromium()


def run_chromium(tmp_path: Path, page: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    proc = subprocess.run(
        [chromium(), *FLAGS, f"--user-data-dir={profile}", *extra, page.as_uri()],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("portfolio") / "portfolio report.html"  # a space: file URLs are quoted
    path.write_text(html_.render(fixture_inventory()), encoding="utf-8")
    return path


# -- 1. it renders ---------------------------------------------------------------


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and the rows of an 8-bit RGB(A), non-interlaced PNG (what chromium writes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        pos += 12 + length
    assert header is not None
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, header
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        if kind == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif kind == 2:
            line = bytearray((a + b) & 0xFF for a, b in zip(line, prev))
        elif kind == 3:
            for i in range(stride):
                line[i] = (line[i] + ((line[i - bpp] if i >= bpp else 0) + prev[i]) // 2) & 0xFF
        elif kind == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b, c = prev[i], (prev[i - bpp] if i >= bpp else 0)
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        else:
            assert kind == 0, f"unknown PNG filter {kind}"
        rows.append(bytes(line))
        prev = line
    return width, height, [bytes(r[i : i + 3]) for r in rows for i in range(0, stride, bpp)]


def _rgb(hex_colour: str) -> bytes:
    return bytes.fromhex(hex_colour.lstrip("#"))


def test_the_report_renders_in_chromium_and_the_screenshot_is_not_blank(tmp_path, page):
    shot = tmp_path / "shot.png"
    run_chromium(tmp_path, page, f"--screenshot={shot}", "--window-size=1280,2000")
    width, height, pixels = png_pixels(shot.read_bytes())
    assert (width, height) == (1280, 2000)
    colours = Counter(pixels)
    assert len(colours) > 20  # text, borders, bars and cells: far from a blank page
    background, count = colours.most_common(1)[0]
    assert background == b"\xff\xff\xff"
    assert len(pixels) - count > len(pixels) // 50  # more than 2% of the page is drawn on
    # The stylesheet applied (its hash matched the CSP): the funnel's bars have their colours.
    for stage_colour in ("#5b7fc7", "#e07b39", "#2e9a6f", "#8c959f"):
        assert _rgb(stage_colour) in colours, stage_colour


def test_the_report_prints_to_pdf(tmp_path, page):
    pdf = tmp_path / "report.pdf"
    run_chromium(tmp_path, page, f"--print-to-pdf={pdf}", "--no-pdf-header-footer")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and len(data) > 10_000
    assert len(re.findall(rb"/Type\s*/Page[^s]", data)) >= 2  # the report runs over several pages


def test_png_decoder_sees_a_blank_page_as_blank(tmp_path):
    blank = tmp_path / "blank.html"
    blank.write_text("<!DOCTYPE html><title>blank</title>", encoding="utf-8")
    shot = tmp_path / "blank.png"
    run_chromium(tmp_path, blank, f"--screenshot={shot}", "--window-size=320,200")
    width, height, pixels = png_pixels(shot.read_bytes())
    assert (width, height) == (320, 200) and set(pixels) == {b"\xff\xff\xff"}


# -- 2. the DOM holds the expected counts ----------------------------------------


class _Dom(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.counts: dict[str, str] = {}
        self.rows: dict[str, list[list[str]]] = {}
        self._count: str | None = None
        self._table: list[str | None] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "data-count" in attrs:
            self._count = attrs["data-count"]
            self.counts[self._count] = ""
        if tag == "table":
            self._table.append(attrs.get("id"))
        if tag == "tr" and ("data-stuck" in attrs or "data-due" in attrs) and self._table:
            self._row = []
            self.rows.setdefault(self._table[-1], []).append(self._row)
        if tag == "td" and self._row is not None:
            self._cell = []
            self._row.append("")

    def handle_endtag(self, tag):
        if tag == "dd":
            self._count = None
        if tag == "tr":
            self._row = None
        if tag == "table" and self._table:
            self._table.pop()

    def handle_data(self, data):
        if self._count:
            self.counts[self._count] += data.strip()
        if self._row is not None and self._row:
            self._row[-1] += data


def test_the_dom_chromium_builds_holds_the_fixture_counts_stuck_pilots_and_deadlines(tmp_path, page):
    dom = _Dom()
    dom.feed(run_chromium(tmp_path, page, "--dump-dom").stdout)
    assert dom.counts == {key: str(value) for key, value in KNOWN.items()}
    stuck = dom.rows["stuck"]
    assert [next(n for n in STUCK_NAMES if row[0].startswith(n)) for row in stuck] == STUCK_NAMES
    assert [row[2] for row in stuck] == ["2023-02-01", "2024-11-20"] and [row[3] for row in stuck] == ["40", "18"]
    assert [row[0] for row in dom.rows["due-30"]] == DUE_30
    assert [row[0] for row in dom.rows["due-90"]] == DUE_31_90
    assert [row[1] for row in dom.rows["due-30"] + dom.rows["due-90"]] == ["16", "30", "66", "90"]


def test_chromium_renders_the_report_for_1000_systems(tmp_path):
    from test_portfolio_render import _many

    page = tmp_path / "big.html"
    page.write_text(html_.render(_many(1000)), encoding="utf-8")
    dom = run_chromium(tmp_path, page, "--dump-dom").stdout
    systems = dom.split('id="systems"', 1)[1]
    assert systems.count("<tr><td>") == 1000
    assert 'data-count="systems">1000<' in dom


# -- 3. no network request ---------------------------------------------------------


def page_requests(netlog: Path) -> list[str]:
    """The URLs chromium's network stack requested on behalf of a document, from its NetLog."""
    log = json.loads(netlog.read_text(encoding="utf-8"))
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    urls = []
    for event in log["events"]:
        params = event.get("params") or {}
        if event["type"] != start or "url" not in params:
            continue
        by_document = params.get("initiator") not in (None, "not an origin") or "file://" in str(
            params.get("network_isolation_key", "")
        )
        if by_document:
            urls.append(params["url"])
    return urls


def _network(urls: list[str]) -> list[str]:
    return [u for u in urls if u.split(":", 1)[0].lower() in ("http", "https", "ws", "wss", "ftp")]


def _console(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def test_chromium_makes_no_network_request_for_the_report(tmp_path, page):
    netlog = tmp_path / "netlog.json"
    proc = run_chromium(tmp_path, page, f"--log-net-log={netlog}", "--enable-logging=stderr", "--v=0", "--dump-dom")
    assert 'data-count="systems"' in proc.stdout  # the page did load
    assert _network(page_requests(netlog)) == []
    assert _console(proc.stderr) == []  # no CSP violation, nothing refused


def test_the_network_check_sees_a_page_that_loads_things(tmp_path):
    control = tmp_path / "control.html"
    control.write_text(
        '<!DOCTYPE html><html><head><link rel="stylesheet" href="http://127.0.0.1:9/x.css">'
        "<style>@font-face{font-family:f;src:url(https://127.0.0.1:9/f.woff2)}body{font-family:f}</style></head>"
        '<body>control<img src="http://127.0.0.1:9/x.png"></body></html>',
        encoding="utf-8",
    )
    netlog = tmp_path / "control.json"
    run_chromium(tmp_path, control, f"--log-net-log={netlog}", "--dump-dom")
    seen = _network(page_requests(netlog))
    assert "http://127.0.0.1:9/x.png" in seen and "http://127.0.0.1:9/x.css" in seen


def test_the_console_check_sees_a_policy_violation(tmp_path):
    page = tmp_path / "violation.html"
    page.write_text(html_.render(fixture_inventory()).replace(html_.STYLE_HASH, "A" * 43 + "="), encoding="utf-8")
    proc = run_chromium(tmp_path, page, "--enable-logging=stderr", "--v=0", "--dump-dom")
    assert any("Content Security Policy" in line for line in _console(proc.stderr))
