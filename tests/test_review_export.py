"""Exporting a review as CSV, BibTeX, RIS and JSONL: every format read back by the tools its users have
(csv.DictReader, bibtexparser, rispy, json) field by field; the same file twice; empty reviews and views."""

import csv
import io
import json

import bibtexparser
import pytest
import rispy
from bibtexparser import middlewares
from django.core.management import call_command
from django.http import QueryDict

from papers.models import Paper
from reviews import annotating
from reviews.exporting import EverythingView, export_pieces, prepare
from reviews.exporting.bibtex_format import latex_escape
from reviews.exporting.ris_format import one_line, ris_author
from reviews.models import ExclusionReason, Membership, Role
from tests.factories import make_paper, make_review, make_user

NASTY_TITLE = "Über {braces} & 50% of $x_1$ #1 -- \"quotes\" ``tex'' ~tilde \\cmd"
NASTY_ABSTRACT = "First line with é, ñ, 日本語 and ∑.\nSecond line: 100% & {x} — done.\n\n@article{not-an-entry,\nlast"


def text_of(viewer, fmt: str, query: str = "") -> str:
    return "".join(export_pieces(prepare(viewer, fmt, QueryDict(query)), fmt))


@pytest.fixture
def worked(db):
    """An open review: an arXiv paper with a hostile title and abstract, a journal paper with a DOI and PMID only,
    and a paper nobody touched. bob and carol screened, tagged and commented."""
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    arxiv = make_paper(
        "2201.11903v2",
        title=NASTY_TITLE,
        abstract=NASTY_ABSTRACT,
        authors=["Jason Wei", "Xuezhi Wang", "Food and Drug Administration", "Smith, Jr., John"],
        primary_category="cs.CL",
    )
    journal = Paper.objects.create(
        title='=HYPERLINK("http://evil") A cohort study',
        abstract="-2 is a number; +3 too; @mention.",
        authors=["Ana María Pérez", "Li Wei"],
        doi="10.1000/j.cohort_2020.05",
        pmid="31234567",
        venue="The Lancet & Friends",
        year=2020,
        month=5,
        extra={"keywords": ["cohort", "epidemiology"]},
    )
    untouched = make_paper("2105.00001", title="Nobody read me", abstract="Plain.")
    review = make_review("export-me", papers=[arxiv, journal, untouched], members={
        alice: Role.OWNER, bob: Role.REVIEWER, carol: Role.REVIEWER,
    })  # fmt: skip
    reason = ExclusionReason.objects.create(review=review, label="Wrong population")
    bob_m, carol_m = (Membership.objects.select_related("review", "user").get(user=u) for u in (bob, carol))
    annotating.decide(bob_m, arxiv.pk, "include")
    annotating.set_score(bob_m, arxiv.pk, 5)
    annotating.apply_tag(bob_m, arxiv.pk, "rct")
    annotating.apply_tag(carol_m, arxiv.pk, "=cmd|' /C calc'!A0")
    comment = annotating.add_comment(bob_m, arxiv.pk, "Strong **method**, see the quote.", quote="First line")
    annotating.add_comment(carol_m, arxiv.pk, "Agreed\nwith a second line.", parent_id=comment.pk)
    annotating.decide(carol_m, journal.pk, "exclude", reason.pk)
    annotating.set_score(carol_m, journal.pk, 1)

    class Worked:
        pass

    Worked.alice, Worked.bob, Worked.carol = alice, bob, carol
    Worked.review, Worked.arxiv, Worked.journal, Worked.untouched = review, arxiv, journal, untouched
    Worked.everything = EverythingView(review)
    return Worked


