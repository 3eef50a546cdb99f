"""Translators' catalogs: a page's segments ⇄ a gettext PO file, through Babel.

Every build writes ``LOCALES/<lang>/LC_MESSAGES/<stem>.po``; translators open it in
Poedit, Weblate or Lokalize. One entry per segment:

* ``msgctxt`` — the segment's stable id (also the row anchor of the review page);
* ``msgid`` — the tagged source text (``<1>…</1>``, ``<2/>``);
* ``msgstr`` — the translation; extracted comments (``#.``) name the engine, the
  glossary terms of the sentence and the reasons to review; the location (``#:``)
  is ``<file>#<block id>``, a file name without line number as gettext allows.

A rebuild pairs each segment with an entry of the previous catalog: same id and
text; else the same text under another id (segment ids are positions, so a
paragraph added above shifts them — the entry follows its sentence); else the most
similar remaining entry (an edited sentence). What the flags mean, and what a
rebuild does (:func:`update_catalog`):

* **fuzzy, no** ``#| msgid`` — a machine suggestion. It is rewritten with the current
  machine translation on every build, so a translator's edit that stays fuzzy is
  lost: approve to keep (Poedit: untick *Needs Work*).
* **not fuzzy, with a msgstr** — *approved*. While the ``msgid`` equals the source it
  replaces the machine translation on the page (:func:`approved_translations`).
* **source edited** — an approved entry becomes fuzzy, keeps the translator's old
  msgstr as the suggestion (what ``msgmerge`` does, and what Poedit shows as
  "needs work" with the old source in the diff view) and records the source it
  translated in ``#| msgid`` (Babel's ``previous_id``). The new machine translation
  is given in an extracted comment. If the source changes back to that
  ``#| msgid``, the entry is approved again.
* **segment gone** — the entry becomes obsolete (``#~``) and is kept. If the
  segment returns with the same text, the entry comes back as fuzzy (Babel does
  not write flags of obsolete entries, so whether it was approved is unknown).

Babel's ``read_po`` does not read ``#|`` lines (python-babel/babel#206), and its
``write_po`` wraps a long one as comment text, breaking the quoted string;
:func:`read_catalog` and :func:`write_catalog` handle them, so the previous msgid
survives a round trip and ``msgfmt --check`` accepts the file. Babel also guesses
``python-format`` from a ``%`` in a sentence; those guessed flags are dropped.

This module owns the merge of units into PO entries and what the build takes back from them; it
must not choose where the catalog lives (:mod:`a11ykit.layout`) or write files.
"""

from __future__ import annotations

import copy
import datetime
import difflib
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TypedDict, cast

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import PoFileError, PoFileParser, generate_po, normalize, unescape

from a11ykit import __version__
from a11ykit.article import Problem, Unit
from a11ykit.errors import InputError
from a11ykit.l10n import language_name
from a11ykit.layout import output_stem
from a11ykit.review.checks import problem
from a11ykit.review.po_check import check_po
from a11ykit.text import tagged

#: The gettext convention for both languages (what Poedit and msginit write).
PLURAL_FORMS = {"en": "nplurals=2; plural=(n != 1);", "es": "nplurals=2; plural=(n != 1);"}

HEADER_COMMENT = """\
# {language} translation of {source}, written by a11ykit.
#
# Entries marked fuzzy hold machine suggestions and are rewritten on every
# build. Clear the fuzzy flag (Poedit: untick "Needs Work") to approve a
# translation: approved translations replace the machine output on the next
# build, as long as the source sentence (msgid) is unchanged.
#"""

#: Flags Babel adds by guessing from the text; a sentence like "5% in" is not a format string.
_GUESSED_FLAGS = {"python-format", "python-brace-format"}


#: The header comment line that records which input page a catalog belongs to.
INPUT_COMMENT = "# input: "


def recorded_input(catalog_text: str) -> str | None:
    """The input a catalog belongs to (its path relative to the catalog's folder), if recorded."""
    for line in catalog_text.splitlines():
        if line.startswith(INPUT_COMMENT):
            return line[len(INPUT_COMMENT) :].strip() or None
        if line.startswith("msgid"):
            return None
    return None


