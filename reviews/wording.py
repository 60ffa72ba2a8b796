"""Counts in words, as pages, messages and chart descriptions say them."""


def counted(number: int, noun: str, *, grouped: bool = False) -> str:
    """ "1 paper", "3 papers"; ``grouped`` writes thousands apart ("12,000 papers")."""
    figure = f"{number:,}" if grouped else str(number)
    return f"{figure} {noun}{'' if number == 1 else 's'}"
