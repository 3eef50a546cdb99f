"""The built pages in a real browser: headless Chromium plays the audio, loads the captions,
highlights the sentence being read, and axe-core finds no serious accessibility problem.

Both example pages are built once for the module (English → Spanish, Spanish → English, with
audio), served by ``range_server`` (seeking needs byte ranges), and measured by one run of
``browser/check_player.mjs`` (puppeteer-core driving Debian's ``chromium``). The node script only
measures; every assertion is here, so pytest says what failed.

Without ``node_modules`` (``npm ci`` not run) these tests are skipped — except under CI
(``CI`` set), where a missing browser or module fails them.
"""

from __future__ import annotations

import base64
import itertools
import json
import math
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import soundfile

import a11ykit
from a11ykit.speech import joining
from a11ykit.speech.captions import Cue, read_syncmap, read_vtt
from conftest import EXAMPLES, ROOT, _guarded, _real_connect, _real_connect_ex
from range_server import RangeServer

SCRIPT = Path(__file__).resolve().parent / "browser" / "check_player.mjs"
DECODE_SCRIPT = Path(__file__).resolve().parent / "browser" / "check_joined.mjs"
DECODE_RATE = 24_000  # the narration's rate: Chromium decodes it without resampling
CUE_TOLERANCE = 0.020  # seconds: where Chromium plays a sentence vs its cue
NODE_MODULES = ROOT / "node_modules"
NODE_PACKAGES = ("puppeteer-core", "axe-core")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
#: page language → the example it is built from
SOURCES = {"es": EXAMPLES / "cecot.html", "en": EXAMPLES / "cecot.es.html"}
LANGS = sorted(SOURCES)
DURATION_TOLERANCE = 0.02  # the audio's duration vs the last cue's end
BAD_IMPACTS = ("critical", "serious")
NODE_TIMEOUT = 120  # seconds; the script gives up by itself after 90


@dataclass
class PageRun:
    lang: str
    name: str  # the page's file name
    syncmap: list[Cue]
    vtt: list[Cue]
    result: dict  # what check_player.mjs measured
    decoded: dict[str, dict]  # "opus"/"mp3" → what check_joined.mjs measured (samples decoded)
    files: dict[str, Path]  # "opus"/"mp3" → the audio file built


def _norm(text: str) -> str:
    return " ".join(text.split())


def _check_tools() -> str:
    """The node binary; skips (no node_modules, not CI) or fails (anything else missing)."""
    in_ci = bool(os.environ.get("CI"))
    missing_modules = [p for p in NODE_PACKAGES if not (NODE_MODULES / p / "package.json").is_file()]
    if missing_modules and not in_ci and not NODE_MODULES.is_dir():
        pytest.skip(f"browser tests need the npm tools: no {NODE_MODULES} (run `make node` or `npm ci`)")
    problems = []
    if missing_modules:
        problems.append(f"npm packages missing from {NODE_MODULES}: {', '.join(missing_modules)} (run `npm ci`)")
    node = shutil.which("node")
    if node is None:
        problems.append("no `node` on PATH")
    if not os.access(CHROMIUM, os.X_OK):
        problems.append(f"no browser at {CHROMIUM} (apt-get install chromium, or set CHROMIUM)")
    if problems:
        pytest.fail("cannot run the browser tests: " + "; ".join(problems), pytrace=False)
    assert node is not None
    return node