def record_input(catalog: Catalog, input_ref: str) -> Catalog:
    """Record in ``catalog``'s header comment the input it belongs to (changes it; returns it)."""
    lines = [line for line in catalog.header_comment.splitlines() if not line.startswith(INPUT_COMMENT)]
    while lines and lines[-1] == "#":
        lines.pop()
    catalog.header_comment = "\n".join([*lines, "#", f"{INPUT_COMMENT}{input_ref}"])
    return catalog


def location(source_name: str, segment: Unit) -> tuple[str, None]:
    """The ``#:`` reference of a unit: ``cecot.html#b12`` (no line number)."""
    return (f"{source_name}#{segment.block}", None)


# --- reading and writing ------------------------------------------------------------


def read_catalog(fileobj: IO[bytes] | IO[str]) -> Catalog:
    """Read a PO file (UTF-8), keeping ``#| msgid`` as ``Message.previous_id``.

    The file must first pass :func:`a11ykit.review.po_check.check_po` (what ``msgfmt``
    accepts, no duplicate entries): Babel's reader would guess its way through
    a malformed file, and the build would write the guess back.
    """
    data = fileobj.read()
    name = str(getattr(fileobj, "name", "the PO file"))
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"{name}: not UTF-8 ({exc.reason} at byte {exc.start})", code="A11Y160") from None
    else:
        text = data
    check_po(text, name)
    lines, previous = _take_previous_ids(text.splitlines())
    catalog = _ReadCatalog()
    try:
        PoFileParser(catalog, abort_invalid=True).parse(lines)  # what Babel's read_po does, into it
    except PoFileError as exc:
        raise InputError(f"cannot read the PO file, line {exc.lineno + 1}: {exc}") from None
    except ValueError as exc:  # a bad header date, a bad plural index, …
        raise InputError(f"cannot read the PO file: {exc}") from None
    for message in [*_messages(catalog), *catalog.obsolete.values()]:
        message.flags -= _GUESSED_FLAGS
        if message.lineno in previous:  # never an obsolete one: those lines start "#~"
            message.previous_id = [previous[message.lineno]]
    return catalog


#: A header line ``Name: value`` as the email parser reads it (a name of printable ASCII but the
#: colon; the value after the spaces and tabs that follow the colon).
_HEADER_LINE = re.compile(r"([\x21-\x39\x3b-\x7e]+):[ \t]*([^\r\n]*)")


def header_fields(text: str) -> list[tuple[str, str]] | None:
    """A PO header's fields as Babel reads them (with Python's email parser), where every line
    is a plain ``Name: value``; None for anything else (the email parser then reads it)."""
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    fields = []
    for line in lines:
        match = _HEADER_LINE.fullmatch(line)
        if match is None:
            return None
        fields.append((match[1], match[2]))
    return fields


class _ReadCatalog(Catalog):
    """A catalog being read: Babel's, its header's plain lines split into fields here (Babel
    loads the email package for them: 10–25 ms of a rebuild); any other header as Babel does."""

    def __setitem__(self, id: str | tuple[str, ...] | list[str], message: Message) -> None:
        fields = header_fields(message.string) if id == "" and isinstance(message.string, str) else None
        if fields is None or self.get(id, message.context):  # Babel's own order: a stored entry first
            super().__setitem__(id, message)
            return
        self.mime_headers = fields  # as Catalog.__setitem__ does with the email parser's fields
        self.header_comment = "\n".join(f"# {c}".rstrip() for c in message.user_comments)
        self.fuzzy = message.fuzzy


