"""Table tests for the pure mapping rules: headers, values, mapping files, coordinate systems, authorities."""

import pytest

from registry.imports import authority_names, mapping
from registry.imports.reading import crs_code

TRANSPARENCY_CODE_HEADERS = [
    "Organisation", "OrganisationLabel", "OrganisationURI", "EffectiveDate", "UPRN", "AssetCode", "PropertyName",
    "StreetNumber", "StreetName", "PostTown", "PostCode", "CoordinateReferenceSystem", "GeoX", "GeoY", "TenureType",
    "TenureDetail", "OtherDetail", "HoldingType", "BuildingSize", "LandArea", "EnergyRating",
]


@pytest.mark.parametrize("header", ["StartDate", "Start Date", "START_DATE", "start.date", "start-date", " Start  date "])
def test_header_names_compare_as_planning_data_does(header):
    assert mapping.header_key(header) == "startdate"


def test_every_transparency_code_field_is_recognised():
    columns = mapping.map_columns(TRANSPARENCY_CODE_HEADERS)

    assert {name: TRANSPARENCY_CODE_HEADERS[i] for name, i in columns.fields.items()} == {
        "effective_date": "EffectiveDate", "uprn": "UPRN", "reference": "AssetCode", "name": "PropertyName",
        "street_number": "StreetNumber", "street": "StreetName", "post_town": "PostTown", "postcode": "PostCode",
        "tenure": "TenureType", "tenure_detail": "TenureDetail", "other_detail": "OtherDetail",
        "holding_type": "HoldingType", "floor_area_m2": "BuildingSize", "site_area_m2": "LandArea"}
    assert {name: TRANSPARENCY_CODE_HEADERS[i] for name, i in columns.coordinates.items()} == {
        "crs": "CoordinateReferenceSystem", "x": "GeoX", "y": "GeoY"}
    # The owner may be named three ways; the URI is the surest, then the name and the label.
    assert [TRANSPARENCY_CODE_HEADERS[i] for i in columns.authority_columns] == [
        "Organisation", "OrganisationURI", "OrganisationLabel"]
    assert columns.unmapped == ["EnergyRating"]


@pytest.mark.parametrize(("headers", "field", "column"), [
    (["Organisation Label", "Site Address", "Holding Type", "Tenure Detail"], "address", "Site Address"),
    (["Organisation Label", "Site Address", "Holding Type", "Tenure Detail"], "holding_type", "Holding Type"),
    (["Organisation Label", "Site Address", "Holding Type", "Tenure Detail"], "tenure_detail", "Tenure Detail"),
    (["id", "AssetCode", "Name"], "reference", "AssetCode"),  # the specific name beats a generic id
    (["reference", "name", "organisation", "point", "start-date", "address-text"], "address", "address-text"),
    (["Relevant authority", "Name of asset", "Address of land or building"], "name", "Name of asset"),
    (["Land Area (ha)"], "site_area_m2", "Land Area (ha)"),
])
def test_other_registers_headers(headers, field, column):
    columns = mapping.map_columns(headers)
    assert headers[columns.fields[field]] == column


def test_duplicate_headers_keep_the_first_and_report_the_rest():
    columns = mapping.map_columns(["AssetCode", "PropertyName", "PropertyName", "Notes 2"])
    assert columns.fields["name"] == 1 and columns.unmapped == ["PropertyName", "Notes 2"]


def test_a_mapping_overrides_the_standard_names():
    columns = mapping.map_columns(["Ref No", "Known As", "Type"], {"Ref No": "reference", "known as": "name",
                                                                  "Type": "extra"})
    assert columns.fields == {"reference": 0, "name": 1} and columns.unmapped == ["Type"]


@pytest.mark.parametrize(("text", "suffix"), [
    ("column,field\nRef No,reference\nKnown As,name\n", ".csv"),
    ('{"Ref No": "reference", "Known As": "name"}', ".json"),
    ("Ref No: reference\nKnown As: name\n", ".yaml"),
])
def test_mapping_files_in_three_formats(text, suffix):
    assert mapping.parse_mapping(text, suffix) == {"Ref No": "reference", "Known As": "name"}


def test_a_mapping_to_an_unknown_field_is_refused_with_the_fields_listed():
    with pytest.raises(mapping.MappingError, match="'Ref No' to 'ref_no', which is not a field: use one of"):
        mapping.parse_mapping('{"Ref No": "ref_no"}', ".json")


@pytest.mark.parametrize(("header", "factor"), [
    ("LandArea", 1.0), ("Land Area (ha)", 10_000.0), ("site_area_hectares", 10_000.0), ("Area (acres)", 4046.8564224),
    ("Floor area sq ft", 0.09290304), ("GIA m²", 1.0),
])
def test_area_units_come_from_the_header(header, factor):
    assert mapping.area_factor(header) == pytest.approx(factor)


