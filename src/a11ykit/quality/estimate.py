"""Quality estimation of one translated sentence: a score in [0, 1] and the reasons, with the
words at fault. Pure functions over plain text (no HTML, no inline tags) and two lexicons.

Reasons (stable codes, :data:`REASON_CODES`):

``glued-word``
    a word neither language knows that is two or three known words of the target language run
    together ("trasladosdepista" = traslados + de + pista, "basadoenKabul"), or known words glued
    to a number ("Calvariode125"; "G7", "10km", "21st" and "bzip2" are not).
``source-word``
    a source-language word left in the output: copied from the source sentence (or from one of
    its words: "isn" of "isn't") and not a word of the target language ("piecing", "filings"; a
    capitalised word counts when the source language knows it as a common word and the target
    language only as a name), or not in the source but known to the source language as a common
    word and not to the target one.
``unknown-word``
    any other word the target language does not know (not a name either).
``round-trip``
    the output translated back with the reverse engine scores below :data:`ROUND_TRIP_FLOOR`
    chrF against the source (only when a back translation is given, for sources of at least
    :data:`MIN_LENGTH_CHARS` characters with as many outside protected forms: single words and
    locked terms round-trip badly whatever their quality);
    its words are the source words the back translation lost.
``length-ratio``
    the output is much shorter or longer than the source (:data:`LENGTH_RATIO`), for sources
    of at least :data:`MIN_LENGTH_CHARS` characters.

Never flagged: numbers and what the analyser cut off them ("st" of "21st"), acronyms (all
capitals), words of one or two letters unless the source language knows them as common words
("pm", "h"), protected spans (glossary forms, names the caller knows), names (a capitalised
word inside a sentence that the source language does not know or knows only as a proper noun,
or that the target language knows as a proper noun, or next to another such word).

A word the engine itself marked unknown (:func:`strip_unknown_marks`) is judged by the same rules,
also when the target language knows it only as a proper noun; one the target language knows as a
common word is the target language's own word quoted in the source ("Centro *de Confinamiento
*del Terrorismo" in an English text) and is fine. (A build passes no marks: Apertium keeps them per
process, which would make an estimate depend on what else it translated; see
:func:`a11ykit.quality.build.estimate_units`.)

Score (documented formula, every factor in [0, 1])::

    words  = 1 − min(1, WORD_WEIGHT × faulty words / words of the output)
    trip   = 1 without a back translation (or a short source), else min(1, chrF / ROUND_TRIP_GOOD)
    length = 1 if the length ratio is inside LENGTH_RATIO, else LENGTH_PENALTY
    score  = words × trip × length

With ``WORD_WEIGHT = 3``, one faulty word in a 12-word sentence costs a quarter of the score,
and a sentence with a third of its words faulty scores 0. ``ROUND_TRIP_GOOD = 75`` and
``ROUND_TRIP_FLOOR = 50`` are set from Apertium's round trips on the example article (en→es→en
and es→en→es: a median about 75, the clearly broken sentences below 50).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations

from a11ykit.quality.chrf import sentence_chrf
from a11ykit.quality.lexicon import Lexicon, Token

REASON_CODES = ("glued-word", "source-word", "unknown-word", "round-trip", "length-ratio")

WORD_WEIGHT = 3.0
ROUND_TRIP_GOOD = 75.0
ROUND_TRIP_FLOOR = 50.0
#: Accepted output/source length ratios (characters), per direction: outside, ``length-ratio``.
LENGTH_RATIO = {("en", "es"): (0.6, 2.0), ("es", "en"): (0.5, 1.6)}
DEFAULT_LENGTH_RATIO = (0.5, 2.0)
LENGTH_PENALTY = 0.7
MIN_LENGTH_CHARS = 20
#: A glued word's parts: at least this long, or a short function word (preposition, article…).
MIN_PART_CHARS = 3
#: Parts of speech a part shorter than that may have ("de", "el", "no", "y").
SHORT_PART_CLASSES = frozenset({"pr", "det", "cnjcoo", "cnjsub", "prn", "cnjadv", "adv"})


@dataclass(frozen=True)
class Reason:
    """Why a sentence is suspect: a stable ``code`` (:data:`REASON_CODES`), the ``words`` at
    fault (as they are written in the output; source words for ``round-trip``) and a ``detail``
    for people."""

    code: str
    words: tuple[str, ...] = ()
    detail: str = ""


@dataclass(frozen=True)
class QualityEstimate:
    """A sentence's estimated quality: ``score`` in [0, 1] (1 = nothing found) and its reasons."""

    score: float
    reasons: tuple[Reason, ...] = field(default=())

    def reason(self, code: str) -> Reason | None:
        """The reason with this code, or ``None``."""
        return next((r for r in self.reasons if r.code == code), None)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.reasons)

    def summary(self) -> str:
        """One line for people (a PO extracted comment, a tooltip):
        ``quality 0.57: source-word (filings)``; ``quality 1.00`` when nothing was found."""
        parts = [f"{r.code} ({', '.join(r.words)})" if r.words else r.code for r in self.reasons]
        return f"quality {self.score:.2f}" + (": " + "; ".join(parts) if parts else "")


