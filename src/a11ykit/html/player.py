"""The listening player on the page: an HTML fragment, and the read-along script and styles.

This module owns the player's HTML, its labels' msgids and its assets. The player
is HTML, so it lives on the page side: it is built here from what the speech side
gives (the narration's file names, :func:`a11ykit.speech.output_names`); speech never
writes HTML. It must not synthesize or read audio, or decide where it goes on the page
(:func:`a11ykit.html.reading.insert_player` does).

The fragment works with no script at all: a native ``<audio controls>`` with Opus
and MP3 sources, captions and chapters tracks, and plain download links. The
script (``assets/player.js``) only adds the read-along highlight; the styles
(``assets/player.css``) give it contrast that passes WCAG AA.

Either inline both (``player_tags(inline=True)``, the default: one self-contained
page) or copy ``player_assets()`` next to the page and link them
(``player_tags(inline=False)``, for pages under a Content-Security-Policy that
forbids inline code). The style goes in ``<head>``, the script at the end of ``<body>``.
The HTML comes from the package's templates (``templates/player*.html``), every
inserted value escaped (:mod:`a11ykit.html.template`).
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from urllib.parse import quote

from a11ykit.html.template import raw_text, render
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
    files = {kind: quote(name) for kind, name in output_names(stem, lang).items()}
    return render(
        "player.html",
        lang=lang,
        opus=files["opus"],
        mp3=files["mp3"],
        captions=files["captions"],
        chapters=files["chapters"],
        listen=labels["listen"],
        fallback=labels["fallback"],
        opus_label=labels["opus"],
        mp3_label=labels["mp3"],
        captions_label=labels["captions"],
        chapters_label=labels["chapters"],
    ) + "\n"


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
        return (
            render("player-style-link.html", href=href_prefix + ASSET_NAMES["css"]),
            render("player-script-link.html", href=href_prefix + ASSET_NAMES["js"]),
        )
    assets = player_assets()
    return (
        render("player-style.html", css=raw_text(assets[ASSET_NAMES["css"]], "style")),
        render("player-script.html", js=raw_text(assets[ASSET_NAMES["js"]], "script")),
    )
