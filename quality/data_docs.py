"""GX data docs that open offline, and gate runs pruned with the published versions.

GX's data docs load Bootstrap, jQuery, bootstrap-table, Font Awesome and Vega from CDNs; a city's
network often cannot reach them. quality/data_docs_assets/ pins the same packages (npm, installed
by `make install`); `localize` copies the files a site uses into one shared folder beside the
gate runs and points each page at them. GX's logo (an S3 address) becomes an empty image; links
to GX's website stay links.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from pathlib import Path

log = logging.getLogger("quality.data_docs")

ASSETS = Path(__file__).resolve().parent / "data_docs_assets" / "node_modules"
STATIC = "_static"  # beside the run folders: runs/_static/, shared by every run, never pruned
# CDN address (or its start) → the same file (or folder) in the pinned npm packages
LOCAL = {
    "https://unpkg.com/bootstrap-table@1.19.1/dist/": "bootstrap-table/dist/",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/": "bootstrap-table/dist/",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/": "bootstrap/dist/",
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/": "bootstrap/dist/",
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery/dist/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/": "popper.js/dist/",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/": "@fortawesome/fontawesome-free/",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/": "bootstrap-datepicker/dist/",
    "https://cdn.jsdelivr.net/npm/vega@5": "vega/build/vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "vega-lite/build/vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "vega-embed/build/vega-embed.min.js",
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/": "@forevolve/bootstrap-dark/",
}
IMAGE_HOSTS = ("https://great-expectations-web-assets.s3.",)
_LOADED = re.compile(r'(<(?:script|link|img)\b[^>]*?\b(?:src|href)=")(https?://[^"]+)(")')
_CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)")


class AssetsMissing(RuntimeError):
    """The pinned packages are not installed (no npm when `make install` ran)."""


def local_file(url: str) -> str | None:
    """The path under the npm packages of the file a CDN `url` serves, or None if not one of ours."""
    address = url.split("?", 1)[0].split("#", 1)[0]
    prefix = max((p for p in LOCAL if address.startswith(p)), key=len, default=None)
    if prefix is None:
        return None
    target = LOCAL[prefix]
    return target + address[len(prefix) :] if target.endswith("/") else target


def _copy(relative: str, static: Path) -> None:
    """One asset into `static`, with the files its CSS refers to (Font Awesome's webfonts)."""
    source, copy = ASSETS / relative, static / relative
    if copy.exists():
        return
    if not source.is_file():
        raise AssetsMissing(f"{source} is missing: run `make install` (it installs them with npm)")
    copy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, copy)
    if source.suffix == ".css":
        try:
            stylesheet = source.read_text(encoding="utf-8")
        except UnicodeDecodeError as error:  # a damaged package: keep the CDN addresses, say why
            raise AssetsMissing(f"{source} is not UTF-8 ({error}): run `make install` again") from None
        for reference in _CSS_URL.findall(stylesheet):
            if reference.startswith(("data:", "http:", "https:", "#", "/")):
                continue
            path = (source.parent / reference.split("?")[0].split("#")[0]).resolve()
            if path.is_file() and path.is_relative_to(ASSETS.resolve()):
                _copy(str(path.relative_to(ASSETS.resolve())), static)


def _localize_page(page: Path, static: Path) -> int:
    text, rewritten = page.read_text(encoding="utf-8"), 0

    def swap(match: re.Match) -> str:
        nonlocal rewritten
        url = match.group(2)
        if url.startswith(IMAGE_HOSTS):
            rewritten += 1
            return f"{match.group(1)}data:,{match.group(3)}"
        relative = local_file(url)
        if relative is None:
            return match.group(0)
        _copy(relative, static)
        rewritten += 1
        return f"{match.group(1)}{os.path.relpath(static / relative, page.parent)}{match.group(3)}"

    new = _LOADED.sub(swap, text)
    if new != text:
        page.write_text(new, encoding="utf-8")
    return rewritten


def localize(docs_dir: Path) -> int:
    """Point every page of the site at local copies; the number of addresses rewritten.
    Without the pinned packages the pages keep their CDN addresses (one warning)."""
    static = Path(docs_dir).resolve().parents[1] / STATIC
    try:
        return sum(_localize_page(page, static) for page in Path(docs_dir).rglob("*.html"))
    except AssetsMissing as error:
        log.warning("data docs keep their CDN addresses (they need a network to render): %s", error)
        return 0


def prune_runs(runs_dir: Path, before: str) -> list[str]:
    """Remove the gate run folders (<gate>-<run id>) whose run id sorts before `before` (run ids
    are UTC timestamps): the gates of versions no longer kept. The names removed."""
    removed = []
    for folder in sorted(Path(runs_dir).glob("*-*")):
        run_id = folder.name.partition("-")[2]
        if folder.is_dir() and not folder.name.startswith(STATIC) and run_id < before:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder.name)
    return removed