#: A sentence scoring below this is poor; a page whose sentences are more than
#: :data:`MOSTLY_POOR_SHARE` poor is mostly untranslated (what ``review check`` should fail on).
POOR_SCORE = 0.5
MOSTLY_POOR_SHARE = 0.5


@dataclass(frozen=True)
class PageQuality:
    """A page's estimates summed up: how many sentences, flagged, poor (score below the
    threshold), the mean score, and how many sentences each reason code flags."""

    sentences: int
    flagged: int
    poor: int
    mean_score: float
    by_code: dict[str, int]

    def mostly_poor(self, share: float = MOSTLY_POOR_SHARE) -> bool:
        """More than ``share`` of the sentences are poor (a page left mostly untranslated)."""
        return self.sentences > 0 and self.poor > share * self.sentences


def page_quality(estimates: Sequence[QualityEstimate], poor_below: float = POOR_SCORE) -> PageQuality:
    """Sum up a page's sentence estimates."""
    by_code = {code: sum(code in e.codes for e in estimates) for code in REASON_CODES}
    return PageQuality(
        sentences=len(estimates),
        flagged=sum(bool(e.reasons) for e in estimates),
        poor=sum(e.score < poor_below for e in estimates),
        mean_score=round(sum(e.score for e in estimates) / len(estimates), 4) if estimates else 1.0,
        by_code={code: n for code, n in by_code.items() if n},
    )


def word_spans(text: str, words: Iterable[str]) -> list[tuple[int, int]]:
    """Where these words stand in ``text`` as whole words (start, end), in text order: what the
    review page highlights and what gets ``<span lang="…">`` in the page (a reason's words)."""
    wanted = sorted({w for w in words if w}, key=len, reverse=True)
    if not wanted:
        return []
    pattern = re.compile(r"(?<![\w])(?:" + "|".join(re.escape(w) for w in wanted) + r")(?![\w])")
    return [m.span() for m in pattern.finditer(text)]


_MARK_RE = re.compile(r"(?<![\w*#@])([*#@])(\w+(?:['’.-]\w+)*)")


def strip_unknown_marks(output: str, source: str = "") -> tuple[str, list[str]]:
    """Apertium's output without ``-u``: ``*word`` (unknown to the source analyser), ``@word``
    (no bilingual entry), ``#word`` (not generated). Returns the text without the marks and the
    marked words in order. A mark character the source itself had is left alone."""
    words: list[str] = []

    def strip(m: re.Match[str]) -> str:
        if m.group(1) + m.group(2) in source:
            return m.group(0)
        words.append(m.group(2))
        return m.group(2)

    return _MARK_RE.sub(strip, output), words


def estimate(
    source: str,
    output: str,
    source_lexicon: Lexicon,
    target_lexicon: Lexicon,
    *,
    protected: Iterable[str] = (),
    engine_unknown: Iterable[str] = (),
    back_translation: str | None = None,
) -> QualityEstimate:
    """Estimate one sentence. ``source_lexicon`` knows the source language, ``target_lexicon`` the
    output's; ``protected`` are forms never flagged (glossary target forms, known names);
    ``engine_unknown`` the words the engine marked unknown; ``back_translation`` the output
    translated back into the source language, when the caller has it."""
    return estimate_all(
        [(source, output)], source_lexicon, target_lexicon,
        protected=[tuple(protected)],
        engine_unknown=[tuple(engine_unknown)],
        back_translations=None if back_translation is None else [back_translation],
    )[0]


