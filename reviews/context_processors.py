def next_url(request):
    """Where a plain form POST should send the user back to: the page they are on.

    For an htmx request that is the browser's page (HX-Current-URL), not the fragment's own URL.
    """
    htmx = getattr(request, "htmx", None)
    current = htmx.current_url_abs_path if htmx else None
    return {"next_url": current or request.get_full_path()}
