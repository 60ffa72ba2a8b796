"""Files not in UTF-8 are read in the encoding that fits them, and the report says which."""

from papers.importers import parse_source
from papers.models import Paper
from tests.importer_fixtures import DATA, database_snapshot, run_import_papers, write_file


def test_a_latin1_ris_file_is_read_as_windows_1252_and_says_so(db):
    result = run_import_papers(DATA / "latin1.ris")

    assert result.exit_code == 0, result.stderr
    paper = Paper.objects.get()
    assert paper.title == "Étude de la rétinopathie diabétique chez l'adulte"
    assert paper.authors == ["François Lefèvre", "Jürgen Müller"]
    assert paper.venue == "Revue française d'ophtalmologie"
    assert "latin1.ris: not UTF-8: read as Windows-1252 (Latin-1)" in result.stderr


def test_a_gbk_csv_file_is_read_as_gbk(db):
    result = run_import_papers(DATA / "gbk.csv")

    assert result.exit_code == 0, result.stderr
    paper = Paper.objects.get(doi="10.3760/cma.j.issn.0412-4081.2020.01.001")
    assert paper.title == "深度学习在糖尿病视网膜病变筛查中的应用"
    assert paper.authors == ["张伟", "李娜"]
    assert paper.extra["keywords"] == ["深度学习", "视网膜"]
    assert "gbk.csv: not UTF-8: read as GB18030 (GBK)" in result.stderr


def test_short_latin1_files_read_as_western_european_text(db, tmp_path):
    # One accented letter reads as well in Windows-1251 ("Mьller"); the Western reading wins the tie.
    path = write_file(tmp_path, "short.csv", "title\nMüller\n".encode("latin-1"))

    assert run_import_papers(path).exit_code == 0

    assert Paper.objects.get().title == "Müller"


def test_a_utf16_file_with_a_byte_order_mark_is_read(db, tmp_path):
    # Excel's "Unicode text" is UTF-16 with a byte-order mark, tab-separated.
    path = write_file(tmp_path, "excel.txt", "Title\tAbstract\nÜber Netze\tTabs and ü.\n".encode("utf-16"))

    result = run_import_papers(path)

    assert result.exit_code == 0, result.stderr
    assert Paper.objects.get().title == "Über Netze"
    assert "excel.txt: read as UTF-16" in result.stderr


def test_a_utf8_byte_order_mark_is_not_noted(db, tmp_path):
    path = write_file(tmp_path, "bom.ris", "\ufeffTY  - JOUR\nTI  - Café\nER  - \n")

    result = run_import_papers(path)

    assert result.exit_code == 0, result.stderr
    assert Paper.objects.get().title == "Café"
    assert "note" not in result.stderr


def test_damaged_bytes_outside_the_fields_kept_harm_nothing_and_are_noted(db, tmp_path):
    content = (
        b"title,abstract,comment\n"
        + "Café society,Naïve résumé.,".encode()
        + b"broken \xe9 here\n"
        + "Crème,Brûlée.,fine\n".encode()
    )
    path = write_file(tmp_path, "damaged.csv", content)

    result = run_import_papers(path)

    assert result.exit_code == 0, result.stderr
    assert set(Paper.objects.values_list("title", flat=True)) == {"Café society", "Crème"}
    assert "damaged.csv: UTF-8 with 1 damaged byte(s) (line(s) 2)" in result.stderr


def test_a_damaged_byte_in_a_kept_field_fails_the_file_unless_skipped(db, tmp_path):
    content = "title,abstract\nCafé,Naïve.\n".encode() + b"Caf\xe9 two,x\n" + "Crème,Brûlée.\n".encode()
    path = write_file(tmp_path, "damaged.csv", content)
    before = database_snapshot()

    failed = run_import_papers(path)

    assert failed.exit_code != 0
    assert "damaged.csv:3: title of “Caf\\udce9 two” contains \\udce9 at character 4" in failed.stderr
    assert database_snapshot() == before
    skipped = run_import_papers(path, "--skip-invalid")
    assert skipped.exit_code == 0, skipped.stderr
    assert set(Paper.objects.values_list("title", flat=True)) == {"Café", "Crème"}
    assert "damaged.csv:3: skipped: title of" in skipped.stderr


def test_a_file_no_encoding_fits_is_refused_at_the_first_bad_byte(db):
    # 0x81 is undefined in Windows-1252 and starts a two-byte character in the East Asian encodings (not a
    # line break); 0x98 is undefined in Windows-1251.
    parsed = parse_source("odd.csv", b"title\nA\x81\nB\x98\n")

    assert [str(error) for error in parsed.errors] == [
        "odd.csv:2: not valid UTF-8: byte 0x81 cannot be decoded, and no other encoding fits the file; save it as UTF-8"
    ]


def test_damage_far_into_a_long_ascii_file_is_still_judged_as_damaged_utf8(db):
    head = "title\n" + "Plain ASCII title\n" * 200_000  # 3.6 MB before the first accent
    parsed = parse_source("long.csv", head.encode() + "Café naïve crème\n".encode() + b"Caf\xe9\n")

    assert parsed.encoding == "utf-8"
    assert parsed.records[-2].title == "Café naïve crème"
    assert [str(error) for error in parsed.errors] == []
