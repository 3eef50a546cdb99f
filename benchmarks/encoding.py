"""Encoding the narration: speed, size and a quality proxy for each encoder a11ykit could use.

The narration is the example article in Spanish (examples/cecot.es.html: its headings,
paragraphs, quotes and captions), spoken by espeak-ng (voice es-419) and resampled with sox
to 24 kHz mono, a11ykit's narration rate. Each encoder writes it once per run (best of
``--runs`` is reported; command-line encoders are timed as processes, start-up included,
reading a 16-bit WAV). Every output is decoded back with ffmpeg to 24 kHz, aligned with the
source by cross-correlation, and compared:

* SNR: waveform signal-to-noise ratio in dB (perceptual codecs change phase, so it is low
  and only comparable between encoders of one format);
* spectral SNR: the same on STFT magnitudes (512-sample Hann frames), closer to what is heard.

A second table times what a11ykit does with the chosen encoders (a11ykit.speech.joining):
each paragraph encoded as its own piece and the pieces joined without encoding again, cold
(every piece) and after one paragraph changed (one piece encoded, then the join).

Run: .venv/bin/python benchmarks/encoding.py [--runs 3] [--keep DIR]
Needs: espeak-ng, sox, ffmpeg (libopus, libmp3lame), opus-tools (opusenc), lame.
"""

from __future__ import annotations

import argparse
import functools
import io
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import soundfile
from bs4 import BeautifulSoup

from a11ykit.speech import joining

ROOT = Path(__file__).resolve().parent.parent
RATE = 24_000


def paragraphs() -> list[str]:
    soup = BeautifulSoup((ROOT / "examples" / "cecot.es.html").read_text(encoding="utf-8"), "html.parser")
    for hidden in soup(["script", "style", "nav", "footer"]):
        hidden.decompose()
    blocks = (soup.body or soup).find_all(["h1", "h2", "h3", "p", "li", "blockquote", "figcaption"])
    return [text for b in blocks if (text := b.get_text(" ", strip=True))]


def article_text() -> str:
    return "\n".join(paragraphs())


def paragraph_pieces(fmt: str, lead: float = 0.05, pause: float = 0.4) -> list[np.ndarray]:
    """Each paragraph spoken alone, in its pause (50 ms before, the rest after, aligned to frames)."""
    pieces = []
    texts = paragraphs()
    for i, text in enumerate(texts):
        wav = subprocess.run(["espeak-ng", "-v", "es-419", "--stdout", text], capture_output=True, check=True).stdout
        raw = subprocess.run(["sox", "-t", "wav", "-", "-t", "f32", "-r", str(RATE), "-"],
                             input=wav, capture_output=True, check=True).stdout
        speech = np.frombuffer(raw, dtype=np.float32)
        start = round(lead * RATE)
        length = start + len(speech) + round((pause - lead) * RATE)
        if i < len(texts) - 1:
            length = joining.aligned_length(length, fmt, RATE)
        piece = np.zeros(length, dtype=np.float32)
        piece[start : start + len(speech)] = speech
        pieces.append(piece)
    return pieces


