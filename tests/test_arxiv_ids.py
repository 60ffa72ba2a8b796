import datetime

import pytest

from papers.arxiv_ids import ArxivId, InvalidArxivId, find_arxiv_id, looks_like_arxiv_id, parse_arxiv_id


@pytest.mark.parametrize(
    ("text", "canonical", "version"),
    [
        ("2201.11903", "2201.11903", None),
        ("2210.13966v3", "2210.13966", 3),
        ("arXiv:2305.06500v1", "2305.06500", 1),
        ("0704.0001", "0704.0001", None),
        ("1412.6980v9", "1412.6980", 9),
        ("hep-th/9711200", "hep-th/9711200", None),
        ("math.GT/0309136v2", "math.GT/0309136", 2),
        ("  2212.10544  ", "2212.10544", None),
        ("2201.11903v32767", "2201.11903", 32767),
        ("2201.11903v007", "2201.11903", 7),
    ],
)
def test_valid_ids_split_into_canonical_id_and_version(text, canonical, version):
    assert parse_arxiv_id(text) == ArxivId(canonical, version)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2213.00001", "month 13 does not exist"),
        ("2201.1190", "five digits"),
        ("1412.69801", "four digits"),
        ("0612.0001", "April 2007"),
        ("2201.11903v0", "versions start at v1"),
        ("2201.11903v32768", "version 32768 is too large"),
        ("hep-th/9711200v" + "9" * 25, "version 9{25} is too large"),
        # More digits than int() accepts.
        ("2201.11903v" + "9" * 5_000, "version 9{59}… is too large"),
        ("hep-th/0704001", "1991 to March 2007"),
        ("not an id", "malformed arXiv id"),
    ],
)
def test_invalid_ids_are_refused_with_a_reason(text, reason):
    with pytest.raises(InvalidArxivId, match=reason):
        parse_arxiv_id(text)


def test_submitted_month_comes_from_the_id():
    assert parse_arxiv_id("2212.10544").submitted_month == datetime.date(2022, 12, 1)
    assert parse_arxiv_id("hep-th/9711200").submitted_month == datetime.date(1997, 11, 1)
    assert parse_arxiv_id("math.GT/0309136").submitted_month == datetime.date(2003, 9, 1)


def test_malformed_ids_still_look_like_ids_but_prose_does_not():
    assert looks_like_arxiv_id("2213.00001")
    assert looks_like_arxiv_id("hep-th/97112")
    assert not looks_like_arxiv_id("Transformers have been essential to pretraining success in NLP.")
    assert not looks_like_arxiv_id("13.8k")


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("https://arxiv.org/abs/2201.11903v2", "2201.11903v2"),
        ("http://arxiv.org/pdf/1706.03762.pdf", "1706.03762"),
        ("10.48550/arXiv.2305.06500", "2305.06500"),
        ("arXiv:1706.03762 [cs]", "1706.03762"),
        ("https://arxiv.org/abs/hep-th/9711200", "hep-th/9711200"),
        ("https://doi.org/10.1023/A:1026654312961", None),
        (None, None),
    ],
)
def test_ids_are_found_inside_urls_dois_and_notes(text, found):
    assert find_arxiv_id(text) == found
