"""Path converters that keep crafted ids out of the database: what they do not match is a 404."""

from django.urls import register_converter

# The largest id a 64-bit integer column holds; a larger one in a form can only be crafted.
MAX_DATABASE_ID = 2**63 - 1


class DatabaseIdConverter:
    """A row id: at most 18 digits, so it always fits a 64-bit integer column.

    Django's ``int`` takes any number of digits, and a 20-digit id overflows SQLite's INTEGER (an
    OverflowError, a 500) and PostgreSQL's bigint before the lookup can say "not found".
    """

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(value)


class ArxivIdConverter:
    """An arXiv id as stored (``2201.11903``, ``hep-th/9711200``, ``math.GT/0309136``): letters, digits,
    ``-``, ``.`` and ``/``, no longer than the column. NUL bytes, which PostgreSQL text cannot hold, and other
    junk never reach the lookup."""

    regex = "[-A-Za-z0-9./]{1,40}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value) -> str:
        return str(value)


def register_converters() -> None:
    register_converter(DatabaseIdConverter, "id")
    register_converter(ArxivIdConverter, "arxiv_id")
