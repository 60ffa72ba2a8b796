import datetime

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from reviews import annotating
from reviews.models import (
    LAST_OWNER_MESSAGE,
    TAG_COLOURS,
    Comment,
    ExclusionReason,
    Membership,
    PaperTag,
    ReviewPaper,
    Role,
    Score,
    ScreeningDecision,
    Tag,
)
from tests.factories import make_paper, make_review

TAG_CHANGELIST = reverse("admin:reviews_tag_changelist")
COMMENT_CHANGELIST = reverse("admin:reviews_comment_changelist")


def membership_of(team, user):
    return Membership.objects.select_related("review", "user").get(review=team.review, user=user)


@pytest.fixture
def annotated(team):
    """The team's review with a tag, a score, a decision with a reason and a comment on its first paper."""
    reason = ExclusionReason.objects.create(review=team.review, label="Survey")
    bob = membership_of(team, team.bob)
    annotating.apply_tag(bob, team.paper.pk, "Benchmark")
    annotating.set_score(bob, team.paper.pk, 4)
    annotating.decide(bob, team.paper.pk, "exclude", reason.pk)
    comment_on(team, team.paper, "Is the **benchmark** public?")
    return team


def comment_on(team, paper, body, author=None):
    return annotating.add_comment(membership_of(team, author or team.bob), paper.pk, body)


def comment_count(team, paper):
    return ReviewPaper.objects.get(review=team.review, paper=paper).comment_count


def apply_tag(team, tag, paper, user, minutes_ago):
    assignment = PaperTag.objects.create(review=team.review, paper=paper, tag=tag, applied_by=user)
    applied_at = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    PaperTag.objects.filter(pk=assignment.pk).update(applied_at=applied_at)
    return assignment


def run_action(admin_client, changelist, action, objects, **extra):
    return admin_client.post(
        changelist, {"action": action, ACTION_CHECKBOX_NAME: [obj.pk for obj in objects], **extra}, follow=True
    )


@pytest.mark.parametrize("model", ["review", "tag", "comment", "membership", "screeningdecision", "score", "papertag"])
def test_every_reviews_changelist_loads_for_a_curator(admin_client, annotated, model, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        response = admin_client.get(reverse(f"admin:reviews_{model}_changelist"))

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) >= 1


def test_the_review_changelist_counts_papers_and_members_without_a_query_per_review(
    admin_client, team, django_assert_max_num_queries
):
    for n in range(5):
        make_review(f"extra-{n}", papers=[team.paper])

    with django_assert_max_num_queries(8):
        response = admin_client.get(reverse("admin:reviews_review_changelist"))

    row = next(review for review in response.context["cl"].result_list if review.pk == team.review.pk)
    assert (row.paper_count, row.member_count) == (2, 4)


def test_reviews_can_be_found_by_title(admin_client, team):
    make_review("unrelated", title="Protein folding")

    response = admin_client.get(reverse("admin:reviews_review_changelist"), {"q": "llm"})

    assert list(response.context["cl"].result_list) == [team.review]


@pytest.mark.parametrize(
    ("model", "obj"),
    [
        ("review", lambda team: team.review),
        ("tag", lambda team: Tag.objects.get()),
        ("comment", lambda team: Comment.objects.get()),
        ("membership", lambda team: Membership.objects.get(user=team.bob)),
        ("screeningdecision", lambda team: ScreeningDecision.objects.get()),
        ("score", lambda team: Score.objects.get()),
        ("papertag", lambda team: PaperTag.objects.get()),
    ],
)
def test_every_reviews_change_page_loads_for_a_curator(admin_client, annotated, model, obj):
    response = admin_client.get(reverse(f"admin:reviews_{model}_change", args=[obj(annotated).pk]))

    assert response.status_code == 200


def test_the_review_page_edits_members_and_reasons_inline_without_listing_every_paper(admin_client, annotated):
    response = admin_client.get(reverse("admin:reviews_review_change", args=[annotated.review.pk]))

    inline_models = {formset.opts.model for formset in response.context["inline_admin_formsets"]}
    assert inline_models == {Membership, ExclusionReason}
    assert "papers" not in response.context["adminform"].form.fields
    assert "olivia" in response.text


