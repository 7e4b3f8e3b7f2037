"""Text files as councils save them: delimiters, encodings, decimal commas, blank rows; and the command's --mapping."""

from pathlib import Path

import pytest
from pyproj import Geod, Transformer

from registry import imports

LEEDS = "E08000035"
GEOD = Geod(ellps="WGS84")
HELMERT = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
MAPPING = Path(__file__).resolve().parents[2] / "fixtures" / "samples" / "councils" / "formats" / "shapefile_mapping.yaml"

ROWS = [
    ("AssetCode", "PropertyName", "GeoX", "GeoY", "LandArea (ha)", "TenureType"),
    ("TXT-1", "Café on Briggate", "430150", "433450", "0,25", "FREEHOLD"),
    ("TXT-2", "Kirkgate Market \u2013 stalls", "430500", "433300", "1.234,5", "Freehold"),
]


def write(path: Path, delimiter: str, encoding: str, line_end: str = "\r\n", blank_tail: int = 2) -> Path:
    lines = [delimiter.join(row) for row in ROWS] + [delimiter * (len(ROWS[0]) - 1)] * blank_tail
    path.write_bytes((line_end.join(lines) + line_end).encode(encoding))
    return path


@pytest.mark.parametrize(("delimiter", "encoding", "suffix", "fmt"), [
    (";", "cp1252", ".csv", "csv"),
    ("\t", "utf-16", ".txt", "tsv"),
    ("|", "utf-8-sig", ".csv", "csv"),
    (";", "utf-8", ".csv", "csv"),
], ids=["semicolon-cp1252", "tab-utf16", "bar-bom", "semicolon-utf8"])
def test_any_delimiter_any_encoding_decimal_commas_and_blank_rows(db_session, tmp_path, delimiter, encoding, suffix,
                                                                   fmt):
    path = write(tmp_path / f"assets{suffix}", delimiter, encoding)

    parsed = imports.reading.read(path, "auto", None, LEEDS)
    records, rejected = imports.check_rows(parsed, LEEDS, None)

    assert parsed.format == fmt and rejected == [] and parsed.problems == []
    assert len(records) == 2 and [n for n, _ in records] == [2, 3]  # the blank rows are not records
    cafe, market = (record for _, record in records)
    assert (cafe.name, market.name) == ("Café on Briggate", "Kirkgate Market \u2013 stalls")
    # 0,25 ha and 1.234,5 ha (a semicolon file writes decimal commas) in square metres.
    assert (str(cafe.site_area_m2), str(market.site_area_m2)) == ("2500", "12345000")
    assert cafe.tenure == market.tenure == "Freehold"  # FREEHOLD merged into the file's usual spelling
    lon, lat = HELMERT.transform(430150, 433450)
    assert GEOD.inv(lon, lat, cafe.point.x, cafe.point.y)[2] < 5


def test_a_quoted_cell_with_bare_carriage_returns_is_one_spreadsheet_row(db_session, tmp_path):
    path = tmp_path / "cr.csv"
    path.write_bytes(b'reference,name,address,lon,lat\r\nCR-1,Hall,"1 High Street\rLeeds\r ",-1.55,53.8\r\n'
                     b'CR-2,Library,"2 Low Street",-1.56,53.81\r\n')

    report = imports.import_file(path, default_authority=LEEDS)

    assert report.rejected == [] and report.total == 2
    parsed = imports.reading.read(path, "auto", None, LEEDS)
    assert parsed.numbers == [2, 3] and parsed.raws[0]["address"] == "1 High Street Leeds"


def test_the_command_takes_a_mapping_file(app, db_session, tmp_path):
    path = tmp_path / "own.csv"
    path.write_text("PropertyNa,AssetCode,GeoX,GeoY\nOwn Hall,MAP-1,-1.55,53.80\n")
    runner = app.test_cli_runner()

    without = runner.invoke(args=["assets", "import", str(path), "--authority", "Leeds City Council"])
    mapped = runner.invoke(args=["assets", "import", str(path), "--authority", "Leeds City Council",
                                 "--mapping", str(MAPPING)])
    bad = tmp_path / "bad.json"
    bad.write_text('{"PropertyNa": "title"}')
    refused = runner.invoke(args=["assets", "import", str(path), "--mapping", str(bad)])

    assert without.exit_code == 1 and "Enter the name" in without.output
    assert "Columns kept as extra details (not mapped to a field): PropertyNa" in without.output
    assert mapped.exit_code == 0, mapped.output
    assert "1 added" in mapped.output
    assert refused.exit_code == 2 and "'PropertyNa' to 'title', which is not a field" in refused.output


def test_the_planning_data_acv_csv_reads_its_organisation_curie_and_wkt_point(db_session, tmp_path):
    # As planning.data publishes it: `organisation` as a statistical-geography CURIE, `point` as WKT.
    path = tmp_path / "asset-of-community-value.csv"
    path.write_text("reference,name,organisation,point,entry-date,start-date\n"
                    'ACV-1,The Fox,statistical-geography:E08000035,POINT(-1.548567 53.801277),2024-01-31,2023-12-01\n'
                    'ACV-2,The Hare,local-authority:LDS,"POINT (-1.55 53.8)",2024-02-01,\n')

    parsed = imports.reading.read(path, "auto", None, None)
    records, rejected = imports.check_rows(parsed, None, None)

    assert rejected == [] and parsed.ignored_columns == ["start-date"]
    fox, hare = (record for _, record in records)
    assert (fox.authority_code, hare.authority_code) == (LEEDS, LEEDS)
    assert (fox.point.x, fox.point.y) == (-1.548567, 53.801277) and str(fox.effective_date) == "2024-01-31"
    assert fox.extra == {"start-date": "2023-12-01"} and hare.extra == {}
