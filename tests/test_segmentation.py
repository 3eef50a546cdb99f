"""How a page is cut into segments."""

from pathlib import Path

import pytest

from a11ykit.html.parse import parse_page
from a11ykit.text import tagged


def segments(html: str, lang: str = "en"):
    return parse_page(html.encode(), lang=lang).units


def texts(html: str):
    return [s.source for s in segments(html)]


def test_a_paragraph_is_split_into_sentences():
    assert texts("<p>He was held. The case was reviewed.</p>") == ["He was held.", "The case was reviewed."]


def test_a_link_inside_a_sentence_stays_inside_it():
    assert texts('<p>His account to <a href="x">Tim Miller at The Bulwark</a> tracks.</p>') == [
        "His account to <1>Tim Miller at The Bulwark</1> tracks."
    ]


def test_nested_inline_markup_is_numbered_in_order():
    assert texts("<p>A <a href=x>b <em>c</em></a> <strong>d</strong>.</p>") == ["A <1>b <2>c</2></1> <3>d</3>."]


def test_a_sentence_is_never_cut_inside_inline_markup():
    assert texts("<p><em>First one. Second one.</em> Third one.</p>") == ["<1>First one. Second one.</1>", "Third one."]


def test_placeholders_restart_at_one_in_every_sentence():
    assert texts("<p>One <b>bold</b> word. Two <i>more</i> words.</p>") == [
        "One <1>bold</1> word.",
        "Two <1>more</1> words.",
    ]


def test_code_images_and_comments_inside_a_sentence_are_atoms():
    assert texts("<p>Run <code>ls</code> now <!-- c --> and <img src=a.png> see.</p>") == [
        "Run <1/> now <2/> and <3/> see."
    ]


def test_whitespace_is_collapsed_and_moved_out_of_inline_elements():
    (text,) = texts("<p>\n   His\taccount to <a href=x>  Tim\n Miller </a>tracks.\n</p>")
    assert text == "His account to <1>Tim Miller</1> tracks."
    assert "\n" not in text and "\t" not in text


def test_block_elements_start_new_segments():
    assert texts("<div>Loose text<div>Inner text</div>More text</div>") == ["Loose text", "Inner text", "More text"]


def test_a_line_break_ends_a_run():
    assert texts("<p>Line one<br>Line two</p>") == ["Line one", "Line two"]


def test_scripts_styles_and_code_blocks_are_left_alone():
    html = "<script>var a = 'Hello there.';</script><style>p{}</style><pre>Some code.</pre><p>Text.</p>"
    assert texts(html) == ["Text."]


def test_translate_no_is_inherited_and_translate_yes_re_enables():
    html = '<div translate="no"><p>Keep this.</p><p translate="yes">Translate this.</p></div>'
    assert texts(html) == ["Translate this."]


def test_notranslate_class_inside_a_sentence_is_an_atom():
    assert texts('<p>At <span class="notranslate">DNA</span> we care.</p>') == ["At <1/> we care."]


def test_translatable_attributes_become_segments():
    html = (
        '<head><meta name="description" content="A story."><meta property="og:title" content="The title.">'
        '<meta name="keywords" content="no, thanks"></head>'
        '<img src=a alt="A photo."><a href=x title="More info">x</a><input placeholder="Search">'
        '<button aria-label="Close menu">x</button>'
    )
    attrs = [(s.attribute, s.source) for s in segments(html) if s.kind == "attribute"]
    assert attrs == [
        ("content", "A story."),
        ("content", "The title."),
        ("alt", "A photo."),
        ("title", "More info"),
        ("placeholder", "Search"),
        ("aria-label", "Close menu"),
    ]


def test_sentence_ids_are_stable_and_name_block_and_position():
    segs = segments("<h1>Title.</h1><p>One. Two.</p>")
    assert [s.id for s in segs] == ["a11y-1-1", "a11y-2-1", "a11y-2-2"]


def test_roles_say_what_the_text_is():
    html = (
        "<title>T</title><h2>Head</h2><p class=byline>By me</p><blockquote><p>Quote.</p></blockquote>"
        "<figure><figcaption>Cap.</figcaption></figure><p>Para.</p><li>Item</li>"
    )
    assert [s.role for s in segments(html)] == ["title", "heading", "byline", "quote", "caption", "paragraph", "other"]


def test_the_example_article_has_every_headline_word(examples_dir):
    page = parse_page((examples_dir / "cecot.html").read_bytes())
    h1 = next(s for s in page.units if s.role == "heading")
    assert "Andry Hernández Romero" in h1.source


def test_a_menu_of_links_is_one_segment_per_item():
    assert texts('<nav><a href="/n">News</a> | <a href="/i">Immigration</a> <a href="/a">About</a></nav>') == [
        "<1>News</1>", "<1>Immigration</1>", "<1>About</1>"
    ]


def test_an_icon_in_a_menu_goes_with_the_item_after_it():
    assert texts('<nav><svg></svg> <a href="/h">Home</a> <a href="/n">News</a></nav>') == [
        "<1/> <2>Home</2>",
        "<1>News</1>",
    ]


def test_links_with_words_between_them_are_a_sentence_not_a_menu():
    assert texts('<p><a href="/a">Read</a> and <a href="/b">share</a></p>') == ["<1>Read</1> and <2>share</2>"]


@pytest.mark.parametrize("lead", ["252", "»", "1."])
def test_text_before_the_first_menu_item_is_kept(lead):
    assert tagged.plain(texts(f'<p>{lead} <a href="/a">News</a> | <a href="/b">About</a></p>')[0]).startswith(lead)


@pytest.mark.parametrize("page", sorted((Path(__file__).parent / "corpus" / "pages").glob("*.html"))[::4],
                         ids=lambda p: p.stem)
def test_the_translatable_elements_are_those_element_translatable_accepts(page):
    """Worked out once per element from its parent's answer: the same elements as asking each."""
    from bs4 import BeautifulSoup

    from a11ykit.html.segment import element_translatable, translatable_elements

    soup = BeautifulSoup(page.read_bytes(), "html.parser")
    assert list(translatable_elements(soup)) == [t for t in soup.find_all(True) if element_translatable(t)]


def test_translate_yes_inside_a_notranslate_element_is_translated_unless_a_template_holds_it():
    from bs4 import BeautifulSoup

    from a11ykit.html.segment import element_translatable, translatable_elements

    soup = BeautifulSoup('<div class="notranslate"><p translate="yes" title="T">x<b>y</b></p><i>z</i></div>'
                         '<template><p translate="yes">w</p></template><p translate="no"><b>v</b></p>',
                         "html.parser")
    found = [t.name for t in translatable_elements(soup)]
    assert found == ["p", "b", "template"] == [t.name for t in soup.find_all(True) if element_translatable(t)]