def _run_node(argv: list[str]) -> tuple[int, str, str]:
    """Run the node script; past NODE_TIMEOUT, SIGTERM it (it then kills its browser), then SIGKILL."""
    with subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        env={**os.environ, "CHROMIUM": CHROMIUM},
    ) as process:
        try:
            stdout, stderr = process.communicate(timeout=NODE_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.terminate()
            try:
                process.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.communicate()
            pytest.fail(f"check_player.mjs did not finish in {NODE_TIMEOUT} s", pytrace=False)
    return process.returncode, stdout, stderr


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, PageRun]:
    """Build both pages with audio, serve them, measure them in Chromium (once for the module)."""
    node = _check_tools()
    out = tmp_path_factory.mktemp("browser")
    with pytest.MonkeyPatch.context() as patch:  # the network guard, for this module-scoped work too
        patch.setattr(socket.socket, "connect", _guarded(_real_connect))
        patch.setattr(socket.socket, "connect_ex", _guarded(_real_connect_ex))
        names = {}
        for lang, source in SOURCES.items():
            article = a11ykit.build(source, to=lang, out=out, locales=out / "locales", engine="apertium").save()
            names[lang] = article.settings.outputs.page.name
        with RangeServer(out) as server:
            started = time.monotonic()
            returncode, stdout, stderr = _run_node([node, str(SCRIPT), server.url, *names.values()])
            elapsed = time.monotonic() - started
            audio = [f"{name.removesuffix('.html')}.{fmt}" for name in names.values() for fmt in ("opus", "mp3")]
            decoding = _run_node([node, str(DECODE_SCRIPT), server.url, str(DECODE_RATE), *audio])
    if decoding[0] != 0:
        pytest.fail(f"check_joined.mjs crashed (exit {decoding[0]}):\n{decoding[2].strip()}", pytrace=False)
    decoded = {}
    for line in decoding[1].splitlines():
        if line.strip():
            measured_file = json.loads(line)
            if "samples" in measured_file:
                measured_file["samples"] = np.frombuffer(base64.b64decode(measured_file["samples"]), dtype="<f4")
            decoded[measured_file["file"]] = measured_file
    if returncode != 0:
        pytest.fail(f"check_player.mjs crashed (exit {returncode}):\n{stderr.strip()}", pytrace=False)
    results = {}
    for line in stdout.splitlines():
        if line.strip():
            result = json.loads(line)
            results[result["page"]] = result
    runs = {}
    for lang, name in names.items():
        if name not in results:
            pytest.fail(f"check_player.mjs printed nothing for {name} (after {elapsed:.1f} s)", pytrace=False)
        stem = name.removesuffix(".html")
        with (out / f"{stem}.syncmap.json").open(encoding="utf-8") as f:
            syncmap = read_syncmap(f)
        with (out / f"{stem}.vtt").open(encoding="utf-8") as f:
            vtt = read_vtt(f)
        files = {fmt: out / f"{stem}.{fmt}" for fmt in ("opus", "mp3")}
        runs[lang] = PageRun(
            lang, name, syncmap, vtt, results[name], {fmt: decoded.get(f.name, {}) for fmt, f in files.items()}, files
        )
    return runs


def measured(runs: dict[str, PageRun], lang: str) -> tuple[PageRun, dict]:
    """The page's run and its measurements; fails if the page could not be measured at all."""
    run = runs[lang]
    result = run.result
    if result.get("error"):
        pytest.fail(f"{run.name}: the browser check stopped: {result['error']}", pytrace=False)
    if not result.get("audio"):
        pytest.fail(f"{run.name}: no <audio id='a11y-audio'> on the page", pytrace=False)
    return run, result


def captions_of(result: dict) -> dict:
    tracks = [t for t in result["tracks"] if t["kind"] == "captions"]
    assert len(tracks) == 1, f"expected one captions track, found {len(tracks)}"
    return tracks[0]


# --- 1. the audio loads --------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_audio_loads_with_the_duration_of_the_captions(runs: dict[str, PageRun], lang: str) -> None:
    run, result = measured(runs, lang)
    audio = result["audio"]
    assert audio["inListenSection"] and audio["controls"], (
        f"{run.name}: the player is not the a11y-listen section's <audio controls>"
    )
    assert audio["error"] is None, f"{run.name}: the audio failed to load: {audio['error']} (src {audio['currentSrc']})"
    assert audio["readyState"] >= 1, f"{run.name}: audio readyState {audio['readyState']} (no metadata) after waiting"
    sources = [s["src"] for s in audio["sources"]]
    assert audio["currentSrc"] in sources, f"{run.name}: playing {audio['currentSrc']!r}, not one of {sources}"
    cues = captions_of(result)["cues"] or []
    assert cues, f"{run.name}: the captions track has no cues"
    last_end = max(cue["end"] for cue in cues)
    duration = audio["duration"]
    assert duration is not None and math.isfinite(duration), f"{run.name}: audio duration {duration!r}"
    assert abs(duration - last_end) <= DURATION_TOLERANCE * last_end, (
        f"{run.name}: the audio lasts {duration:.3f} s but the last cue ends at {last_end:.3f} s "
        f"(more than {DURATION_TOLERANCE:.0%} apart)"
    )


