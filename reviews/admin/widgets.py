"""Autocomplete selects that survive values no id could have."""

from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError

from config.converters import MAX_DATABASE_ID


class CheckedAutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete looks up the value it re-displays (a refused form's input, an add page's ``?review=``)
    as it is, so ``abc`` or a 30-digit number raised a server error; values that cannot be ids are dropped."""

    def optgroups(self, name, value, attr=None):
        pk_field = self.field.remote_field.model._meta.pk
        usable = []
        for candidate in value:
            try:
                number = pk_field.to_python(candidate)
            except ValidationError:
                continue
            if isinstance(number, int) and 0 < number <= MAX_DATABASE_ID:
                usable.append(candidate)
        return super().optgroups(name, usable, attr)


class CheckedAutocompleteMixin:
    """For ModelAdmins and inlines with ``autocomplete_fields``: use CheckedAutocompleteSelect for them."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = CheckedAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
