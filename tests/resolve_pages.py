"""The conflicts queue, screening mode and assignments pages of the site in tests/site_pages.py, for the phone
and accessibility checks (a separate list, so the pages' owners can merge theirs without colliding)."""


def resolve_pages(site, role: str) -> list[tuple[str, str, int]]:
    """(name, path, expected status) of the conflicts, screening and assignments pages as ``role`` sees them."""
    slug = site.review.slug
    owner = role == "owner"
    return [
        ("conflicts queue", f"/reviews/{slug}/conflicts/", 200 if owner else 403),
        ("conflicts queue, resolved", f"/reviews/{slug}/conflicts/?show=resolved", 200 if owner else 403),
        ("screening mode", f"/reviews/{slug}/screen/", 403 if role == "observer" else 200),
        ("assignments", f"/reviews/{slug}/assignments/", 200 if owner else 403),
    ]
