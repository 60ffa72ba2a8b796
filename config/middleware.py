from django.core.exceptions import BadRequest


class RejectNulCharactersMiddleware:
    """A 400 for a query string or form that holds a NUL character, which no field of this site accepts.

    PostgreSQL text cannot hold NUL, so one that reaches a query is a DataError and a 500. Django's form
    fields already refuse it; this covers the lookups no form validates first, such as the admin's search
    boxes, list filters and autocomplete.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for data in (request.GET, request.POST):
            for key, values in data.lists():
                if "\x00" in key or any("\x00" in value for value in values):
                    raise BadRequest("A NUL character in the request's parameters.")
        return self.get_response(request)