def piecewise(runs: int) -> None:
    print(
        "\n| a11ykit.speech.joining (libopus, libmp3lame in process; per paragraph) | pieces | audio s |"
        " cold: encode all + join s |"
        " one paragraph changed: encode 1 + join s | join alone s | decoded = sum of pieces |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
    for fmt, encode, join in (("opus", joining.encode_opus_piece, joining.join_opus),
                              ("mp3", joining.encode_mp3_piece, joining.join_mp3)):
        pcm = paragraph_pieces(fmt)
        middle = len(pcm) // 2
        cold = changed = joined = float("inf")
        for _ in range(runs):
            start = time.perf_counter()
            encoded = [encode(p, RATE) for p in pcm]
            out = io.BytesIO()
            join(encoded, out)
            cold = min(cold, time.perf_counter() - start)
            start = time.perf_counter()
            encoded[middle] = encode(pcm[middle], RATE)
            mid = time.perf_counter()
            out = io.BytesIO()
            join(encoded, out)
            end = time.perf_counter()
            changed, joined = min(changed, end - start), min(joined, end - mid)
        with tempfile.NamedTemporaryFile(suffix="." + fmt) as f:
            f.write(out.getvalue())
            f.flush()
            exact = len(decode(Path(f.name))) == sum(len(p) for p in pcm)
        seconds = sum(len(p) for p in pcm) / RATE
        print(f"| {fmt} | {len(pcm)} | {seconds:.1f} | {cold:.2f} | {changed:.2f} | {joined:.3f} | {exact} |")


def narration(folder: Path) -> tuple[np.ndarray, Path]:
    """The spoken article at 24 kHz: float samples, and the same as a 16-bit WAV file."""
    text = folder / "article.txt"
    text.write_text(article_text(), encoding="utf-8")
    raw, wav = folder / "espeak.wav", folder / "narration.wav"
    subprocess.run(["espeak-ng", "-v", "es-419", "-w", str(raw), "-f", str(text)], check=True)
    subprocess.run(["sox", str(raw), "-r", str(RATE), "-b", "16", str(wav)], check=True)
    samples, rate = soundfile.read(wav, dtype="float32")
    assert rate == RATE
    return samples, wav


def decode(path: Path) -> np.ndarray:
    run = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-f", "f32le", "-ac", "1", "-ar", str(RATE), "-"],
        check=True, capture_output=True,
    )
    return np.frombuffer(run.stdout, dtype=np.float32)


def align(reference: np.ndarray, decoded: np.ndarray, search: int = 4_000) -> np.ndarray:
    """``decoded`` shifted so that it lines up with ``reference`` (same length)."""
    n = min(len(reference), len(decoded), RATE * 20)
    a, b = reference[:n].astype(np.float64), decoded[:n].astype(np.float64)
    size = 1 << (2 * n - 1).bit_length()
    corr = np.fft.irfft(np.fft.rfft(b, size) * np.conj(np.fft.rfft(a, size)), size)
    lags = np.concatenate([corr[: search + 1], corr[-search:]])
    lag = int(np.argmax(lags))
    lag = lag if lag <= search else lag - len(lags)
    shifted = decoded[lag:] if lag >= 0 else np.concatenate([np.zeros(-lag, np.float32), decoded])
    out = np.zeros(len(reference), dtype=np.float32)
    out[: min(len(out), len(shifted))] = shifted[: len(out)]
    return out


def snr(reference: np.ndarray, other: np.ndarray) -> float:
    noise = np.sum((reference.astype(np.float64) - other) ** 2)
    return float(10 * np.log10(np.sum(reference.astype(np.float64) ** 2) / max(noise, 1e-20)))


def spectrum(samples: np.ndarray, frame: int = 512) -> np.ndarray:
    hop = frame // 2
    count = (len(samples) - frame) // hop
    index = np.arange(frame)[None, :] + hop * np.arange(count)[:, None]
    return np.abs(np.fft.rfft(samples[index] * np.hanning(frame), axis=1))


def spectral_snr(reference: np.ndarray, other: np.ndarray) -> float:
    a, b = spectrum(reference), spectrum(other)
    return float(10 * np.log10(np.sum(a**2) / max(np.sum((a - b) ** 2), 1e-20)))


def soundfile_writer(fmt: str, subtype: str, **options: float) -> Callable[[np.ndarray, Path, Path], None]:
    def write(samples: np.ndarray, wav: Path, out: Path) -> None:
        buffer = io.BytesIO()
        with soundfile.SoundFile(buffer, "w", RATE, 1, subtype, format=fmt, **options) as sf:
            for start in range(0, len(samples), 16_384):
                sf.write(samples[start : start + 16_384])
        out.write_bytes(buffer.getvalue())

    return write


def command(*argv: str) -> Callable[[np.ndarray, Path, Path], None]:
    def run(samples: np.ndarray, wav: Path, out: Path) -> None:
        subprocess.run([a.format(wav=wav, out=out) for a in argv], check=True, capture_output=True)

    return run


def piece_writer(encode: Callable[[np.ndarray, int], bytes]) -> Callable[[np.ndarray, Path, Path], None]:
    def write(samples: np.ndarray, wav: Path, out: Path) -> None:
        out.write_bytes(encode(samples, RATE))

    return write


