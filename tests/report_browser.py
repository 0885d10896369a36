"""Headless Debian ``chromium`` driven over the DevTools protocol, to read a Snakemake report
as a reader sees it.

Snakemake's report is a JavaScript page: results, captions and the embedded claims page
appear only after clicks. :class:`Browser` starts ``chromium --headless`` with a fresh
profile and ``--remote-debugging-pipe`` (JSON messages on file descriptors 3 and 4, so no
network port and no extra package), loads a page, clicks on elements found by their text
with real mouse events, and returns the text that is rendered, also inside frames.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: The flags the report test runs chromium with (no sandbox: CI runs as root).
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
)


def chromium() -> str | None:
    """Path of Debian's chromium, or None."""
    return shutil.which("chromium")


class Browser:
    """One headless chromium page; use as a context manager."""

    def __init__(self, width: int = 1400, height: int = 1000, timeout: float = 60.0):
        self.timeout = timeout
        self._profile = tempfile.mkdtemp(prefix="chromium-profile-")
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def child_fds():  # the pipe ends become fds 3 (commands in) and 4 (replies out)
            a = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10)
            b = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [
                chromium() or "chromium",
                *FLAGS,
                f"--user-data-dir={self._profile}",
                f"--window-size={width},{height}",
                "--remote-debugging-pipe",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=False,
            preexec_fn=child_fds,
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buffer = b""
        self._id = 0
        page = next(t for t in self.call("Target.getTargets")["targetInfos"] if t["type"] == "page")
        attached = self.call("Target.attachToTarget", targetId=page["targetId"], flatten=True)
        self._session = attached["sessionId"]
        self.call("Page.enable", session=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        for fd in (self._to_chrome, self._from_chrome):
            try:
                os.close(fd)
            except OSError:
                pass
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self._profile, ignore_errors=True)

    def _read_message(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline:
                raise TimeoutError("no answer from chromium")
            chunk = os.read(self._from_chrome, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe")
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        return json.loads(message)

    def call(self, method: str, session: bool = False, **params) -> dict:
        """Send one DevTools command and return its result (events on the way are dropped)."""
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params}
        if session:
            msg["sessionId"] = self._session
        os.write(self._to_chrome, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]

    def evaluate(self, expression: str, context: int | None = None):
        """The value of a JavaScript expression in the page (or in an execution context)."""
        params = {"expression": expression, "returnByValue": True, "awaitPromise": True}
        if context is not None:
            params["contextId"] = context
        result = self.call("Runtime.evaluate", session=True, **params)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression[:60]}...: {result['exceptionDetails']}")
        return result["result"].get("value")

    def open(self, url: str, ready_text: str) -> None:
        """Load ``url`` and wait until the page shows ``ready_text``."""
        self.call("Page.navigate", session=True, url=url)
        self.wait_for(ready_text)

    def wait_for(self, text: str) -> None:
        """Wait until the page or a frame in it shows ``text``."""
        if not self._shows(text, time.monotonic() + self.timeout):
            raise TimeoutError(f"the page never showed {text!r}")

    def click(
        self, selector: str, text: str, button: int | None = None, then: str | None = None
    ) -> None:
        """Click (mouse press and release at its centre) the first element matching the CSS
        ``selector`` whose trimmed text is ``text``; with ``button``, the ``button``-th link
        inside it instead (e.g. the view and info buttons of a row of results). With
        ``then``, click again (a click can fall between two renderings of the page) until
        the page, or a frame in it, shows the text ``then``."""
        deadline = time.monotonic() + self.timeout
        while True:
            self._click_once(selector, text, button)
            if then is None or self._shows(then, time.monotonic() + 3):
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"clicking {text!r} never showed {then!r}")

    def _shows(self, text: str, deadline: float) -> bool:
        while text not in self.text():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.2)
        return True

    def _click_once(self, selector: str, text: str, button: int | None) -> None:
        js = (
            f"(() => {{ let e = [...document.querySelectorAll({json.dumps(selector)})]"
            f".find(e => e.textContent.trim() === {json.dumps(text)}); if (!e) return null; "
            + ("" if button is None else f"e = e.querySelectorAll('a')[{button}]; ")
            + "if (!e) return null; e.scrollIntoView({block: 'center'}); "
            "const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2];"
            " })()"
        )
        deadline = time.monotonic() + self.timeout
        while (where := self.evaluate(js)) is None:  # the page may still be rendering
            if time.monotonic() > deadline:
                raise LookupError(f"nothing to click: {selector!r} {text!r} (button {button})")
            time.sleep(0.2)
        for kind in ("mousePressed", "mouseReleased"):
            self.call(
                "Input.dispatchMouseEvent",
                session=True,
                type=kind,
                x=where[0],
                y=where[1],
                button="left",
                clickCount=1,
            )
        time.sleep(0.3)

    def in_frames(self, expression: str) -> list:
        """The value of a JavaScript expression in every frame of the page (e.g. the report's
        iframe that shows an HTML result), which the page's own scripts may not read."""
        values = []
        tree = self.call("Page.getFrameTree", session=True)["frameTree"]
        for child in tree.get("childFrames", []):
            world = self.call(
                "Page.createIsolatedWorld", session=True, frameId=child["frame"]["id"]
            )
            values.append(self.evaluate(expression, world["executionContextId"]))
        return values

    def text(self) -> str:
        """The rendered text of the page and of every frame in it."""
        text = "document.body ? document.body.innerText : ''"
        parts = [self.evaluate(text), *self.in_frames(text)]
        return "\n".join(p or "" for p in parts)

    def screenshot(self, path: Path) -> None:
        """Save what the page shows now as a PNG."""
        data = self.call("Page.captureScreenshot", session=True, format="png")["data"]
        Path(path).write_bytes(base64.b64decode(data))


