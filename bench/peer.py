"""The peer: pygeoapi (PyPI) serving the same asset table, bbox workload.

pygeoapi lives in its own virtualenv (default /tmp/pygeoapi-venv, override with
PYGEOAPI_VENV), never in the project's: create it with

    python3 -m venv /tmp/pygeoapi-venv
    /tmp/pygeoapi-venv/bin/pip install pygeoapi psycopg2-binary geoalchemy2 sqlalchemy gunicorn

Its PostgreSQL provider reads a view `bench.asset_public` over the same
`asset` table (the public columns and the point, withheld rows excluded), so
both servers answer the same viewport over the same rows, 100 features a page
with the exact count (pygeoapi always counts). Served by gunicorn with the same
2 workers × 4 threads on another loopback port. Skipped with a reason when the
venv is missing or the server does not start.
"""

from __future__ import annotations

import http.client
import os
import subprocess
import time
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

import psycopg

from bench.dataset import log

VENV = Path(os.environ.get("PYGEOAPI_VENV", "/tmp/pygeoapi-venv"))
PUBLIC_VIEW = """
CREATE OR REPLACE VIEW bench.asset_public AS
SELECT id, name, description, address, postcode, asset_type, condition, occupancy, surplus_status, live_status,
       authority_code, area_code, updated_at, point
FROM public.asset WHERE NOT withheld
"""

CONFIG = """
server:
  bind: {{host: 127.0.0.1, port: {port}}}
  url: http://127.0.0.1:{port}
  mimetype: application/json; charset=UTF-8
  encoding: utf-8
  languages: [en-GB]
  limits: {{default_items: 10, max_items: 1000}}
  map: {{url: '', attribution: ''}}
logging:
  level: ERROR
metadata:
  identification:
    title: bench
    description: bench
    keywords: [bench]
    keywords_type: theme
    terms_of_service: none
    url: http://127.0.0.1
  license: {{name: OGL-UK-3.0, url: https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/}}
  provider: {{name: bench, url: http://127.0.0.1}}
  contact: {{name: bench}}
resources:
  assets:
    type: collection
    title: assets
    description: the same asset table
    keywords: [assets]
    links: []
    extents:
      spatial: {{bbox: [-8.7, 49.8, 1.8, 60.9], crs: http://www.opengis.net/def/crs/OGC/1.3/CRS84}}
    providers:
      - type: feature
        name: PostgreSQL
        data: {{host: {host}, port: {dbport}, dbname: {dbname}, user: {user}, password: {password},
               search_path: [bench, public]}}
        id_field: id
        table: asset_public
        geom_field: point
"""


