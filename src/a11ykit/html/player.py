"""The listening player on the page: an HTML fragment, and the read-along script and styles.

The player is HTML, so it lives on the page side: it is built here from what the
speech side gives (the narration's file names, :func:`a11ykit.speech.output_names`);
speech never writes HTML, and this module never synthesizes or reads audio.

The fragment works with no script at all: a native ``<audio controls>`` with Opus
and MP3 sources, captions and chapters tracks, and plain download links. The
script (``assets/player.js``) only adds the read-along highlight; the styles
(``assets/player.css``) give it contrast that passes WCAG AA.

Either inline both (``player_tags(inline=True)``, the default: one self-contained
page) or copy ``player_assets()`` next to the page and link them
(``player_tags(inline=False)``, for pages under a Content-Security-Policy that
forbids inline code). The style goes in ``<head>``, the script at the end of ``<body>``.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from importlib import resources
from urllib.parse import quote

from a11ykit.speech import output_names

#: The label keys the fragment needs, with their English texts (the msgids).
LABELS = {
    "listen": "Listen to this article",
    "fallback": "If the player does not work, download the audio:",
    "opus": "Opus audio",
    "mp3": "MP3 audio",
    "captions": "Captions",
    "chapters": "Chapters",
}

#: File names for the linked (not inlined) assets.
ASSET_NAMES = {"css": "a11ykit-player.css", "js": "a11ykit-player.js"}


def player_fragment(*, lang: str, stem: str, labels: Mapping[str, str]) -> str:
    """The ``<section>`` with the audio player for ``<stem>.<lang>.*`` files (see ``output_names``)."""
    missing = [key for key in LABELS if not labels.get(key)]
    if missing:
        raise KeyError(f"player labels missing: {', '.join(missing)}")
    names = {k: escape(quote(v), quote=True) for k, v in output_names(stem, lang).items()}
    label = {key: escape(labels[key], quote=True) for key in LABELS}
    lang_attr = escape(lang, quote=True)
    return (
        '<section class="a11y-listen" aria-labelledby="a11y-listen-h">\n'
        f'  <h2 id="a11y-listen-h">{label["listen"]}</h2>\n'
        '  <audio controls preload="metadata" id="a11y-audio">\n'
        f'    <source src="{names["opus"]}" type="audio/ogg; codecs=opus">\n'
        f'    <source src="{names["mp3"]}" type="audio/mpeg">\n'
        f'    <track kind="captions" src="{names["captions"]}" srclang="{lang_attr}"'
        f' label="{label["captions"]}" default>\n'
        f'    <track kind="chapters" src="{names["chapters"]}" srclang="{lang_attr}"'
        f' label="{label["chapters"]}">\n'
        "  </audio>\n"
        f'  <p class="a11y-listen-files">{label["fallback"]}'
        f' <a href="{names["opus"]}" type="audio/ogg" download>{label["opus"]}</a>,'
        f' <a href="{names["mp3"]}" type="audio/mpeg" download>{label["mp3"]}</a></p>\n'
        "</section>\n"
    )


def player_assets() -> dict[str, str]:
    """The script and styles, by the file names to give them when linked."""
    folder = resources.files("a11ykit") / "assets"
    return {
        ASSET_NAMES["css"]: (folder / "player.css").read_text(encoding="utf-8"),
        ASSET_NAMES["js"]: (folder / "player.js").read_text(encoding="utf-8"),
    }


def player_tags(*, inline: bool = True, href_prefix: str = "") -> tuple[str, str]:
    """``(for <head>, for the end of <body>)``: inline ``<style>``/``<script>``, or link tags."""
    if not inline:
        css = escape(href_prefix + ASSET_NAMES["css"], quote=True)
        js = escape(href_prefix + ASSET_NAMES["js"], quote=True)
        return f'<link rel="stylesheet" href="{css}">', f'<script src="{js}" defer></script>'
    assets = player_assets()
    return (
        f"<style>\n{assets[ASSET_NAMES['css']]}</style>",
        f"<script>\n{assets[ASSET_NAMES['js']]}</script>",
    )