def test_the_add_review_page_prepopulates_the_slug(admin_client, db):
    response = admin_client.get(reverse("admin:reviews_review_add"))

    assert response.status_code == 200
    assert "&quot;id&quot;: &quot;#id_slug&quot;" in response.text
    assert "&quot;dependency_list&quot;: [&quot;title&quot;]" in response.text


def membership_inline_data(team, roles: dict) -> dict:
    memberships = list(Membership.objects.filter(review=team.review).order_by("pk"))
    data = {
        "title": team.review.title,
        "slug": team.review.slug,
        "allow_new_tags": "on",
        "memberships-TOTAL_FORMS": str(len(memberships)),
        "memberships-INITIAL_FORMS": str(len(memberships)),
        "exclusion_reasons-TOTAL_FORMS": "0",
        "exclusion_reasons-INITIAL_FORMS": "0",
    }
    for index, membership in enumerate(memberships):
        prefix = f"memberships-{index}-"
        data[prefix + "id"] = membership.pk
        data[prefix + "review"] = team.review.pk
        data[prefix + "user"] = membership.user_id
        data[prefix + "role"] = roles.get(membership.user.username, membership.role)
    return data


def test_a_curator_changes_a_role_inline(admin_client, team):
    response = admin_client.post(
        reverse("admin:reviews_review_change", args=[team.review.pk]), membership_inline_data(team, {"olivia": "owner"})
    )

    assert response.status_code == 302
    assert Membership.objects.get(user=team.olivia).role == Role.OWNER


def test_a_curator_cannot_leave_a_review_without_an_owner(admin_client, team):
    response = admin_client.post(
        reverse("admin:reviews_review_change", args=[team.review.pk]),
        membership_inline_data(team, {"alice": "reviewer"}),
    )

    assert response.status_code == 200
    assert "A review with members needs at least one owner." in response.text
    assert Membership.objects.get(user=team.alice).role == Role.OWNER


def test_tags_list_their_review_colour_and_usage(admin_client, annotated):
    response = admin_client.get(TAG_CHANGELIST, {"review__id__exact": annotated.review.pk})

    tag = response.context["cl"].result_list[0]
    assert (tag.name, tag.usage_count) == ("Benchmark", 1)
    assert "#1f77b4" in response.text


def test_a_tag_name_taken_in_the_review_is_refused_in_the_admin_too(admin_client, annotated):
    response = admin_client.post(
        reverse("admin:reviews_tag_add"), {"review": annotated.review.pk, "name": " BENCHMARK ", "colour": "#123456"}
    )

    assert response.status_code == 200
    assert "This review already has a tag called “Benchmark”" in response.text
    assert Tag.objects.count() == 1


@pytest.fixture
def overlapping_tags(team):
    """Three tags of one review; the paper carries all three, applied at different times."""
    benchmark = Tag.objects.create(review=team.review, name="Benchmark")
    benchmarks = Tag.objects.create(review=team.review, name="Benchmarks")
    evals = Tag.objects.create(review=team.review, name="Evals")
    apply_tag(team, benchmark, team.paper, team.bob, minutes_ago=5)
    apply_tag(team, benchmarks, team.paper, team.dave, minutes_ago=30)
    apply_tag(team, evals, team.paper, team.dave, minutes_ago=10)
    apply_tag(team, benchmarks, team.other_paper, team.dave, minutes_ago=1)
    apply_tag(team, evals, team.other_paper, team.bob, minutes_ago=2)
    extra = make_paper()
    team.review.add_papers([extra.pk])
    apply_tag(team, evals, extra, team.bob, minutes_ago=3)
    return benchmark, benchmarks, evals


def test_merging_tags_first_asks_which_to_keep_defaulting_to_the_most_used(admin_client, team, overlapping_tags):
    benchmark, benchmarks, evals = overlapping_tags

    response = run_action(admin_client, TAG_CHANGELIST, "merge_selected", overlapping_tags)

    assert response.status_code == 200
    assert [template.name for template in response.templates][0] == "admin/reviews/tag/merge.html"
    assert response.context["form"]["survivor"].initial == evals, "Evals is on three papers"
    assert PaperTag.objects.count() == 6, "nothing changes before the curator confirms"


