"""Glossary overrides (file, decisions) and approved translations against the glossary."""

from __future__ import annotations

import datetime
import io

import pytest

from a11ykit.article import Unit
from a11ykit.errors import GlossaryError
from a11ykit.review.checks import conflict_problems
from a11ykit.terms.base import Glossary, Term
from a11ykit.terms.glossary import read_glossary, write_glossary
from a11ykit.terms.overrides import (
    FIELDS,
    Override,
    apply_overrides,
    approved_conflicts,
    read_overrides,
    write_overrides,
)
from unwritable import a11ykit, read_only

DAY = datetime.date(2026, 3, 2)
ACT = Term(
    "map",
    {"en": ("Alien Enemies Act",), "es": ("Ley de Enemigos Extranjeros", "Ley de Extranjeros Enemigos")},
    case_sensitive=False,
    line=2,
)
CECOT = Term("keep", {"en": ("CECOT",), "es": ("CECOT",)}, lang="es", line=3)
GLOSSARY = Glossary((ACT, CECOT), source="terms.csv")
NEW_FORM = "Ley de Enemigos Extranjeros de 1798"


def override(status="approved", form=NEW_FORM, term="Alien Enemies Act", lang="es", **kw) -> Override:
    return Override(
        term, lang, form, status, kw.pop("who", "Ana Ruiz"), kw.pop("when", DAY), kw.pop("why", "house style"), **kw
    )


def read(text: str) -> list[Override]:
    return read_overrides(io.StringIO(text), "overrides.csv")


def written(overrides) -> str:
    out = io.StringIO()
    write_overrides(out, overrides)
    return out.getvalue()


HEADER = ",".join(FIELDS) + "\n"

# --- the file ----------------------------------------------------------------------------


def test_written_overrides_read_back_the_same():
    items = [override(), override("proposed", "Ley de Enemigos", why="shorter, says the desk")]
    assert read(written(items)) == sorted(items, key=lambda o: o.form)


def test_the_file_has_a_header_and_one_line_per_override():
    assert written([override(), override("rejected", "Ley X")]).splitlines()[0] == HEADER.strip()
    assert len(written([override(), override("rejected", "Ley X")]).splitlines()) == 3


def test_overrides_are_written_sorted_whatever_their_order():
    a, b = override(term="Alien Enemies Act"), override(term="CECOT", form="Cecot")
    assert written([b, a]) == written([a, b])


def test_a_reason_with_commas_and_newlines_stays_on_one_line():
    text = written([override(why="long, careful\nreasoning")])
    assert text.splitlines()[1].endswith('"long, careful reasoning"')


def test_an_empty_file_has_no_overrides():
    assert read("") == []


def test_blank_lines_are_skipped():
    assert len(read(HEADER + "\n" + written([override()]).splitlines()[1] + "\n\n")) == 1


def test_each_override_knows_its_line():
    assert [o.line for o in read(written([override(), override(form="Ley B")]))] == [2, 3]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("term,lang,form\n", "line 1: the header"),
        (HEADER + "Alien Enemies Act,es,X,approved,Ana,2026-03-02\n", "line 2: expected 7 fields"),
        (HEADER + "Alien Enemies Act,fr,X,approved,Ana,2026-03-02,\n", "line 2: unknown language 'fr'"),
        (HEADER + "Alien Enemies Act,es,X,maybe,Ana,2026-03-02,\n", "line 2: unknown status 'maybe'"),
        (HEADER + "Alien Enemies Act,es,X,approved,Ana,02/03/2026,\n", "line 2: the date '02/03/2026'"),
        (HEADER + "Alien Enemies Act,es,,approved,Ana,2026-03-02,\n", "line 2: the form is empty"),
        (HEADER + "\nAlien Enemies Act,es,X,approved,,2026-03-02,\n", "line 3: the who is empty"),
    ],
)
def test_a_malformed_file_is_a_glossary_error_naming_the_line(text, match):
    with pytest.raises(GlossaryError, match=match):
        read(text)


# --- applying them -----------------------------------------------------------------------


def test_an_approved_override_becomes_the_canonical_form():
    glossary, _ = apply_overrides(GLOSSARY, [override()])
    assert glossary.find("Alien Enemies Act").canonical("es") == NEW_FORM


def test_an_approved_override_drops_the_replaced_form_and_keeps_the_variants():
    glossary, _ = apply_overrides(GLOSSARY, [override()])
    assert glossary.find("Alien Enemies Act").forms["es"] == (NEW_FORM, "Ley de Extranjeros Enemigos")


def test_approving_a_variant_makes_it_canonical_once():
    glossary, _ = apply_overrides(GLOSSARY, [override(form="Ley de Extranjeros Enemigos")])
    assert glossary.find("Alien Enemies Act").forms["es"] == ("Ley de Extranjeros Enemigos",)


def test_an_override_does_not_touch_the_other_language():
    glossary, _ = apply_overrides(GLOSSARY, [override()])
    assert glossary.find("Alien Enemies Act").forms["en"] == ("Alien Enemies Act",)


def test_proposed_overrides_are_returned_and_change_nothing():
    proposed = override("proposed")
    glossary, pending = apply_overrides(GLOSSARY, [proposed])
    assert (glossary, pending) == (GLOSSARY, [proposed])


def test_rejected_overrides_are_ignored():
    assert apply_overrides(GLOSSARY, [override("rejected")]) == (GLOSSARY, [])