def test_csv_reads_back_with_every_field_and_a_column_per_screener(worked):
    rows = list(csv.DictReader(io.StringIO(text_of(worked.everything, "csv"))))
    titles = [NASTY_TITLE, "Nobody read me", '\'=HYPERLINK("http://evil") A cohort study']
    assert [row["title"] for row in rows] == titles
    arxiv, untouched, journal = rows
    assert arxiv["abstract"] == NASTY_ABSTRACT
    assert arxiv["arxiv_id"] == "2201.11903v2" and arxiv["key"] == "2201.11903"
    assert arxiv["authors"] == "Jason Wei; Xuezhi Wang; Food and Drug Administration; Smith, Jr., John"
    assert (arxiv["year"], arxiv["month"], arxiv["url"]) == ("2022", "1", "https://arxiv.org/abs/2201.11903v2")
    assert (arxiv["decision_bob"], arxiv["score_bob"], arxiv["decision_carol"]) == ("include", "5", "")
    assert (arxiv["final_decision"], arxiv["included"], arxiv["team_status"]) == ("include", "1", "included")
    assert arxiv["tags"] == "'=cmd|' /C calc'!A0; rct"
    assert "bob, " in arxiv["comments"] and "on “First line”: Strong **method**, see the quote." in arxiv["comments"]
    assert "carol, " in arxiv["comments"] and "replying to bob: Agreed with a second line." in arxiv["comments"]
    assert journal["doi"] == "10.1000/j.cohort_2020.05" and journal["pmid"] == "31234567"
    assert journal["abstract"] == "'-2 is a number; +3 too; @mention."
    assert (journal["venue"], journal["year"], journal["month"]) == ("The Lancet & Friends", "2020", "5")
    assert journal["keywords"] == "cohort; epidemiology"
    assert (journal["decision_carol"], journal["reason_carol"], journal["score_carol"]) == (
        "exclude", "Wrong population", "1",
    )  # fmt: skip
    assert (journal["final_decision"], journal["final_reason"], journal["included"]) == (
        "exclude", "Wrong population", "0",
    )  # fmt: skip
    assert (untouched["final_decision"], untouched["included"], untouched["decision_bob"]) == ("", "", "")
    assert list(rows[0]) == [
        "key", "arxiv_id", "doi", "pmid", "title", "abstract", "authors", "year", "month", "venue", "url", "keywords",
        "team_status", "final_decision", "final_reason", "included", "decision_alice", "reason_alice", "score_alice",
        "decision_bob", "reason_bob", "score_bob", "decision_carol", "reason_carol", "score_carol", "tags", "comments",
    ]  # fmt: skip


def decoded_bibtex(text: str):
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks
    library = middlewares.LatexDecodingMiddleware().transform(library)
    return library


def test_bibtex_reads_back_exactly_through_bibtexparser_latex_decoding(worked):
    library = decoded_bibtex(text_of(worked.everything, "bibtex"))
    arxiv, untouched, journal = library.entries
    assert (arxiv.entry_type, journal.entry_type) == ("misc", "article")
    assert arxiv.key == "wei2022uber" and journal.key == "perez2020hyperlinkhttpevil"
    fields = {field.key: field.value for field in arxiv.fields}
    assert fields["title"] == NASTY_TITLE
    assert fields["abstract"] == NASTY_ABSTRACT
    authors = [name.strip().strip("{}") for name in fields["author"].split(" and ") if name]
    assert "Jason Wei" in authors and "Xuezhi Wang" in authors and "Smith, Jr., John" in authors
    assert (fields["eprint"], fields["archiveprefix"], fields["primaryclass"]) == ("2201.11903v2", "arXiv", "cs.CL")
    assert (fields["year"], fields["month"]) == ("2022", "jan")
    assert fields["keywords"] == "=cmd|' /C calc'!A0, rct, marginalia:include"
    assert "bob: include, score 5." in fields["note"] and "Final decision: include" in fields["note"]
    assert "replying to bob: Agreed with a second line." in fields["note"]
    journal_fields = {field.key: field.value for field in journal.fields}
    assert journal_fields["doi"] == "10.1000/j.cohort_2020.05"
    assert (journal_fields["pmid"], journal_fields["journal"]) == ("31234567", "The Lancet & Friends")
    assert journal_fields["url"] == "https://doi.org/10.1000/j.cohort_2020.05"
    assert journal_fields["author"] == "Ana María Pérez and Li Wei"
    assert journal_fields["keywords"] == "cohort, epidemiology, marginalia:exclude"
    assert untouched.key == "nobody2021"


