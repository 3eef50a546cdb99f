"""A strict check of PO syntax, run before Babel's lenient reader.

Babel reads what ``msgfmt`` refuses, and guesses: ``msgstr APROBADO UNO`` (no
quotes) becomes "PROBADO UN", an unterminated string loses its last letter, the
second of two entries with the same ``msgctxt`` and ``msgid`` silently wins. A
translators' catalog read that way and written back is corrupted, approvals and
all. So a file is read only if it follows the grammar GNU gettext's ``msgfmt``
accepts (keywords, quoted strings, escapes, entry order, no duplicates); otherwise
:func:`check_po` raises :class:`~a11ykit.errors.InputError` naming the file and
line (A11Y160 syntax, A11Y161 duplicate entry), and a11ykit writes nothing.

Comment lines are free text, except ``#~`` (obsolete entries) and ``#|``
(previous msgid), whose keywords and strings are checked like the others.

This module only checks syntax; it must not change a catalog or decide what its entries mean.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from a11ykit.errors import InputError

_KEYWORD = re.compile(r"(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)(?=[\s\"]|$)")
_ESCAPES = set('ntbrfva\\"')
_HEX = set("0123456789abcdefABCDEF")


class _Syntax(Exception):
    """One problem at the current line (internal; becomes an InputError)."""


def _strings(text: str) -> str:
    """The concatenated contents of one or more quoted strings (escapes kept); nothing else may be there."""
    contents = []
    rest = text.strip()
    if not rest:
        raise _Syntax("a keyword without its quoted string")
    while rest:
        if rest[0] != '"':
            raise _Syntax(f"expected a quoted string, found {rest[:20]!r}")
        i = 1
        while True:
            if i >= len(rest):
                raise _Syntax("unterminated string (no closing quote)")
            char = rest[i]
            if char == '"':
                break
            if char == "\\":
                following = rest[i + 1 : i + 2]
                if (following in _ESCAPES and following) or (following.isdigit() and following < "8"):  # \n, \0…\7
                    i += 2
                elif following == "x" and rest[i + 2 : i + 3] in _HEX and rest[i + 2 : i + 3]:
                    i += 3
                else:
                    raise _Syntax(f"invalid escape sequence \\{following}")
                continue
            i += 1
        contents.append(rest[1:i])
        rest = rest[i + 1 :].lstrip()
    return "".join(contents)


@dataclass
class _Entry:
    line: int
    obsolete: bool
    context: str | None = None
    msgid: str | None = None
    last: str = ""  # the last keyword seen: msgctxt, msgid, msgid_plural, msgstr, msgstr[n]
    plural_index: int = -1
    parts: dict[str, list[str]] = field(default_factory=dict)


class _Checker:
    def __init__(self, name: str) -> None:
        self.name = name
        self.entry: _Entry | None = None
        self.seen: dict[tuple[str | None, str], int] = {}
        self.line = 0

    def fail(self, reason: str, line: int | None = None, code: str = "A11Y160") -> InputError:
        return InputError(f"{self.name}:{line or self.line}: {reason}; the file was not changed", code=code)

    def finish(self) -> None:
        """The current entry is complete: it must have reached its msgstr."""
        entry = self.entry
        if entry is None:
            return
        self.entry = None
        if not entry.last.startswith("msgstr"):
            raise self.fail(f"the entry has no msgstr (after its {entry.last})", entry.line)
        key = (entry.context, entry.msgid or "")
        if key in self.seen:
            what = f"msgctxt {entry.context!r}, msgid " if entry.context is not None else "msgid "
            raise self.fail(
                f"duplicate entry ({what}{(entry.msgid or '')[:40]!r}, first at line {self.seen[key]})",
                entry.line,
                code="A11Y161",
            )
        self.seen[key] = entry.line

    def keyword(self, keyword: str, index: str | None, text: str, obsolete: bool) -> None:
        value = _strings(text)
        entry = self.entry
        if keyword in ("msgctxt", "msgid") and (entry is None or entry.last.startswith("msgstr")):
            self.finish()
            entry = self.entry = _Entry(self.line, obsolete)
        elif keyword in ("msgctxt", "msgid") and entry is not None and entry.last in ("msgid", "msgid_plural"):
            raise self.fail(f"the entry has no msgstr (after its {entry.last})", entry.line)
        elif entry is None or (keyword == "msgstr" and index is None and entry.last.startswith("msgstr")):
            raise _Syntax(f"{keyword} without a msgid before it")
        if entry.obsolete != obsolete:
            raise _Syntax("an entry mixes obsolete (#~) and active lines")
        last = entry.last
        if keyword == "msgctxt":
            if last:
                raise _Syntax(f"msgctxt after {last}")
            entry.context = value
        elif keyword == "msgid":
            if last not in ("", "msgctxt"):
                raise _Syntax(f"msgid after {last}")
            entry.msgid = value
        elif keyword == "msgid_plural":
            if last != "msgid":
                raise _Syntax(f"msgid_plural after {last}")
        elif index is None:  # msgstr
            if last != "msgid":
                raise _Syntax("msgstr without msgid" if last in ("", "msgctxt") else f"msgstr after {last}")
        else:
            if last not in ("msgid_plural", "msgstr[]"):
                raise _Syntax(f"msgstr[{index}] in an entry without msgid_plural")
            if int(index) != entry.plural_index + 1:
                raise _Syntax(f"msgstr[{index}] out of order (expected msgstr[{entry.plural_index + 1}])")
            entry.plural_index = int(index)
            keyword = "msgstr[]"
        entry.last = keyword

    def continuation(self, text: str, obsolete: bool) -> None:
        value = _strings(text)
        entry = self.entry
        if entry is None or not entry.last or entry.obsolete != obsolete:
            raise _Syntax("a string without a keyword before it")
        if entry.last == "msgctxt":
            entry.context = (entry.context or "") + value
        elif entry.last == "msgid":
            entry.msgid = (entry.msgid or "") + value

    def statement(self, body: str, obsolete: bool) -> None:
        if body.startswith('"'):
            self.continuation(body, obsolete)
            return
        match = _KEYWORD.match(body)
        if match is None:
            word = body.split(maxsplit=1)[0] if body.split() else body
            raise _Syntax(f"unknown keyword {word[:30]!r}")
        self.keyword(match[1].split("[")[0], match[2], body[match.end() :], obsolete)


def _previous(body: str) -> None:
    """A ``#|`` line: ``msgctxt``/``msgid``/``msgid_plural`` and a string, or a string."""
    if body.startswith('"'):
        _strings(body)
        return
    match = _KEYWORD.match(body)
    if match is None or match[1].startswith("msgstr"):
        raise _Syntax(f"unexpected {body.split()[0][:30]!r} in a #| line" if body.split() else "an empty #| line")
    _strings(body[match.end() :])


def check_po(text: str, name: str = "PO file") -> None:
    """Raise InputError (``name:line: reason``) unless ``text`` is a PO file ``msgfmt`` would accept."""
    checker = _Checker(name)
    for number, raw in enumerate(text.splitlines(), start=1):
        checker.line = number
        line = raw.strip()
        try:
            if not line:
                continue
            if line.startswith("#~"):
                body = line[2:].lstrip()
                if body.startswith("|"):
                    _previous(body[1:].strip())
                elif body:
                    checker.statement(body, obsolete=True)
            elif line.startswith("#|"):
                _previous(line[2:].strip())
            elif line.startswith("#"):
                continue
            else:
                checker.statement(line, obsolete=False)
        except _Syntax as exc:
            raise checker.fail(str(exc)) from None
    checker.line = len(text.splitlines())
    checker.finish()
