import pytest
from django.urls import reverse

from papers.models import Paper
from reviews.markdown import render_markdown
from reviews.models import Comment, ReviewPaper
from tests.factories import logged_in
from tests.html_safety import script_risks

HTMX = {"HX-Request": "true"}

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<svg/onload=alert(1)>",
    '<iframe src="https://evil.example"></iframe>',
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<<script>script>alert(1)<</script>/script>",
]


def add_url(team):
    return reverse("reviews:comment_add", args=[team.review.slug, team.paper.pk])


def post_comment(client, team, body, **extra):
    return client.post(add_url(team), {"body": body, **extra}, headers=HTMX)


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_markdown_never_lets_script_through(payload):
    assert script_risks(render_markdown(payload)) == []


def test_markdown_keeps_the_formatting_reviewers_use():
    html = render_markdown("**Key** point, see [paper](https://arxiv.org/abs/2201.11903)\n\n- one\n- two")

    assert "<strong>Key</strong>" in html
    assert '<a href="https://arxiv.org/abs/2201.11903" rel="nofollow noopener noreferrer">paper</a>' in html
    assert "<li>one</li>" in html


def test_a_reviewer_comments_and_the_thread_fragment_comes_back(client, team):
    response = post_comment(logged_in(client, team.bob), team, "Uses *BLIP-2* as the base.")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section class="panel-section comments"')
    assert "<em>BLIP-2</em>" in html
    assert ReviewPaper.objects.get(review=team.review, paper=team.paper).comment_count == 1


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_comment_payloads_render_inert_in_the_thread(client, team, payload):
    html = post_comment(logged_in(client, team.bob), team, payload).content.decode()

    # The thread's own forms are expected; nothing the payload brings is.
    assert script_risks(html, allowed_tags={"form"}) == []
    if "alert(1)" in payload and "](" not in payload:
        assert "alert(1)" in html, "the text is kept, as inert text"


@pytest.mark.parametrize("body", ["", "   \n  ", "x" * 10_000, "y" * 20_000])
def test_empty_or_overlong_comments_are_refused_and_nothing_is_saved(client, team, body):
    response = post_comment(logged_in(client, team.bob), team, body)

    assert response.status_code == 422
    assert 'role="alert"' in response.content.decode()
    assert not Comment.objects.exists()


def test_a_comment_of_9999_characters_is_accepted(client, team):
    assert post_comment(logged_in(client, team.bob), team, "z" * 9_999).status_code == 200


def test_an_observer_cannot_comment(client, team):
    assert post_comment(logged_in(client, team.olivia), team, "hello").status_code == 403
    assert not Comment.objects.exists()


def test_an_observer_reads_the_thread_without_forms(client, team):
    post_comment(logged_in(client, team.bob), team, "Worth a look.")

    html = logged_in(client, team.olivia).get(
        team.paper and ReviewPaper.objects.get(paper=team.paper).get_absolute_url()
    )
    text = html.content.decode()

    assert "Worth a look." in text
    assert 'name="body"' not in text


def test_a_reply_joins_its_parents_thread(client, team):
    post_comment(logged_in(client, team.bob), team, "First.")
    parent = Comment.objects.get()

    html = post_comment(logged_in(client, team.dave), team, "Agreed.", parent=parent.pk).content.decode()

    reply = Comment.objects.get(parent=parent)
    assert reply.author == team.dave
    assert 'class="comment reply"' in html


def test_a_reply_to_a_comment_of_another_paper_is_refused(client, team):
    other = Comment.objects.create(review=team.review, paper=team.other_paper, author=team.bob, body="elsewhere")

    response = post_comment(logged_in(client, team.dave), team, "Agreed.", parent=other.pk)

    assert response.status_code == 422
    assert Comment.objects.count() == 1


def test_authors_edit_their_own_comments(client, team):
    post_comment(logged_in(client, team.bob), team, "Draft")
    comment = Comment.objects.get()

    response = client.post(
        reverse("reviews:comment_edit", args=[team.review.slug, comment.pk]), {"body": "**Final**"}, headers=HTMX
    )

    comment.refresh_from_db()
    assert response.status_code == 200
    assert comment.body == "**Final**"
    assert comment.body_html == "<p><strong>Final</strong></p>"
    assert comment.edited_at is not None