@pytest.mark.parametrize("lang", LANGS)
def test_mp3_fallback_loads_too(runs: dict[str, PageRun], lang: str) -> None:
    run, result = measured(runs, lang)
    mp3 = result.get("mp3")
    assert mp3, f"{run.name}: no audio/mpeg <source>"
    assert mp3["error"] is None and mp3["readyState"] >= 1, f"{run.name}: the MP3 did not load: {mp3}"
    last_end = max(cue.end for cue in run.syncmap)
    assert abs(mp3["duration"] - last_end) <= DURATION_TOLERANCE * last_end, (
        f"{run.name}: the MP3 lasts {mp3['duration']:.3f} s, the last cue ends at {last_end:.3f} s"
    )


@pytest.mark.parametrize("lang", LANGS)
def test_audio_is_served_in_ranges_and_plays(runs: dict[str, PageRun], lang: str) -> None:
    run, result = measured(runs, lang)
    path = "/" + result["audio"]["currentSrc"].rsplit("/", 1)[-1]
    assert 206 in result["responses"].get(path, []), (
        f"{run.name}: the browser never got a 206 (byte range) for {path}: {result['responses'].get(path)}"
    )
    play = result.get("play")
    assert play and play["error"] is None, f"{run.name}: play() failed: {play}"
    assert play["to"] - play["from"] > 0.2, f"{run.name}: the audio did not advance while playing: {play}"


def decoded_in_chromium(run: PageRun, fmt: str) -> np.ndarray:
    found = run.decoded[fmt]
    assert found and not found.get("error"), f"{run.name}: Chromium could not decode the {fmt}: {found}"
    assert found["sampleRate"] == DECODE_RATE
    return found["samples"]


@pytest.mark.parametrize("fmt", ["opus", "mp3"])
@pytest.mark.parametrize("lang", LANGS)
def test_chromium_decodes_the_joined_narration_whole(runs: dict[str, PageRun], lang: str, fmt: str) -> None:
    """The narration is joined from pieces; decoded in the browser it is exactly as long as the
    pieces together (no sample lost or added at a join), and as the narration the cues time."""
    run = runs[lang]
    decoded = decoded_in_chromium(run, fmt)
    length = joining.stream_length(run.files[fmt].read_bytes(), fmt)
    assert abs(len(decoded) - length) <= CUE_TOLERANCE * DECODE_RATE, (
        f"{run.name}: Chromium decodes {len(decoded)} samples of {fmt}, the pieces hold {length}"
    )
    assert max(cue.end for cue in run.syncmap) < len(decoded) / DECODE_RATE


@pytest.mark.parametrize("fmt", ["opus", "mp3"])
@pytest.mark.parametrize("lang", LANGS)
def test_in_chromium_every_sentence_plays_where_its_cue_starts(runs: dict[str, PageRun], lang: str, fmt: str) -> None:
    """At every cue (after every join between pieces), the first half second of the sentence as
    the file holds it (decoded here by libsndfile) is heard in Chromium's decoding within 20 ms."""
    run = runs[lang]
    heard = decoded_in_chromium(run, fmt)
    reference, rate = soundfile.read(run.files[fmt], dtype="float32")
    assert rate == DECODE_RATE
    search, span = DECODE_RATE // 10, DECODE_RATE // 2
    for cue in run.syncmap:
        start = round(cue.start * DECODE_RATE)
        sentence = reference[start : start + span]
        low = max(0, start - search)
        found = low + int(np.argmax(np.correlate(heard[low : start + search + span], sentence, mode="valid")))
        assert abs(found - start) / DECODE_RATE <= CUE_TOLERANCE, (
            f"{run.name} ({fmt}): {cue.id} is cued at {cue.start:.3f} s, "
            f"Chromium plays it at {found / DECODE_RATE:.3f} s"
        )
        assert np.sqrt(np.mean(np.square(heard[found : found + span], dtype=np.float64))) > 0.005, (
            f"{run.name} ({fmt}): silence where {cue.id} should be heard"
        )


# --- 2. caption cues by convention, together saying every spoken sentence with the page's words -