def run(conninfo: str, our_port: int, bbox_requests: list, args) -> dict:
    result: dict = {"name": "pygeoapi (PostgreSQL provider), gunicorn "
                            f"-w {args.workers} --threads {args.threads}"}
    python = VENV / "bin" / "python"
    if not python.exists():
        return {**result, "skipped": f"no pygeoapi virtualenv at {VENV} (see bench/peer.py)"}
    if not bbox_requests:
        return {**result, "skipped": "the bbox workload was not run"}
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(PUBLIC_VIEW)
    version = subprocess.run([str(python), "-c", "import pygeoapi; print(pygeoapi.__version__)"],
                             capture_output=True, text=True, check=False).stdout.strip()
    result["name"] = f"pygeoapi {version} (PostgreSQL provider), gunicorn -w {args.workers} --threads {args.threads}"

    from bench.run import free_port, run_wrk, stop

    port = free_port()
    workdir = Path(args.peer_dir if getattr(args, "peer_dir", None) else "/tmp/bench-pygeoapi")
    workdir.mkdir(parents=True, exist_ok=True)
    config = workdir / "pygeoapi-config.yml"
    config.write_text(CONFIG.format(port=port, host=args.host, dbport=args.port, dbname=args.database,
                                    user=args.user, password=args.password))
    openapi = workdir / "openapi.yml"
    env = {**os.environ, "PYGEOAPI_CONFIG": str(config), "PYGEOAPI_OPENAPI": str(openapi)}
    generated = subprocess.run([str(VENV / "bin" / "pygeoapi"), "openapi", "generate", str(config),
                                "--output-file", str(openapi)], env=env, capture_output=True, text=True, check=False)
    if generated.returncode != 0:
        return {**result, "skipped": f"pygeoapi openapi generate failed: {generated.stderr[-500:]}"}
    log(f"starting pygeoapi on 127.0.0.1:{port}")
    server = subprocess.Popen(
        [str(VENV / "bin" / "gunicorn"), "-w", str(args.workers), "--threads", str(args.threads), "-b",
         f"127.0.0.1:{port}", "--keep-alive", "30", "--log-level", "warning", "pygeoapi.flask_app:APP"],
        cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        if not wait_for(port, server):
            return {**result, "skipped": "pygeoapi did not start: "
                    + (server.stderr.read().decode()[-500:] if server.poll() is not None else "timeout")}
        rows = []
        ours = [r.url for r in bbox_requests]
        theirs = [peer_url(url) for url in ours]
        check = first_response(port, theirs[0])
        if check[0] != 200:
            return {**result, "skipped": f"pygeoapi answered {check[0]}: {check[1][:300]!r}"}
        our_http, peer_http = alternate(our_port, ours, port, theirs)
        for server_name, r, p, urls in (("registry (this app)", our_http, our_port, ours),
                                        ("pygeoapi", peer_http, port, theirs)):
            row = {"workload": "bbox 2 × 1.5 km, limit 100, exact count", "server": server_name, **r}
            if args.wrk_seconds:
                w = run_wrk(p, urls, args.wrk_seconds, args.wrk_connections)
                if w:
                    row["wrk_requests_per_s"] = w.get("requests_per_s")
                    row["wrk"] = w
            rows.append(row)
        result["rows"] = rows
        result["ratio_p50"] = round(peer_http["p50_ms"] / our_http["p50_ms"], 1)
        result["ratio_requests_per_s"] = round(our_http["requests_per_s"] / peer_http["requests_per_s"], 1)
        result["note"] = (f"One client: this app answers the same viewport {result['ratio_requests_per_s']}× "
                          f"as many requests per second as pygeoapi (p50 {result['ratio_p50']}× lower).")
        if args.wrk_seconds and all(r.get("wrk_requests_per_s") for r in rows):
            result["ratio_wrk"] = round(rows[0]["wrk_requests_per_s"] / rows[1]["wrk_requests_per_s"], 1)
            result["note"] += (f" At {args.wrk_connections} connections (wrk): "
                               f"{result['ratio_wrk']}× the requests per second.")
        return result
    finally:
        stop(server)


def alternate(our_port: int, ours: list[str], their_port: int, theirs: list[str], block: int = 20):
    """Both servers over the same viewports, alternating in blocks, after a warm-up of 20 each."""
    from bench.run import HttpClient, feature_count, summary

    clients = (HttpClient(our_port), HttpClient(their_port))
    lists = (ours, theirs)
    times, walls, features = ([], []), [0.0, 0.0], [0, 0]
    try:
        for side in (0, 1):
            for url in lists[side][-20:]:
                clients[side].request(url)
        for start in range(0, len(ours), block):
            for side in (0, 1):
                t0 = time.perf_counter()
                for url in lists[side][start:start + block]:
                    elapsed, status, body = clients[side].request(url)
                    times[side].append(elapsed)
                    features[side] += feature_count(body) if status == 200 else 0
                walls[side] += time.perf_counter() - t0
    finally:
        for client in clients:
            client.close()
    return tuple(summary(times[side], walls[side], features[side]) for side in (0, 1))


def peer_url(our_url: str) -> str:
    query = parse_qs(urlparse(our_url).query)
    return "/collections/assets/items?" + urlencode({"bbox": query["bbox"][0], "limit": query["limit"][0],
                                                      "f": "json"})


def first_response(port: int, url: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", url)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body


def wait_for(port: int, process: subprocess.Popen, seconds: float = 60) -> bool:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            return False
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/conformance?f=json")
            if conn.getresponse().status == 200:
                return True
        except OSError:
            time.sleep(0.3)
    return False
