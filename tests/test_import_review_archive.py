"""import_review FILE: a review archive restored into an installation, exactly, or refused with FILE:LINE."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from papers.models import Paper
from reviews.models import Change, ChangeKind, Comment, Resolution, Review, ReviewPaper, ScreeningDecision
from tests.archive_review import rich, write_archive  # noqa: F401 - a fixture
from tests.dual_review import dual  # noqa: F401 - a fixture
from tests.factories import make_user


def run(path, *args):
    from io import StringIO

    out = StringIO()
    call_command("import_review", str(path), *args, stdout=out)
    return out.getvalue()


def forget_review(review):
    """Delete the review and its papers, as if the archive went to another installation (the users stay)."""
    paper_ids = list(review.review_papers.values_list("paper_id", flat=True))
    review.delete()
    Paper.objects.filter(pk__in=paper_ids).delete()


@pytest.fixture
def archive(rich, tmp_path):  # noqa: F811
    data = write_archive(rich.review)
    path = tmp_path / "dual.jsonl"
    path.write_bytes(data)
    return path


def lines_of(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def write_lines(path, lines):
    path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")


@pytest.mark.django_db
def test_a_review_restored_into_an_empty_installation_exports_byte_for_byte_the_same(rich, archive):  # noqa: F811
    original = archive.read_bytes()
    forget_review(rich.review)
    assert not Review.objects.exists() and not Paper.objects.filter(title__contains="clinic").exists()

    output = run(archive)

    restored = Review.objects.get(slug="dual")
    assert "Restored review “dual”: 7 papers (7 new to the corpus, 0 already in it)" in output
    assert restored.research_question == "Does **Markdown** survive?" and restored.hide_comments_while_blind
    assert write_archive(restored) == original


@pytest.mark.django_db
def test_the_restored_review_works_like_the_original(rich, archive):  # noqa: F811
    forget_review(rich.review)
    run(archive)
    review = Review.objects.get(slug="dual")
    doi_paper = Paper.objects.get(doi="10.1000/j.jmb.2021.01.001")
    assert doi_paper.extra["keywords"] == ["attention", "clinic"] and doi_paper.arxiv_id == ""
    thread = Comment.objects.thread(review.pk, doi_paper.pk)
    assert [c.body for c in thread] == ["Is *this* really the clinic?"]
    assert [c.body for c in thread[0].thread_replies] == [
        "Yes — see [the trial](https://example.org).",
        "A reply to the reply.",
    ]
    assert thread[0].quote == "sparse attention" and "<em>this</em>" in thread[0].body_html
    # The deleted comment's history entry points at the restored comment, so Restore still works.
    deleted = Comment.objects.get(review=review, deleted_at__isnull=False)
    assert Change.objects.filter(
        review=review, kind=ChangeKind.COMMENT, subject=str(deleted.pk), after__isnull=True
    ).exists()
    # The undo names the changes it took back by their new ids.
    undo = Change.objects.get(review=review, subject__startswith="undo:")
    undone = Change.objects.get(pk=int(undo.subject.removeprefix("undo:")))
    assert undone.after == {"decision": "maybe"} and undone.review_id == review.pk
    reopened = Resolution.objects.get(review=review, reopened_at__isnull=False)
    assert reopened.reopened_by.username == "bob"
    assert list(ReviewPaper.objects.filter(review=review).summary_mismatches()) == []
    reason_change = Change.objects.filter(review=review, kind=ChangeKind.DECISION, after__reason="Off topic").first()
    assert reason_change.after["reason_id"] == review.exclusion_reasons.get(label="Off topic").pk


@pytest.mark.django_db
def test_papers_already_in_the_corpus_are_reused_and_enriched(rich, archive):  # noqa: F811
    forget_review(rich.review)
    existing = Paper.objects.create(doi="10.1000/j.jmb.2021.01.001", title="Sparse attention in the clinic")
    run(archive)
    existing.refresh_from_db()
    assert existing.venue == "Journal of Clinical AI" and existing.year == 2021
    assert Paper.objects.filter(doi="10.1000/j.jmb.2021.01.001").count() == 1
    assert ReviewPaper.objects.filter(review__slug="dual", paper=existing).exists()


@pytest.mark.django_db
def test_an_existing_slug_is_refused_unless_given_a_new_one(rich, archive):  # noqa: F811
    with pytest.raises(CommandError, match="a review called “dual” exists already; choose another with --slug"):
        run(archive)
    with pytest.raises(CommandError, match="--slug 'dual copy!': use letters, digits, - and _ only"):
        run(archive, "--slug", "dual copy!")
    output = run(archive, "--slug", "dual-copy")
    copy = Review.objects.get(slug="dual-copy")
    assert "Restored review “dual-copy”" in output
    assert copy.review_papers.count() == rich.review.review_papers.count() == 7
    assert ScreeningDecision.objects.filter(review=copy).count() == rich.review.decisions.count()


@pytest.mark.django_db
def test_an_unknown_user_is_refused_by_name_with_the_flag_to_use(rich, archive):  # noqa: F811
    forget_review(rich.review)
    rich.carol.delete()
    with pytest.raises(CommandError) as refused:
        run(archive)
    assert "no account here for carol (dual.jsonl:1)" in str(refused.value)
    assert "--map-user" in str(refused.value)
    assert not Review.objects.exists()


@pytest.mark.django_db
def test_map_user_gives_a_users_work_to_another_account(rich, archive):  # noqa: F811
    forget_review(rich.review)
    rich.carol.delete()
    make_user("caroline")
    run(archive, "--map-user", "carol=caroline")
    review = Review.objects.get(slug="dual")
    assert review.memberships.filter(user__username="caroline", role="reviewer").exists()
    assert ScreeningDecision.objects.filter(review=review, user__username="caroline").count() == 5
    assignments = Change.objects.get(review=review, kind=ChangeKind.ASSIGNMENT)
    assert set(assignments.after["reviewers"]) == {"bob", "caroline"}


@pytest.mark.django_db
def test_map_user_must_name_a_user_of_the_file_and_an_account_here(rich, archive):  # noqa: F811
    forget_review(rich.review)
    with pytest.raises(CommandError, match="the archive names no user 'zed'"):
        run(archive, "--map-user", "zed=bob")
    with pytest.raises(CommandError, match="mapped to nobody, who does not exist"):
        run(archive, "--map-user", "carol=nobody")
    with pytest.raises(CommandError, match="makes bob, carol all into 'bob'"):
        run(archive, "--map-user", "carol=bob")
    assert not Review.objects.exists()


@pytest.mark.django_db
def test_a_dry_run_writes_nothing(rich, archive):  # noqa: F811
    forget_review(rich.review)
    papers = Paper.objects.count()
    output = run(archive, "--dry-run")
    assert "Dry run, nothing written. Would restore review “dual”: 7 papers" in output
    assert not Review.objects.exists() and Paper.objects.count() == papers


def export_jsonl(slug, path):
    call_command("export_review", slug, "--format", "jsonl", "--output", str(path), stderr=StringIO())
    return path.read_bytes()


@pytest.mark.django_db
def test_export_review_then_import_review_into_an_empty_installation_then_export_again_is_identical(
    rich,  # noqa: F811
    tmp_path,
):
    first = export_jsonl("dual", tmp_path / "first.jsonl")
    assert first == write_archive(rich.review), "the exporter and this test's reference writer agree"
    forget_review(rich.review)

    run(tmp_path / "first.jsonl")

    assert export_jsonl("dual", tmp_path / "second.jsonl") == first


@pytest.mark.django_db
def test_an_export_as_a_blinded_reviewer_is_refused_as_partial(rich, tmp_path):  # noqa: F811
    path = tmp_path / "bob.jsonl"
    call_command("export_review", "dual", "--format", "jsonl", "--as", "bob", "--output", str(path), stderr=StringIO())
    with pytest.raises(CommandError, match="scope 'as-seen-by:bob'.*only a full archive"):
        run(path, "--slug", "bobs-copy")
    assert not Review.objects.filter(slug="bobs-copy").exists()


@pytest.mark.django_db
def test_a_copy_beside_the_original_exports_the_same_but_for_its_slug(rich, tmp_path):  # noqa: F811
    """Every row of the copy has new ids (comments, tags, reasons, history), and the papers are the original's:
    only the slug may differ."""
    original = export_jsonl("dual", tmp_path / "original.jsonl")
    run(tmp_path / "original.jsonl", "--slug", "dual-copy")
    copy = export_jsonl("dual-copy", tmp_path / "copy.jsonl")
    assert copy.replace(b'"slug":"dual-copy"', b'"slug":"dual"', 1) == original
    assert Paper.objects.filter(reviews__slug="dual-copy").count() == 7 == Paper.objects.count()


@pytest.mark.django_db
def test_map_user_renames_every_username_the_history_stores(rich, tmp_path):  # noqa: F811
    """member:<username> subjects, an assignment's reviewers, and the applied_by of a tag an owner took off
    someone else's paper: the history names no one by the old name."""
    from reviews import annotating
    from tests.dual_review import member

    tag = rich.review.tags.get(name="RCT")
    annotating.remove_tag(member(rich.review, rich.alice), rich.p1.pk, tag.pk)  # alice's and bob's
    path = tmp_path / "dual.jsonl"
    path.write_bytes(write_archive(rich.review))
    forget_review(rich.review)
    make_user("robert"), make_user("daniel")

    run(path, "--map-user", "bob=robert", "--map-user", "dan=daniel")

    review = Review.objects.get(slug="dual")
    history = list(Change.objects.filter(review=review))
    applied_by = {change.before["applied_by"] for change in history if "applied_by" in (change.before or {})}
    reviewers = {
        name for change in history if change.kind == ChangeKind.ASSIGNMENT for name in change.after["reviewers"]
    }
    members = {change.subject for change in history if change.subject.startswith("member:")}
    assert applied_by == {"robert"}  # alice removed bob's RCT
    assert reviewers == {"robert", "carol"}
    assert members == {"member:daniel"}