def _by_sentence(cues: list[dict], elements: dict) -> list[tuple[str, list[dict]]]:
    """The caption cues grouped by the sentence (element) they belong to, in order; a long
    sentence's later cues are "<id>.2", "<id>.3"…"""
    return [
        (sid, list(group))
        for sid, group in itertools.groupby(cues, key=lambda c: (elements.get(c["id"]) or {}).get("id"))
    ]


@pytest.mark.parametrize("lang", LANGS)
def test_caption_cues_say_every_spoken_sentence_in_order(runs: dict[str, PageRun], lang: str) -> None:
    run, result = measured(runs, lang)
    track = captions_of(result)
    assert track["readyState"] == 2, (
        f"{run.name}: captions track readyState {track['readyState']} (2 = loaded, 3 = error)"
    )
    cues = track["cues"] or []
    ids = [cue["id"] for cue in cues]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates, f"{run.name}: cue ids used more than once: {duplicates}"
    assert ids == [cue.id for cue in run.vtt], f"{run.name}: the browser's cues and the .vtt file differ"
    elements = result["elements"]
    unresolved = [i for i in ids if not elements.get(i) or elements[i]["count"] != 1]
    assert not unresolved, f"{run.name}: cue ids that are not exactly one element on the page: {unresolved}"
    groups = _by_sentence(cues, elements)
    assert [sid for sid, _ in groups] == [cue.id for cue in run.syncmap], (
        f"{run.name}: the browser's cues, by sentence, are not the sync map's sentences in order"
    )
    for (sid, group), mapped in zip(groups, run.syncmap, strict=True):
        assert group[0]["id"] == sid, f"{run.name}: the first cue of {sid} is {group[0]['id']}"
        assert abs(group[0]["start"] - mapped.start) < 0.002 and abs(group[-1]["end"] - mapped.end) < 0.002, (
            f"{run.name}: the cues of {sid} run {group[0]['start']}–{group[-1]['end']} in the browser, "
            f"{mapped.start}–{mapped.end} in the sync map"
        )
    info = {elements[i]["id"]: elements[i] for i in ids}
    spoken = [sid for sid, _ in groups if "a11y-s" in info[sid]["classes"] and not info[sid]["inNotice"]]
    assert spoken == result["readSentences"], (
        f"{run.name}: the sentence cues are not the {result['readRoot']}'s sentence spans in order: "
        f"spans without a cue {sorted(set(result['readSentences']) - set(spoken))}, "
        f"cues of spans not read {sorted(set(spoken) - set(result['readSentences']))}"
    )
    odd = {
        sid: e["tag"]
        for sid, e in info.items()
        if sid not in spoken
        and not (e["tag"] == "img" and e["alt"])
        and not (e["inNotice"] and "a11y-s" in e["classes"])
    }
    assert not odd, f"{run.name}: cues that are neither a sentence, an image with alt text nor a notice sentence: {odd}"


@pytest.mark.parametrize("lang", LANGS)
def test_caption_cues_are_at_most_two_lines_of_42_characters(runs: dict[str, PageRun], lang: str) -> None:
    run, result = measured(runs, lang)
    long = [
        cue["id"]
        for cue in captions_of(result)["cues"] or []
        if len(lines := cue["text"].split("\n")) > 2 or max(map(len, lines)) > 42
    ]
    assert not long, f"{run.name}: cues over two lines or with a line over 42 characters: {long}"


@pytest.mark.parametrize("lang", LANGS)
def test_each_cue_says_what_the_page_shows(runs: dict[str, PageRun], lang: str) -> None:
    run, result = measured(runs, lang)
    elements = result["elements"]
    mapped = {cue.id: cue for cue in run.syncmap}
    wrong = []
    for sid, group in _by_sentence(captions_of(result)["cues"] or [], elements):
        element = elements.get(group[0]["id"]) or {}
        said = _norm(" ".join(cue["text"] for cue in group))
        if "a11y-s" in element.get("classes", []):
            expected, where = element["innerText"], "page"
        elif sid in mapped:
            expected, where = _norm(mapped[sid].text), "sync map"
        else:
            continue  # reported by the test above
        if said != expected:
            wrong.append(f"  {sid}:\n    cues: {said!r}\n    {where + ':':5} {expected!r}")
    if wrong:
        pytest.fail(
            f"{run.name}: {len(wrong)} sentence(s) whose cues differ from the page (whitespace-normalised):\n"
            + "\n".join(wrong),
            pytrace=False,
        )