def _take_previous_ids(lines: list[str]) -> tuple[list[str], dict[int, str]]:
    """Blank the ``#|`` lines (Babel would read them as translator comments) and
    return the previous msgid by the 1-based line number of the msgid it belongs to."""
    out = list(lines)
    previous: dict[int, str] = {}
    pending: list[str] | None = None  # quoted pieces of the previous msgid
    keyword = ""
    for index, raw in enumerate(lines):
        line = raw.strip()
        if line.startswith("#~|"):
            out[index] = ""
            continue
        if line.startswith("#|"):
            out[index] = ""
            body = line[2:].strip()
            if body.startswith('"'):
                if keyword == "msgid" and pending is not None:
                    pending.append(body)
            else:
                keyword, _, rest = body.partition(" ")
                if keyword == "msgid":
                    pending = [rest.strip()]
            continue
        if pending is not None and line.startswith("msgid "):
            previous[index + 1] = "".join(unescape(piece) for piece in pending)
            pending, keyword = None, ""
    return out, previous


WIDTH = 76


def write_catalog(fileobj: IO[bytes], catalog: Catalog) -> None:
    """Write a PO file (UTF-8, 76 columns, entries in page order, obsolete ones last).

    Babel's own ``#|`` output re-wraps a long previous msgid as comment text,
    breaking its quoted strings (``msgfmt`` then fails); so those lines are written
    here, quoted line by line as ``msgmerge`` does.
    """
    messages = iter(list(catalog))  # the order generate_po writes them in: header first
    current = None
    after_msgctxt = False
    for line in generate_po(catalog, width=WIDTH, include_previous=False):
        starts_keywords = line.startswith("msgctxt ") or (line.startswith("msgid ") and not after_msgctxt)
        if starts_keywords:
            current = next(messages)
            if current.previous_id:
                quoted = normalize(current.previous_id[0], prefix="#| ", width=WIDTH)
                fileobj.write(f"#| msgid {quoted}\n".encode(catalog.charset))
        after_msgctxt = line.startswith("msgctxt ")
        fileobj.write(line.encode(catalog.charset, "backslashreplace"))


