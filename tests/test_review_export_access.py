"""Who may export a review and what their file holds: members only, blind mode and roles exactly as the pages
apply them, and the download streamed a chunk of papers at a time in a fixed number of queries per chunk."""

import csv
import io
import json
import threading

import pytest
import rispy
from django.db import connection, connections
from django.http import QueryDict
from django.urls import reverse

from reviews import annotating
from reviews.exporting import export_pieces, prepare, rows
from reviews.models import Role, ScreeningDecision
from tests.dual_review import dual, member  # noqa: F401 - a fixture
from tests.factories import logged_in, make_paper, make_review, make_user


def export_url(review, fmt: str, query: str = "") -> str:
    url = reverse("reviews:export", args=[review.slug, fmt])
    return f"{url}?{query}" if query else url


def downloaded(response) -> str:
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode()


@pytest.fixture
def carol_screened(dual):  # noqa: F811
    """carol has decided, scored, tagged and commented on p4 and p3; bob has decided p3 only."""
    carol = member(dual.review, dual.carol)
    for paper in (dual.p4, dual.p3):
        annotating.decide(carol, paper.pk, "include")
        annotating.set_score(carol, paper.pk, 4)
        annotating.apply_tag(carol, paper.pk, "carols-tag")
        annotating.add_comment(carol, paper.pk, f"carol's thought on {paper.title}")
    annotating.decide(member(dual.review, dual.bob), dual.p3.pk, "include")
    return dual


def csv_rows(text: str) -> dict[str, dict]:
    return {row["title"]: row for row in csv.DictReader(io.StringIO(text))}


def test_bobs_export_hides_carols_work_on_papers_he_has_not_decided(client, carol_screened):
    team = carol_screened
    rows_by_title = csv_rows(downloaded(logged_in(client, team.bob).get(export_url(team.review, "csv"))))
    undecided, decided = rows_by_title["Paper 4"], rows_by_title["Paper 3"]
    assert (undecided["decision_carol"], undecided["score_carol"], undecided["tags"]) == ("", "", "")
    assert (undecided["final_decision"], undecided["team_status"], undecided["included"]) == ("", "", "")
    assert (decided["decision_carol"], decided["score_carol"], decided["tags"]) == ("include", "4", "carols-tag")
    assert (decided["final_decision"], decided["included"]) == ("include", "1")


def test_comments_follow_the_reviews_blind_comment_rule(client, carol_screened):
    team = carol_screened
    text = downloaded(logged_in(client, team.bob).get(export_url(team.review, "csv")))
    assert "carol's thought on Paper 4" in csv_rows(text)["Paper 4"]["comments"]  # comments show while blind
    team.review.hide_comments_while_blind = True
    team.review.save()
    text = downloaded(client.get(export_url(team.review, "csv")))
    assert csv_rows(text)["Paper 4"]["comments"] == ""
    assert "carol's thought on Paper 3" in csv_rows(text)["Paper 3"]["comments"]


def test_the_owners_export_has_everyone_s_work(client, carol_screened):
    team = carol_screened
    text = downloaded(logged_in(client, team.alice).get(export_url(team.review, "csv")))
    undecided = csv_rows(text)["Paper 4"]
    assert (undecided["decision_carol"], undecided["score_carol"], undecided["tags"]) == ("include", "4", "carols-tag")
    assert undecided["team_status"] == "awaiting"


def test_an_observer_in_a_blind_review_sees_no_ones_decisions(client, carol_screened):
    team = carol_screened
    text = downloaded(logged_in(client, team.olivia).get(export_url(team.review, "ris")))
    records = rispy.loads(text)
    assert len(records) == 4
    notes = " ".join(note for record in records for note in record.get("notes", []))
    assert "include" not in notes and "carol:" not in notes and "bob:" not in notes
    assert not any(record.get("keywords") for record in records)


def test_a_blinded_archive_is_marked_and_holds_only_what_bob_may_see(carol_screened):
    team = carol_screened
    bob = member(team.review, team.bob)
    lines = [json.loads(line) for line in "".join(export_pieces(prepare(bob, "jsonl"), "jsonl")).splitlines()]
    header, papers, changes = lines[0], lines[1:5], lines[5:]
    assert header["scope"] == "as-seen-by:bob" and header["changes"] == len(changes)
    p4 = next(paper for paper in papers if paper["paper"]["title"] == "Paper 4")
    assert (p4["decisions"], p4["scores"], p4["tags"], p4["final_decision"], p4["team_status"]) == (
        [], [], [], None, None,
    )  # fmt: skip
    p4_changes = [change for change in changes if change["paper"]["title"] == "Paper 4"]
    assert [change["kind"] for change in p4_changes] == ["comment"]  # not carol's decision, score or tag
    assert all(change["paper"] is not None for change in changes)  # no review settings for a reviewer
    rosa = member(team.review, team.rosa)
    header = json.loads("".join(export_pieces(prepare(rosa, "jsonl"), "jsonl")).splitlines()[0])
    assert header["scope"] == "as-seen-by:rosa"


