"""The OpenAPI 3.0 definition, documenting our radius and nearest extensions."""

from .. import search
from ..vocabulary import ASSET_TYPES, PUBLIC_STATUSES
from . import params


def _param(name, description, schema, *, required=False, style=None, explode=None):
    entry = {"name": name, "in": "query", "required": required, "description": description, "schema": schema}
    if style:
        entry["style"], entry["explode"] = style, explode
    return entry


PROBLEM = {"description": "A parameter is invalid; the body names it (`invalid_param`).",
           "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}

ITEMS_PARAMETERS = [
    _param("bbox", "Only features whose point lies in this box: minx,miny,maxx,maxy (in bbox-crs).",
           {"type": "array", "items": {"type": "number"}, "minItems": 4, "maxItems": 6}, style="form",
           explode=False),
    _param("bbox-crs", "CRS of bbox (OGC API Features Part 2).", {"type": "string", "enum": list(params.SUPPORTED_CRS)}),
    _param("crs", "CRS of the returned geometries (Part 2). EPSG:27700 uses OSTN15.",
           {"type": "string", "enum": list(params.SUPPORTED_CRS)}),
    _param("limit", f"Features per page (1–{search.MAX_LIMIT}; larger values are clamped).",
           {"type": "integer", "minimum": 1, "maximum": search.MAX_LIMIT, "default": 10}),
    _param("offset", "Features to skip.", {"type": "integer", "minimum": 0, "default": 0}),
    _param("after", "Keyset cursor used by `next` links when results are ordered by id.",
           {"type": "integer", "minimum": 0}),
    _param("near", "Extension: LON,LAT in WGS84. With `radius`, only assets within the radius, "
                   "nearest first, each with a `distance_m` property (metres on the WGS84 spheroid).",
           {"type": "string", "example": "-1.5491,53.8008"}),
    _param("radius", f"Extension: radius in metres for `near` (up to {search.MAX_RADIUS_M}).",
           {"type": "number", "minimum": 0, "exclusiveMinimum": True, "maximum": search.MAX_RADIUS_M}),
    _param("nearest", "Extension: LON,LAT in WGS84. The `limit` nearest assets, nearest first, each with "
                      "`distance_m`.", {"type": "string", "example": "-3.1883,55.9533"}),
    _param("q", "Extension: words to find in the name, description and address (ranked full-text search; "
                "supports quoted phrases, OR and -exclusions). Assets whose name holds all the words come first, "
                "then name and address, then anywhere; within each, the oldest record first. `numberMatched` is "
                "left out when counting common words would cost more than the page.",
           {"type": "string", "maxLength": 200}),
    _param("authority", "Extension: GSS code of the owning authority.", {"type": "string", "example": "E08000035"}),
    _param("area", "Extension: GSS code of the district, or of an imported ward or parish, the asset lies in.", {"type": "string"}),
    _param("type", "Extension: asset types, comma-separated.",
           {"type": "array", "items": {"type": "string", "enum": list(ASSET_TYPES)}}, style="form", explode=False),
    _param("status", "Extension: surplus statuses or live statuses, comma-separated.",
           {"type": "array", "items": {"type": "string", "enum": list(PUBLIC_STATUSES)}},
           style="form", explode=False),
    _param("f", "Output format.", {"type": "string", "enum": ["json", "html"]}),
    # Appended last: other operations pick parameters from this list by position.
    _param("include_approximate", "Extension: with `near` or `nearest`, also count assets whose point is "
                                  "approximate (`location_source` postcode or postcode_district). Assets "
                                  "with no location (`none`) are never in a spatial answer.",
           {"type": "boolean", "default": False}),
]


def document(base_url: str) -> dict:
    def ok(description, media="application/json"):
        return {"200": {"description": description, "content": {media: {"schema": {"type": "object"}}}},
                "400": PROBLEM}

    document = {
        "openapi": "3.0.3",
        "info": {"title": "Community Asset Registry API", "version": "1.0.0",
                 "description": "OGC API – Features over public buildings and land, with radius and nearest "
                                "search, and the public deadline and clawback calculators.",
                 "license": {"name": "Open Government Licence v3.0"}},
        "servers": [{"url": f"{base_url}/api"}],
        "paths": {
            "/": {"get": {"summary": "Landing page", "operationId": "getLandingPage", "responses": ok("Links")}},
            "/conformance": {"get": {"summary": "Conformance classes", "operationId": "getConformance",
                                     "responses": ok("Conformance")}},
            "/collections": {"get": {"summary": "Collections", "operationId": "getCollections",
                                     "responses": ok("Collections")}},
            "/collections/{collectionId}": {"get": {
                "summary": "A collection", "operationId": "describeCollection",
                "parameters": [{"name": "collectionId", "in": "path", "required": True,
                                "schema": {"type": "string", "enum": ["assets", "authorities"]}}],
                "responses": {**ok("Collection"), "404": PROBLEM}}},
            "/collections/assets/items": {"get": {
                "summary": "Find assets", "operationId": "getAssets", "parameters": ITEMS_PARAMETERS,
                "responses": ok("Assets as GeoJSON", "application/geo+json")}},
            "/collections/assets/items/{featureId}": {"get": {
                "summary": "One asset", "operationId": "getAsset",
                "parameters": [{"name": "featureId", "in": "path", "required": True, "schema": {"type": "integer"}},
                               ITEMS_PARAMETERS[2]],
                "responses": {**ok("An asset", "application/geo+json"), "404": PROBLEM}}},
            "/collections/authorities/items": {"get": {
                "summary": "Local authority districts", "operationId": "getAuthorities",
                "parameters": [ITEMS_PARAMETERS[0], ITEMS_PARAMETERS[1], ITEMS_PARAMETERS[3],
                               ITEMS_PARAMETERS[4]],
                "responses": ok("Districts", "application/geo+json")}},
            "/collections/authorities/items/{featureId}": {"get": {
                "summary": "One district", "operationId": "getAuthority",
                "parameters": [{"name": "featureId", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {**ok("A district", "application/geo+json"), "404": PROBLEM}}},
            "/places": {"get": {"summary": "Resolve a postcode, postcode district, town, ward, parish or council name "
                                           "to a point (404 for an unknown postcode, with `suggestions`)",
                                "operationId": "findPlace",
                                "parameters": [_param("q", "Postcode or place", {"type": "string"}, required=True)],
                                "responses": {**ok("The place"), "404": PROBLEM}}},
            "/locate": {"get": {"summary": "Which district, wards and parish a point is in, and which asset footprints "
                                           "contain it",
                                "operationId": "locate",
                                "parameters": [_param("lon", "Longitude", {"type": "number"}, required=True),
                                               _param("lat", "Latitude", {"type": "number"}, required=True)],
                                "responses": ok("District and assets")}},
            "/rights": {"get": {"summary": "Community rights on an asset, a point or a postcode on a day: each "
                                           "open right (who may use it, what it needs, what happens next and by "
                                           "when, a link that starts it) and each closed one (why, until when)",
                                "operationId": "rightsAt",
                                "parameters": [_param("asset", "Asset id", {"type": "integer"}),
                                               _param("lon", "Longitude (with lat)", {"type": "number"}),
                                               _param("lat", "Latitude (with lon)", {"type": "number"}),
                                               _param("postcode", "A UK postcode", {"type": "string"}),
                                               _param("date", "YYYY-MM-DD (default: today in the UK)",
                                                      {"type": "string", "format": "date"})],
                                "responses": {**ok("Open and closed rights"), "404": PROBLEM}}},
            "/deadlines": {"get": {"summary": "Statutory deadlines an event starts",
                                   "operationId": "deadlines",
                                   "parameters": [_param("event", "Event code", {"type": "string"}, required=True),
                                                  _param("date", "YYYY-MM-DD", {"type": "string", "format": "date"},
                                                         required=True)],
                                   "responses": ok("Deadlines")}},
        },
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                                      "description": "An API token from /account, scoped to "
                                                                     "the officer's authority."}},
                       "schemas": {"Problem": {
            "type": "object",
            "properties": {"type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
                           "detail": {"type": "string"}, "invalid_param": {"type": "string"}}}}},
    }
    for path, operations in _write_and_workflow_paths(ok).items():
        document["paths"].setdefault(path, {}).update(operations)
    return document