def catalog_bytes(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_catalog(buffer, catalog)
    return buffer.getvalue()


# --- the model ↔ catalog merge -----------------------------------------------------------


def _msgid(message: Message) -> str:
    """The msgid of one of a11ykit's entries: never a plural, so a str (Babel's type allows lists)."""
    return cast(str, message.id)


class _Kept(TypedDict):
    """What an entry keeps from its previous version, whatever its new text."""

    locations: list[tuple[str, int | None]]
    user_comments: list[str]
    flags: set[str]


def _messages(catalog: Catalog) -> list[Message]:
    """The entries, without the header."""
    return [m for m in catalog if m.id]


def _new_message(
    segment: Unit,
    string: str,
    *,
    fuzzy: bool,
    previous: Sequence[str] = (),
    auto_comments: Iterable[str] = (),
    user_comments: Iterable[str] = (),
    flags: Iterable[str] = (),
    locations: Iterable[tuple[str, int | None]] = (),
) -> Message:
    message = Message(
        segment.source,
        string,
        locations=list(locations),  # type: ignore[arg-type]  # Babel's hint says int; None = no line number
        flags=set(flags) - {"fuzzy"} | ({"fuzzy"} if fuzzy else set()),
        auto_comments=list(auto_comments),
        user_comments=list(user_comments),
        previous_id=list(previous),
        context=segment.id,
    )
    message.flags -= _GUESSED_FLAGS
    return message


def _auto_comments(segment: Unit, engine: str) -> list[str]:
    what = segment.role if segment.attribute is None else f"{segment.role}, {segment.attribute} attribute"
    comments = [f"{what}; engine: {engine}" if engine else what]
    for hit in segment.hits:
        line = f"glossary: {hit.source_form} → {hit.target_form}"
        if line not in comments:
            comments.append(line)
    comments += [f"review: {flag}" for flag in dict.fromkeys(segment.flags)]
    if segment.quality is not None:  # "quality 0.57: source-word (filings)" (a11ykit.quality)
        comments.append(segment.quality.summary())
    return comments


def new_catalog(
    target_lang: str, *, stem: str, source_name: str, now: datetime.datetime | None = None
) -> Catalog:
    """An empty catalog with headers that Poedit and ``msgfmt --check`` accept: Project-Id-Version
    ``a11ykit-<stem> <a11ykit's version>`` (the same in every language; Language says which),
    Last-Translator left empty for the translator."""
    when = now or datetime.datetime.now(datetime.UTC)
    catalog = Catalog(
        locale=target_lang,
        domain=stem,
        header_comment=HEADER_COMMENT.format(
            language=language_name(target_lang, "en"), source=source_name
        ),
        project=f"a11ykit-{stem}",
        version=__version__,
        msgid_bugs_address="",
        creation_date=when,
        revision_date=when,
        language_team=language_name(target_lang, "en"),
        charset="utf-8",
        fuzzy=False,
    )
    catalog.msgid_bugs_address = ""  # Babel would write a placeholder address
    catalog.last_translator = ""  # left for the translator (Poedit fills it in when they save), not Babel's placeholder
    if target_lang in PLURAL_FORMS:
        catalog.mime_headers = [("Plural-Forms", PLURAL_FORMS[target_lang])]
    return catalog


def update_catalog(
    catalog: Catalog | None,
    units: Sequence[Unit],
    *,
    target_lang: str,
    engine: str,
    source_name: str,
    now: datetime.datetime | None = None,
    input_ref: str | None = None,
) -> Catalog:
    """The catalog after a build: one entry per unit, in page order, merged with the translators'
    work in ``catalog`` (see the module doc).

    Pure: ``catalog`` is not changed. ``engine`` is the engine's ``describe()``;
    ``source_name`` the page's file name, used in locations. ``now`` (default: the
    current time) dates a new catalog, or an old one whose source texts changed.
    ``input_ref`` (the input's path relative to the catalog's folder) is recorded
    in the header comment, so a page of the same name elsewhere is told apart.
    """
    stem = output_stem(Path(source_name))  # the article's, as the catalog's file name: cecot.es.html → cecot
    if catalog is None:
        new = new_catalog(target_lang, stem=stem, source_name=source_name, now=now)
        pool: list[_Old] = []
    else:
        new = copy.deepcopy(catalog)
        pool = [_Old(m, None) for m in _messages(new) if m.context is not None]
        pool += [_Old(m, key) for key, m in new.obsolete.items() if m.context is not None]
        for message in _messages(new):
            new.delete(message.id, message.context)
            if message.context is None:  # not one of ours: keep it, out of the way
                new.obsolete[message.id] = message  # type: ignore[index]  # Babel keys them by any msgid
    segments = list(units)
    matches = _match(segments, pool)
    for segment in segments:
        old = matches.get(segment.id)
        if old is not None and old.obsolete_key is not None:
            del new.obsolete[old.obsolete_key]
        message = _merged(
            segment,
            old.message if old else None,
            old is not None and old.obsolete_key is not None,
            engine,
            source_name,
        )
        new[segment.source] = message
    claimed = {id(old) for old in matches.values()}
    for old in pool:  # segments that disappeared
        if old.obsolete_key is None and id(old) not in claimed:
            new.obsolete[(_msgid(old.message), cast(str, old.message.context))] = old.message  # ours: with a context
    before = {(o.message.context, o.message.id) for o in pool if o.obsolete_key is None}
    after = {(m.context, m.id) for m in _messages(new)}
    if catalog is not None and before != after:
        new.creation_date = now or datetime.datetime.now(datetime.UTC)
    new.project, new.version = f"a11ykit-{stem}", __version__  # the a11ykit that wrote it last
    if input_ref is not None:
        record_input(new, input_ref)
    return new


@dataclass(eq=False)
class _Old:
    """An entry of the previous catalog; ``obsolete_key`` is set for obsolete ones."""

    message: Message
    obsolete_key: str | tuple[str, str] | None

    @property
    def approved(self) -> bool:
        return self.obsolete_key is None and bool(self.message.string) and not self.message.fuzzy


#: How alike (difflib ratio of the plain texts) an edited sentence must be to its old entry.
SIMILARITY_CUTOFF = 0.6


def _match(segments: Sequence[Unit], pool: Sequence[_Old]) -> dict[str, _Old]:
    """Pair segments with the previous entries, in three passes:

    1. same id, same text;
    2. same text anywhere (ids are positions, so a paragraph added above moves
       every id after it): approved entries first, then the other active ones,
       then obsolete ones;
    3. an edited sentence: the most similar remaining active entry with a msgstr,
       at least :data:`SIMILARITY_CUTOFF` alike, the same id winning ties.
    """
    matches: dict[str, _Old] = {}
    taken: set[int] = set()

    def claim(segment: Unit, old: _Old) -> None:
        matches[segment.id] = old
        taken.add(id(old))

    by_key: dict[tuple[object, str], list[_Old]] = {}
    by_text: dict[str, list[_Old]] = {}
    for old in pool:
        by_key.setdefault((old.message.context, _msgid(old.message)), []).append(old)
        by_text.setdefault(_msgid(old.message), []).append(old)
    for candidates in by_text.values():  # approved first, then the other active ones, then obsolete
        candidates.sort(key=lambda o: (not o.approved, o.obsolete_key is not None))
    for segment in segments:
        for old in by_key.get((segment.id, segment.source), ()):
            if id(old) not in taken:
                claim(segment, old)
                break
    for segment in segments:
        if segment.id in matches:
            continue
        for old in by_text.get(segment.source, ()):
            if id(old) not in taken:
                claim(segment, old)
                break
    candidates = [old for old in pool if old.obsolete_key is None and old.message.string]
    plains = {id(old): tagged.plain(_msgid(old.message)) for old in candidates}
    shortlist = _Shortlist(candidates, plains) if len(candidates) > SHORTLIST_SIZE else None
    for segment in segments:
        if segment.id in matches:
            continue
        text = tagged.plain(segment.source)
        best: tuple[float, bool, _Old] | None = None
        for old in candidates if shortlist is None else shortlist.similar(text, segment.id, taken):
            if id(old) in taken:
                continue
            matcher = difflib.SequenceMatcher(None, text, plains[id(old)], autojunk=False)
            if matcher.real_quick_ratio() < SIMILARITY_CUTOFF or (quick := matcher.quick_ratio()) < SIMILARITY_CUTOFF:
                continue
            if best is not None and (quick, old.message.context == segment.id) <= best[:2]:
                continue  # ratio() <= quick_ratio(): it cannot beat the best one
            score = (matcher.ratio(), old.message.context == segment.id, old)
            if score[0] >= SIMILARITY_CUTOFF and (best is None or score[:2] > best[:2]):
                best = score
        if best is not None:
            claim(segment, best[2])
    return matches


#: A catalog with more entries than this compares an edited sentence only with this many entries:
#: those sharing the most of its rarest words (and the entry of the same id), so pairing stays
#: linear in the size of the page instead of comparing every sentence with every entry.
SHORTLIST_SIZE = 50
_SHORTLIST_VISITS = 1000  # posting-list entries read per sentence, rarest words first
_WORD = re.compile(r"\w+")


class _Shortlist:
    """Catalog entries indexed by the words of their source text."""

    def __init__(self, candidates: Sequence[_Old], plains: dict[int, str]) -> None:
        self.order = {id(old): i for i, old in enumerate(candidates)}
        self.by_id = {id(old): old for old in candidates}
        self.by_word: dict[str, list[int]] = {}
        self.by_context: dict[object, list[int]] = {}
        for old in candidates:
            for word in set(_WORD.findall(plains[id(old)].lower())):
                self.by_word.setdefault(word, []).append(id(old))
            self.by_context.setdefault(old.message.context, []).append(id(old))

    def similar(self, text: str, context: str, taken: set[int]) -> list[_Old]:
        shared: dict[int, int] = {}
        budget = _SHORTLIST_VISITS
        words = sorted(set(_WORD.findall(text.lower())), key=lambda w: len(self.by_word.get(w, ())))
        for word in words:
            posting = self.by_word.get(word, [])
            if len(posting) > budget:
                break
            budget -= len(posting)
            for key in posting:
                if key not in taken:
                    shared[key] = shared.get(key, 0) + 1
        chosen = sorted(shared, key=lambda k: (-shared[k], self.order[k]))[:SHORTLIST_SIZE]
        chosen += [k for k in self.by_context.get(context, ()) if k not in taken]
        return [self.by_id[k] for k in sorted(set(chosen), key=self.order.__getitem__)]


def _merged(
    segment: Unit,
    old: Message | None,
    revived: bool,
    engine: str,
    source_name: str,
) -> Message:
    machine = segment.machine
    comments = _auto_comments(segment, engine)
    keep: _Kept = {
        "locations": [location(source_name, segment)],
        "user_comments": old.user_comments if old is not None else [],
        "flags": (old.flags - _GUESSED_FLAGS) if old is not None else set(),
    }
    old_string = old.string if old is not None and isinstance(old.string, str) else ""
    if old is None or not old_string:
        return _new_message(segment, machine, fuzzy=bool(machine), auto_comments=comments, **keep)

    def suggestion(previous: Sequence[str]) -> Message:
        extra = [f"machine translation: {machine}"] if machine and machine != old_string else []
        return _new_message(
            segment, old_string, fuzzy=True, previous=previous, auto_comments=comments + extra, **keep
        )

    approved = not old.fuzzy and not revived
    if old.id == segment.source:
        if approved:
            return _new_message(segment, old_string, fuzzy=False, auto_comments=comments, **keep)
        if old.previous_id or revived:  # a translator's text waiting for review
            return suggestion(old.previous_id)
        return _new_message(  # a machine suggestion: refresh it
            segment, machine or old_string, fuzzy=True, auto_comments=comments, **keep
        )
    if approved:  # the source was edited: keep the approved text as the suggestion
        return suggestion([_msgid(old)])
    if old.previous_id:  # edited again while waiting for review
        if old.previous_id[0] == segment.source:  # back to the text that was approved
            return _new_message(segment, old_string, fuzzy=False, auto_comments=comments, **keep)
        return suggestion(old.previous_id)
    return _new_message(segment, machine, fuzzy=bool(machine), auto_comments=comments, **keep)


# --- what the build takes back ----------------------------------------------------------


def _approved_entries(catalog: Catalog, units: Sequence[Unit]) -> list[tuple[Unit, str]]:
    """Each segment with the approved entry for its exact text, paired as :func:`update_catalog`
    pairs them: a paragraph inserted above shifts the ids, and the approval follows its sentence
    on this very build."""
    pool = [_Old(m, None) for m in _messages(catalog) if m.context is not None]
    if not any(old.approved for old in pool):  # nothing approved yet (most catalogs): nothing to pair
        return []
    matches = _match(units, pool)
    entries = []
    for segment in units:
        old = matches.get(segment.id)
        if old is None or not old.approved or old.message.id != segment.source:
            continue
        entries.append((segment, str(old.message.string)))
    return entries


def approved_translations(catalog: Catalog, units: Sequence[Unit]) -> dict[str, str]:
    """Unit id → approved tagged translation, for the entries that are not fuzzy,
    have a msgstr, have the current source text as msgid and keep its placeholders
    (the others are reported by :func:`catalog_problems`)."""
    return {
        segment.id: string
        for segment, string in _approved_entries(catalog, units)
        if tagged.is_well_formed(string, segment.source)
    }


def catalog_problems(catalog: Catalog, units: Sequence[Unit]) -> list[Problem]:
    """Approved entries the build cannot use because their placeholders are broken."""
    return [
        problem(
            "approved-tags",
            segment.id,
            "the approved translation does not keep the placeholders of the source; "
            "the machine translation is used instead",
        )
        for segment, string in _approved_entries(catalog, units)
        if not tagged.is_well_formed(string, segment.source)
    ]


def catalog_stats(catalog: Catalog) -> dict[str, int]:
    """Counts for a status line: approved, fuzzy, untranslated and obsolete entries."""
    messages = _messages(catalog)
    return {
        "approved": sum(1 for m in messages if m.string and not m.fuzzy),
        "fuzzy": sum(1 for m in messages if m.string and m.fuzzy),
        "untranslated": sum(1 for m in messages if not m.string),
        "obsolete": len(catalog.obsolete),
    }
