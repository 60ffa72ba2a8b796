"""Files built to break an importer, each with the ``FILE:LINE: reason`` it must be refused with.

Shared by the command tests (test_import_hostile.py) and the admin upload tests (test_admin_papers.py).
Most put a good record first, so the reported line proves the problem was found where it is.
"""

FINE_JSONL = '{"arxiv_id": "2305.06500", "abstract": "Fine."}\n'
FINE_CSV = "arxiv_id,abstract,title,authors\n2305.06500,Fine.,,\n"
FINE_DUMP = "2305.06500\nFine.\n"
FINE_UTF8_JSONL = '{"arxiv_id": "2305.06500", "abstract": "Fine café, naïve."}\n'
DAMAGED = "the file's byte 0x%s here is not valid UTF-8"
CONTROL_REFUSED = "control characters other than tab, newline, carriage return and form feed are refused"
SURROGATE_REFUSED = "an unpaired surrogate is not valid Unicode"
TOO_LARGE = "is too large (at most 32767)"
DEEP = "[" * 100_000


def bibtex(**fields) -> str:
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields.items())
    return f"@misc{{a,\n{body}\n}}\n"


def ris(*tags: str) -> str:
    return "TY  - JOUR\n" + "".join(f"{tag}\n" for tag in tags) + "ER  - \n"


def version_too_large(format_name: str, versioned_id: str, line: int) -> tuple[str, str, str]:
    """The same over-large version in one format; ``line`` is where that format reports the record."""
    version = versioned_id.split("v")[1]
    content = {
        "dump.txt": f"{FINE_DUMP}{versioned_id}\nAn abstract.\n",
        "papers.jsonl": f'{FINE_JSONL}{{"arxiv_id": "{versioned_id}", "abstract": "x"}}\n',
        "papers.csv": f"{FINE_CSV}{versioned_id},x,,\n",
        "refs.bib": bibtex(title="A", eprint=versioned_id, archivePrefix="arXiv"),
        "refs.ris": ris("TI  - A", f"UR  - https://arxiv.org/abs/{versioned_id}"),
    }[format_name]
    expected = f"{format_name}:{line}: malformed arXiv id '{versioned_id}': version {version} {TOO_LARGE}"
    return format_name, content, expected


VERSIONS = {
    f"version {label} in {format_name}": version_too_large(format_name, f"2201.11903v{digits}", line)
    for format_name, line in [("dump.txt", 3), ("papers.jsonl", 2), ("papers.csv", 3), ("refs.bib", 1), ("refs.ris", 1)]
    for label, digits in [("99999", "99999"), ("of 25 digits", "9" * 25)]
}