def test_an_override_of_a_keep_term_in_one_language_makes_it_a_map_term():
    glossary, _ = apply_overrides(GLOSSARY, [override(term="CECOT", form="Centro de Confinamiento del Terrorismo")])
    term = glossary.find("CECOT")
    assert (term.kind, term.forms) == ("map", {"en": ("CECOT",), "es": ("Centro de Confinamiento del Terrorismo",)})


def test_a_glossary_with_overrides_applied_writes_and_reads_back():
    glossary, _ = apply_overrides(GLOSSARY, [override(), override(term="CECOT", form="Cecot")])
    out = io.StringIO()
    write_glossary(out, glossary)
    assert [t.forms for t in read_glossary(io.StringIO(out.getvalue())).terms] == [t.forms for t in glossary.terms]


def test_an_english_override_is_applied_by_the_term_it_was_made_for():
    glossary, _ = apply_overrides(GLOSSARY, [override(lang="en", form="Alien Enemies Act of 1798")])
    assert glossary.terms[0].forms["en"] == ("Alien Enemies Act of 1798",)


def test_an_approved_override_of_an_unknown_term_is_an_error():
    with pytest.raises(GlossaryError, match="line 7: no glossary term 'Sedition Act'"):
        apply_overrides(GLOSSARY, [override(term="Sedition Act", line=7)])


def test_two_approved_overrides_for_the_same_term_and_language_are_an_error():
    with pytest.raises(GlossaryError, match="line 2 and line 3: two approved forms"):
        apply_overrides(GLOSSARY, [override(line=2), override(form="Ley B", line=3)])


# --- approved translations that contradict the glossary -------------------------------------

DOC = [Unit("s1", "They used the <1>Alien Enemies Act</1> twice.", "sentence", "b1")]


def test_an_approved_translation_without_the_locked_term_is_a_conflict():
    conflicts = approved_conflicts(GLOSSARY, "es", DOC, {"s1": "Usaron la <1>ley de guerra</1> dos veces."})
    assert [(v.segment_id, v.term, v.expected, v.expected_count, v.found_count, v.where) for v in conflicts] == [
        ("s1", "Alien Enemies Act", "Ley de Enemigos Extranjeros", 1, 0, "approved")
    ]


def test_an_approved_translation_with_a_variant_of_the_term_is_fine():
    assert (
        approved_conflicts(GLOSSARY, "es", DOC, {"s1": "Usaron la <1>Ley de Extranjeros Enemigos</1> dos veces."}) == []
    )


def test_the_terms_case_rule_applies_to_approved_translations():
    assert approved_conflicts(GLOSSARY, "es", DOC, {"s1": "Usaron la <1>ley de enemigos extranjeros</1>."}) == []


def test_an_approved_translation_with_the_form_an_override_replaced_is_a_conflict():
    glossary, _ = apply_overrides(GLOSSARY, [override()])
    conflicts = approved_conflicts(glossary, "es", DOC, {"s1": "Usaron la <1>Ley de Enemigos Extranjeros</1>."})
    assert [v.expected for v in conflicts] == [NEW_FORM]


def test_conflicts_are_reported_as_warnings_with_a_stable_code():
    conflicts = approved_conflicts(GLOSSARY, "es", DOC, {"s1": "Usaron otra ley."})
    assert [(p.code, p.segment_id, p.severity) for p in conflict_problems(conflicts)] == [
        ("approved-conflict", "s1", "warning")
    ]


# --- the command line, where the overrides cannot be written -------------------------------------


@pytest.fixture
def glossary_folder(tmp_path):
    folder = tmp_path / "glossary"
    folder.mkdir()
    out = io.StringIO()
    write_glossary(out, GLOSSARY)
    (folder / "terms.csv").write_text(out.getvalue(), encoding="utf-8")
    return folder


def override_cli(folder, action, *extra):
    return a11ykit("glossary", "override", action, "Alien Enemies Act", "--lang", "es", "--who", "Ana", *extra,
                   "--glossary", folder / "terms.csv", "--overrides", folder / "overrides.csv")


def test_proposing_into_a_read_only_folder_exits_2_with_one_line_and_writes_nothing(glossary_folder):
    with read_only(glossary_folder):
        done = override_cli(glossary_folder, "propose", "--form", NEW_FORM)
    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert f"{glossary_folder / 'overrides.csv'}: cannot write it (Permission denied)" in done.stderr
    assert sorted(p.name for p in glossary_folder.iterdir()) == ["terms.csv"]


def test_approving_into_a_read_only_folder_exits_2_and_keeps_the_proposal(glossary_folder):
    assert override_cli(glossary_folder, "propose", "--form", NEW_FORM).returncode == 0
    before = (glossary_folder / "overrides.csv").read_text(encoding="utf-8")
    with read_only(glossary_folder):
        done = override_cli(glossary_folder, "approve")
    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert "cannot write it (Permission denied)" in done.stderr
    assert (glossary_folder / "overrides.csv").read_text(encoding="utf-8") == before
    assert sorted(p.name for p in glossary_folder.iterdir()) == ["overrides.csv", "terms.csv"]


def test_an_overrides_path_that_is_a_folder_is_one_line(glossary_folder):
    (glossary_folder / "overrides.csv").mkdir()
    done = override_cli(glossary_folder, "propose", "--form", NEW_FORM)
    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert "overrides.csv: cannot read the overrides (Is a directory)" in done.stderr