def test_the_edit_form_works_without_javascript(client, team):
    post_comment(logged_in(client, team.bob), team, "Draft")
    comment = Comment.objects.get()
    url = reverse("reviews:comment_edit", args=[team.review.slug, comment.pk])

    page = client.get(url)
    saved = client.post(url, {"body": "Better"})

    assert page.status_code == 200
    assert "Draft</textarea>" in page.content.decode()
    assert saved.status_code == 302


def test_nobody_edits_or_deletes_another_members_comment(client, team):
    post_comment(logged_in(client, team.bob), team, "Mine")
    comment = Comment.objects.get()
    logged_in(client, team.dave)

    edit = client.post(reverse("reviews:comment_edit", args=[team.review.slug, comment.pk]), {"body": "Yours now"})
    delete = client.post(reverse("reviews:comment_delete", args=[team.review.slug, comment.pk]))

    assert (edit.status_code, delete.status_code) == (403, 403)
    assert Comment.objects.get().body == "Mine"


def test_an_empty_edit_is_refused(client, team):
    post_comment(logged_in(client, team.bob), team, "Keep me")
    comment = Comment.objects.get()

    response = client.post(reverse("reviews:comment_edit", args=[team.review.slug, comment.pk]), {"body": " "})

    assert response.status_code == 422
    assert Comment.objects.get().body == "Keep me"


def test_authors_delete_their_own_comments(client, team):
    post_comment(logged_in(client, team.bob), team, "Oops")
    comment = Comment.objects.get()

    response = client.post(reverse("reviews:comment_delete", args=[team.review.slug, comment.pk]), headers=HTMX)

    # Kept, marked deleted, so it can be restored; gone from the thread and the count.
    assert Comment.objects.get().deleted_at is not None
    assert "Oops" not in response.content.decode()
    assert ReviewPaper.objects.get(review=team.review, paper=team.paper).comment_count == 0


def test_deleting_a_comment_keeps_the_replies_of_others(client, team):
    post_comment(logged_in(client, team.bob), team, "Question?")
    parent = Comment.objects.get()
    post_comment(logged_in(client, team.dave), team, "Answer.", parent=parent.pk)

    html = (
        logged_in(client, team.bob)
        .post(reverse("reviews:comment_delete", args=[team.review.slug, parent.pk]), headers=HTMX)
        .content.decode()
    )

    assert Comment.objects.get(pk=parent.pk).deleted_at is not None
    assert "This comment was deleted by its author." in html
    assert "Answer." in html


def test_hidden_comments_are_not_shown_to_the_team(client, team):
    Comment.objects.create(review=team.review, paper=team.paper, author=team.bob, body="Spam", hidden=True)

    html = (
        logged_in(client, team.dave)
        .get(reverse("reviews:comments", args=[team.review.slug, team.paper.pk]), headers=HTMX)
        .content.decode()
    )

    assert "Spam" not in html


def test_a_quoted_passage_is_stored_with_its_place_and_highlighted(client, team):
    logged_in(client, team.bob)
    response = client.post(
        add_url(team), {"body": "Which models?", "quote": "instruction  tuning", "quote_near": "10"}, headers=HTMX
    )

    comment = Comment.objects.get()
    abstract = team.paper.abstract
    # A 3xx would be followed inside the XMLHttpRequest and its page swapped into the thread.
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == ReviewPaper.objects.get(paper=team.paper).get_absolute_url()
    assert abstract[comment.quote_start : comment.quote_end] == "instruction tuning"
    page = client.get(response.headers["HX-Redirect"]).content.decode()
    assert f'<mark class="quote" id="quote-{comment.pk}">instruction tuning</mark>' in page
    assert f'href="#comment-{comment.pk}"' in page


def test_a_quote_that_is_not_in_the_abstract_is_refused(client, team):
    response = post_comment(logged_in(client, team.bob), team, "Hm", quote="not in the text")

    assert response.status_code == 422
    assert "not in the abstract of this paper" in response.content.decode()
    assert not Comment.objects.exists()


def test_commenting_takes_a_fixed_number_of_queries(client, team, django_assert_max_num_queries):
    logged_in(client, team.bob)
    for n in range(3):
        post_comment(client, team, f"comment {n}")

    with django_assert_max_num_queries(17):
        post_comment(client, team, "one more")


def edit_url(team, comment):
    return reverse("reviews:comment_edit", args=[team.review.slug, comment.pk])


