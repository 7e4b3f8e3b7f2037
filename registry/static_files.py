"""Static files: fingerprinted, compressed, cached for a year, served by WhiteNoise.

``python -m registry.static_files`` (run by bin/build-assets) copies every file
under registry/static/{css,js,vendor} to a fingerprinted name beside it
(``app.css`` -> ``app.3f2a9c0d1b4e.css``), writes ``registry/static/manifest.json``
and pre-compresses them (gzip and brotli) with WhiteNoise's compressor. The app
then asks for the fingerprinted name wherever it writes a static URL
(``url_for('static', ...)`` and the map scripts), and WhiteNoise serves it with
``Cache-Control: max-age=31536000, public, immutable`` and the compressed
variant the browser accepts: a revisit costs no request. A file without a
fingerprint (a missing manifest, an image a stylesheet names) gets a short cache.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sys
from functools import lru_cache
from pathlib import Path

STATIC_ROOT = Path(__file__).resolve().parent / "static"
MANIFEST = STATIC_ROOT / "manifest.json"
FINGERPRINTED_DIRS = ("css", "js", "vendor")
ONE_YEAR = 31_536_000
SHORT_CACHE = 300
_FINGERPRINT = re.compile(r"\.[0-9a-f]{12}\.[A-Za-z0-9]+$")
_COMPRESSED = (".gz", ".br")


def fingerprinted(url_or_path: str) -> bool:
    return bool(_FINGERPRINT.search(url_or_path))


def build(root: Path = STATIC_ROOT) -> dict[str, str]:
    """Fingerprinted copies, the manifest and their .gz/.br variants. Idempotent."""
    manifest: dict[str, str] = {}
    keep: set[Path] = set()
    for directory in FINGERPRINTED_DIRS:
        for path in sorted((root / directory).rglob("*")):
            if not path.is_file() or fingerprinted(path.name) or path.suffix in _COMPRESSED:
                continue
            if path.suffix == ".map":
                continue  # source maps are found by their unhashed name
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            target = path.with_name(f"{path.stem}.{digest}{path.suffix}")
            if not target.exists():
                shutil.copyfile(path, target)
            keep.add(target)
            manifest[path.relative_to(root).as_posix()] = target.relative_to(root).as_posix()
    # Old fingerprints (and their compressed variants) go.
    for directory in FINGERPRINTED_DIRS:
        for path in (root / directory).rglob("*"):
            base = path.with_suffix("") if path.suffix in _COMPRESSED else path
            if path.is_file() and fingerprinted(base.name) and base not in keep:
                path.unlink()
    (root / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    from whitenoise.compress import Compressor

    compressor = Compressor(quiet=True)
    for name in manifest.values():
        path = root / name
        if compressor.should_compress(path.name) and not Path(f"{path}.gz").exists():
            list(compressor.compress(str(path)))
    return manifest


@lru_cache(maxsize=1)
def manifest() -> dict[str, str]:
    try:
        return json.loads(MANIFEST.read_text())
    except (OSError, ValueError):
        return {}


def url_path(filename: str) -> str:
    """The fingerprinted name of a static file (the name itself when it has none)."""
    return manifest().get(filename.lstrip("/"), filename)


def init_app(app) -> None:
    """Serve /static through WhiteNoise; every static URL the app writes is fingerprinted."""
    from whitenoise import WhiteNoise

    manifest.cache_clear()

    @app.url_defaults
    def _fingerprint_static(endpoint, values):
        if endpoint == "static" and "filename" in values:
            values["filename"] = url_path(values["filename"])

    def add_headers(headers, path, url):
        if fingerprinted(url):
            headers["Cache-Control"] = f"max-age={ONE_YEAR}, public, immutable"
        else:
            headers["Cache-Control"] = f"public, max-age={SHORT_CACHE}"

    app.wsgi_app = WhiteNoise(app.wsgi_app, root=str(STATIC_ROOT), prefix="static/", max_age=ONE_YEAR,
                              add_headers_function=add_headers)


if __name__ == "__main__":
    built = build()
    print(f"static files: {len(built)} fingerprinted and compressed", file=sys.stderr)
