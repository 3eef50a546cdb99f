"""Translators' PO catalogs: what a build writes, what survives a rebuild, what comes back."""

from __future__ import annotations

import datetime
import io
import subprocess
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog

from a11ykit.article import Unit
from a11ykit.errors import InputError
from a11ykit.layout import catalog_path
from a11ykit.review.catalog import (
    approved_translations,
    catalog_bytes,
    catalog_problems,
    catalog_stats,
    read_catalog,
    update_catalog,
    write_catalog,
)
from a11ykit.terms.base import TermHit

NOW = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.UTC)
LATER = datetime.datetime(2026, 3, 9, 8, 30, tzinfo=datetime.UTC)
ENGINE = "apertium 3.8.3 (eng-spa)"

S1 = "He spent <1>125 days</1> in CECOT."
S2 = "It rose 5% in March, under the Alien Enemies Act."
S3 = "A guard at the gate"
MT = {
    S1: "Pasó <1>125 días</1> en CECOT.",
    S2: "Subió un 5% en marzo, bajo la Ley de Enemigos Extranjeros.",
    S3: "Un guardia en la puerta",
}


def document(*texts: str) -> list[Unit]:
    """A page's units, not translated yet."""
    units = [Unit(f"s{i}", text, "sentence", f"b{i}", "paragraph") for i, text in enumerate(texts, 1)]
    if texts and texts[-1] == S3:
        units[-1] = Unit(f"s{len(texts)}", S3, "attribute", "img1", "image", "alt")
    return units


def results(doc: list[Unit], mt: dict[str, str] | None = None) -> list[Unit]:
    """The units once the engine has translated them."""
    mt = MT if mt is None else mt
    out = []
    for u in doc:
        machine = mt.get(u.source, u.source.upper())
        hits = (
            [TermHit("Alien Enemies Act", "Alien Enemies Act", "Ley de Enemigos Extranjeros")]
            if "Alien" in u.source
            else []
        )
        out.append(Unit(u.id, u.source, u.kind, u.block, u.role, u.attribute, machine, machine, "machine", hits=hits))
    return out


def build(old: Catalog | None, doc: list[Unit], mt: dict[str, str] | None = None, now=NOW) -> Catalog:
    return update_catalog(old, results(doc, mt), target_lang="es", engine=ENGINE, source_name="cecot.html", now=now)


def po_text(catalog: Catalog) -> str:
    return catalog_bytes(catalog).decode("utf-8")


def reread(catalog: Catalog) -> Catalog:
    return read_catalog(io.BytesIO(catalog_bytes(catalog)))


def entry(catalog: Catalog, context: str):
    return next(m for m in catalog if m.id and m.context == context)


def approve(catalog: Catalog, context: str, string: str | None = None) -> Catalog:
    """What a translator does in Poedit: edit the text, untick "Needs Work", save."""
    edited = reread(catalog)
    message = entry(edited, context)
    message.flags.discard("fuzzy")
    if string is not None:
        message.string = string
    return reread(edited)


@pytest.fixture
def doc() -> list[Unit]:
    return document(S1, S2, S3)


def test_the_catalog_lives_under_locales_lang_lc_messages():
    assert catalog_path("locales", "es", "cecot") == Path("locales/es/LC_MESSAGES/cecot.po")


def test_each_segment_is_an_entry_keyed_by_its_id_with_the_tagged_source_as_msgid(doc):
    catalog = build(None, doc)
    assert [(m.context, m.id) for m in catalog if m.id] == [("s1", S1), ("s2", S2), ("s3", S3)]


def test_a_new_entry_holds_the_machine_translation_marked_fuzzy(doc):
    message = entry(build(None, doc), "s1")
    assert message.string == MT[S1]
    assert message.fuzzy


def test_extracted_comments_name_the_engine_and_the_glossary_terms(doc):
    message = entry(build(None, doc), "s2")
    assert any(ENGINE in c for c in message.auto_comments)
    assert "glossary: Alien Enemies Act → Ley de Enemigos Extranjeros" in message.auto_comments


def test_an_attribute_entry_says_which_attribute_it_is(doc):
    assert entry(build(None, doc), "s3").auto_comments[0].startswith("image, alt attribute")