FFMPEG = ("ffmpeg", "-v", "error", "-y", "-i", "{wav}")
ENCODERS: list[tuple[str, str, Callable[[np.ndarray, Path, Path], None]]] = [
    ("libsndfile Opus (soundfile, its fixed settings)", "opus", soundfile_writer("OGG", "OPUS")),
    ("opusenc 32 kbit/s, complexity 10", "opus",
     command("opusenc", "--quiet", "--bitrate", "32", "--comp", "10", "{wav}", "{out}")),
    ("opusenc 32 kbit/s, complexity 5", "opus",
     command("opusenc", "--quiet", "--bitrate", "32", "--comp", "5", "{wav}", "{out}")),
    ("ffmpeg libopus 32 kbit/s, compression 10", "opus",
     command(*FFMPEG, "-c:a", "libopus", "-b:a", "32k", "-compression_level", "10", "{out}")),
    ("ffmpeg libopus 32 kbit/s, compression 5", "opus",
     command(*FFMPEG, "-c:a", "libopus", "-b:a", "32k", "-compression_level", "5", "{out}")),
    ("ffmpeg libopus 32 kbit/s, compression 5, constrained VBR", "opus",
     command(*FFMPEG, "-c:a", "libopus", "-b:a", "32k", "-compression_level", "5", "-vbr", "constrained", "{out}")),
    ("opusenc 32 kbit/s, complexity 5, constrained VBR", "opus",
     command("opusenc", "--quiet", "--bitrate", "32", "--comp", "5", "--cvbr", "{wav}", "{out}")),
    ("a11ykit encode_opus_piece (libopus in process, 32k, c5, VBR)", "opus", piece_writer(joining.encode_opus_piece)),
    ("libsndfile MP3 (soundfile, compression 0.6)", "mp3",
     soundfile_writer("MP3", "MPEG_LAYER_III", compression_level=0.6)),
    ("lame 48 kbit/s CBR", "mp3", command("lame", "--quiet", "-m", "m", "-b", "48", "{wav}", "{out}")),
    ("lame 48 kbit/s CBR, no bit reservoir", "mp3",
     command("lame", "--quiet", "-m", "m", "-b", "48", "--nores", "{wav}", "{out}")),
    ("ffmpeg libmp3lame 48 kbit/s CBR", "mp3", command(*FFMPEG, "-c:a", "libmp3lame", "-b:a", "48k", "{out}")),
    ("ffmpeg libmp3lame 48 kbit/s CBR, no bit reservoir", "mp3",
     command(*FFMPEG, "-c:a", "libmp3lame", "-b:a", "48k", "-reservoir", "0", "{out}")),
    *(
        (f"a11ykit encode_mp3_piece (libmp3lame, 48k CBR, no reservoir, -q {q}{note})", "mp3",
         piece_writer(functools.partial(joining.encode_mp3_piece, quality=q)))
        for q, note in ((3, ", LAME's default"), (5, ""), (joining.MP3_QUALITY, ", a11ykit's"))
    ),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="keep the encoded files in this folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        samples, wav = narration(folder)
        duration = len(samples) / RATE
        print(f"narration: {duration:.1f} s of Spanish speech (espeak-ng es-419), {RATE} Hz mono\n")
        print(f"| {'encoder':<72} | seconds | × real time | size (KiB) | kbit/s | SNR dB | spectral SNR dB |")
        print(f"| {'-' * 72} | ------: | ----------: | ---------: | -----: | -----: | --------------: |")
        for i, (name, ext, encode) in enumerate(ENCODERS):
            out = folder / f"{i:02d}.{ext}"
            best = float("inf")
            for _ in range(args.runs):
                start = time.perf_counter()
                encode(samples, wav, out)
                best = min(best, time.perf_counter() - start)
            decoded = align(samples, decode(out))
            size = out.stat().st_size
            print(
                f"| {name:<72} | {best:7.2f} | {duration / best:11.0f} | {size / 1024:10.0f} |"
                f" {size * 8 / duration / 1000:6.1f} | {snr(samples, decoded):6.1f} |"
                f" {spectral_snr(samples, decoded):15.1f} |"
            )
        piecewise(args.runs)


if __name__ == "__main__":
    main()