def test_merging_tags_moves_their_papers_to_the_survivor_once_each_per_person(admin_client, team, overlapping_tags):
    benchmark, benchmarks, evals = overlapping_tags

    response = run_action(admin_client, TAG_CHANGELIST, "merge_selected", overlapping_tags, survivor=benchmark.pk)

    assert response.status_code == 200
    assert list(Tag.objects.all()) == [benchmark]
    assignments = {(pt.paper_id, pt.applied_by_id): pt for pt in PaperTag.objects.all()}
    assert len(assignments) == PaperTag.objects.count() == 5
    assert {pt.tag_id for pt in assignments.values()} == {benchmark.pk}
    assert set(assignments) == {
        (team.paper.pk, team.bob.pk),
        (team.paper.pk, team.dave.pk),
        (team.other_paper.pk, team.dave.pk),
        (team.other_paper.pk, team.bob.pk),
        (PaperTag.objects.exclude(paper__in=[team.paper, team.other_paper]).get().paper_id, team.bob.pk),
    }
    earliest = timezone.now() - datetime.timedelta(minutes=29)
    assert assignments[team.paper.pk, team.dave.pk].applied_at < earliest, "dave's earliest on the paper stays"
    assert "Merged 2 tags into “Benchmark”: moved 4 assignments, dropped 1 duplicate." in response.text


def test_a_tag_merge_keeps_the_earliest_assignment_time(admin_client, team, overlapping_tags):
    benchmark, benchmarks, _ = overlapping_tags
    earliest = PaperTag.objects.get(tag=benchmarks, paper=team.paper).applied_at

    run_action(admin_client, TAG_CHANGELIST, "merge_selected", [benchmark, benchmarks], survivor=benchmark.pk)

    assert PaperTag.objects.get(tag=benchmark, paper=team.paper, applied_by=team.dave).applied_at == earliest


def test_tags_of_two_reviews_cannot_be_merged(admin_client, team, overlapping_tags):
    other = make_review("other-review", papers=[team.paper])
    theirs = Tag.objects.create(review=other, name="Benchmark")
    PaperTag.objects.create(review=other, paper=team.paper, tag=theirs)
    before = sorted(PaperTag.objects.values_list("pk", "tag_id"))

    response = run_action(
        admin_client, TAG_CHANGELIST, "merge_selected", [overlapping_tags[0], theirs], survivor=theirs.pk
    )

    assert "Only tags of the same review can be merged; nothing was changed." in response.text
    assert Tag.objects.count() == 4
    assert sorted(PaperTag.objects.values_list("pk", "tag_id")) == before


def test_a_merge_needs_at_least_two_tags(admin_client, team, overlapping_tags):
    response = run_action(admin_client, TAG_CHANGELIST, "merge_selected", overlapping_tags[:1])

    assert "Select at least two tags to merge." in response.text
    assert Tag.objects.count() == 3


def test_the_survivor_must_be_one_of_the_selected_tags(admin_client, team, overlapping_tags):
    benchmark, benchmarks, evals = overlapping_tags

    response = run_action(admin_client, TAG_CHANGELIST, "merge_selected", [benchmark, benchmarks], survivor=evals.pk)

    assert response.status_code == 200
    assert response.context["form"].errors
    assert Tag.objects.count() == 3
    assert PaperTag.objects.count() == 6


def test_hiding_comments_updates_the_papers_comment_counts(admin_client, team):
    first = comment_on(team, team.paper, "First")
    comment_on(team, team.paper, "Second")
    only = comment_on(team, team.other_paper, "Only one")

    response = run_action(admin_client, COMMENT_CHANGELIST, "hide_selected", [first, only])

    assert "Hid 2 comments." in response.text
    assert set(Comment.objects.filter(hidden=True)) == {first, only}
    assert comment_count(team, team.paper) == 1
    assert comment_count(team, team.other_paper) == 0


