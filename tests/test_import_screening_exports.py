"""import_review FILE --from asreview|rayyan --as USER --into SLUG: another tool's screening becomes one member's
decisions, exclusion reasons, tags and notes in a review, through the same write path as screening by hand."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from papers.models import Paper
from reviews.models import Change, ChangeKind, Comment, ExclusionReason, PaperTag, ReviewPaper, Role, ScreeningDecision
from tests.factories import make_paper, make_review, make_user

DATA = Path(__file__).parent / "data" / "screening"


@pytest.fixture
def review(db):
    alice, ana, olivia = make_user("alice"), make_user("ana"), make_user("olivia")
    make_user("ben")
    members = {alice: Role.OWNER, ana: Role.REVIEWER, olivia: Role.OBSERVER}
    return make_review("burnout", members=members, blind=True, required_screeners=1)


def run(path, *args) -> str:
    out = StringIO()
    call_command("import_review", str(path), *args, stdout=out)
    return out.getvalue()


def decisions_of(username):
    rows = ScreeningDecision.objects.filter(user__username=username).select_related("paper", "reason")
    return {row.paper.title[:30]: (row.decision, row.reason.label if row.reason else None) for row in rows}


def test_an_asreview_csv_becomes_the_members_decisions_and_notes(review):
    output = run(DATA / "asreview_export.csv", "--from", "asreview", "--as", "ana", "--into", "burnout")

    assert "Imported asreview_export.csv (asreview, 5 records) into “burnout” as ana:" in output
    assert "papers: 5 new to the corpus, 0 already in it; 5 added to the review" in output
    assert "decisions: 2 exclude, 2 include" in output
    assert decisions_of("ana") == {
        "Effect of mindfulness training": ("include", None),
        "Sleep hygiene education for sh": ("exclude", None),
        "Resilience workshops for junio": ("include", None),
        "Peer support after adverse eve": ("exclude", None),
    }
    # The unlabelled record (not seen in ASReview) is in the review, undecided.
    yoga = Paper.objects.get(doi="10.1001/jama.2018.0001")
    assert ReviewPaper.objects.get(review=review, paper=yoga).team_status == "undecided"
    sleep = Paper.objects.get(doi="10.1093/sleep/zsz001")
    assert sleep.authors == ["Nguyen T", "Müller H"] and sleep.extra["keywords"] == ["sleep", "shift work"]
    notes = dict(Comment.objects.filter(review=review, author__username="ana").values_list("paper__title", "body"))
    assert notes == {
        "Effect of mindfulness training on burnout in ICU nurses: a randomised controlled trial": (
            "Population fits, check the dose later"
        ),
        "Peer support after adverse events: an interview study": "Qualitative only: exclude at full text anyway",
    }
    # Summaries and history follow, as for decisions made by hand.
    included = ReviewPaper.objects.filter(review=review, final_decision="include").count()
    assert included == 2
    assert Change.objects.filter(review=review, kind=ChangeKind.DECISION, user__username="ana").count() == 4
    assert list(ReviewPaper.objects.filter(review=review).summary_mismatches()) == []


def test_importing_the_same_export_again_changes_nothing(review):
    args = ("--from", "asreview", "--as", "ana", "--into", "burnout")
    run(DATA / "asreview_export.csv", *args)
    counts = (ScreeningDecision.objects.count(), Comment.objects.count(), Change.objects.count())
    output = run(DATA / "asreview_export.csv", *args)
    assert "0 new to the corpus, 5 already in it; 0 added to the review" in output
    assert "4 papers ana had decided already were left as they were" in output
    assert (ScreeningDecision.objects.count(), Comment.objects.count(), Change.objects.count()) == counts


def test_an_asreview_ris_reads_its_labels_from_the_notes(review):
    existing = make_paper("2001.08361", title="Scaling Laws for Neural Language Models")
    output = run(DATA / "asreview_export.ris", "--from", "asreview", "--as", "ana", "--into", "burnout")
    assert "papers: 3 new to the corpus, 1 already in it" in output
    assert decisions_of("ana") == {
        "Effect of mindfulness training": ("include", None),
        "Sleep hygiene education for sh": ("exclude", None),
        "Scaling laws for neural langua": ("include", None),
    }
    assert ReviewPaper.objects.filter(review=review, paper=existing).exists()
    yoga = Paper.objects.get(title__startswith="Yoga")
    assert yoga.pmid == "29533221" and yoga.year == 2018
    mindfulness = Paper.objects.get(doi="10.1016/j.ijnurstu.2021.103945")
    assert mindfulness.venue == "International Journal of Nursing Studies" and mindfulness.extra["volume"] == "118"
    assert mindfulness.authors == ["J. Smith", "M. García-López"]
    note = Comment.objects.get(paper=mindfulness)
    assert note.body == "Population fits, check the dose later" and "ASReview" not in note.body


def test_a_rayyan_ris_gives_one_reviewers_decisions_labels_reasons_and_notes(review):
    output = run(
        DATA / "rayyan_export.ris", "--from", "rayyan", "--as", "ana", "--into", "burnout", "--reviewer", "Ana"
    )
    assert "decisions: 1 exclude, 1 include, 1 maybe" in output
    assert "new exclusion reasons: wrong population, wrong intervention" in output
    assert "new tags: RCT, Nurses, Qualitative" in output
    assert decisions_of("ana") == {
        "Effect of mindfulness training": ("include", None),
        "Sleep hygiene education for sh": ("exclude", "wrong population"),
        "Peer support after adverse eve": ("maybe", None),
    }
    tags = set(PaperTag.objects.filter(review=review, applied_by__username="ana").values_list("tag__name", flat=True))
    assert tags == {"RCT", "Nurses", "Qualitative"}
    assert list(ExclusionReason.objects.filter(review=review).values_list("label", flat=True)) == [
        "wrong population",
        "wrong intervention",
    ]
    bodies = dict(Comment.objects.filter(author__username="ana").values_list("paper__title", "body"))
    mindfulness = "Effect of mindfulness training on burnout in ICU nurses: a randomised controlled trial"
    # Ana's own notes and the free text of the note; Ben's notes are not hers.
    assert bodies[mindfulness] == "dose unclear\n\nask the authors\n\nExport Date: 2 November 2026"
    assert "not sure" not in "".join(bodies.values())
    assert bodies["Sleep hygiene education for shift workers"] == "Other exclusion reasons: wrong intervention"
    assert Paper.objects.get(title__startswith="Peer support").pmid == "35012345"


def test_a_rayyan_file_with_several_reviewers_needs_to_be_told_whose(review):
    with pytest.raises(CommandError, match="holds the decisions of Ana, Ben; choose whose with --reviewer NAME"):
        run(DATA / "rayyan_export.ris", "--from", "rayyan", "--as", "ana", "--into", "burnout")
    from reviews.models import Membership

    Membership.objects.create(review=review, user=make_user("bea"), role=Role.REVIEWER)
    run(DATA / "rayyan_export.ris", "--from", "rayyan", "--as", "bea", "--into", "burnout", "--reviewer", "Ben")
    assert decisions_of("bea") == {
        "Effect of mindfulness training": ("maybe", None),
        "Sleep hygiene education for sh": ("exclude", "wrong population"),
    }
    assert decisions_of("ana") == {}


def test_a_rayyan_csv_reads_the_notes_column(review):
    run(DATA / "rayyan_export.csv", "--from", "rayyan", "--as", "ana", "--into", "burnout")
    assert decisions_of("ana") == {
        "Effect of mindfulness training": ("include", None),
        "Sleep hygiene education for sh": ("exclude", "wrong population"),
        "Resilience workshops for junio": ("maybe", None),
    }
    sleep = Paper.objects.get(doi="10.1093/sleep/zsz001")
    assert sleep.pmid == "30999999" and sleep.venue == "Sleep" and sleep.authors == ["T Nguyen", "H Müller"]
    labels = PaperTag.objects.filter(review=review).values_list("paper__title", "tag__name")
    assert ("Resilience workshops for junior doctors: a pilot", "Pilot") in set(labels)


def test_a_dry_run_writes_nothing(review):
    papers = Paper.objects.count()
    output = run(DATA / "rayyan_export.csv", "--from", "rayyan", "--as", "ana", "--into", "burnout", "--dry-run")
    assert output.startswith("Dry run, nothing written. Would import rayyan_export.csv")
    assert "decisions: 1 exclude, 1 include, 1 maybe" in output
    assert Paper.objects.count() == papers and not ScreeningDecision.objects.exists()
    assert not ExclusionReason.objects.exists() and not Change.objects.exists()


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        ("title,abstract,asreview_label\nA,An abstract,2\n", "bad.csv", "bad.csv:2: asreview_label '2' is not a label"),
        ("title,abstract,included\nA,An abstract,yes\n", "bad.csv", "bad.csv:2: included 'yes' is not a label"),
        ("TY  - JOUR\nTI  - A\nN1  - ASReview_relevant\nN1  - ASReview_irrelevant\nER  - \n", "bad.ris",
         "bad.ris:1: the notes give ASReview_irrelevant and ASReview_relevant"),
        ("TY  - JOUR\nTI  - A\n", "cut.ris", "cut.ris:1: truncated record: no ER  - line at end of file"),
        ("title,abstract,asreview_label\n,,1\n", "empty.csv", "empty.csv:2: record has no title and no abstract"),
        ("title,abstract,asreview_label\nA\x00,B,1\n", "nul.csv", "nul.csv:2: title of “A\\x00” contains \\x00"),
        ('title,abstract,asreview_label\n"A,B,1\n', "broken.csv", "broken.csv:2: broken CSV"),
        ("doi,year\n10.1/x,2020\n", "nocols.csv", "nocols.csv:1: no title or abstract column"),
    ],
)  # fmt: skip
def test_bad_asreview_files_are_refused_with_file_and_line(review, tmp_path, content, name, expected):
    path = tmp_path / name
    path.write_bytes(content.encode())
    with pytest.raises(CommandError) as refused:
        run(path, "--from", "asreview", "--as", "ana", "--into", "burnout")
    assert expected in str(refused.value)
    assert not Paper.objects.exists() and not ScreeningDecision.objects.exists()


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        ('RAYYAN-INCLUSION: {"Ana"=>"Perhaps"}', "'Perhaps' is not a Rayyan decision"),
        ("RAYYAN-INCLUSION: Ana included", "is not a list of"),
        ('RAYYAN-INCLUSION: {"Ana"=>"Excluded"} | RAYYAN-EXCLUSION-REASONS: ' + "x" * 200, "longer than 120"),
        ('RAYYAN-INCLUSION: {"Ana"=>"Included"} | RAYYAN-LABELS: \u200b', "label"),
    ],
)
def test_bad_rayyan_notes_are_refused_with_file_and_line(review, tmp_path, note, expected):
    path = tmp_path / "rayyan.ris"
    path.write_text(f"TY  - JOUR\nTI  - A paper\nN1  - {note}\nER  - \n", encoding="utf-8")
    with pytest.raises(CommandError) as refused:
        run(path, "--from", "rayyan", "--as", "ana", "--into", "burnout")
    assert "rayyan.ris:1: " in str(refused.value) and expected in str(refused.value)
    assert not Paper.objects.exists() and not ScreeningDecision.objects.exists()


def test_who_and_where_are_checked_first(review):
    path = DATA / "asreview_export.csv"
    with pytest.raises(CommandError, match="there is no review called “nope”"):
        run(path, "--from", "asreview", "--as", "ana", "--into", "nope")
    with pytest.raises(CommandError, match="ben is not a member of the review “burnout”"):
        run(path, "--from", "asreview", "--as", "ben", "--into", "burnout")
    with pytest.raises(CommandError, match="olivia is an observer in “burnout”, and only owners and reviewers"):
        run(path, "--from", "asreview", "--as", "olivia", "--into", "burnout")
    with pytest.raises(CommandError, match="needs --as USERNAME"):
        run(path, "--from", "asreview")
    with pytest.raises(CommandError, match="--map-user and --slug are for review archives"):
        run(path, "--from", "asreview", "--as", "ana", "--into", "burnout", "--slug", "x")
    assert not Paper.objects.exists()


def test_the_import_batch_names_the_file_and_its_format(review):
    from papers.models import ImportBatch

    run(DATA / "rayyan_export.ris", "--from", "rayyan", "--as", "ana", "--into", "burnout", "--reviewer", "Ana")
    batch = ImportBatch.objects.get()
    assert (batch.file_name, batch.get_format_display(), batch.created_count) == ("rayyan_export.ris", "RIS", 4)
    assert batch.imported_by.username == "ana"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'title,abstract,asreview_label\n"' + b"x" * 200_000 + b'",B,1\n', "big.csv:2: broken CSV: field larger"),
        (bytes(range(256)) * 4, "big.csv:1: no title or abstract column"),
        (b"", "big.csv:1: no records in the file"),
        (b"title,abstract,asreview_note\nA,B," + b"n" * 10_001 + b"\n", "big.csv:2: the notes are longer than 10000"),
        (b"title,abstract,asreview_label\nA,B,1,extra\n", "big.csv:2: row has 4 cells, the header 3"),
    ],
)
def test_hostile_screening_exports_are_refused_without_a_traceback(review, tmp_path, content, expected):
    path = tmp_path / "big.csv"
    path.write_bytes(content)
    with pytest.raises(CommandError) as refused:
        run(path, "--from", "asreview", "--as", "ana", "--into", "burnout")
    assert expected in str(refused.value)
    assert not Paper.objects.exists() and not ScreeningDecision.objects.exists()


def test_a_latin_1_export_is_read(review, tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("title,abstract,authors,asreview_label\nÉtude,Résumé du travail,Müller K,1\n".encode("latin-1"))
    run(path, "--from", "asreview", "--as", "ana", "--into", "burnout")
    assert decisions_of("ana") == {"Étude": ("include", None)}
    assert Paper.objects.get().authors == ["Müller K"]


def test_the_same_paper_twice_in_an_export_is_one_decision_or_a_conflict(review, tmp_path):
    path = tmp_path / "twice.csv"
    path.write_text(
        "title,abstract,doi,asreview_label,asreview_note\n"
        "Sleep and shifts,An abstract,10.1000/sleep,0,first look\n"
        "Sleep and shifts (preprint),An abstract,https://doi.org/10.1000/SLEEP,0,second look\n",
        encoding="utf-8",
    )
    output = run(path, "--from", "asreview", "--as", "ana", "--into", "burnout")
    assert "papers: 1 new to the corpus" in output and "decisions: 1 exclude" in output
    assert Comment.objects.get().body == "first look\n\nsecond look"
    path.write_text(
        "title,abstract,doi,asreview_label\n"
        "Other,An abstract,10.1000/other,1\n"
        "Other again,An abstract,10.1000/other,0\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match=r"twice.csv:3: the same paper as line 2 \(doi:10.1000/other\)"):
        run(path, "--from", "asreview", "--as", "ana", "--into", "burnout")
    assert not Paper.objects.filter(doi="10.1000/other").exists()


def test_an_asreview_file_whose_header_has_no_text_column_is_named_in_a_short_message(review, tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"column{n}" for n in range(100_000)) + "\nx\n", encoding="utf-8")
    with pytest.raises(CommandError) as refused:
        run(path, "--from", "asreview", "--as", "ana", "--into", "burnout")
    message = str(refused.value)
    assert "wide.csv:1: no title or abstract column (header: column0, column1" in message
    assert "(100000 columns)" in message and len(message) < 1000


def test_a_file_without_any_decision_says_so_in_the_report(review, tmp_path):
    """An ASReview CSV imported as Rayyan (the wrong "Exported from") brings papers and no decision: the report
    must not read like a success."""
    path = tmp_path / "asreview.csv"
    path.write_text("title,abstract,asreview_label\nA,An abstract,1\n", encoding="utf-8")

    output = run(path, "--from", "rayyan", "--as", "ana", "--into", "burnout")

    assert "decisions: none" in output
    assert "note: no record holds a RAYYAN-INCLUSION note: is this the Rayyan export with its decisions?" in output
    assert "note:" not in run(path, "--from", "asreview", "--as", "ana", "--into", "burnout")
