"""A rich review for the archive tests, made through the ordinary write paths, and a reference writer of the
archive format (reviews/exporting/ARCHIVE.md), which the round-trip tests compare the real exporter
(reviews/exporting, `export_review --format jsonl`) against."""

import json

import pytest

from tests.dual_review import dual, member  # noqa: F401 - a fixture
from tests.factories import make_user


def _moment(value):
    return None if value is None else value.isoformat(timespec="microseconds").replace("Z", "+00:00")


def _name(user):
    return None if user is None else user.get_username()


def write_archive(review) -> bytes:
    """The review as the archive format describes it: the reference the importer is tested against."""
    from reviews.models import Change, Comment, Review, ReviewPaper

    review = Review.objects.get(pk=review.pk)
    reasons = list(review.exclusion_reasons.order_by("position", "label"))
    reason_ref = {reason.pk: number for number, reason in enumerate(reasons, 1)}
    tags = list(review.tags.select_related("created_by").order_by("name"))
    tag_names = {tag.pk: tag.name for tag in tags}
    rows = list(
        ReviewPaper.objects.filter(review=review)
        .select_related("paper", "final_reason")
        .order_by("-paper__submitted_month", "-paper__arxiv_id", "-paper_id")
    )
    refs = {row.paper_id: number for number, row in enumerate(rows, 1)}
    comment_ids: dict[int, int] = {}
    lines = []
    changes = list(Change.objects.filter(review=review).select_related("user", "paper").order_by("at", "pk"))
    change_numbers = {change.pk: number for number, change in enumerate(changes, 1)}
    header = {
        "type": "marginalia-review",
        "version": 1,
        "scope": "everything",
        "review": {
            name: getattr(review, name)
            for name in (
                "slug",
                "title",
                "research_question",
                "inclusion_criteria",
                "exclusion_criteria",
                "allow_new_tags",
                "inclusion_keywords",
                "exclusion_keywords",
                "blind",
                "hide_comments_while_blind",
                "required_screeners",
                "conflict_rule",
            )
        }  # fmt: skip
        | {"created_at": _moment(review.created_at)},
        "members": [
            {"username": _name(m.user), "role": m.role, "joined_at": _moment(m.joined_at)}
            for m in sorted(review.memberships.select_related("user"), key=lambda m: _name(m.user))
        ],
        "tags": [
            {
                "name": tag.name,
                "colour": tag.colour,
                "description": tag.description,
                "created_by": _name(tag.created_by),
                "created_at": _moment(tag.created_at),
            }
            for tag in tags
        ],
        "reasons": [{"label": reason.label, "position": reason.position} for reason in reasons],
        "papers": len(rows),
        "changes": len(changes),
    }
    lines.append(header)
    for row in rows:
        paper, of_paper = row.paper, {"review": review, "paper": row.paper}
        comments = list(Comment.objects.filter(**of_paper).select_related("author").order_by("created_at", "pk"))
        for number, comment in enumerate(comments, 1):
            comment_ids[comment.pk] = number
        resolution = review.resolutions.filter(paper=paper).select_related("reason", "resolved_by", "reopened_by")
        resolution = resolution.first()
        lines.append(
            {
                "type": "paper",
                "ref": refs[paper.pk],
                "paper": {
                    "arxiv_id": paper.arxiv_id,
                    "version": paper.version,
                    "doi": paper.doi,
                    "pmid": paper.pmid,
                    "title": paper.title,
                    "authors": paper.authors,
                    "abstract": paper.abstract,
                    "year": paper.year,
                    "month": paper.month,
                    "venue": paper.venue,
                    "primary_category": paper.primary_category,
                    "url": paper.url,
                    "extra": paper.extra,
                    "submitted_month": paper.submitted_month.strftime("%Y-%m") if paper.submitted_month else None,
                },  # fmt: skip
                "added_at": _moment(row.added_at),
                "final_decision": row.final_decision or None,
                "final_reason": row.final_reason.label if row.final_reason else None,
                "team_status": row.team_status,
                "decisions": sorted(
                    (
                        {
                            "user": _name(d.user),
                            "decision": d.decision,
                            "reason": d.reason.label if d.reason else None,
                            "updated_at": _moment(d.updated_at),
                        }
                        for d in review.decisions.filter(paper=paper).select_related("user", "reason")
                    ),
                    key=lambda d: d["user"],
                ),
                "scores": sorted(
                    (
                        {"user": _name(s.user), "value": s.value, "updated_at": _moment(s.updated_at)}
                        for s in review.scores.filter(paper=paper).select_related("user")
                    ),
                    key=lambda s: s["user"],
                ),
                "tags": sorted(
                    (
                        {"tag": t.tag.name, "user": _name(t.applied_by), "applied_at": _moment(t.applied_at)}
                        for t in review.paper_tags.filter(paper=paper).select_related("tag", "applied_by")
                    ),
                    key=lambda t: (t["tag"], t["user"] or ""),
                ),
                "comments": [
                    {
                        "id": comment_ids[c.pk],
                        "parent": comment_ids.get(c.parent_id),
                        "user": _name(c.author),
                        "body": c.body,
                        "quote": c.quote,
                        "quote_start": c.quote_start,
                        "quote_end": c.quote_end,
                        "hidden": c.hidden,
                        "created_at": _moment(c.created_at),
                        "edited_at": _moment(c.edited_at),
                        "deleted_at": _moment(c.deleted_at),
                    }
                    for c in comments
                ],
                "resolution": None
                if resolution is None
                else {
                    "decision": resolution.decision,
                    "reason": resolution.reason.label if resolution.reason else None,
                    "note": resolution.note,
                    "user": _name(resolution.resolved_by),
                    "at": _moment(resolution.resolved_at),
                    "reopened_at": _moment(resolution.reopened_at),
                    "reopened_by": _name(resolution.reopened_by),
                },
                "assignments": sorted(
                    (
                        {"user": _name(a.user), "assigned_at": _moment(a.assigned_at)}
                        for a in review.assignments.filter(paper=paper).select_related("user")
                    ),
                    key=lambda a: a["user"],
                ),
            }
        )
    for change in changes:
        lines.append(
            {
                "type": "change",
                "kind": change.kind,
                "user": _name(change.user),
                "paper": None
                if change.paper is None
                else {
                    "ref": refs[change.paper_id],
                    "arxiv_id": change.paper.arxiv_id,
                    "doi": change.paper.doi,
                    "pmid": change.paper.pmid,
                    "title": change.paper.title,
                },
                "subject": _subject(change, comment_ids, tag_names, change_numbers),
                "before": _state(change.before, reason_ref),
                "after": _state(change.after, reason_ref),
                "at": _moment(change.at),
            }
        )
    text = "".join(json.dumps(line, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n" for line in lines)
    return text.encode()


def _subject(change, comment_ids, tag_names, change_numbers) -> str:
    subject = change.subject
    if change.kind == "comment" and subject.isdigit():
        return f"comment:{comment_ids[int(subject)]}" if int(subject) in comment_ids else ""
    if change.kind == "tag" and subject.isdigit():
        return f"tag:{tag_names[int(subject)]}" if int(subject) in tag_names else ""
    if subject.startswith("undo:"):
        parts = [int(part) for part in subject.removeprefix("undo:").split("-")]
        if not all(part in change_numbers for part in parts):
            return ""
        return "undo:" + "-".join(str(change_numbers[part]) for part in parts)
    return subject


def _state(state, reason_ref):
    if not isinstance(state, dict) or "reason_id" not in state:
        return state
    state = dict(state)
    reason_id = state.pop("reason_id")
    if reason_id in reason_ref:
        state["reason_ref"] = reason_ref[reason_id]
    return state


@pytest.fixture
def rich(dual):  # noqa: F811
    """The dual review with everything an archive holds: settings, vocabulary, votes that agree, split, get
    resolved and reopened, scores, tags, threads with quotes, an edited, a deleted and a hidden comment, an undone
    decision, assignments, and papers without an arXiv id (DOI, PubMed id, neither) with their other fields."""
    from papers.models import Paper
    from reviews import annotating, assigning, configuring
    from reviews.models import Comment, ExclusionReason, Role

    review = dual.review
    owner, bob, carol, rosa = (member(review, user) for user in (dual.alice, dual.bob, dual.carol, dual.rosa))
    configuring.add_member(owner, make_user("dan"), Role.REVIEWER)
    doi_paper = Paper.objects.create(
        doi="10.1000/j.jmb.2021.01.001", title="Sparse attention in the clinic", authors=["Ana Gómez", "Li Wei"],
        abstract="We study sparse attention — with “quotes” and TeX $\\alpha$ — in hospitals.", year=2021, month=3,
        venue="Journal of Clinical AI", url="https://doi.org/10.1000/j.jmb.2021.01.001",
        extra={"keywords": ["attention", "clinic"], "volume": "12", "pages": "1--9", "issn": "1234-5678"},
    )  # fmt: skip
    pmid_paper = Paper.objects.create(
        pmid="31452104", title="A randomised trial of reading", authors=["Müller, K."], year=2019,
        abstract="Participants read abstracts.", extra={"language": "ger"},
    )  # fmt: skip
    plain_paper = Paper.objects.create(title="Untitled preprint without ids", year=2020, authors=["Zed Q"])
    review.add_papers([doi_paper.pk, pmid_paper.pk, plain_paper.pk])
    wrong_population = ExclusionReason.objects.create(review=review, label="Wrong population", position=1)
    off_topic = ExclusionReason.objects.create(review=review, label="Off topic", position=2)
    tagged = annotating.apply_tag(owner, dual.p1.pk, "RCT")
    annotating.apply_tag(bob, dual.p1.pk, "RCT")
    annotating.apply_tag(carol, doi_paper.pk, "Needs full text")
    tagged.description, tagged.colour = "Randomised controlled trial", "#2ca02c"
    tagged.save()
    # p1: both include. p2: split, resolved. p3: split, resolved, then reopened. p4: one vote.
    for screener in (bob, carol):
        annotating.decide(screener, dual.p1.pk, "include")
    annotating.decide(bob, dual.p2.pk, "include")
    annotating.decide(carol, dual.p2.pk, "exclude", off_topic.pk)
    annotating.resolve(rosa, dual.p2.pk, "exclude", off_topic.pk, note="Off topic after all.")
    annotating.decide(bob, dual.p3.pk, "maybe")
    annotating.decide(carol, dual.p3.pk, "exclude", wrong_population.pk)
    annotating.resolve(owner, dual.p3.pk, "include", note="")
    annotating.decide(bob, dual.p3.pk, "exclude", wrong_population.pk)
    annotating.decide(carol, dual.p4.pk, "include")
    annotating.decide(carol, doi_paper.pk, "exclude", wrong_population.pk)
    annotating.decide(bob, doi_paper.pk, "exclude", wrong_population.pk)
    annotating.decide(bob, pmid_paper.pk, "maybe")
    annotating.undo_last_decision(bob)
    annotating.decide(bob, pmid_paper.pk, "include")
    annotating.set_score(bob, dual.p1.pk, 5)
    annotating.set_score(carol, dual.p1.pk, 3)
    annotating.set_score(carol, doi_paper.pk, 1)
    first = annotating.add_comment(bob, doi_paper.pk, "Is *this* the clinic?", quote="sparse attention")
    reply = annotating.add_comment(
        carol, doi_paper.pk, "Yes — see [the trial](https://example.org).", parent_id=first.pk
    )
    annotating.add_comment(owner, doi_paper.pk, "A reply to the reply.", parent_id=reply.pk)
    annotating.edit_comment(bob, first, "Is *this* really the clinic?")
    gone = annotating.add_comment(carol, dual.p1.pk, "I take this back.")
    annotating.delete_comment(carol, gone)
    noisy = annotating.add_comment(bob, dual.p2.pk, "Spam")
    annotating.set_comments_hidden(Comment.objects.filter(pk=noisy.pk), True, dual.alice)
    assigning.assign_papers(owner, [bob.pk, carol.pk], 1)
    configuring.change_settings(
        owner,
        {"research_question": "Does **Markdown** survive?", "inclusion_keywords": "llm\nscaling law",
         "hide_comments_while_blind": True, "allow_new_tags": False},
    )  # fmt: skip
    dual.doi_paper, dual.pmid_paper, dual.plain_paper = doi_paper, pmid_paper, plain_paper
    review.refresh_from_db()
    return dual