#: Categories of the report's figures and the caption files of the figures in each, in the
#: order of their names in the report (workflow/rules/figures.smk).
FIGURE_CATEGORIES = {
    "2. Figures of the paper": ("fig1", "fig2", "fig3", "fig4"),
    "3. Criterion and validation": ("criterion", "validation"),
}

#: Text of the list of figures of a category (its header: the label of the figures).
FIGURE_LABEL_HEADER = "FIGURE"

#: The rows of the claims table in a frame: the table whose first header cell is "#".
_CLAIM_ROWS = (
    "[...document.querySelectorAll('table')]"
    ".filter(t => t.rows[0].cells[0].innerText.trim() === '#')"
    ".flatMap(t => [...t.rows].slice(1).map(r => [...r.cells].map(c => c.innerText.trim())))"
)


def caption_title(name: str) -> str:
    """The bold first sentence of a figure's caption file, as the report renders it."""
    rst = (ROOT / "workflow" / "report" / f"{name}.rst").read_text()
    return re.match(r"\*\*(.+?)\*\*", rst, flags=re.S).group(1).replace("\n", " ")


def check_report(report: Path, claims_md: Path, screenshot: Path | None = None) -> None:
    """Open ``report`` as a reader would and assert what it must show.

    The first page names the paper and counts the verdicts of ``claims_md``; the category
    of the claims shows the table rendered as an HTML table with one row per claim of the
    Markdown and the same verdict; clicking the info button of every figure shows its
    caption. ``screenshot``: where to save the view of the claims table.
    """
    md = claims_md.read_text()
    # The verdict cell: "**verdict**", possibly followed by its reason in parentheses.
    found = re.findall(r"^\|\s*(\d+)\s*\|.*\|\s*\*\*([^*|]+)\*\*([^|]*)\|\s*$", md, flags=re.M)
    rows = [(n, f"{verdict.strip()} {reason.strip()}".strip()) for n, verdict, reason in found]
    assert len(rows) >= 10, md
    with Browser() as b:
        b.open(report.as_uri(), "1. Claims of the paper")
        first = b.text()
        assert "arXiv:2109.07332" in first and f"{len(rows)} claims checked" in first, first
        assert "git commit" in first and "config hash" in first, first

        b.click("a", "1. Claims of the paper", then="claims: paper vs measured")
        b.click("tr", "claims: paper vs measured", button=0, then="Decision rules")  # view
        [table] = b.in_frames(_CLAIM_ROWS)
        assert [r[0] for r in table] == [n for n, _ in rows], table
        for (_, verdict), cells in zip(rows, table, strict=True):
            assert cells[-1] == verdict, cells
            assert len(cells) == 5 and len(cells[1]) > 20, cells  # the claim's own text
        if screenshot is not None:
            b.screenshot(screenshot)

        for category, names in FIGURE_CATEGORIES.items():
            b.click("a", "Results", then=category)  # the breadcrumb back to the categories
            b.click("a", category, then=FIGURE_LABEL_HEADER)
            labels = b.evaluate("[...document.querySelectorAll('tbody tr')].map(r => r.innerText)")
            assert len(labels) == len(names), labels
            for name, label in zip(names, sorted(labels), strict=True):
                # the info button shows the caption; the breadcrumb leads back
                b.click("tr", label.strip(), button=1, then=caption_title(name))
                b.click("a", category, then=FIGURE_LABEL_HEADER)