@pytest.mark.django_db
def test_a_username_only_the_history_names_needs_no_account_and_may_be_mapped(rich, tmp_path):  # noqa: F811
    from reviews import configuring
    from tests.dual_review import member

    gone = make_user("gone")
    owner = member(rich.review, rich.alice)
    configuring.add_member(owner, gone, "observer")
    configuring.remove_member(owner, member(rich.review, gone).pk)
    gone.delete()
    path = tmp_path / "dual.jsonl"
    path.write_bytes(write_archive(rich.review))
    forget_review(rich.review)

    run(path, "--dry-run")  # no account for gone, and none needed: the history names them as text only
    run(path, "--map-user", "gone=former")
    subjects = set(
        Change.objects.filter(review__slug="dual", subject__startswith="member:").values_list("subject", flat=True)
    )
    assert subjects == {"member:dan", "member:former"}


@pytest.mark.django_db
def test_papers_of_the_same_month_without_an_arxiv_id_keep_their_order_through_a_round_trip(rich, tmp_path):  # noqa: F811
    """The list breaks a tie of month (and of no arXiv id) by the newer paper first: the restored papers must
    keep the archive's order, or exporting again is not identical (seen with a Scopus export's papers)."""
    same_year = [
        Paper.objects.create(doi=f"10.1000/same.{n}", title=f"Same year paper {n}", year=2003, abstract="A.")
        for n in range(4)
    ]
    rich.review.add_papers([paper.pk for paper in same_year])
    first = export_jsonl("dual", tmp_path / "first.jsonl")
    forget_review(rich.review)

    run(tmp_path / "first.jsonl")

    assert export_jsonl("dual", tmp_path / "second.jsonl") == first
