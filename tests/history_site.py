"""The history's pages in the shared site of the phone and accessibility checks, with deleted comments to restore."""


def history_pages(site, role: str) -> list[tuple[str, str, int]]:
    """(name, path, expected status) of the history pages the role can reach; first leaves a deleted comment
    with a reply (a placeholder in the thread) and one without (only in the history), both restorable."""
    from reviews import annotating
    from reviews.models import Comment, Membership

    if not Comment.objects.filter(body="Deleted for the history").exists():
        members = Membership.objects.select_related("review", "user").filter(review=site.review)
        bob, alice = (members.get(user=site.users[name]) for name in ("reviewer", "owner"))
        asked = annotating.add_comment(bob, site.paper.pk, "Deleted for the history")
        annotating.add_comment(alice, site.paper.pk, "A reply that keeps it", parent_id=asked.pk)
        annotating.delete_comment(bob, asked)
        annotating.delete_comment(bob, annotating.add_comment(bob, site.paper.pk, "Deleted without replies"))
    slug = site.review.slug
    pages = [("paper history", f"/reviews/{slug}/papers/{site.paper.pk}/history/", 200)]
    if role == "owner":
        pages += [
            ("review history", f"/reviews/{slug}/history/", 200),
            ("review history, filtered", f"/reviews/{slug}/history/?person=bob&kind=comment", 200),
            ("review history, days swapped", f"/reviews/{slug}/history/?since=2025-02-01&until=2025-01-01", 422),
        ]
    else:
        pages.append(("refused history", f"/reviews/{slug}/history/", 403))
    return pages