def test_the_location_names_the_file_and_block_and_survives_reading(doc):
    text = po_text(build(None, doc))
    assert "#: cecot.html#b1\n" in text
    assert entry(reread(build(None, doc)), "s1").locations == [("cecot.html#b1", None)]


def test_the_header_declares_language_plural_forms_and_utf8(doc):
    text = po_text(build(None, doc))
    assert '"Language: es\\n"' in text
    assert '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"' in text
    assert '"Content-Type: text/plain; charset=utf-8\\n"' in text


def test_a_percent_sign_does_not_make_a_sentence_a_python_format_string(doc):
    assert "python-format" not in po_text(build(None, doc))


def test_a_written_catalog_reads_back_to_the_same_bytes(doc):
    old = approve(build(None, doc), "s1")
    catalog = build(old, document(S1, "It rose 6% in March, under the Alien Enemies Act.", S3), now=LATER)
    assert catalog_bytes(reread(catalog)) == catalog_bytes(catalog)


def test_a_rebuild_without_changes_writes_the_same_bytes(doc):
    first = build(None, doc)
    assert catalog_bytes(build(reread(first), doc, now=LATER)) == catalog_bytes(first)


def test_update_catalog_does_not_change_the_catalog_it_is_given(doc):
    old = approve(build(None, doc), "s1")
    before = catalog_bytes(old)
    build(old, document(S2), now=LATER)
    assert catalog_bytes(old) == before


def test_an_untranslated_segment_gets_an_empty_msgstr_that_is_not_fuzzy():
    res = [Unit("s1", S1, machine="", text=S1, origin="untranslated")]
    message = entry(update_catalog(None, res, target_lang="es", engine=ENGINE, source_name="cecot.html", now=NOW), "s1")
    assert (message.string, message.fuzzy) == ("", False)


# --- approved translations ------------------------------------------------------------


def test_an_approved_entry_replaces_the_machine_translation(doc):
    catalog = approve(build(None, doc), "s1", "Estuvo <1>125 días</1> en el CECOT.")
    assert approved_translations(catalog, doc) == {"s1": "Estuvo <1>125 días</1> en el CECOT."}


def test_fuzzy_entries_are_not_approved_translations(doc):
    assert approved_translations(reread(build(None, doc)), doc) == {}


def test_an_approved_entry_for_an_older_source_text_is_not_used(doc):
    catalog = approve(build(None, doc), "s1")
    edited = document("He spent <1>126 days</1> in CECOT.", S2, S3)
    assert approved_translations(catalog, edited) == {}


def test_an_approved_entry_with_broken_placeholders_is_reported_not_used(doc):
    catalog = approve(build(None, doc), "s1", "Pasó 125 días en CECOT.")
    assert approved_translations(catalog, doc) == {}
    assert [(p.code, p.segment_id) for p in catalog_problems(catalog, doc)] == [("approved-tags", "s1")]


def test_an_approved_translation_survives_a_rebuild(doc):
    old = approve(build(None, doc), "s1", "Estuvo <1>125 días</1> en el CECOT.")
    message = entry(build(old, doc, now=LATER), "s1")
    assert (message.string, message.fuzzy) == ("Estuvo <1>125 días</1> en el CECOT.", False)


def test_a_machine_suggestion_is_refreshed_by_the_next_build(doc):
    new_mt = {**MT, S1: "Pasó <1>125 jornadas</1> en CECOT."}
    message = entry(build(reread(build(None, doc)), doc, new_mt, now=LATER), "s1")
    assert (message.string, message.fuzzy) == ("Pasó <1>125 jornadas</1> en CECOT.", True)


def test_translator_comments_survive_a_rebuild(doc):
    old = reread(build(None, doc))
    entry(old, "s2").user_comments.append("check the law's name with the desk")
    assert entry(build(old, doc, now=LATER), "s2").user_comments == ["check the law's name with the desk"]


# --- edits of the source --------------------------------------------------------------

EDITED_S1 = "He spent <1>126 days</1> in CECOT."