def test_unhiding_comments_counts_them_again(admin_client, team):
    comment = comment_on(team, team.paper, "Back again")
    run_action(admin_client, COMMENT_CHANGELIST, "hide_selected", [comment])

    response = run_action(admin_client, COMMENT_CHANGELIST, "unhide_selected", [comment])

    assert "Unhid 1 comment." in response.text
    assert comment_count(team, team.paper) == 1


def test_the_has_comments_filter_follows_hidden_comments(admin_client, client, team):
    from tests.factories import logged_in

    comment = comment_on(team, team.paper, "Soon hidden")
    run_action(admin_client, COMMENT_CHANGELIST, "hide_selected", [comment])

    response = logged_in(client, team.bob).get(team.review.get_absolute_url(), {"has_comments": "true"})

    assert response.context["page"].paginator.count == 0


def test_hiding_a_comment_from_its_change_page_updates_the_count(admin_client, team):
    comment = comment_on(team, team.paper, "Hide me")

    response = admin_client.post(reverse("admin:reviews_comment_change", args=[comment.pk]), {"hidden": "on"})

    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.hidden
    assert comment_count(team, team.paper) == 0


def test_a_comments_body_cannot_be_changed_in_the_admin(admin_client, team):
    comment = comment_on(team, team.paper, "As written")

    response = admin_client.get(reverse("admin:reviews_comment_change", args=[comment.pk]))

    assert set(response.context["adminform"].form.fields) == {"hidden"}


def test_deleting_comments_in_the_admin_updates_the_count(admin_client, team):
    comment = comment_on(team, team.paper, "Spam")

    run_action(admin_client, COMMENT_CHANGELIST, "delete_selected", [comment], post="yes")

    assert not Comment.objects.exists()
    assert comment_count(team, team.paper) == 0


def test_comments_can_be_found_by_their_text(admin_client, team):
    wanted = comment_on(team, team.paper, "The ablation is missing")
    comment_on(team, team.paper, "Looks fine")

    response = admin_client.get(COMMENT_CHANGELIST, {"q": "ablation"})

    assert list(response.context["cl"].result_list) == [wanted]


def test_annotation_rows_are_view_only(admin_client, annotated):
    for model in ["screeningdecision", "score", "papertag"]:
        response = admin_client.get(reverse(f"admin:reviews_{model}_add"))

        assert response.status_code == 403


@pytest.mark.skipif(not connection.features.has_select_for_update, reason="SQLite has no row locks")
def test_hiding_comments_locks_their_papers_rows_before_recounting(admin_client, team):
    comment = comment_on(team, team.paper, "Soon hidden")

    with CaptureQueriesContext(connection) as queries:
        run_action(admin_client, COMMENT_CHANGELIST, "hide_selected", [comment])

    statements = [query["sql"] for query in queries]
    locks = [i for i, sql in enumerate(statements) if 'FROM "reviews_reviewpaper"' in sql and "FOR UPDATE" in sql]
    hides = [i for i, sql in enumerate(statements) if sql.startswith('UPDATE "reviews_comment"')]
    assert locks and hides
    assert locks[0] < hides[0], "the rows are locked before the comments change, in the views' order"


def test_applying_a_new_tag_from_the_paper_admin_gives_it_the_next_colour(admin_client, team):
    Tag.objects.create(review=team.review, name="Existing")

    admin_client.post(
        reverse("admin:papers_paper_changelist"),
        {
            "action": "apply_tag_in_review",
            ACTION_CHECKBOX_NAME: [team.paper.pk],
            "review": team.review.pk,
            "tag": "  Fresh   Tag ",
            "apply": "1",
        },
    )

    tag = Tag.objects.get(normalised_name="fresh tag")
    assert (tag.name, tag.colour) == ("Fresh Tag", TAG_COLOURS[1])
    assert PaperTag.objects.filter(tag=tag, paper=team.paper).exists()


def membership_change_data(membership, **changes) -> dict:
    return {"user": membership.user_id, "review": membership.review_id, "role": membership.role, **changes}