def test_outsiders_and_strangers_cannot_export(client, carol_screened):
    team = carol_screened
    assert client.get(export_url(team.review, "csv")).status_code == 302  # to the login page
    logged_in(client, make_user("eve"))
    assert client.get(export_url(team.review, "csv")).status_code == 404
    assert client.get(reverse("reviews:export", args=["no-such-review", "csv"])).status_code == 404


def test_an_unknown_format_is_a_clear_400(client, carol_screened):
    response = logged_in(client, carol_screened.bob).get(export_url(carol_screened.review, "xlsx"))
    assert response.status_code == 400 and "Unknown export format" in response.content.decode()


def test_the_download_is_streamed_with_a_dated_file_name(client, carol_screened):
    response = logged_in(client, carol_screened.alice).get(export_url(carol_screened.review, "bibtex"))
    assert response.streaming and response["Content-Type"].startswith("application/x-bibtex")
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="dual-') and disposition.endswith('.bib"')
    assert downloaded(response).count("@misc{") == 4


def test_the_export_is_the_lists_filtered_view_and_ignores_a_page_number(client, carol_screened):
    team = carol_screened
    logged_in(client, team.bob)
    text = downloaded(client.get(export_url(team.review, "csv", "my_decision=include&page=3")))
    assert list(csv_rows(text)) == ["Paper 3"]
    text = downloaded(client.get(export_url(team.review, "csv", "unscreened=on&sort=oldest")))
    assert list(csv_rows(text)) == ["Paper 1", "Paper 2", "Paper 4"]
    # A filter that would reveal the team's votes is ignored for a blinded reviewer, as on the list.
    text = downloaded(client.get(export_url(team.review, "csv", "status=awaiting")))
    assert len(csv_rows(text)) == 4


def test_a_refused_filter_value_is_left_out_as_the_list_leaves_it(client, carol_screened):
    text = downloaded(logged_in(client, carol_screened.bob).get(export_url(carol_screened.review, "csv", "sort=up")))
    assert list(csv_rows(text)) == ["Paper 4", "Paper 3", "Paper 2", "Paper 1"]


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "ris", "bibtex"])
def test_each_chunk_of_papers_costs_the_same_few_queries(client, db, django_assert_max_num_queries, monkeypatch, fmt):
    alice = make_user("alice")
    papers = [make_paper(f"2302.{n:05d}", title=f"Paper {n}") for n in range(1, 13)]
    review = make_review("chunked", papers=papers, members={alice: Role.OWNER})
    owner = member(review, alice)
    for paper in papers:
        annotating.decide(owner, paper.pk, "include")
        annotating.apply_tag(owner, paper.pk, "tagged")
        annotating.add_comment(owner, paper.pk, "A comment.")
    monkeypatch.setattr(rows, "CHUNK_SIZE", 3)
    logged_in(client, alice)
    # Session, user and membership, the filterset's categories and tags (5); the snapshot's savepoint and its
    # release (2); the format's header, screeners, counts, ids, people, reasons and history (at most 9 whatever
    # the size); then per chunk at most 7: rows, their tags, decisions, scores, comments, resolutions, assignments.
    chunks = 12 // 3
    with django_assert_max_num_queries(5 + 2 + 9 + 7 * chunks):
        response = client.get(export_url(review, fmt))
        text = downloaded(response)
    assert text.count("Paper ") >= 12


def test_the_whole_file_is_read_from_one_snapshot(carol_screened, monkeypatch):
    """A change made while the file streams does not make it disagree with its own header."""
    team = carol_screened
    monkeypatch.setattr(rows, "CHUNK_SIZE", 1)
    pieces = export_pieces(prepare(member(team.review, team.alice), "jsonl", QueryDict()), "jsonl")
    header = json.loads(next(pieces))
    text = "".join(pieces)
    assert len(text.splitlines()) == header["papers"] + header["changes"]


def test_a_hidden_comment_is_in_the_owners_archive_only(client, carol_screened):
    team = carol_screened
    annotating.set_comments_hidden(
        team.review.comments.filter(body="carol's thought on Paper 4"), True, user=team.alice
    )
    owner_csv = downloaded(logged_in(client, team.alice).get(export_url(team.review, "csv")))
    assert "carol's thought on Paper 4" not in owner_csv  # hidden from the team's pages, and so from readable files
    owner_lines = downloaded(client.get(export_url(team.review, "jsonl"))).splitlines()
    p4 = next(json.loads(line) for line in owner_lines if '"title":"Paper 4"' in line and '"type":"paper"' in line)
    assert [(comment["body"], comment["hidden"]) for comment in p4["comments"]] == [
        ("carol's thought on Paper 4", True)
    ]
    resolver_archive = downloaded(logged_in(client, team.rosa).get(export_url(team.review, "jsonl")))
    assert "carol's thought on Paper 4" not in resolver_archive