def rebuild_after_edit(doc: list[Unit]) -> Catalog:
    old = approve(approve(build(None, doc), "s1", "Estuvo <1>125 días</1> en el CECOT."), "s2")
    return build(old, document(EDITED_S1, S2, S3), {**MT, EDITED_S1: "Pasó <1>126 días</1> en CECOT."}, now=LATER)


def test_editing_a_sentence_marks_its_entry_fuzzy_with_the_previous_msgid(doc):
    message = entry(rebuild_after_edit(doc), "s1")
    assert message.fuzzy
    assert message.previous_id == [S1]
    assert f'#| msgid "{S1}"' in po_text(rebuild_after_edit(doc))


def test_editing_a_sentence_keeps_the_approved_text_as_the_suggestion(doc):
    message = entry(rebuild_after_edit(doc), "s1")
    assert message.string == "Estuvo <1>125 días</1> en el CECOT."
    assert "machine translation: Pasó <1>126 días</1> en CECOT." in message.auto_comments


def test_editing_one_sentence_leaves_the_other_approvals_alone(doc):
    message = entry(rebuild_after_edit(doc), "s2")
    assert (message.string, message.fuzzy) == (MT[S2], False)


def test_the_previous_msgid_survives_writing_and_reading(doc):
    assert entry(reread(rebuild_after_edit(doc)), "s1").previous_id == [S1]


def test_a_second_edit_keeps_the_msgid_the_translation_was_approved_for(doc):
    again = build(reread(rebuild_after_edit(doc)), document("He spent <1>127 days</1> in CECOT.", S2, S3), now=LATER)
    assert entry(again, "s1").previous_id == [S1]


def test_reverting_the_source_restores_the_approval(doc):
    reverted = build(reread(rebuild_after_edit(doc)), doc, now=LATER)
    message = entry(reverted, "s1")
    assert (message.string, message.fuzzy, message.previous_id) == ("Estuvo <1>125 días</1> en el CECOT.", False, [])


def test_a_sentence_that_disappears_becomes_obsolete(doc):
    catalog = build(approve(build(None, doc), "s2"), document(S1), now=LATER)
    assert [m.context for m in catalog.obsolete.values()] == ["s2", "s3"]
    assert '#~ msgctxt "s2"\n' in po_text(catalog)


def test_an_obsolete_entry_comes_back_as_a_suggestion_when_its_sentence_returns(doc):
    gone = reread(
        build(
            approve(build(None, doc), "s2", "Subió un 5 % en marzo, bajo la Ley de Enemigos Extranjeros."),
            document(S1),
            now=LATER,
        )
    )
    message = entry(build(gone, doc, now=LATER), "s2")
    assert (message.string, message.fuzzy) == ("Subió un 5 % en marzo, bajo la Ley de Enemigos Extranjeros.", True)


def test_a_revived_entry_is_no_longer_obsolete(doc):
    gone = reread(build(build(None, doc), document(S1), now=LATER))
    assert [m.context for m in build(gone, doc, now=LATER).obsolete.values()] == []


def test_stats_count_approved_fuzzy_and_obsolete_entries(doc):
    catalog = build(approve(build(None, doc), "s1"), document(S1, S2), now=LATER)
    assert catalog_stats(catalog) == {"approved": 1, "fuzzy": 1, "untranslated": 0, "obsolete": 1}


# --- files that tools accept ------------------------------------------------------------


def test_reading_a_broken_po_file_is_an_input_error():
    with pytest.raises(InputError, match=r":2: unknown keyword 'bogus'"):
        read_catalog(io.BytesIO(b'msgid "a"\nbogus "b"\n'))


def test_reading_a_po_file_that_is_not_utf8_is_an_input_error():
    with pytest.raises(InputError, match="not UTF-8"):
        read_catalog(io.BytesIO('msgid "año"\nmsgstr ""\n'.encode("latin-1")))


@pytest.mark.parametrize("stage", ["new", "after approvals, edits and removals"])
def test_msgfmt_check_accepts_the_written_catalog(tmp_path, doc, stage):
    catalog = build(None, doc) if stage == "new" else build(rebuild_after_edit(doc), document(EDITED_S1, S3), now=LATER)
    path = tmp_path / "cecot.po"
    with path.open("wb") as f:
        write_catalog(f, catalog)
    run = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(path)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""