def test_bibtex_names_with_and_or_commas_stay_one_author(worked):
    library = bibtexparser.parse_string(text_of(worked.everything, "bibtex"))
    library = middlewares.SeparateCoAuthors().transform(library)
    assert library.entries[0].fields_dict["author"].value == [
        "Jason Wei", "Xuezhi Wang", "{Food and Drug Administration}", "{Smith, Jr., John}",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "text",
    ["a--b---c", "``q'' 'single' \"double\"", "?` !` << >> ,,", "{}}{", "\\\\ \\{", "% & # $ _ ~", "x\n\ny  z"],
)
def test_latex_escaping_is_undone_exactly_by_a_latex_decoder(text):
    library = decoded_bibtex("@misc{k,\n  title = {" + latex_escape(text) + "}\n}\n")
    assert library.entries[0].fields_dict["title"].value == text


def test_ris_reads_back_through_rispy(worked):
    records = rispy.loads(text_of(worked.everything, "ris"))
    arxiv, untouched, journal = records
    assert arxiv["type_of_reference"] == "GEN" and journal["type_of_reference"] == "JOUR"
    assert arxiv["title"] == NASTY_TITLE
    assert arxiv["abstract"] == one_line(NASTY_ABSTRACT)
    assert arxiv["authors"] == ["Wei, Jason", "Wang, Xuezhi", "Administration, Food and Drug", "Smith, Jr., John"]
    assert arxiv["keywords"] == ["=cmd|' /C calc'!A0", "rct", "marginalia:include"]
    assert arxiv["urls"] == ["https://arxiv.org/abs/2201.11903v2"]
    assert (arxiv["year"], arxiv["date"]) == ("2022", "2022/01//")
    assert "bob: include, score 5." in arxiv["notes"] and "ASReview_relevant" in arxiv["notes"]
    assert journal["doi"] == "10.1000/j.cohort_2020.05" and journal["accession_number"] == "31234567"
    assert journal["journal_name"] == journal["secondary_title"] == "The Lancet & Friends"
    assert journal["authors"] == [ris_author("Ana María Pérez"), "Wei, Li"] == ["Pérez, Ana María", "Wei, Li"]
    assert journal["keywords"] == ["cohort", "epidemiology", "marginalia:exclude"]
    assert "carol: exclude (Wrong population), score 1." in journal["notes"]
    assert "ASReview_irrelevant" in journal["notes"]
    assert untouched["title"] == "Nobody read me" and "keywords" not in untouched


