"""Static files through WhiteNoise: fingerprinted names, gzip/brotli, a year's cache."""

import re

from registry import static_files


def test_a_fingerprinted_file_is_compressed_and_cached_for_a_year(client):
    page = client.get("/").get_data(as_text=True)
    href = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', page)
    assert href, "the page links the fingerprinted stylesheet"
    for encoding in ("br", "gzip"):
        response = client.get(href.group(1), headers={"Accept-Encoding": encoding})
        assert response.status_code == 200
        assert response.headers["Content-Encoding"] == encoding
        assert "max-age=31536000" in response.headers["Cache-Control"]
        assert "immutable" in response.headers["Cache-Control"]
    plain = client.get(href.group(1))
    assert "Content-Encoding" not in plain.headers and b".app-map" in plain.data  # the CSS itself, uncompressed


def test_an_unfingerprinted_name_gets_only_a_short_cache(client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert "max-age=31536000" not in response.headers["Cache-Control"]


def test_the_fingerprint_is_the_content_hash():
    import hashlib

    name = static_files.url_path("js/asset-map.js")
    source = (static_files.STATIC_ROOT / "js" / "asset-map.js").read_bytes()
    assert name == f"js/asset-map.{hashlib.sha256(source).hexdigest()[:12]}.js"