# --- segment ids are positions -------------------------------------------------------------

NEW_FIRST = "Reporting by Tim Miller."


def test_an_approved_translation_follows_its_sentence_when_the_ids_shift(doc):
    old = approve(build(None, doc), "s2", "Subió un 5 % en marzo, bajo la Ley de Enemigos Extranjeros.")
    shifted = document(NEW_FIRST, S1, S2, S3)  # S2 is now s3
    assert approved_translations(build(old, shifted, now=LATER), shifted) == {
        "s3": "Subió un 5 % en marzo, bajo la Ley de Enemigos Extranjeros."
    }


def test_an_approval_is_used_on_the_very_build_that_shifts_its_id(doc):
    old = approve(build(None, doc), "s2", "Subió un 5 % en marzo, bajo la Ley de Enemigos Extranjeros.")
    shifted = document(NEW_FIRST, S1, S2, S3)  # the catalog still says s2; the page now says s3
    assert approved_translations(old, shifted) == {"s3": "Subió un 5 % en marzo, bajo la Ley de Enemigos Extranjeros."}


def test_a_sentence_inserted_above_gets_a_new_entry_not_an_old_one(doc):
    message = entry(build(approve(build(None, doc), "s1"), document(NEW_FIRST, S1, S2, S3), now=LATER), "s1")
    assert (message.id, message.string, message.previous_id) == (NEW_FIRST, NEW_FIRST.upper(), [])


def test_an_edited_sentence_is_found_even_when_its_id_shifted(doc):
    old = approve(build(None, doc), "s1", "Estuvo <1>125 días</1> en el CECOT.")
    message = entry(build(old, document(NEW_FIRST, EDITED_S1, S2, S3), now=LATER), "s2")
    assert (message.string, message.previous_id) == ("Estuvo <1>125 días</1> en el CECOT.", [S1])


def test_a_rewritten_sentence_starts_afresh_and_its_old_entry_turns_obsolete(doc):
    old = approve(build(None, doc), "s1", "Estuvo <1>125 días</1> en el CECOT.")
    catalog = build(old, document("Nobody expected <1>that</1>.", S2, S3), now=LATER)
    assert (entry(catalog, "s1").previous_id, [m.id for m in catalog.obsolete.values()]) == ([], [S1])


LONG = (
    "Andry Hernández Romero, sent from the United States to El Salvador’s CECOT mega-prison "
    'under the <1>Alien Enemies Act</1>, describes 125 days inside and what "comes" next.'
)


def long_edit() -> Catalog:
    old = approve(build(None, document(LONG)), "s1", "Andry, enviado bajo la <1>Ley de Enemigos Extranjeros</1>.")
    return build(old, document(LONG.replace("125", "126")), now=LATER)


def test_a_long_previous_msgid_survives_writing_and_reading():
    assert entry(reread(long_edit()), "s1").previous_id == [LONG]


def test_msgfmt_check_accepts_a_long_previous_msgid(tmp_path):
    path = tmp_path / "long.po"
    path.write_bytes(catalog_bytes(long_edit()))
    run = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(path)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


MSGMERGE_STYLE = """\
msgid ""
msgstr ""
"Language: es\\n"
"Content-Type: text/plain; charset=UTF-8\\n"

#, fuzzy
#| msgctxt "s0"
#| msgid ""
#| "He spent "
#| "125 days."
msgctxt "s1"
msgid "He spent 126 days."
msgstr "Pasó 125 días."

#, fuzzy
#~| msgid "Old text"
#~ msgctxt "s9"
#~ msgid "Older text"
#~ msgstr "Texto viejo"
"""


def test_a_file_in_msgmerge_style_reads_with_its_previous_msgid_and_obsolete_entries():
    catalog = read_catalog(io.StringIO(MSGMERGE_STYLE))
    message = entry(catalog, "s1")
    assert (message.previous_id, message.user_comments, [m.id for m in catalog.obsolete.values()]) == (
        ["He spent 125 days."], [], ["Older text"]
    )