def test_jsonl_is_the_archive_format(worked):
    lines = text_of(worked.everything, "jsonl").splitlines()
    header, *papers = (json.loads(line) for line in lines[:4])
    changes = [json.loads(line) for line in lines[4:]]
    assert header["type"] == "marginalia-review" and header["version"] == 1 and header["scope"] == "everything"
    assert (header["papers"], header["changes"]) == (3, len(changes))
    assert [member["username"] for member in header["members"]] == ["alice", "bob", "carol"]
    assert [tag["name"] for tag in header["tags"]] == ["=cmd|' /C calc'!A0", "rct"]
    assert header["reasons"] == [{"label": "Wrong population", "position": 0}]
    arxiv = papers[0]
    assert arxiv["paper"]["title"] == NASTY_TITLE and arxiv["paper"]["abstract"] == NASTY_ABSTRACT
    assert arxiv["paper"]["submitted_month"] == "2022-01" and arxiv["paper"]["version"] == 2
    assert arxiv["decisions"][0]["user"] == "bob" and arxiv["decisions"][0]["decision"] == "include"
    first, reply = arxiv["comments"]
    assert (first["id"], first["parent"], first["quote"]) == (1, None, "First line")
    assert (reply["id"], reply["parent"], reply["user"]) == (2, 1, "carol")
    assert papers[2]["final_reason"] == "Wrong population" and papers[2]["decisions"][0]["reason"] == "Wrong population"
    kinds = [change["kind"] for change in changes]
    assert kinds.count("decision") == 2 and kinds.count("comment") == 2
    comment_changes = [change for change in changes if change["kind"] == "comment"]
    assert [change["subject"] for change in comment_changes] == ["comment:1", "comment:2"]
    assert all(change["paper"]["ref"] == 1 for change in comment_changes)
    assert [paper["ref"] for paper in papers] == [1, 2, 3]
    tag_change = next(change for change in changes if change["kind"] == "tag")
    assert tag_change["subject"] == f"tag:{tag_change['after']['tag']}"
    exclusion = next(c for c in changes if c["kind"] == "decision" and c["after"]["decision"] == "exclude")
    assert exclusion["after"] == {"decision": "exclude", "reason": "Wrong population", "reason_ref": 1}
    assert exclusion["paper"]["ref"] == 3 and exclusion["paper"]["pmid"] == "31234567"
    assert all(line == json.dumps(json.loads(line), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
               for line in lines)  # fmt: skip


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "bibtex", "ris"])
def test_exporting_twice_gives_the_same_bytes(worked, fmt):
    assert text_of(worked.everything, fmt) == text_of(worked.everything, fmt)


@pytest.mark.parametrize("query", ["", "q=nothing-matches-this-zzz"])
def test_an_empty_review_or_view_is_a_valid_empty_file(db, query):
    alice = make_user("alice")
    review = make_review("empty", members={alice: Role.OWNER})
    if query:
        review.add_papers([make_paper("2301.00001", title="Something").pk])
    viewer = EverythingView(review)
    assert list(csv.reader(io.StringIO(text_of(viewer, "csv", query))))[0][:3] == ["key", "arxiv_id", "doi"]
    assert len(list(csv.reader(io.StringIO(text_of(viewer, "csv", query))))) == 1
    header, *rest = text_of(viewer, "jsonl", query).splitlines()
    assert json.loads(header)["papers"] == 0 and all(json.loads(line)["type"] == "change" for line in rest)
    assert text_of(viewer, "ris", query) == "" and rispy.loads("") == []
    assert text_of(viewer, "bibtex", query) == ""
    assert len(bibtexparser.parse_string(text_of(viewer, "bibtex", query)).entries) == 0


def test_a_filtered_export_holds_the_lists_papers_in_its_order(worked):
    rows = list(csv.DictReader(io.StringIO(text_of(worked.everything, "csv", "status=included"))))
    assert [row["key"] for row in rows] == [worked.arxiv.key]
    rows = list(csv.DictReader(io.StringIO(text_of(worked.everything, "csv", "sort=oldest"))))
    assert [row["key"] for row in rows] == [worked.journal.key, worked.untouched.key, worked.arxiv.key]
    tag = worked.review.tags.get(name="rct")
    rows = list(csv.DictReader(io.StringIO(text_of(worked.everything, "csv", f"tags={tag.pk}&tag_match=none"))))
    assert [row["key"] for row in rows] == [worked.untouched.key, worked.journal.key]


def test_the_command_writes_a_file_and_refuses_bad_requests_writing_nothing(worked, tmp_path):
    target = tmp_path / "out.csv"
    call_command("export_review", "export-me", "--format", "csv", "--output", str(target), stderr=io.StringIO())
    assert len(list(csv.DictReader(target.open(encoding="utf-8")))) == 3
    stdout = io.StringIO()
    call_command("export_review", "export-me", "--format", "ris", "--as", "bob", stdout=stdout)
    assert len(rispy.loads(stdout.getvalue())) == 3
    from django.core.management.base import CommandError

    refused = {
        ("nope", "csv", None, ""): "No review has the slug “nope”",
        ("export-me", "xml", None, ""): "Unknown export format “xml”",
        ("export-me", "csv", "nobody", ""): "No user is called “nobody”",
        ("export-me", "csv", "stranger", ""): "stranger is not a member",
        ("export-me", "csv", None, "sort=sideways"): "sort",
    }
    make_user("stranger")
    for (slug, fmt, username, query), message in refused.items():
        missing = tmp_path / f"{slug}-{fmt}-{username}.out"
        arguments = [slug, "--format", fmt, "--output", str(missing), "--filter", query]
        if username:
            arguments += ["--as", username]
        with pytest.raises(CommandError, match=message):
            call_command("export_review", *arguments)
        assert not missing.exists()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out.csv"]