@pytest.mark.parametrize("lang", LANGS)
def test_chapters_load_and_start_at_headings(runs: dict[str, PageRun], lang: str) -> None:
    run, result = measured(runs, lang)
    chapters = [t for t in result["tracks"] if t["kind"] == "chapters"]
    assert len(chapters) == 1, f"{run.name}: expected one chapters track, found {len(chapters)}"
    assert chapters[0]["readyState"] == 2, f"{run.name}: chapters track readyState {chapters[0]['readyState']}"
    cues = chapters[0]["cues"] or []
    assert cues, f"{run.name}: the chapters track has no cues"
    starts = {cue.id: cue.start for cue in run.syncmap}
    for cue in cues:
        element = result["elements"].get(cue["id"]) or {}
        assert "a11y-s" in element.get("classes", []), f"{run.name}: chapter {cue['id']} is not a sentence on the page"
        assert abs(cue["start"] - starts.get(cue["id"], -1)) < 0.002, (
            f"{run.name}: chapter {cue['id']} does not start with its caption cue"
        )


# --- 3. seeking highlights the sentence being read, and only it ------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_seeking_into_a_cue_highlights_that_sentence_only(runs: dict[str, PageRun], lang: str) -> None:
    run, result = measured(runs, lang)
    assert result["initialCurrent"] == [], f"{run.name}: highlighted before anything played: {result['initialCurrent']}"
    seeks = result["seeks"]
    sentences = [s for s in seeks if s["sentence"]]
    first_sentence = next(cue.id for cue in run.syncmap if cue.id in result["readSentences"])
    assert len(sentences) >= 3 and any(s["cue"] != first_sentence for s in sentences), (
        f"{run.name}: too few sentence cues were tried: {[s['cue'] for s in seeks]}"
    )
    wrong = []
    for step in seeks:
        where = f"  seek to {step['time']:.3f} s (cue {step['cue']})"
        if not step["seeked"]:
            wrong.append(f"{where}: no 'seeked' event ({step['how']})")
        elif step["cue"] not in (step["activeCues"] or []):
            wrong.append(f"{where}: active cues {step['activeCues']}")
        expected = [step["element"]] if step["sentence"] else []  # a cue "<id>.2" highlights <id>
        if step["current"] != expected:
            wrong.append(f"{where}: highlighted {step['current']}, expected {expected}")
    seen = {element for step in seeks for element in step["current"]}
    missed = [sid for sid in result["readSentences"] if sid not in seen]
    if missed:
        wrong.append(f"  sentences never highlighted: {missed}")
    if wrong:
        pytest.fail(f"{run.name}: the read-along highlight is wrong:\n" + "\n".join(wrong), pytrace=False)


# --- 4. axe-core --------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_axe_finds_no_critical_or_serious_violation(runs: dict[str, PageRun], lang: str) -> None:
    run, result = measured(runs, lang)
    assert result.get("axe"), f"{run.name}: axe-core did not run"
    assert result.get("axeHighlight"), f"{run.name}: axe-core did not run over the highlighted sentence"
    lines = []
    for report in (result["axe"], result["axeHighlight"]):
        for violation in report["violations"]:
            if violation["impact"] not in BAD_IMPACTS:
                continue
            lines.append(f"  {violation['id']} ({violation['impact']}, in {report['context']}): {violation['help']}")
            for node in violation["nodes"]:
                lines.append(f"    {' '.join(map(str, node['target']))}: {node['html'][:160]}")
                if node.get("failureSummary"):
                    lines.append("      " + node["failureSummary"].replace("\n", "\n      "))
    if lines:
        pytest.fail(
            f"{run.name}: axe-core {result['axe']['version']} ({', '.join(result['axe']['tags'])}) "
            "found critical or serious violations:\n" + "\n".join(lines),
            pytrace=False,
        )


# --- and nothing else went wrong -------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_page_has_no_script_errors_and_stays_offline(runs: dict[str, PageRun], lang: str) -> None:
    run, result = measured(runs, lang)
    assert result["pageErrors"] == [], f"{run.name}: script errors: {result['pageErrors']}"
    assert result["offsite"] == [], f"{run.name}: requests off the local server: {result['offsite']}"
