"""Standard GIS clients read the API: OWSLib's OGC API Features client and GDAL's OAPIF driver."""

import json
import shutil
import subprocess

import pytest

BBOX_LEEDS = [-1.60, 53.78, -1.50, 53.83]


def test_owslib_lists_collections_and_reads_items_with_a_bbox(live_server):
    from owslib.ogcapi.features import Features

    api = Features(live_server.url + "/api")
    collection_ids = [c["id"] for c in api.collections()["collections"]]
    assert {"assets", "authorities"} <= set(collection_ids)
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in api.conformance()["conformsTo"]
    items = api.collection_items("assets", bbox=BBOX_LEEDS, limit=50)
    assert items["features"]
    for feature in items["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert BBOX_LEEDS[0] <= lon <= BBOX_LEEDS[2] and BBOX_LEEDS[1] <= lat <= BBOX_LEEDS[3]
    one = api.collection_item("assets", str(items["features"][0]["id"]))
    assert one["id"] == items["features"][0]["id"]


@pytest.mark.skipif(shutil.which("ogr2ogr") is None, reason="GDAL is installed by bin/setup")
def test_gdal_oapif_driver_reads_the_assets_with_a_spatial_filter(live_server):
    listing = subprocess.run(["ogrinfo", "-ro", "-so", f"OAPIF:{live_server.url}/api"],
                             capture_output=True, text=True, timeout=120)
    assert listing.returncode == 0, listing.stderr
    assert "assets" in listing.stdout and "authorities" in listing.stdout
    result = subprocess.run(
        ["ogr2ogr", "-f", "GeoJSON", "/vsistdout/", "-spat", *map(str, BBOX_LEEDS),
         f"OAPIF:{live_server.url}/api", "assets"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    features = json.loads(result.stdout)["features"]
    assert features
    for feature in features:
        lon, lat = feature["geometry"]["coordinates"]
        assert BBOX_LEEDS[0] <= lon <= BBOX_LEEDS[2] and BBOX_LEEDS[1] <= lat <= BBOX_LEEDS[3]