def estimate_all(
    pairs: Sequence[tuple[str, str]],
    source_lexicon: Lexicon,
    target_lexicon: Lexicon,
    *,
    protected: Sequence[Iterable[str]] | None = None,
    engine_unknown: Sequence[Iterable[str]] | None = None,
    back_translations: Sequence[str] | None = None,
) -> list[QualityEstimate]:
    """Estimate a page's sentences at once: ``pairs`` of (source, output), and per sentence its
    protected forms, the engine's unknown words and its back translation (lists aligned with
    ``pairs``). Same results as :func:`estimate` one by one, but each lexicon is asked four
    times for the whole page, not four times per sentence."""
    count = len(pairs)
    for name, value in (("protected", protected), ("engine_unknown", engine_unknown),
                        ("back_translations", back_translations)):
        if value is not None and len(value) != count:
            raise ValueError(f"{len(value)} {name} for {count} sentences")
    kept = [tuple(p) for p in protected] if protected is not None else [()] * count
    marked = [set(m) for m in engine_unknown] if engine_unknown is not None else [set()] * count
    faulty = _faulty_words(pairs, source_lexicon, target_lexicon, kept, marked)
    return [
        _score(source, output, faulty[i], kept[i], back_translations[i] if back_translations is not None else None,
               source_lexicon.lang, target_lexicon.lang)
        for i, (source, output) in enumerate(pairs)
    ]


def _score(
    source: str, output: str, faulty: dict[str, str], protected: tuple[str, ...], back_translation: str | None,
    source_lang: str, target_lang: str,
) -> QualityEstimate:
    reasons: list[Reason] = []
    for code, detail in (
        ("glued-word", "words run together"),
        ("source-word", f"{source_lang} words left in the {target_lang} text"),
        ("unknown-word", f"words {target_lang} does not know"),
    ):
        words = tuple(w for w, c in faulty.items() if c == code)
        if words:
            reasons.append(Reason(code, words, detail))
    total_words = len(_WORD_RE.findall(output))
    words_term = 1 - min(1.0, WORD_WEIGHT * len(faulty) / max(total_words, 1))

    trip_term = 1.0
    free = output
    for form in protected:
        if form.strip():
            free = free.replace(form, "")
    # Locked terms are no translation to judge: only a sentence with enough words of its own is.
    if back_translation is not None and min(len(source.strip()), len(free.strip())) >= MIN_LENGTH_CHARS:
        trip = sentence_chrf(back_translation, source)
        trip_term = min(1.0, trip / ROUND_TRIP_GOOD)
        if trip < ROUND_TRIP_FLOOR:
            lost = _lost_words(source, back_translation)
            reasons.append(Reason("round-trip", lost, f"back translation scores chrF {trip:.0f} against the source"))

    length_term = 1.0
    if len(source.strip()) >= MIN_LENGTH_CHARS:
        ratio = len(output.strip()) / len(source.strip())
        low, high = LENGTH_RATIO.get((source_lang, target_lang), DEFAULT_LENGTH_RATIO)
        if not low <= ratio <= high:
            length_term = LENGTH_PENALTY
            reasons.append(Reason("length-ratio", (), f"output is {ratio:.2f}× the source's length"))

    return QualityEstimate(round(words_term * trip_term * length_term, 4), tuple(reasons))


_WORD_RE = re.compile(r"\w+(?:['’.-]\w+)*")
_DIGIT_RE = re.compile(r"\d")
_LETTERS_RE = re.compile(r"[^\W\d_]+")
_LETTER_DIGIT_RE = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")
_SENTENCE_START_RE = re.compile(r"(?:^|[.!?:;…]\s+)[\W_]*$")
#: Letters against digits: a word glued to a number when its letters are known words
#: ("Calvariode125", "de125"), a code, a unit or an ordinal otherwise ("G7", "10km", "21st").
GLUED_TO_NUMBER_RE = re.compile(r"[^\W\d_]\d|\d[^\W\d_]")