# --- malformed files are refused, never read by guessing ------------------------------------

HEADER = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
MALFORMED = {
    "an unquoted msgstr": ('msgctxt "s1"\nmsgid "One."\nmsgstr APROBADO UNO\n', 7, "expected a quoted string"),
    "an unterminated string": ('msgctxt "s1"\nmsgid "One."\nmsgstr "APROBADO\n', 7, "unterminated string"),
    "a duplicate entry": (
        'msgctxt "s1"\nmsgid "One."\nmsgstr "Uno."\n\nmsgctxt "s1"\nmsgid "One."\nmsgstr "Otro."\n',
        9,
        "duplicate entry",
    ),
    "a duplicate entry, one of them obsolete": (
        '#~ msgctxt "s1"\n#~ msgid "One."\n#~ msgstr "Uno."\n\nmsgctxt "s1"\nmsgid "One."\nmsgstr "Otro."\n',
        9,
        "duplicate entry",
    ),
    "text after a string": ('msgctxt "s1"\nmsgid "One."\nmsgstr "Uno." x\n', 7, "expected a quoted string"),
    "an invalid escape": ('msgctxt "s1"\nmsgid "One."\nmsgstr "Uno\\q"\n', 7, "invalid escape"),
    "an entry without msgstr": (
        'msgctxt "s1"\nmsgid "One."\n\nmsgctxt "s2"\nmsgid "Two."\nmsgstr ""\n',
        5,
        "the entry has no msgstr",
    ),
    "an unknown keyword": ('msgctxt "s1"\nmsgid "One."\nmsgstring "Uno."\n', 7, "unknown keyword"),
    "msgstr without msgid": ('msgstr "Uno."\n', 5, "msgstr without a msgid"),
    "a plural msgstr without msgid_plural": (
        'msgid "One."\nmsgstr[0] "Uno."\n',
        6,
        r"msgstr\[0\] in an entry without msgid_plural",
    ),
    "a broken previous msgid": ('#| msgid "On\nmsgctxt "s1"\nmsgid "One."\nmsgstr "Uno."\n', 5, "unterminated string"),
}


@pytest.mark.parametrize("body, line, reason", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_po_file_msgfmt_rejects_is_refused_with_its_line(tmp_path, body, line, reason):
    path = tmp_path / "story.po"
    path.write_text(HEADER + body, encoding="utf-8")
    msgfmt = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(path)], capture_output=True, text=True)
    assert msgfmt.returncode != 0  # gettext's own tools refuse it too
    with path.open("rb") as f, pytest.raises(InputError, match=rf"story\.po:{line}: {reason}") as caught:
        read_catalog(f)
    assert caught.value.code in ("A11Y160", "A11Y161")


VALID = {
    "plural forms": 'msgid "One."\nmsgid_plural "Ones."\nmsgstr[0] "Uno."\nmsgstr[1] "Unos."\n',
    "strings over several lines": 'msgid ""\n"One"\n"."\nmsgstr ""\n"Uno."\n',
    "every escape gettext knows": 'msgid "a\\tb\\"c\\\\d\\n\\101\\x41"\nmsgstr "x"\n',
    "a previous msgid over two lines": '#, fuzzy\n#| msgid "On"\n#| "e."\nmsgctxt "s1"\nmsgid "One."\nmsgstr "Uno."\n',
    "the same msgid in two contexts": (
        'msgctxt "s1"\nmsgid "One."\nmsgstr "Uno."\n\nmsgctxt "s2"\nmsgid "One."\nmsgstr "Uno."\n'
    ),
}


@pytest.mark.parametrize("body", VALID.values(), ids=VALID.keys())
def test_a_po_file_gettext_reads_is_read(tmp_path, body):
    plural = '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n'
    path = tmp_path / "story.po"
    path.write_text(HEADER.replace("\n\n", "\n" + plural + "\n", 1) + body, encoding="utf-8")
    msgfmt = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(path)], capture_output=True, text=True)
    assert msgfmt.returncode == 0, msgfmt.stderr
    with path.open("rb") as f:
        assert len([m for m in read_catalog(f) if m.id]) >= 1