def test_a_failure_midway_leaves_no_partial_file_and_keeps_an_old_one(worked, tmp_path, monkeypatch):
    target = tmp_path / "review.jsonl"
    target.write_text("the previous export\n", encoding="utf-8")
    from reviews.exporting import jsonl_format

    def broken_paper_line(self, row):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(jsonl_format.Archive, "paper_line", broken_paper_line)
    with pytest.raises(RuntimeError):
        call_command("export_review", "export-me", "--format", "jsonl", "--output", str(target))
    assert target.read_text(encoding="utf-8") == "the previous export\n"
    assert [path.name for path in tmp_path.iterdir()] == ["review.jsonl"]


def test_an_undo_in_the_archive_names_the_changes_it_took_back_by_their_line(worked):
    bob = Membership.objects.select_related("review", "user").get(user=worked.bob)
    annotating.decide(bob, worked.untouched.pk, "exclude")
    annotating.undo_last_decision(bob)
    changes = [json.loads(line) for line in text_of(worked.everything, "jsonl").splitlines()[4:]]
    undo = changes[-1]
    assert undo["kind"] == "decision" and undo["subject"].startswith("undo:")
    undone = changes[int(undo["subject"].removeprefix("undo:")) - 1]
    assert (undone["user"], undone["after"], undone["paper"]["title"]) == (
        "bob",
        {"decision": "exclude"},
        "Nobody read me",
    )


def test_the_benchmark_step_measures_time_and_memory(worked):
    from benchmarks.export_benchmark import time_export

    result = time_export(worked.review, "csv")
    assert result.papers == 3 and result.seconds > 0 and result.megabytes > 0
    assert 0 < result.resident_after_tenth <= result.resident_peak and result.process_peak > 0


def test_an_output_the_command_cannot_write_is_a_clear_error(worked, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="is a folder"):
        call_command("export_review", "export-me", "--format", "csv", "--output", str(tmp_path))
    with pytest.raises(CommandError, match="does not exist"):
        call_command("export_review", "export-me", "--format", "csv", "--output", str(tmp_path / "no" / "x.csv"))
    assert list(tmp_path.iterdir()) == []


def test_review_wide_history_and_others_assignments_are_the_owners(worked):
    from reviews.history import record
    from reviews.models import Assignment, ChangeKind

    alice = Membership.objects.select_related("review", "user").get(user=worked.alice)
    record(alice, None, ChangeKind.SETTING, {"value": True}, {"value": False}, subject="allow_new_tags")
    Assignment.objects.create(review=worked.review, paper=worked.untouched, user=worked.carol)
    Assignment.objects.create(review=worked.review, paper=worked.untouched, user=worked.bob)
    bob = Membership.objects.select_related("review", "user").get(user=worked.bob)
    for viewer, settings_seen, assigned in ((alice, 1, ["bob", "carol"]), (bob, 0, ["bob"])):
        lines = [json.loads(line) for line in text_of(viewer, "jsonl").splitlines()]
        assert sum(1 for line in lines if line["type"] == "change" and line["paper"] is None) == settings_seen
        untouched = next(
            line for line in lines if line["type"] == "paper" and line["paper"]["title"] == "Nobody read me"
        )
        assert [assignment["user"] for assignment in untouched["assignments"]] == assigned