@dataclass(frozen=True)
class _Candidate:
    """An output word that may be faulty, with what the classification needs."""

    token: Token
    capitalised: bool  # begins with a capital, not at the start of a sentence
    in_name: bool  # next to another such word: part of a name


def _faulty_words(
    pairs: Sequence[tuple[str, str]],
    source_lexicon: Lexicon,
    target_lexicon: Lexicon,
    protected: Sequence[tuple[str, ...]],
    marked: Sequence[set[str]],
) -> list[dict[str, str]]:
    """Per sentence: each faulty word of the output → its reason code (one code per word)."""
    masked_outputs = [_mask(output, kept) for (_, output), kept in zip(pairs, protected, strict=True)]
    source_tokens = source_lexicon.tokens_many([source for source, _ in pairs])
    output_tokens = target_lexicon.tokens_many(masked_outputs)
    candidates = [
        _candidates(masked, tokens, {t.surface for t in sources}, marks)
        for masked, tokens, sources, marks in zip(masked_outputs, output_tokens, source_tokens, marked, strict=True)
    ]
    source_analyses = source_lexicon.lookup({c.token.surface for cs in candidates for c in cs})

    faulty: list[dict[str, str]] = []
    undecided: list[tuple[int, str, bool]] = []  # sentence, word, common word of the source
    for i, (cands, sources) in enumerate(zip(candidates, source_tokens, strict=True)):
        found: dict[str, str] = {}
        source_words = {t.surface.casefold() for t in sources} | {
            w.casefold() for w in _LETTERS_RE.findall(pairs[i][0])
        }
        for candidate in cands:
            surface = candidate.token.surface
            if _DIGIT_RE.search(surface):
                if GLUED_TO_NUMBER_RE.search(surface):
                    undecided.append((i, surface, False))
                continue
            source_token = source_analyses.get(surface, Token(surface, ()))
            common_in_source = source_token.known and not source_token.is_proper_noun
            if len(surface) <= 2 and not common_in_source:
                continue  # a short abbreviation or unit ("pm", "h"), not a word left behind
            if candidate.capitalised and (
                candidate.in_name or not common_in_source or _name_in_source(surface, sources)
            ):
                continue  # a name: in a run of capitalised words, unknown everywhere, or a proper noun of the source
            copied = surface.casefold() in source_words
            if copied and surface[:1].isupper() and not common_in_source:
                continue  # a name at the start of a sentence, copied from the source
            if candidate.token.known:
                # Known to the target only as a name, but a common word of the source ("En March").
                if candidate.capitalised:
                    found[surface] = "source-word"
                continue
            if copied or common_in_source:
                found[surface] = "source-word"
            else:
                undecided.append((i, surface, True))
        faulty.append(found)

    glued = glued_parts_many([word for _, word, _ in undecided], target_lexicon)
    for i, word, unknown in undecided:
        if glued[word] is not None:
            faulty[i][word] = "glued-word"
        elif unknown:
            faulty[i][word] = "unknown-word"
    return faulty


def _mask(output: str, protected: tuple[str, ...]) -> str:
    for form in sorted((p for p in protected if p.strip()), key=len, reverse=True):
        output = output.replace(form, " " * len(form))
    return output


def _candidates(masked: str, tokens: Sequence[Token], source_case: set[str], marked: set[str]) -> list[_Candidate]:
    words: list[tuple[Token, bool, bool]] = []  # token, sentence-initial, prefix before a hyphen
    position = 0
    for token in tokens:
        at = masked.find(token.surface, position)
        at = position if at < 0 else at
        position = at + len(token.surface)
        prefix = masked.startswith("-", position) and masked[position + 1 : position + 2].isalpha()
        # A piece the analyser cut off a number ("st" of "21st", "x4" of "4x4") belongs to it.
        prefix = prefix or masked[at - 1 : at].isdigit()
        words.append((token, bool(_SENTENCE_START_RE.search(masked[:at])), prefix))

    def capitalised(i: int) -> bool:
        if not 0 <= i < len(words):
            return False
        token, initial, _ = words[i]
        return token.surface[:1].isupper() and token.surface[:1].isalpha() and not initial

    candidates = []
    for i, (token, _, prefix) in enumerate(words):
        surface = token.surface
        if not any(c.isalpha() for c in surface) or _is_acronym(surface) or prefix:
            continue  # a prefix or compound head ("mega-prisión") is judged with the whole, not alone
        if token.known and not token.is_proper_noun:
            continue
        if token.known and surface not in marked and surface not in source_case:
            continue
        candidates.append(_Candidate(token, capitalised(i), capitalised(i - 1) or capitalised(i + 1)))
    return candidates