@pytest.mark.parametrize(("text", "decimal_comma", "number"), [
    ("450,000", False, 450000.0), ("£1,234,567.50", False, 1234567.5), ("1.234,56", False, 1234.56),
    ("415,05", False, 415.05), ("1 234,5", False, 1234.5), ("1\u00a0234", False, 1234.0), ("1,234", True, 1.234),
    ("12.5 ha", False, 12.5), ("-2.3520922", False, -2.3520922), ("", False, None), ("n/a", False, None),
])
def test_numbers_with_thousands_separators_and_decimal_commas(text, decimal_comma, number):
    assert mapping.parse_number(text, decimal_comma=decimal_comma) == number


@pytest.mark.parametrize("text", ["north", "1,2,3", "12..5"])
def test_what_is_not_a_number(text):
    with pytest.raises(ValueError):
        mapping.parse_number(text)


@pytest.mark.parametrize(("text", "holding"), [
    ("Land", "land"), ("LAND", "land"), ("Land and Building", "land_and_building"), ("Land/Buildings", "land_and_building"),
    ("Buildings", "building"), ("Building", "building"), ("Car Parks", None), ("", None),
    ("Recreational Land and Buildings", "land_and_building"),
])
def test_holding_types(text, holding):
    assert mapping.holding_type(text) == holding


@pytest.mark.parametrize(("label", "name", "holding", "expected"), [
    ("Local authority run library", None, None, ("library", "Local authority run library")),
    ("Parks, Gardens and open space", None, None, ("land", "Parks, Gardens and open space")),
    ("Open Space Land and Allottments", None, None, ("land", "Open Space Land and Allottments")),
    ("Allotments", None, None, ("allotments", None)),
    ("Car Parks", None, None, ("car_park", "Car Parks")),
    ("Public Conveinences", None, None, ("public_toilet", "Public Conveinences")),
    ("Community centre", None, None, ("community_centre", None)),
    ("community_centre", None, None, ("community_centre", None)),
    ("Commercial", None, None, ("other", "Commercial")),
    (None, "Altrincham Town Hall", "building", ("office", None)),
    (None, "Sale Water Park", "land", ("land", None)),
    (None, "Plot of something", None, ("land", None)),
    (None, "Unit 4", "land", ("land", None)),
    (None, "Unit 4", None, ("other", None)),
    ("Former Primary School", None, None, ("former_school", "Former Primary School")),
])
def test_asset_types_from_free_text(label, name, holding, expected):
    assert mapping.asset_type(label, name, holding) == expected


def test_case_variants_of_one_value_become_the_files_usual_spelling():
    assert mapping.merge_case_variants(["Freehold", "FREEHOLD", "freehold ", "Freehold", "Leasehold", None]) == [
        "Freehold", "Freehold", "Freehold", "Freehold", "Leasehold", None]


@pytest.mark.parametrize(("raw", "clean"), [
    ("Freehold\u00a0", "Freehold"), ("10 Berkeley Mews\rHigh Street\r \r ", "10 Berkeley Mews High Street"),
    ("  a\u202fb  ", "a b"), ("\ufeffName", "Name"), (None, ""),
])
def test_text_is_trimmed_and_odd_spaces_cleaned(raw, clean):
    assert mapping.clean_text(raw) == clean


@pytest.mark.parametrize(("value", "code"), [
    ("OSGB36", "27700"), ("EPSG:27700", "27700"), ("British National Grid", "27700"), ("BNG", "27700"),
    ("WGS84", "4326"), ("EPSG:4326", "4326"), ("ETRS89", "4326"), ("Irish Grid", "29903"), ("EPSG:29903", "29903"),
    ("Web Mercator", "3857"), ("", None), ("something else", None),
])
def test_coordinate_systems_named_in_a_column(value, code):
    assert crs_code(value) == code


@pytest.mark.parametrize(("value", "code"), [
    ("E08000009", "E08000009"), ("Trafford Council", "E08000009"), ("Trafford Metropolitan Borough Council", "E08000009"),
    ("Cheltenham Borough Council", "E07000078"), ("City of Edinburgh Council", "S12000036"),
    ("https://opendatacommunities.org/id/metropolitan-district-council/trafford", "E08000009"),
    ("http://opendatacommunities.org/id/district-council/cheltenham", "E07000078"),
    ("local-authority:TRF", "E08000009"), ("local-authority:CHT", "E07000078"),
    ("statistical-geography:E07000078", "E07000078"), ("23UB", "E07000078"), ("00BU", "E08000009"),
    ("London Borough of Camden", "E09000007"), ("Glasgow City Council", "S12000049"), ("Cardiff Council", "W06000015"),
    ("Belfast City Council", "N09000003"), ("Nowhere Parish Council", None), ("", None),
])
def test_authorities_in_the_forms_councils_write_them(value, code):
    assert authority_names.resolve(value) == code