def test_the_membership_admin_cannot_demote_the_last_owner(admin_client, team):
    alice = Membership.objects.get(user=team.alice)

    response = admin_client.post(
        reverse("admin:reviews_membership_change", args=[alice.pk]), membership_change_data(alice, role="reviewer")
    )

    assert response.status_code == 200
    assert LAST_OWNER_MESSAGE in response.text
    assert Membership.objects.get(user=team.alice).role == Role.OWNER


def test_the_membership_admin_cannot_move_the_last_owner_to_another_review(admin_client, team):
    alice = Membership.objects.get(user=team.alice)
    other = make_review("other-review")

    response = admin_client.post(
        reverse("admin:reviews_membership_change", args=[alice.pk]), membership_change_data(alice, review=other.pk)
    )

    assert response.status_code == 200
    assert Membership.objects.get(user=team.alice).review == team.review


def test_the_membership_admin_demotes_an_owner_when_another_remains(admin_client, team):
    Membership.objects.filter(user=team.bob).update(role=Role.OWNER)
    alice = Membership.objects.get(user=team.alice)

    response = admin_client.post(
        reverse("admin:reviews_membership_change", args=[alice.pk]), membership_change_data(alice, role="reviewer")
    )

    assert response.status_code == 302
    assert Membership.objects.get(user=team.alice).role == Role.REVIEWER


def test_the_membership_admin_cannot_delete_the_last_owner(admin_client, team):
    alice = Membership.objects.get(user=team.alice)

    response = admin_client.post(
        reverse("admin:reviews_membership_delete", args=[alice.pk]), {"post": "yes"}, follow=True
    )

    assert LAST_OWNER_MESSAGE in response.text
    assert Membership.objects.filter(pk=alice.pk).exists()


def test_the_membership_admin_cannot_bulk_delete_every_owner(admin_client, team):
    Membership.objects.filter(user=team.bob).update(role=Role.OWNER)
    owners = list(Membership.objects.filter(role=Role.OWNER))
    changelist = reverse("admin:reviews_membership_changelist")

    response = run_action(admin_client, changelist, "delete_selected", owners, post="yes")

    assert LAST_OWNER_MESSAGE in response.text
    assert Membership.objects.filter(role=Role.OWNER).count() == 2


def test_the_membership_admin_bulk_deletes_members_when_an_owner_remains(admin_client, team):
    Membership.objects.filter(user=team.bob).update(role=Role.OWNER)
    bob = Membership.objects.get(user=team.bob)
    changelist = reverse("admin:reviews_membership_changelist")

    run_action(admin_client, changelist, "delete_selected", [bob], post="yes")

    assert not Membership.objects.filter(pk=bob.pk).exists()


def test_a_curator_deletes_a_score_and_a_decision_and_the_summary_follows(admin_client, annotated):
    team = annotated
    score = Score.objects.get()
    decision = ScreeningDecision.objects.get()

    admin_client.post(reverse("admin:reviews_score_delete", args=[score.pk]), {"post": "yes"})
    run_action(
        admin_client, reverse("admin:reviews_screeningdecision_changelist"), "delete_selected", [decision], post="yes"
    )

    row = ReviewPaper.objects.get(review=team.review, paper=team.paper)
    assert not Score.objects.exists() and not ScreeningDecision.objects.exists()
    assert (row.score_count, row.team_status) == (0, "undecided")
    call_command("check_summaries")


@pytest.mark.parametrize("target", ["user", "paper", "tag", "review"])
def test_a_curator_can_delete_what_annotations_hang_on(admin_client, annotated, target):
    team = annotated
    obj = {
        "user": team.bob,
        "paper": team.paper,
        "tag": Tag.objects.get(),
        "review": team.review,
    }[target]
    app = "auth" if target == "user" else "papers" if target == "paper" else "reviews"

    confirm = admin_client.get(reverse(f"admin:{app}_{target}_delete", args=[obj.pk]))
    response = admin_client.post(reverse(f"admin:{app}_{target}_delete", args=[obj.pk]), {"post": "yes"})

    assert "permission to delete" not in confirm.text
    assert response.status_code == 302
    assert not type(obj).objects.filter(pk=obj.pk).exists()
    call_command("check_summaries")
