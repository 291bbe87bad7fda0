"""Data Docs that render with no network: GX's pages link Bootstrap, jQuery, Font Awesome,
bootstrap-table, Vega… from CDNs; the built site gets copies (``offline_assets/``, each with its
licence) in ``static/vendor/`` and every page and stylesheet is pointed at them.

Links in the text (GX's own documentation, its web site) stay: they are links a reader may follow,
not assets a page loads."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from python_engines.core.errors import EtlStackError

ASSETS = Path(__file__).parent / "offline_assets"
# the URLs GX 1.24's templates reference → the vendored file (relative to static/vendor/)
VENDORED = {
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": (
        "bootstrap-4.3.1/css/bootstrap.min.css"
    ),
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": (
        "bootstrap-4.3.1/js/bootstrap.min.js"
    ),
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery-3.7.1/jquery-3.7.1.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": (
        "popper.js-1.12.9/umd/popper.min.js"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": (
        "fontawesome-free-6.6.0/css/all.min.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": (
        "bootstrap-table-1.19.1/bootstrap-table.min.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": (
        "bootstrap-table-1.19.1/bootstrap-table.min.js"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.js": (
        "bootstrap-table-1.19.1/extensions/filter-control/bootstrap-table-filter-control.min.js"
    ),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.css": (
        "bootstrap-table-1.19.1/extensions/filter-control/bootstrap-table-filter-control.min.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.css": (
        "bootstrap-table-1.19.1/extensions/filter-control/bootstrap-table-filter-control.min.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/"
    "bootstrap-datepicker.min.css": "bootstrap-datepicker-1.9.0/css/bootstrap-datepicker.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/"
    "bootstrap-datepicker.min.js": "bootstrap-datepicker-1.9.0/js/bootstrap-datepicker.min.js",
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/"
    "bootstrap-prefers-dark.css": "bootstrap-dark-1.1.0/css/bootstrap-prefers-dark.css",
    "https://cdn.jsdelivr.net/npm/vega@5": "vega-5.33.1/vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "vega-lite-5.23.0/vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "vega-embed-6.29.0/vega-embed.min.js",
}
# GX's logo from its web-asset bucket → the copy GX ships in the site's static/images/
REMOTE_LOGO = re.compile(
    r"https://great-expectations-web-assets\.s3[\w.-]*\.amazonaws\.com/[\w-]+\.png(\?[^\"')\s]*)?"
)
# a script or link tag pointing at a vendored copy, and the CDN attributes it must lose
VENDORED_TAG = re.compile(r"<(?:script|link)\b[^>]*/vendor/[^>]*>", re.IGNORECASE)
CDN_ATTRIBUTE = re.compile(
    r"\s+(?:integrity|crossorigin)(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?", re.IGNORECASE
)
# a reference the browser loads by itself: src/href of script, link, img…; url() and @import in CSS
EXTERNAL_ASSET = re.compile(
    r"<(?:script|link|img|iframe|source|embed|object|video|audio)\b[^>]*?"
    r"(?:src|href|data)\s*=\s*[\"']?(?P<tag>(?:https?:)?//[^\"'\s>]+)"
    r"|url\(\s*[\"']?(?P<css>(?:https?:)?//[^\"')\s]+)"
    r"|@import\s+[\"'](?P<imp>(?:https?:)?//[^\"']+)",
    re.IGNORECASE,
)


def make_offline(site: Path) -> None:
    """Copy the vendored assets into the site and point every page and stylesheet at them."""
    shutil.copytree(ASSETS, site / "static" / "vendor", dirs_exist_ok=True)
    for page in site.rglob("*.html"):
        static = Path(os.path.relpath(site / "static", page.parent)).as_posix()
        page.write_text(_localised(page.read_text(encoding="utf-8"), static), encoding="utf-8")
    for sheet in (site / "static" / "styles").glob("*.css"):
        sheet.write_text(_localised(sheet.read_text(encoding="utf-8"), ".."), encoding="utf-8")
    left = external_asset_references(site)
    if left:
        raise EtlStackError(
            f"the Data Docs load {left[0]} from the network: vendor it in {ASSETS} "
            "(a new Great Expectations version changed its templates?)"
        )


def _localised(text: str, static: str) -> str:
    for url, local in VENDORED.items():
        text = text.replace(f'"{url}"', f'"{static}/vendor/{local}"')
    text = VENDORED_TAG.sub(_without_cdn_attributes, text)
    return REMOTE_LOGO.sub(f"{static}/images/logo-long.png", text)


def _without_cdn_attributes(tag: re.Match) -> str:
    """A vendored script or stylesheet tag without ``integrity`` and ``crossorigin``: over
    file:// a crossorigin request fails and the browser refuses the file (GX's pages then load
    but Bootstrap's tabs and modals do nothing); the copies are the site's own."""
    return CDN_ATTRIBUTE.sub("", tag.group(0))


def external_asset_references(site: Path) -> list[str]:
    """Every URL outside the site that a page or stylesheet would load by itself."""
    found = []
    for path in sorted([*site.rglob("*.html"), *site.rglob("*.css")]):
        if (site / "static" / "vendor") in path.parents:
            continue
        for match in EXTERNAL_ASSET.finditer(path.read_text(encoding="utf-8")):
            url = match.group("tag") or match.group("css") or match.group("imp")
            found.append(f"{url} ({path.relative_to(site)})")
    return found