HOSTILE_FILES = {
    **VERSIONS,
    "a version of 5,000 digits, beyond what Python turns into a number": (
        "dump.txt",
        "2201.11903v" + "9" * 5_000 + "\nAn abstract.\n",
        "dump.txt:1: malformed arXiv id '2201.11903v" + "9" * 48 + "…': version " + "9" * 59 + "… " + TOO_LARGE,
    ),
    # Deep nesting: Python's parser recurses once a level and hits its recursion limit.
    "a JSONL line nested 100,000 deep": (
        "papers.jsonl",
        f"{FINE_JSONL}{DEEP}\n",
        "papers.jsonl:2: broken JSON line: nested too deeply",
    ),
    "a deeply nested value in an ignored JSONL column": (
        "papers.jsonl",
        f'{FINE_JSONL}{{"arxiv_id": "2201.11903", "abstract": "x", "extra": {DEEP}}}\n',
        "papers.jsonl:2: broken JSON line: nested too deeply",
    ),
    "a deeply nested JSON list in a CSV authors column": (
        "papers.csv",
        f'{FINE_CSV}2201.11903,x,,"{DEEP}"\n',
        "papers.csv:3: authors start like a JSON list but are not valid JSON: nested too deeply",
    ),
    # Literals Python's json reads by default though they are not JSON.
    "NaN in JSONL": (
        "papers.jsonl",
        f'{FINE_JSONL}{{"arxiv_id": "2201.11903", "abstract": NaN}}\n',
        "papers.jsonl:2: broken JSON line: NaN is not valid JSON",
    ),
    "Infinity in JSONL": (
        "papers.jsonl",
        f'{FINE_JSONL}{{"arxiv_id": "2201.11903", "abstract": "x", "title": Infinity}}\n',
        "papers.jsonl:2: broken JSON line: Infinity is not valid JSON",
    ),
    "-Infinity in JSONL": (
        "papers.jsonl",
        f'{FINE_JSONL}{{"arxiv_id": "2201.11903", "abstract": "x", "doi": -Infinity}}\n',
        "papers.jsonl:2: broken JSON line: -Infinity is not valid JSON",
    ),
    "NaN in a CSV authors column": (
        "papers.csv",
        f'{FINE_CSV}2201.11903,x,,"[NaN]"\n',
        "papers.csv:3: authors start like a JSON list but are not valid JSON: NaN is not valid JSON",
    ),
    # Numbers and JSON values of the wrong kind.
    "a number too large for a float": (
        "papers.jsonl",
        f'{FINE_JSONL}{{"arxiv_id": "2201.11903", "abstract": "x", "title": 1e999}}\n',
        "papers.jsonl:2: broken JSON line: the number 1e999 is too large",
    ),
    "an integer of 5,000 digits": (
        "papers.jsonl",
        f'{FINE_JSONL}{{"arxiv_id": "2201.11903", "abstract": "x", "title": {"9" * 5_000}}}\n',
        f"papers.jsonl:2: broken JSON line: the number {'9' * 20}… is too long (5000 digits)",
    ),
    "an arXiv id written as a number": (
        "papers.jsonl",
        f'{FINE_JSONL}{{"arxiv_id": 2201.11903, "abstract": "x"}}\n',
        "papers.jsonl:2: arxiv_id must be text in quotes, found number 2201.11903",
    ),
    "a JSONL line that is null": (
        "papers.jsonl",
        f"{FINE_JSONL}null\n",
        "papers.jsonl:2: expected a JSON object, found null",
    ),
    "a title that is a JSON object": (
        "papers.jsonl",
        f'{FINE_JSONL}{{"arxiv_id": "2201.11903", "abstract": "x", "title": {{"en": "A"}}}}\n',
        "papers.jsonl:2: title must be text, found object",
    ),
    # Text that is not Unicode, or that a database or a page would refuse.
    "a lone surrogate escape in a JSONL abstract": (
        "papers.jsonl",
        f'{FINE_JSONL}{{"arxiv_id": "2201.11903", "abstract": "x\\ud800y"}}\n',
        f"papers.jsonl:2: abstract of 2201.11903 contains \\ud800 at character 2: {SURROGATE_REFUSED}",
    ),
    "a surrogate pair in the wrong order in a JSONL title": (
        "papers.jsonl",
        f'{FINE_JSONL}{{"arxiv_id": "2201.11903", "abstract": "x", "title": "\\udc00\\ud800"}}\n',
        f"papers.jsonl:2: title of 2201.11903 contains \\udc00 at character 1: {SURROGATE_REFUSED}",
    ),
    "a lone surrogate in a JSON authors list of a CSV": (
        "papers.csv",
        f'{FINE_CSV}2201.11903,x,,"[""A"", ""B\\udfff""]"\n',
        f"papers.csv:3: author 2 of 2201.11903 contains \\udfff at character 2: {SURROGATE_REFUSED}",
    ),
    "a surrogate in an id URL of a record without an abstract": (
        "papers.jsonl",
        f'{FINE_JSONL}{{"arxiv_id": "https://arxiv.org/abs/2201.11903\\ud800", "abstract": ""}}\n',
        "papers.jsonl:2: missing title and abstract for 2201.11903",
    ),
    # A file that is UTF-8 but for a damaged byte is read as UTF-8 (papers/importers/text.py): the record that
    # keeps the byte in a field is refused at its line. (Files wholly in Latin-1 or GBK are read:
    # test_import_encodings.py.)
    "UTF-8-encoded surrogate bytes in a dump": (
        "dump.txt",
        FINE_DUMP.encode() + b"2201.11903\nAn \xed\xa0\x80 abstract.\n",
        f"dump.txt:3: abstract of 2201.11903 contains \\udced at character 4: {DAMAGED % 'ed'}",
    ),
    "a damaged byte in a UTF-8 JSONL file": (
        "papers.jsonl",
        FINE_UTF8_JSONL.encode() + b'{"arxiv_id": "2201.11903", "abstract": "Caf\xe9"}\n',
        f"papers.jsonl:2: abstract of 2201.11903 contains \\udce9 at character 4: {DAMAGED % 'e9'}",
    ),
    "a damaged byte in a UTF-8 BibTeX file": (
        "refs.bib",
        "% Zoë’s library\n".encode() + b"@misc{a,\n  title = {Caf\xe9},\n  eprint = {2201.11903}\n}\n",
        f"refs.bib:2: title of 2201.11903 contains \\udce9 at character 4: {DAMAGED % 'e9'}",
    ),
    "a damaged byte in a UTF-8 RIS file": (
        "refs.ris",
        "TY  - JOUR\nTI  - Café\nAU  - Müller, Jürgen\n".encode() + b"AB  - Caf\xe9\nER  - \n",
        f"refs.ris:1: abstract of “Café” contains \\udce9 at character 4: {DAMAGED % 'e9'}",
    ),
    "a UTF-16 file cut in the middle of a character": (
        "papers.csv",
        FINE_CSV.encode("utf-16")[:-1],
        "papers.csv:1: not valid UTF-16 though it starts with UTF-16's byte-order mark: truncated data",
    ),
    "UTF-16 without a byte-order mark, whose every other byte is NUL": (
        "papers.csv",
        FINE_CSV.encode("utf-16-le"),
        "papers.csv:1: unknown format",
    ),
    # NUL: PostgreSQL refuses it when writing, SQLite stored it; both must refuse it before anything is written.
    "a NUL byte in a dump abstract": (
        "dump.txt",
        f"{FINE_DUMP}2201.11903\nAn \x00abstract.\n",
        "dump.txt:3: abstract of 2201.11903 contains \\x00 at character 4: NUL characters cannot be stored",
    ),
    "a NUL escape in a JSONL DOI": (
        "papers.jsonl",
        f'{FINE_JSONL}{{"arxiv_id": "2201.11903", "abstract": "x", "doi": "10.1\\u0000/x"}}\n',
        # Not a DOI, so kept as given in extra, where the database would still refuse it.
        "papers.jsonl:2: doi_as_given of 2201.11903 contains \\x00 at character 5: NUL characters cannot be stored",
    ),
    "a NUL byte in a CSV title": (
        "papers.csv",
        f"{FINE_CSV}2201.11903,x,A\x00,\n",
        "papers.csv:3: title of 2201.11903 contains \\x00 at character 2: NUL characters cannot be stored",
    ),
    "a NUL byte in a BibTeX title": (
        "refs.bib",
        bibtex(title="A\x00B", eprint="2201.11903", archivePrefix="arXiv"),
        "refs.bib:1: title of 2201.11903 contains \\x00 at character 2: NUL characters cannot be stored",
    ),
    "a NUL byte in a RIS author": (
        "refs.ris",
        ris("AU  - Vaswani\x00, Ashish", "UR  - https://arxiv.org/abs/1706.03762"),
        "refs.ris:1: author 1 of 1706.03762 contains \\x00 at character 15: NUL characters cannot be stored",
    ),
    # Other C0 controls: an escape sequence in a title, a search-highlight mark in an abstract.
    "an escape character in a CSV abstract": (
        "papers.csv",
        f"{FINE_CSV}2201.11903,\x1b[31mred,,\n",
        f"papers.csv:3: abstract of 2201.11903 contains \\x1b at character 1: {CONTROL_REFUSED}",
    ),
    "a search-highlight mark in a JSONL title": (
        "papers.jsonl",
        f'{FINE_JSONL}{{"arxiv_id": "2201.11903", "abstract": "x", "title": "A \\u0002mark"}}\n',
        f"papers.jsonl:2: title of 2201.11903 contains \\x02 at character 3: {CONTROL_REFUSED}",
    ),
    "a bell in a RIS abstract": (
        "refs.ris",
        ris("AB  - Ring\x07", "UR  - https://arxiv.org/abs/2201.11903"),
        f"refs.ris:1: abstract of 2201.11903 contains \\x07 at character 5: {CONTROL_REFUSED}",
    ),
    # Byte-order marks where two files were joined; one at the very start of a file is fine.
    "a byte-order mark starting a later JSONL line": (
        "papers.jsonl",
        f'{FINE_JSONL}\ufeff{{"arxiv_id": "2201.11903", "abstract": "x"}}\n',
        "papers.jsonl:2: broken JSON line: a byte-order mark (U+FEFF) at the start of the line",
    ),
    "a byte-order mark inside a dump": (
        "dump.txt",
        f"{FINE_DUMP}\ufeff2201.11903\nAn abstract.\n",
        "dump.txt:1: abstract of 2305.06500 contains \\ufeff at character 7: a byte-order mark inside a field",
    ),
    # Sizes: PostgreSQL's search document refuses more than 1 MB; LaTeX decoding is quadratic.
    "an abstract longer than any real one": (
        "papers.jsonl",
        f'{FINE_JSONL}{{"arxiv_id": "2201.11903", "abstract": "{"x" * 50_001}"}}\n',
        "papers.jsonl:2: abstract of 2201.11903 is longer than 50000 characters",
    ),
    "a dump line of a million characters": (
        "dump.txt",
        f"{FINE_DUMP}2201.11903\n{'w ' * 500_000}\n",
        "dump.txt:3: abstract of 2201.11903 is longer than 50000 characters",
    ),
    "a RIS title longer than any real one": (
        "refs.ris",
        ris(f"TI  - {'t' * 50_001}", "UR  - https://arxiv.org/abs/2201.11903"),
        "refs.ris:1: title of 2201.11903 is longer than 50000 characters",
    ),
    "a BibTeX field too long to decode": (
        "refs.bib",
        bibtex(abstract="word " * 40_001, eprint="2201.11903", archivePrefix="arXiv"),
        "refs.bib:1: abstract of @misc{a} is longer than 200000 characters",
    ),
    "a CSV field over csv.field_size_limit": (
        "papers.csv",
        f'{FINE_CSV}2201.11903,"{"x" * 200_000}",,\n',
        "papers.csv:3: broken CSV: field larger than field limit (131072)",
    ),
    "a first line too long to be a CSV header": ("notes.txt", "x" * 200_000 + "\n", "notes.txt:1: unknown format"),
    # What a problem quotes from the file is escaped, so it cannot drive a terminal.
    "an escape sequence in a CSV header": (
        "papers.csv",
        "arxiv_id,\x1b[2Jsummary\n2201.11903,x\n",
        "papers.csv:1: missing CSV column title or abstract (header: arxiv_id, \\x1b[2Jsummary)",
    ),
    "an unclosed BibTeX entry": (
        "refs.bib",
        "@misc{a,\n  title = {Unclosed,\n  eprint = {2201.11903}\n\n" + bibtex(title="B", eprint="2305.06500"),
        "refs.bib:1: unparseable BibTeX entry: Unexpected block start: `@misc`.",
    ),
    # The formats that records without an arXiv id come in.
    "a NUL byte in a MEDLINE title": (
        "refs.nbib",
        "PMID- 1\nTI  - Fine\n\nPMID- 2\nTI  - A\x00B\n",
        "refs.nbib:4: title of PMID:2 contains \\x00 at character 2: NUL characters cannot be stored",
    ),
    "a PubMed id of 5,000 digits": (
        "refs.nbib",
        "PMID- 1\nTI  - Fine\n\nPMID- " + "9" * 5_000 + "\nTI  - A\n",
        "refs.nbib:4: malformed PubMed id '" + "9" * 40 + "': expected digits",
    ),
    "a line that is no MEDLINE tag": (
        "refs.nbib",
        "PMID- 1\nTI  - Fine\nnot a tag line\n",
        "refs.nbib:3: expected a MEDLINE tag line (such as TI  - ), found 'not a tag line'",
    ),
    "a BibTeX title nested 30,000 braces deep": (
        "refs.bib",
        "@article{a,\n  title = {" + "{" * 30_000 + "x" + "}" * 30_000 + "},\n  year = {2020}\n}\n",
        "refs.bib:1: unparseable BibTeX entry: Middleware could not be fully applied: maximum recursion depth exceeded",
    ),
    "a NUL byte in a BibTeX citation key": (
        "refs.bib",
        "@article{a\x00b,\n  title = {T}\n}\n",
        "refs.bib:1: citation_key of “T” contains \\x00 at character 2: NUL characters cannot be stored",
    ),
    "a JSONL extra object nested 11 deep": (
        "papers.jsonl",
        f'{FINE_JSONL}{{"title": "T", "extra": {{"k": {"[" * 10}{"]" * 10}}}}}\n',
        "papers.jsonl:2: extra is nested more than 10 levels deep",
    ),
    "a JSONL extra that is not an object": (
        "papers.jsonl",
        f'{FINE_JSONL}{{"title": "T", "extra": ["a"]}}\n',
        "papers.jsonl:2: extra must be a JSON object, found array",
    ),
    "a JSONL month that is an object": (
        "papers.jsonl",
        f'{FINE_JSONL}{{"title": "T", "month": {{"m": 3}}}}\n',
        "papers.jsonl:2: month must be a number or text, found object",
    ),
    "a Web of Science row with a cell beyond the header": (
        "savedrecs.txt",
        "PT\tTI\tUT\nJ\tFine\tWOS:1\nJ\tT\tWOS:2\tstray\n",
        "savedrecs.txt:3: row has 4 cells but the header names 3 columns",
    ),
    "a NUL byte in a Scopus keyword": (
        "scopus.csv",
        "Title,Author Keywords\nFine,a\nT,good; b\x00d\n",
        "scopus.csv:3: keywords of “T” contains \\x00 at character 6: NUL characters cannot be stored",
    ),
}