@pytest.mark.parametrize(
    "query",
    ["", "sort=oldest", "sort=mean_score", "sort=discussed", "q=Paper", "q=Paper&sort=relevance", "status=awaiting"],
)
def test_the_export_lists_the_papers_the_list_page_shows_in_its_order(client, carol_screened, query):
    team = carol_screened
    annotating.set_score(member(team.review, team.bob), team.p2.pk, 5)
    logged_in(client, team.alice)
    listed = client.get(reverse("reviews:paper_list", args=[team.review.slug]) + f"?{query}")
    shown = [review_paper.paper.title for review_paper in listed.context["page"].object_list]
    assert list(csv_rows(downloaded(client.get(export_url(team.review, "csv", query))))) == shown


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the in-memory SQLite test database cannot be shared between threads; CI runs this on PostgreSQL",
)
def test_a_download_in_progress_neither_blocks_a_writer_nor_sees_its_change(carol_screened, monkeypatch):
    """A reviewer decides while a file streams: the decision is saved at once, and the file, read from one
    snapshot, holds the review as it was when the download began (its header's counts still match)."""
    team = carol_screened
    monkeypatch.setattr(rows, "CHUNK_SIZE", 1)
    pieces = export_pieces(prepare(member(team.review, team.alice), "jsonl", QueryDict()), "jsonl")
    header = json.loads(next(pieces))
    next(pieces)  # the first paper is out; the snapshot is taken

    def decide_elsewhere():
        try:
            annotating.decide(member(team.review, team.bob), team.p1.pk, "exclude")
        finally:
            connections.close_all()

    writer = threading.Thread(target=decide_elsewhere)
    writer.start()
    writer.join(timeout=10)
    assert not writer.is_alive()
    rest = "".join(pieces)
    assert len(rest.splitlines()) == header["papers"] - 1 + header["changes"]
    assert '"decision":"exclude"' not in rest
    assert ScreeningDecision.objects.filter(user=team.bob, paper=team.p1, decision="exclude").exists()


@pytest.fixture
def carol_deleted(carol_screened):
    """carol quoted p3's abstract in a comment bob answered, edited it, then deleted it."""
    team = carol_screened
    carol = member(team.review, team.carol)
    said = annotating.add_comment(carol, team.p3.pk, "My secret first thought", quote="about paper")
    annotating.add_comment(member(team.review, team.bob), team.p3.pk, "What did you mean?", parent_id=said.pk)
    said = annotating.edit_comment(carol, said, "My secret second thought")
    annotating.delete_comment(carol, said)
    return team


def archive_of(team, user) -> list[dict]:
    viewer = member(team.review, user)
    return [json.loads(line) for line in "".join(export_pieces(prepare(viewer, "jsonl"), "jsonl")).splitlines()]


def deleted_comment_words(lines) -> tuple[list, list]:
    """The deleted comment's (body, quote) in its paper line, and every comment change's before/after."""
    p3 = next(line for line in lines if line["type"] == "paper" and line["paper"]["title"] == "Paper 3")
    comment = next(comment for comment in p3["comments"] if comment["deleted_at"])
    subject = f"comment:{comment['id']}"
    states = [
        state
        for line in lines
        if line["type"] == "change" and line["kind"] == "comment" and line["subject"] == subject
        for state in (line["before"], line["after"])
        if state and "body" in state
    ]
    return [(comment["body"], comment["quote"])], [(state["body"], state.get("quote")) for state in states]


def test_someone_elses_deleted_comment_has_no_words_in_an_archive_nor_in_its_history(carol_deleted):
    team = carol_deleted
    in_paper, in_history = deleted_comment_words(archive_of(team, team.bob))
    assert in_paper == [("", "")]
    assert len(in_history) == 4 and set(in_history) == {("", "")}  # added, edited (before, after), deleted
    assert "secret" not in json.dumps(archive_of(team, team.rosa))  # a resolver reads no more than the page lets


@pytest.mark.parametrize("reader", ["carol", "alice"])
def test_the_author_and_the_owners_keep_a_deleted_comments_words(carol_deleted, reader):
    team = carol_deleted
    in_paper, in_history = deleted_comment_words(archive_of(team, getattr(team, reader)))
    assert in_paper == [("My secret second thought", "about paper")]
    assert ("My secret first thought", "about paper") in in_history
    assert ("My secret second thought", "about paper") in in_history


@pytest.mark.parametrize("fmt", ["csv", "ris", "bibtex"])
def test_a_deleted_comment_shows_in_readable_files_as_on_its_page_without_words_or_quote(client, carol_deleted, fmt):
    team = carol_deleted
    for reader in (team.bob, team.alice):
        text = downloaded(logged_in(client, reader).get(export_url(team.review, fmt)))
        assert "(deleted)" in text and "What did you mean?" in text
        assert "secret" not in text and "on “about paper”" not in text
