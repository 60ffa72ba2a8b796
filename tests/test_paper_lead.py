"""The lead a paper without a title is listed by: its abstract's first sentence."""

from papers.templatetags.paper_text import first_sentence


def test_the_lead_is_the_first_sentence():
    assert first_sentence("Transformers work. They are big.") == "Transformers work."


def test_abbreviations_and_decimals_do_not_end_the_sentence():
    text = "Models, e.g. transformers, reach 3.5 points more. Then they stop."
    assert first_sentence(text) == "Models, e.g. transformers, reach 3.5 points more."


def test_line_breaks_and_runs_of_spaces_collapse():
    assert first_sentence("A study\n  of   models.\nMore.") == "A study of models."


def test_a_sentence_too_long_is_cut_at_a_word_with_an_ellipsis():
    lead = first_sentence("word " * 100)
    assert lead.endswith("word…")
    assert len(lead) <= 201


def test_an_empty_abstract_has_no_lead():
    assert first_sentence("") == ""