def _json_body(description: str, media: str = "application/json") -> dict:
    return {"required": True, "description": description, "content": {media: {"schema": {"type": "object"}}}}


def _write_and_workflow_paths(ok) -> dict:
    secured = [{"bearer": []}]
    denied = {"401": PROBLEM, "403": PROBLEM}
    feature_id = {"name": "featureId", "in": "path", "required": True, "schema": {"type": "integer"}}
    geojson_body = _json_body("A GeoJSON Feature: Point or (Multi)Polygon geometry and the asset's properties "
                              "(authority_code, reference, name, asset_type, ...). `Content-Crs: "
                              f"<{params.EPSG27700}>` sends British National Grid.", "application/geo+json")
    return {
        "/collections/assets/items": {
            "post": {"summary": "Create an asset (OGC API Features Part 4)", "operationId": "createAsset",
                     "security": secured, "requestBody": geojson_body,
                     "responses": {"201": {"description": "Created; Location names it"}, "400": PROBLEM,
                                   **denied}}},
        "/collections/assets/items/{featureId}": {
            "put": {"summary": "Replace an asset", "operationId": "replaceAsset", "security": secured,
                    "parameters": [feature_id], "requestBody": geojson_body,
                    "responses": {"200": {"description": "Replaced"}, "400": PROBLEM, **denied, "404": PROBLEM}},
            "patch": {"summary": "Change some of an asset's properties", "operationId": "updateAsset",
                      "security": secured, "parameters": [feature_id], "requestBody": geojson_body,
                      "responses": {"200": {"description": "Updated"}, "400": PROBLEM, **denied, "404": PROBLEM}},
            "delete": {"summary": "Delete an asset", "operationId": "deleteAsset", "security": secured,
                       "parameters": [feature_id],
                       "responses": {"204": {"description": "Deleted"}, **denied, "404": PROBLEM,
                                     "409": PROBLEM}}},
        "/clawback/calculate": {"post": {
            "summary": "Work out what a clawback condition would recover if triggered",
            "operationId": "calculateClawback",
            "requestBody": _json_body("method (full, stepped_taper, straight_line, proceeds_share, indexed, "
                                      "overage), principal, start_date, end_date, trigger_date and, by method, "
                                      "taper, share, net_proceeds, index, index_values, fixed_rate, base_value, "
                                      "value_at_trigger, allowable_costs, cap"),
            "responses": ok("`amount_due` as a decimal string and the worked `steps`")}},
        "/registers": {"get": {"summary": "The public registers", "operationId": "registers",
                               "responses": ok("Registers")}},
        "/registers/{name}": {"get": {
            "summary": "One public register", "operationId": "register",
            "parameters": [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {**ok("Entries"), "404": PROBLEM}}},
        "/dashboard": {"get": {
            "summary": "The whole register's dashboard: assets by status, cases by process and state, time to "
                       "decision against the limit (statutory; for Right to Challenge the date the council promised; "
                       "a community asset transfer has none: its row's limit is \"none\" and its share in time "
                       "and limit days are null), by council and year, transfers, live clawback",
            "operationId": "dashboard", "responses": ok("Each chart's name, title, CSV link, columns and rows")}},
        "/authorities/{code}/dashboard": {"get": {
            "summary": "One council's dashboard (the same charts)", "operationId": "authorityDashboard",
            "parameters": [{"name": "code", "in": "path", "required": True, "schema": {"type": "string"},
                            "description": "GSS code of the council"}],
            "responses": {**ok("Each chart's name, title, CSV link, columns and rows"), "404": PROBLEM}}},
        "/cases/{caseId}": {"get": {
            "summary": "A case's public record: state, timeline and deadlines", "operationId": "getCase",
            "parameters": [{"name": "caseId", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "responses": {**ok("The case; with community_support {in_area, outside_area, total, area, open} "
                               "when the group opened a statement of support (counts only, never a supporter)"),
                          "404": PROBLEM}}},
        "/cases/{caseId}/transitions": {"post": {
            "summary": "Take a step in a case's process", "operationId": "transitionCase", "security": secured,
            "parameters": [{"name": "caseId", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "requestBody": _json_body("{action, data, version}; data may carry effective_date (YYYY-MM-DD, the "
                                      "day it happened in law) and late_entry_reason (private)"),
            "responses": {**ok("The case after the step"), **denied, "409": PROBLEM}}},
        "/cases/{caseId}/corrections": {"post": {
            "summary": "Correct the record: supersede the case's steps back to one (officers)",
            "operationId": "correctCase", "security": secured,
            "parameters": [{"name": "caseId", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "requestBody": _json_body("{event_id, reason}"),
            "responses": {**ok("The case after the correction"), "400": PROBLEM, **denied, "409": PROBLEM}}},
        "/cases/{caseId}/ros-status": {"post": {
            "summary": "Record what Registers of Scotland shows for a Scottish right-to-buy case (officers)",
            "operationId": "recordRosStatus", "security": secured,
            "parameters": [{"name": "caseId", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "requestBody": _json_body("{register (RCIL|RoACBL), status, ros_reference, status_date (YYYY-MM-DD), "
                                      "note?}"),
            "responses": {**ok("The case, with registers_of_scotland"), "400": PROBLEM, **denied}}},
        "/transfers/obligations": {"get": {
            "summary": "Live clawback obligations", "operationId": "obligations",
            "parameters": [_param("authority", "GSS code", {"type": "string"}),
                           _param("organisation", "Organisation id", {"type": "integer"}),
                           _param("f", "Format", {"type": "string", "enum": ["json", "geojson", "csv"]})],
            "responses": ok("Obligations")}},
        "/map/clusters": {"get": {
            "summary": "What the map shows in a view: clusters (zoom ≤ 14) or assets, footprints from zoom 16",
            "operationId": "mapClusters",
            "parameters": [_param("bbox", "minlon,minlat,maxlon,maxlat", {"type": "string"}, required=True),
                           _param("zoom", "Map zoom 0–22", {"type": "integer", "minimum": 0, "maximum": 22}),
                           ITEMS_PARAMETERS[13], ITEMS_PARAMETERS[14], ITEMS_PARAMETERS[11]],
            "responses": {**ok("Clusters with counts by status, or assets", "application/geo+json"),
                          "304": {"description": "Not modified since the ETag given"}}}},
        "/transfers": {"post": {"summary": "Record a completed (historic) transfer", "operationId": "createTransfer",
                                "security": secured, "requestBody": _json_body("The transfer and its conditions"),
                                "responses": {"201": {"description": "Recorded"}, "400": PROBLEM, **denied}}},
        "/transfers/conditions": {"post": {
            "summary": "Attach a clawback condition to a transfer or an asset", "operationId": "createCondition",
            "security": secured, "requestBody": _json_body("The condition"),
            "responses": {"201": {"description": "Recorded"}, "400": PROBLEM, **denied}}},
        "/transfers/conditions/{conditionId}/trigger": {"post": {
            "summary": "Log a trigger; answers the recorded calculation", "operationId": "triggerCondition",
            "security": secured,
            "parameters": [{"name": "conditionId", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "requestBody": _json_body("trigger, trigger_date and the figures the method needs"),
            "responses": {**ok("The calculation"), **denied, "404": PROBLEM}}},
        "/transfers/index-values": {"put": {
            "summary": "Update the authority's CPI/RPI table", "operationId": "putIndexValues", "security": secured,
            "requestBody": _json_body("{series, values: {YYYY-MM: level}}"),
            "responses": {**ok("Stored"), **denied}}},
        "/imports": {"post": {
            "summary": "Import a council's file of assets (the import page's pipeline)", "operationId": "createImport",
            "security": secured,
            "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                "type": "object", "required": ["file"],
                "properties": {
                    "file": {"type": "string", "format": "binary",
                             "description": "CSV/TSV, XLSX, ODS, GeoJSON, GeoPackage, zipped Shapefile or KML"},
                    "authority": {"type": "string", "description": "GSS code; the token's authority by default"},
                    "mapping": {"type": "string", "description": "JSON object: column name -> field "
                                "(\"extra\" = not imported); the authority's saved mapping by default"},
                    "dry_run": {"type": "string", "enum": ["true", "false"]},
                    "retire_missing": {"type": "string", "enum": ["true", "false"]}}}}}},
            "responses": {"201": {"description": "Imported at once (a small file): the summary"},
                          "202": {"description": "Queued (a long file): Location is the status URL"},
                          "400": PROBLEM, **denied,
                          "422": {"description": "The file was read and refused: its problems by row"}}}},
        "/imports/{importId}": {"get": {
            "summary": "The status (queued, running, done, failed), progress and summary of an import",
            "operationId": "getImport", "security": secured,
            "parameters": [{"name": "importId", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "responses": {**ok("The import"), **denied, "404": PROBLEM}}},
        "/transfers/map": {"get": {"summary": "Assets with live conditions, for a map layer",
                                   "operationId": "obligationsMap",
                                   "responses": ok("GeoJSON", "application/geo+json")}},
    }