def _name_in_source(surface: str, source_tokens: Sequence[Token]) -> bool:
    """The source analyser read this very occurrence as a proper noun only."""
    return any(t.surface == surface and t.is_proper_noun for t in source_tokens)


def _is_acronym(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def glued_parts(word: str, lexicon: Lexicon) -> list[str] | None:
    """The known words a glued word is made of ("trasladosdepista" → traslados, de, pista;
    "Calvariode125" → Calvario, de, 125), or ``None`` when it is not two or three known words
    run together (letters glued to a number count, the number being a part). The split with the
    fewest parts wins, then the one whose shortest part is longest."""
    return glued_parts_many([word], lexicon)[word]


def glued_parts_many(words: Iterable[str], lexicon: Lexicon) -> dict[str, list[str] | None]:
    """:func:`glued_parts` of many words, with one lexicon lookup."""
    words = list(dict.fromkeys(words))
    pieces = {w: [p for p in _LETTER_DIGIT_RE.split(w) if p] for w in words}
    letter_pieces = {p for ps in pieces.values() for p in ps if not _DIGIT_RE.search(p)}
    splits = {piece: _splits(piece) for piece in letter_pieces}
    analyses = lexicon.lookup(letter_pieces | {part for ss in splits.values() for split in ss for part in split})

    def split_of(piece: str) -> list[str] | None:
        valid = [
            split for split in splits[piece]
            if all(_usable_part(p, analyses.get(p), inner=k > 0) for k, p in enumerate(split))
        ]
        if not valid:
            return None
        return min(valid, key=lambda split: (len(split), -min(len(p) for p in split)))

    result: dict[str, list[str] | None] = {}
    for word, parts_of_word in pieces.items():
        if len(parts_of_word) == 1:
            result[word] = None if _DIGIT_RE.search(word) else split_of(word)
            continue
        parts: list[str] = []
        if any(len(piece) < 2 for piece in parts_of_word if not _DIGIT_RE.search(piece)):
            result[word] = None  # one letter against digits is a code ("A330", "G7")
            continue
        for piece in parts_of_word:
            if _DIGIT_RE.search(piece) or _usable_part(piece, analyses.get(piece)):
                parts.append(piece)
            elif (split := split_of(piece)) is not None:
                parts += split
            else:
                result[word] = None
                break
        else:
            result[word] = parts
    return result


def _splits(word: str) -> list[list[str]]:
    """Every way to cut a word in two or three parts."""
    return [
        [word[i:j] for i, j in zip((0, *cuts), (*cuts, len(word)), strict=True)]
        for count in (1, 2)
        for cuts in combinations(range(1, len(word)), count)
    ]


def _usable_part(part: str, token: Token | None, *, inner: bool = False) -> bool:
    """A known word long enough (or a short function word); a proper noun only with its capital
    inside the glued word ("basadoenKabul"), never as a whole word of its own."""
    if token is None or not token.known:
        return False
    if token.is_proper_noun and not (inner and part[:1].isupper()):
        return False
    return len(part) >= MIN_PART_CHARS or any(tags[:1] and tags[0] in SHORT_PART_CLASSES for tags in token.tags)


def _lost_words(source: str, back_translation: str) -> tuple[str, ...]:
    back = {w.casefold() for w in _WORD_RE.findall(back_translation)}
    return tuple(dict.fromkeys(w for w in _WORD_RE.findall(source) if len(w) > 3 and w.casefold() not in back))
