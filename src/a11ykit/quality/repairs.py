"""Rule-based repairs that help every engine: pure functions over plain text, each with a
stable name (the flag that switches it on or off once wired into the build, see :data:`REPAIRS`).

* ``title-case-source`` — before the engine: an English Title Case headline becomes sentence case
  (document-level truecasing, :func:`sentence_case`), so the engine reads common words as common
  words ("On A 125-day Ordeal" → "on a 125-day ordeal") and names stay names.
* ``split-glued-words`` — after the engine: words it glued together are split again into the
  known words they are made of ("trasladosdepista" → "traslados de pista"; needs the language's
  lexicon, :func:`split_glued_words`).
* ``sentence-case-es`` — after the engine: a Spanish headline in sentence case, as Spanish style
  requires (the same truecasing, against the translated document).
* ``opening-marks-es`` — after the engine: "¿" and "¡" open Spanish questions and exclamations.
* ``doubled-punctuation`` — after the engine: "EE.UU.." → "EE.UU." (an abbreviation's full stop
  doubled by the sentence's).

Speech-only normalisation (abbreviations, separators, units) is :mod:`a11ykit.quality.speech`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from a11ykit.errors import InputError
from a11ykit.quality.estimate import GLUED_TO_NUMBER_RE, MIN_PART_CHARS, glued_parts_many
from a11ykit.quality.lexicon import Lexicon
from a11ykit.text.tagged import TAG_RE

_WORD_RE = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
#: A word is sentence-initial when only this stands between it and the previous sentence's end.
#: Inline tags of a tagged text stand as one private-use character each while a repair runs
#: (:func:`repair_tagged`); they are transparent for the sentence-initial test.
_TAG_MARKS = "".join(chr(0xE000 + i) for i in range(256))
_OPENERS = "“\"'‘«¿¡([—–- " + _TAG_MARKS
_OPENER_SET = frozenset(_OPENERS)
_ENDS = frozenset(".!?…:")
#: Words written with a capital wherever they are (per language).
ALWAYS_CAPITALISED = {"en": frozenset({"I"}), "es": frozenset()}


def looks_title_case(text: str) -> bool:
    """Most words (of at least four letters, after the first) begin with a capital: a Title Case
    headline ("Andry Hernández Romero On A 125-day Ordeal After A Trump Deportation")."""
    words = [w for w in _WORD_RE.findall(text)[1:] if len(w) >= 4 and not w.isupper()]
    return len(words) >= 3 and sum(w[0].isupper() for w in words) >= 0.75 * len(words)


def sentence_case(headline: str, context: str, *, lang: str = "en", keep: Iterable[str] = ()) -> str:
    """Document-level truecasing of a headline: a capitalised word is lowered unless the rest of
    the document (``context``) shows it is a name — written with a capital inside a sentence
    and never in lower case there. The headline's first word (and the first after a colon),
    acronyms, words with inner capitals, ``keep`` forms (glossary terms, known names; they may
    span several words) and :data:`ALWAYS_CAPITALISED` words are kept."""
    lowered, capitalised = _casing(context.replace(headline, " ") if headline.strip() else context)
    kept = _kept_spans(headline, keep)
    always = ALWAYS_CAPITALISED.get(lang, frozenset())

    def fix(m: re.Match[str]) -> str:
        word = m.group(0)
        if any(a <= m.start() < b for a, b in kept) or _initial(headline, m.start()):
            return word
        if not (word[0].isupper() and word[1:] == word[1:].lower()) or word in always:
            return word
        folded = word.casefold()
        if folded in capitalised and folded not in lowered:
            return word  # a name in this document
        return word[0].lower() + word[1:]

    return _WORD_RE.sub(fix, headline)


@functools.lru_cache(maxsize=8)
def _casing(context: str) -> tuple[frozenset[str], frozenset[str]]:
    """Words the context writes in lower case, and words it capitalises inside a sentence (kept:
    a page's headlines are truecased against the same document)."""
    lowered: set[str] = set()
    capitalised: set[str] = set()
    for m in _WORD_RE.finditer(context):
        word = m.group(0)
        if word[0].islower():
            lowered.add(word.casefold())
        elif not _initial(context, m.start()):
            capitalised.add(word.casefold())
    return frozenset(lowered), frozenset(capitalised)


def _initial(text: str, start: int) -> bool:
    """Only openers (quotes, spaces, tag marks…) stand between ``start`` and the text's start or
    a sentence end (looked for backwards, without copying the text before it)."""
    i = start - 1
    while i >= 0 and text[i] in _OPENER_SET:
        i -= 1
    if i < 0:
        return True
    # as ``[.!?…:]$`` on the text before: the end mark last, or just before a final newline
    return text[i] in _ENDS or (text[i] == "\n" and i > 0 and text[i - 1] in _ENDS)


def _kept_spans(text: str, keep: Iterable[str]) -> list[tuple[int, int]]:
    spans = []
    for form in keep:
        if form.strip():
            spans += [(m.start(), m.end()) for m in re.finditer(re.escape(form), text)]
    return spans


#: A sentence ends with . ! ? or … (and closing quotes) before a capital or the end of the text,
#: so "EE.UU." inside a sentence does not end it.
_SENTENCE_RE = re.compile(
    r".*?(?:[.!?…]+[”»\"’)]*(?=\s+[¿¡“«\"'(]*[A-ZÁÉÍÓÚÑÜ]|\s*$)|$)\s*", re.DOTALL
)


def add_opening_marks(text: str) -> str:
    """Spanish questions and exclamations get their opening mark: "Hizo los oficiales …?" →
    "¿Hizo los oficiales …?". A sentence that already has its opening mark is left alone. The
    mark goes after the opening quote when the question ends inside the closing one."""
    out = []
    for m in _SENTENCE_RE.finditer(text):
        sentence = m.group(0)
        body = sentence.rstrip()
        trail = sentence[len(body) :]
        stripped = body.rstrip("”»\"’)")
        for close, opening in (("?", "¿"), ("!", "¡")):
            if stripped.endswith(close) and opening not in stripped:
                quote = max(body.rfind(q) for q in "“«\"‘")
                # the question is the quotation: the mark goes inside it
                at = quote + 1 if stripped != body and quote >= 0 else len(body) - len(body.lstrip())
                body = body[:at] + opening + body[at:]
                break
        out.append(body + trail)
    return "".join(out)


_DOUBLED_RE = re.compile(r"(?<![.\w])((?:\w{1,4}\.)+)\.(?!\.)")


def collapse_doubled_punctuation(text: str) -> str:
    """An abbreviation's full stop followed by the sentence's: "de los EE.UU.." → "de los EE.UU.",
    "U.S.." → "U.S.". An ellipsis ("...") is left alone."""
    return _DOUBLED_RE.sub(r"\1", text)


_WORD_WITH_DIGITS_RE = re.compile(r"\w+")


def glued_candidates(text: str) -> set[str]:
    """The words of ``text`` that :func:`split_glued_words` asks the lexicon about."""
    return {
        w for w in (m.group(0) for m in _WORD_WITH_DIGITS_RE.finditer(text))
        if GLUED_TO_NUMBER_RE.search(w) or (w.isalpha() and w.islower() and len(w) >= 2 * MIN_PART_CHARS)
    }


def split_glued_words(text: str, lexicon: Lexicon) -> str:
    """Words the engine glued together are split again into their known parts:
    "a trasladosdepista rápida" → "a traslados de pista rápida", "Calvariode125" → "Calvario de 125"
    (:func:`a11ykit.quality.estimate.glued_parts`). Words the language knows are never touched,
    nor capitalised words without digits (names: "Bluewater" stays one word), nor codes, units
    and ordinals ("H1N1", "10km", "21st")."""
    words = glued_candidates(text)
    unknown = words - lexicon.known(words)
    splits = {w: parts for w, parts in glued_parts_many(unknown, lexicon).items() if parts}
    if not splits:
        return text
    return _WORD_WITH_DIGITS_RE.sub(lambda m: " ".join(splits.get(m.group(0)) or [m.group(0)]), text)


@dataclass(frozen=True)
class RepairContext:
    """What a repair may need besides its text: the rest of the ``document`` (for truecasing),
    forms to ``keep`` as they are (glossary terms, names), the text language's ``lexicon``."""

    document: str = ""
    keep: tuple[str, ...] = ()
    lexicon: Lexicon | None = None


@dataclass(frozen=True)
class Repair:
    """A switchable repair: its flag ``name``, when it runs (``stage``: ``source`` = on the source
    text before the engine, ``target`` = on the output), the language it applies to (``lang`` of
    the text it changes; ``None`` = any), whether it applies to headlines only, and the function
    (``text, RepairContext`` → text)."""

    name: str
    stage: str
    lang: str | None
    headlines_only: bool
    apply: Callable[[str, RepairContext], str]


def _title_case_source(text: str, context: RepairContext) -> str:
    return sentence_case(text, context.document, lang="en", keep=context.keep) if looks_title_case(text) else text


@functools.lru_cache(maxsize=256)
def _forms_pattern(forms: tuple[str, ...]) -> re.Pattern[str]:
    """The forms as whole words, longest first, captured (a split keeps them)."""
    return re.compile(r"(?<!\w)(" + "|".join(re.escape(f) for f in forms) + r")(?!\w)")


def _split_glued(text: str, context: RepairContext) -> str:
    if context.lexicon is None:
        return text
    forms = sorted((f for f in context.keep if f.strip() and f in text), key=len, reverse=True)
    if not forms:
        return split_glued_words(text, context.lexicon)
    pieces = _forms_pattern(tuple(forms)).split(text)
    lexicon = context.lexicon
    return "".join(p if i % 2 else split_glued_words(p, lexicon) for i, p in enumerate(pieces))  # terms stay whole


REPAIRS: dict[str, Repair] = {
    r.name: r
    for r in (
        Repair("title-case-source", "source", "en", True, _title_case_source),
        Repair("split-glued-words", "target", None, False, _split_glued),
        Repair("sentence-case-es", "target", "es", True,
               lambda t, c: sentence_case(t, c.document, lang="es", keep=c.keep)),
        Repair("opening-marks-es", "target", "es", False, lambda t, c: add_opening_marks(t)),
        Repair("doubled-punctuation", "target", None, False, lambda t, c: collapse_doubled_punctuation(t)),
    )
}


def repairs_for(stage: str, lang: str, *, headline: bool, enabled: Iterable[str] | None = None) -> list[Repair]:
    """The repairs that apply to a text of ``lang`` at ``stage`` (in :data:`REPAIRS` order),
    limited to ``enabled`` names when given."""
    names = set(REPAIRS) if enabled is None else set(enabled)
    return [
        r for r in REPAIRS.values()
        if r.name in names and r.stage == stage and r.lang in (None, lang) and (headline or not r.headlines_only)
    ]


def apply_repairs(
    text: str, stage: str, lang: str, *, headline: bool = False, context: RepairContext | None = None,
    enabled: Iterable[str] | None = None,
) -> str:
    """Apply every matching repair in :data:`REPAIRS` order."""
    context = context or RepairContext()
    for repair in repairs_for(stage, lang, headline=headline, enabled=enabled):
        text = repair.apply(text, context)
    return text


def check_repairs(names: Iterable[str]) -> list[str]:
    """The repair names, each checked against :data:`REPAIRS` (an unknown one is an InputError, A11Y125)."""
    names = list(names)
    for name in names:
        if name not in REPAIRS:
            raise InputError(f"unknown repair {name!r}; the repairs are {', '.join(REPAIRS)}", code="A11Y125")
    return names


def repair_tagged(
    text: str, stage: str, lang: str, *, headline: bool = False, context: RepairContext | None = None,
    enabled: Iterable[str] | None = None,
) -> tuple[str, list[str]]:
    """Apply the matching repairs to a tagged text (:mod:`a11ykit.text.tagged`): only the text
    between the tags changes, each tag stands as one mark meanwhile. Also: the names of the
    repairs that changed it. A repair that would lose a tag is not applied."""
    tags = [m.group(0) for m in TAG_RE.finditer(text)]
    if len(tags) > len(_TAG_MARKS) or any(c in _TAG_MARKS for c in TAG_RE.sub("", text)):
        return text, []
    marks = iter(_TAG_MARKS)
    masked = TAG_RE.sub(lambda m: next(marks), text)
    context = context or RepairContext()
    changed = []
    for repair in repairs_for(stage, lang, headline=headline, enabled=enabled):
        fixed = repair.apply(masked, context)
        if fixed != masked and all(fixed.count(c) == 1 for c in _TAG_MARKS[: len(tags)]):
            masked = fixed
            changed.append(repair.name)
    return re.sub(f"[{_TAG_MARKS[0]}-{_TAG_MARKS[-1]}]", lambda m: tags[ord(m.group(0)) - 0xE000], masked), changed
