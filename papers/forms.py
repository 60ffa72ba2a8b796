import datetime
import re

from django import forms
from django.core.exceptions import ValidationError

MONTH = re.compile(r"(\d{4})-(\d{2})")


class MonthInput(forms.DateInput):
    input_type = "month"

    def format_value(self, value):
        if isinstance(value, datetime.date):
            return value.strftime("%Y-%m")
        return value


class MonthField(forms.Field):
    """A calendar month written ``YYYY-MM`` (what ``<input type=month>`` sends); cleans to its first day."""

    widget = MonthInput

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime.date):
            return value.replace(day=1)
        match = MONTH.fullmatch(str(value).strip())
        if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 1900:
            raise ValidationError("Enter a month as YYYY-MM, e.g. 2023-04.", code="invalid")
        return datetime.date(int(match[1]), int(match[2]), 1)