def test_an_empty_htmx_edit_swaps_the_form_in_place_of_the_comment_not_the_thread(client, team):
    post_comment(logged_in(client, team.bob), team, "Keep me")
    comment = Comment.objects.get()

    response = client.post(edit_url(team, comment), {"body": " "}, headers=HTMX)

    assert response.status_code == 422
    assert response.headers["HX-Retarget"] == f"#comment-{comment.pk}"
    assert response.headers["HX-Reswap"] == "outerHTML"
    assert response.content.decode().lstrip().startswith('<form class="comment-edit"')


def test_a_valid_htmx_edit_swaps_the_thread_as_before(client, team):
    post_comment(logged_in(client, team.bob), team, "Draft")
    comment = Comment.objects.get()

    response = client.post(edit_url(team, comment), {"body": "Final"}, headers=HTMX)

    assert response.status_code == 200
    assert "HX-Retarget" not in response.headers
    assert response.content.decode().lstrip().startswith('<section class="panel-section comments"')


@pytest.mark.parametrize("parent", ["²", "abc", "99999999999999999999", "-1"])
def test_a_reply_to_a_malformed_parent_id_is_refused_with_a_message(client, team, parent):
    response = post_comment(logged_in(client, team.bob), team, "Agreed.", parent=parent)

    assert response.status_code == 422
    assert "The comment you replied to no longer exists." in response.content.decode()
    assert not Comment.objects.exists()


def test_editing_a_comment_on_a_paper_that_left_the_review_says_the_paper_is_gone(client, team):
    post_comment(logged_in(client, team.bob), team, "Draft")
    comment = Comment.objects.get()
    ReviewPaper.objects.filter(review=team.review, paper=team.paper).delete()

    response = client.post(edit_url(team, comment), {"body": "Final"}, headers=HTMX)

    assert response.status_code == 404
    assert Comment.objects.get().body == "Draft"


def test_a_quote_is_still_highlighted_after_the_abstract_changes_around_it(client, team):
    post_comment(logged_in(client, team.bob), team, "Which models?", quote="instruction tuning", quote_near="10")
    comment = Comment.objects.get()
    Paper.objects.filter(pk=team.paper.pk).update(abstract="Revised. " + team.paper.abstract)

    page = client.get(ReviewPaper.objects.get(paper=team.paper).get_absolute_url()).content.decode()

    assert f'<mark class="quote" id="quote-{comment.pk}">instruction tuning</mark>' in page


def test_a_quote_no_longer_in_the_abstract_is_not_highlighted_but_still_shown(client, team):
    post_comment(logged_in(client, team.bob), team, "Which models?", quote="instruction tuning", quote_near="10")
    comment = Comment.objects.get()
    Paper.objects.filter(pk=team.paper.pk).update(abstract="A wholly different abstract about vision models.")

    page = client.get(ReviewPaper.objects.get(paper=team.paper).get_absolute_url()).content.decode()

    assert f'id="quote-{comment.pk}"' not in page
    assert '<mark class="quote"' not in page
    assert "instruction tuning</a></blockquote>" in page


def test_the_paper_page_holds_the_comment_count_that_htmx_responses_update(client, team):
    post_comment(logged_in(client, team.bob), team, "One")

    page = client.get(ReviewPaper.objects.get(paper=team.paper).get_absolute_url()).content.decode()
    fragment = post_comment(client, team, "Two").content.decode()

    assert f'<span id="comment-count-{team.paper.pk}">1</span>' in page
    assert f'<span id="comment-count-{team.paper.pk}" hx-swap-oob="true">2</span>' in fragment


def test_deleting_a_quoted_comment_reloads_the_page_so_its_highlight_goes(client, team):
    logged_in(client, team.bob)
    client.post(add_url(team), {"body": "Which models?", "quote": "instruction tuning"}, headers=HTMX)
    comment = Comment.objects.get()

    response = client.post(reverse("reviews:comment_delete", args=[team.review.slug, comment.pk]), headers=HTMX)

    assert response.headers["HX-Redirect"] == ReviewPaper.objects.get(paper=team.paper).get_absolute_url()
    page = client.get(response.headers["HX-Redirect"]).text
    assert '<mark class="quote"' not in page


def test_a_refused_plain_post_sends_the_next_action_back_where_the_user_came_from(client, team):
    list_page = f"/reviews/{team.review.slug}/?page=1"
    logged_in(client, team.bob)

    refused = client.post(add_url(team), {"body": "Hm", "quote": "not in the text", "next": list_page})

    assert refused.status_code == 422
    assert f'name="next" value="{list_page}#paper-{team.paper.pk}"' in refused.text
