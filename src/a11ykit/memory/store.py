"""The translation memory: one SQLite file (WAL), shared safely by several processes.

Two kinds of entry, both keyed by the *tagged source sentence* (:mod:`a11ykit.text.tagged`):

* machine output, keyed also by engine name and version, language pair and glossary
  version (a hash): a change to any of them is a miss, never a stale hit. The quality
  estimate's round trips are machine entries too: the raw back translation of an output text
  into its source language, whose glossary field is :data:`BACK_TRANSLATION` (no glossary
  hash ever is), so they and the glossary-locked translations of that pair never serve
  each other;
* approved translations (from the translators' catalogs), keyed by language pair and
  source only, with their origin (catalog, translator, date). They win over machine output.

Besides the entries, a build keeps there what it *derived* from machine output per sentence
(the repairs made, the quality estimate: :mod:`a11ykit.quality.build`), keyed by a digest of
everything that decides it, so a rebuild does that work only for the sentences that changed.
Derived records are no translations: never exported, imported or counted in :meth:`stats`.

Texts are kept in canonical tagged form (:func:`canonical`), which is what a11ykit's own
tagging writes; that is also what makes a TMX export import back exactly. Every write is
one ``BEGIN IMMEDIATE`` transaction; a writer that cannot get the lock within ``timeout``
seconds gets :class:`~a11ykit.errors.MemoryStoreError` ``A11Y902``.

Memory versions (SQLite ``user_version``): 1 kept the engine's whole description as its
version ("apertium apertium-eng-spa 0.8.0-2", the engine name twice); 2 keeps the version
without the name (:func:`bare_version`). A version-1 memory is brought to version 2 when it is
opened (its entries are kept and still served); 3 adds the derived records (a version-2 memory
gets the empty table when opened); a newer a11ykit's memory is refused (A11Y901).
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from a11ykit.errors import MemoryStoreError
from a11ykit.text import tagged

SCHEMA_VERSION = 3
#: The glossary field of a raw back translation (the quality estimate's round trip): the engine's
#: own output for an output text, plain text, no glossary lock, no repair.
BACK_TRANSLATION = "raw-back-translation"
_APPLICATION_ID = 0x61313179  # "a11y", so a foreign SQLite file is told apart

_SCHEMA = """
CREATE TABLE IF NOT EXISTS machine (
    engine TEXT NOT NULL, engine_version TEXT NOT NULL,
    source_lang TEXT NOT NULL, target_lang TEXT NOT NULL,
    glossary TEXT NOT NULL, source TEXT NOT NULL,
    target TEXT NOT NULL, flags TEXT NOT NULL, date TEXT NOT NULL,
    PRIMARY KEY (source_lang, target_lang, source, engine, engine_version, glossary)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS approved (
    source_lang TEXT NOT NULL, target_lang TEXT NOT NULL, source TEXT NOT NULL,
    target TEXT NOT NULL, catalog TEXT NOT NULL, translator TEXT, date TEXT NOT NULL,
    PRIMARY KEY (source_lang, target_lang, source)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS derived (
    kind TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, date TEXT NOT NULL,
    PRIMARY KEY (kind, key)
) WITHOUT ROWID;
"""

#: Characters XML 1.0 cannot carry (so TMX cannot either); texts holding them are not stored.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

#: How many keys go into one SQL statement (SQLite's default limit is 32,766 variables).
_CHUNK = 500


def canonical(text: str) -> str:
    """The text with its literal parts escaped the way :func:`a11ykit.text.tagged.escape` does;
    tags unchanged. Idempotent, and the identity on text a11ykit tagged itself."""
    if "&" not in text and "/>" not in text:  # nothing to escape again: most sentences, asked on every build
        return text
    return "".join(
        tagged.escape(tagged.unescape(raw)) if kind == "text" else raw for kind, raw in tagged.raw_parts(text)
    )


def storable(text: str) -> bool:
    """Whether the memory (and TMX) can keep this text exactly."""
    return not _NOT_XML.search(text)


def bare_version(engine: str, described: str) -> str:
    """An engine's version without its name in front: what ``describe()`` says, less the name
    ("apertium apertium-eng-spa 0.8.0-2" → "apertium-eng-spa 0.8.0-2")."""
    prefix = engine + " "
    return described[len(prefix) :] if described.startswith(prefix) and described[len(prefix) :].strip() else described


#: Version 1 → 2: engine versions lose the engine's name in front (as :func:`bare_version`).
_MIGRATE_1 = """
UPDATE OR REPLACE machine SET engine_version = substr(engine_version, length(engine) + 2)
WHERE substr(engine_version, 1, length(engine) + 1) = engine || ' '
  AND trim(substr(engine_version, length(engine) + 2)) != ''
"""

_DERIVED_TABLE = _SCHEMA[_SCHEMA.index("CREATE TABLE IF NOT EXISTS derived") :].rstrip().rstrip(";")


def timestamp(seconds: float | None = None) -> str:
    """UTC time in the form TMX uses: ``YYYYMMDDThhmmssZ``."""
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(seconds))


@dataclass(frozen=True)
class MemoryKey:
    """What machine output depends on besides the sentence."""

    engine: str
    engine_version: str  # without the engine's name (bare_version)
    source_lang: str
    target_lang: str
    glossary: str  # a hash of the glossary (and overrides) the sentence was locked with, or BACK_TRANSLATION

    @property
    def back_translation(self) -> bool:
        """Whether this key holds raw back translations (the quality estimate's round trips)."""
        return self.glossary == BACK_TRANSLATION


@dataclass(frozen=True)
class Hit:
    """A translation the memory holds for one sentence."""

    target: str
    origin: Literal["approved", "machine"]
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Approved:
    """A translation a translator approved, and where it came from."""

    source: str
    target: str
    catalog: str  # the catalog's path as the build names it
    translator: str | None = None
    date: str = field(default_factory=timestamp)


@dataclass(frozen=True)
class MachineEntry:
    key: MemoryKey
    source: str
    target: str
    flags: tuple[str, ...]
    date: str


@dataclass(frozen=True)
class ApprovedEntry:
    source_lang: str
    target_lang: str
    approved: Approved


@dataclass(frozen=True)
class MemoryStats:
    machine: int  # translations by an engine (back translations aside)
    approved: int
    back_translations: int  # raw back translations kept for the quality estimate's round trips
    pairs: dict[str, dict[str, int]]  # "en-es" → {"machine": n, "approved": m, "back_translations": k}
    engines: dict[tuple[str, str], dict[str, int]]  # (name, version) → {"machine": n, "back_translations": k}


class TranslationMemory:
    """Open with :meth:`open`; use as a context manager or call :meth:`close`."""

    def __init__(self, connection: sqlite3.Connection, path: Path, timeout: float) -> None:
        self._db = connection
        self.path = path
        self.timeout = timeout

    @classmethod
    def open(cls, path: str | Path, *, timeout: float = 30.0) -> TranslationMemory:
        """Open the memory at ``path``, creating it when missing (its folder must exist)."""
        path = Path(path)
        try:
            db = sqlite3.connect(path, timeout=timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise MemoryStoreError(f"{path}: cannot open the translation memory: {exc}", code="A11Y901") from None
        memory = cls(db, path, timeout)
        try:
            memory._prepare()
        except BaseException:
            db.close()
            raise
        return memory

    def _prepare(self) -> None:
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            if self._check():  # a new file: create the tables (once, whoever gets there first)
                with self._write():
                    if self._check():
                        for statement in _SCHEMA.split(";"):
                            if statement.strip():
                                self._db.execute(statement)
                        self._db.execute(f"PRAGMA application_id={_APPLICATION_ID}")
                        self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            elif self._version() < SCHEMA_VERSION:  # an older memory: brought up to date (once)
                with self._write():
                    if self._version() == 1:
                        self._db.execute(_MIGRATE_1)
                    if self._version() < SCHEMA_VERSION:
                        self._db.execute(_DERIVED_TABLE)
                        self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except sqlite3.DatabaseError as exc:
            if _is_busy(exc):
                raise self._busy() from None
            raise MemoryStoreError(f"{self.path} is not an a11ykit translation memory: {exc}", code="A11Y901") from None

    def _version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def _check(self) -> bool:
        """Whether the file is still empty; raise A11Y901 unless it is empty or a memory."""
        application = self._db.execute("PRAGMA application_id").fetchone()[0]
        version = self._version()
        tables = self._db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if application == 0 and version == 0 and tables == 0:
            return True
        if application != _APPLICATION_ID:
            raise MemoryStoreError(f"{self.path} is not an a11ykit translation memory", code="A11Y901")
        if version > SCHEMA_VERSION:
            raise MemoryStoreError(
                f"{self.path} was written by a newer a11ykit (memory version {version}, this one reads"
                f" up to {SCHEMA_VERSION}); upgrade a11ykit or use another --tm",
                code="A11Y901",
            )
        if version < 1:
            raise MemoryStoreError(f"{self.path} is not an a11ykit translation memory (no version)", code="A11Y901")
        return False

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> TranslationMemory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- transactions -----------------------------------------------------------------

    def _busy(self) -> MemoryStoreError:
        return MemoryStoreError(
            f"{self.path}: the translation memory is held by another process for more than {self.timeout:g} s",
            code="A11Y902",
        )

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One immediate (writer-locked) transaction; a lock not had in time is A11Y902."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if _is_busy(exc):
                raise self._busy() from None
            raise
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        try:
            self._db.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            self._db.execute("ROLLBACK")
            if _is_busy(exc):
                raise self._busy() from None
            raise

    def _read(self, sql: str, parameters: Sequence[object] = ()) -> list[tuple]:
        try:
            return self._db.execute(sql, parameters).fetchall()
        except sqlite3.OperationalError as exc:
            if _is_busy(exc):
                raise self._busy() from None
            raise

    # --- lookups ----------------------------------------------------------------------

    def lookup(self, key: MemoryKey, sentences: Iterable[str], *, approved: bool = True) -> dict[str, Hit]:
        """The memory's translation of each sentence it knows, approved before machine
        (``approved=False``, and always for a back translation key: machine output under ``key`` only).

        One batch: a few queries for any number of sentences. Sentences it does not know
        are absent from the result; keys are the sentences as given."""
        approved = approved and not key.back_translation
        wanted: dict[str, list[str]] = {}
        for sentence in sentences:
            wanted.setdefault(canonical(sentence), []).append(sentence)
        found: dict[str, Hit] = {}
        keys = list(wanted)
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            pair = [key.source_lang, key.target_lang]
            for source, target in [] if not approved else self._read(
                f"SELECT source, target FROM approved WHERE source_lang=? AND target_lang=? AND source IN ({marks})",
                pair + chunk,
            ):
                for sentence in wanted[source]:
                    found[sentence] = Hit(target, "approved")
            rest = [s for s in chunk if wanted[s][0] not in found]
            if not rest:
                continue
            marks = ",".join("?" * len(rest))
            for source, target, flags in self._read(
                "SELECT source, target, flags FROM machine WHERE source_lang=? AND target_lang=? AND engine=?"
                f" AND engine_version=? AND glossary=? AND source IN ({marks})",
                [*pair, key.engine, key.engine_version, key.glossary, *rest],
            ):
                for sentence in wanted[source]:
                    found[sentence] = Hit(target, "machine", _flags_from(flags))
        return found

    def recall(self, kind: str, keys: Iterable[str]) -> dict[str, str]:
        """The derived records of ``kind`` kept under these keys (absent keys: not known)."""
        wanted = list(dict.fromkeys(keys))
        found: dict[str, str] = {}
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            found.update(self._read(
                f"SELECT key, value FROM derived WHERE kind=? AND key IN ({','.join('?' * len(chunk))})",
                [kind, *chunk],
            ))
        return found

    # --- writes -----------------------------------------------------------------------

    def remember(self, kind: str, records: Mapping[str, str]) -> None:
        """Keep derived records of ``kind`` (key → value), replacing what was there."""
        if records:
            date = timestamp()
            with self._write() as db:
                db.executemany("INSERT OR REPLACE INTO derived VALUES (?,?,?,?)",
                               [(kind, key, value, date) for key, value in records.items()])

    def store_machine(
        self,
        key: MemoryKey,
        translations: Mapping[str, str],
        *,
        flags: Mapping[str, Sequence[str]] | None = None,
        date: str | None = None,
    ) -> int:
        """Keep the engine's translations (source → target) under ``key``, replacing what
        was there. Empty targets and text XML cannot carry are not kept. Returns how many were."""
        flags = flags or {}
        date = date or timestamp()
        return self.add(
            MachineEntry(key, source, target, tuple(flags.get(source, ())), date)
            for source, target in translations.items()
        )

    def store_approved(self, source_lang: str, target_lang: str, entries: Iterable[Approved]) -> int:
        """Keep translators' approved translations (the latest for a sentence wins)."""
        return self.add(ApprovedEntry(source_lang, target_lang, e) for e in entries)

    # --- reading everything -------------------------------------------------------------

    def machine_entries(self) -> Iterator[MachineEntry]:
        rows = self._read(
            "SELECT engine, engine_version, source_lang, target_lang, glossary, source, target, flags, date"
            " FROM machine ORDER BY source_lang, target_lang, source, engine, engine_version, glossary"
        )
        for engine, version, src, tgt, glossary, source, target, flags, date in rows:
            yield MachineEntry(MemoryKey(engine, version, src, tgt, glossary), source, target, _flags_from(flags), date)

    def approved_entries(self) -> Iterator[ApprovedEntry]:
        rows = self._read(
            "SELECT source_lang, target_lang, source, target, catalog, translator, date"
            " FROM approved ORDER BY source_lang, target_lang, source"
        )
        for src, tgt, source, target, catalog, translator, date in rows:
            yield ApprovedEntry(src, tgt, Approved(source, target, catalog, translator, date))

    def stats(self) -> MemoryStats:
        """Entries per kind (machine, approved, back translations), per language pair and per
        engine (name and version)."""
        kinds = ("machine", "approved", "back_translations")
        pairs: dict[str, dict[str, int]] = {}
        engines: dict[tuple[str, str], dict[str, int]] = {}
        for src, tgt, engine, version, back, count in self._read(
            "SELECT source_lang, target_lang, engine, engine_version, glossary = ?, count(*) FROM machine"
            " GROUP BY source_lang, target_lang, engine, engine_version, glossary = ?",
            [BACK_TRANSLATION, BACK_TRANSLATION],
        ):
            kind = "back_translations" if back else "machine"
            pairs.setdefault(f"{src}-{tgt}", dict.fromkeys(kinds, 0))[kind] += count
            engines.setdefault((engine, version), {"machine": 0, "back_translations": 0})[kind] += count
        for src, tgt, count in self._read(
            "SELECT source_lang, target_lang, count(*) FROM approved GROUP BY source_lang, target_lang"
        ):
            pairs.setdefault(f"{src}-{tgt}", dict.fromkeys(kinds, 0))["approved"] = count
        return MemoryStats(
            machine=sum(p["machine"] for p in pairs.values()),
            approved=sum(p["approved"] for p in pairs.values()),
            back_translations=sum(p["back_translations"] for p in pairs.values()),
            pairs=dict(sorted(pairs.items())),
            engines=dict(sorted(engines.items())),
        )

    # --- TMX ------------------------------------------------------------------------------

    def export_tmx(self, path: str | Path) -> int:
        """Write every entry to a TMX 1.4b file; returns the number of translation units."""
        from a11ykit.memory import tmx

        with open(path, "wb") as out:
            return tmx.write_tmx(out, self.machine_entries(), self.approved_entries())

    def import_tmx(self, path: str | Path) -> int:
        """Add the entries of a TMX file (one transaction: all or nothing); returns how many."""
        from a11ykit.memory import tmx

        with open(path, "rb") as source:
            return self.add(tmx.read_tmx(source, name=str(path)))

    def add(self, entries: Iterable[MachineEntry | ApprovedEntry]) -> int:
        """Keep whole entries (with their own keys and dates), in one transaction."""
        machine, approved = [], []
        for e in entries:
            if isinstance(e, MachineEntry):
                if e.target.strip() and storable(e.source) and storable(e.target):
                    k = e.key
                    machine.append((
                        k.engine, k.engine_version, k.source_lang, k.target_lang, k.glossary,
                        canonical(e.source), canonical(e.target), _flags_to(e.flags), e.date,
                    ))
            else:
                a = e.approved
                if a.target.strip() and storable(a.source) and storable(a.target):
                    approved.append((
                        e.source_lang, e.target_lang, canonical(a.source), canonical(a.target),
                        a.catalog, a.translator, a.date,
                    ))
        with self._write() as db:
            db.executemany("INSERT OR REPLACE INTO machine VALUES (?,?,?,?,?,?,?,?,?)", machine)
            db.executemany("INSERT OR REPLACE INTO approved VALUES (?,?,?,?,?,?,?)", approved)
        return len(machine) + len(approved)


def _is_busy(exc: sqlite3.Error) -> bool:
    return "locked" in str(exc) or "busy" in str(exc)


def _flags_to(flags: Sequence[str]) -> str:
    return " ".join(flags)


def _flags_from(text: str) -> tuple[str, ...]:
    return tuple(text.split())
