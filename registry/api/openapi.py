"""The OpenAPI 3.0 definition, documenting our radius and nearest extensions."""

from .. import search
from ..vocabulary import ASSET_TYPES, SURPLUS_STATUSES
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
           {"type": "number", "exclusiveMinimum": 0, "maximum": search.MAX_RADIUS_M}),
    _param("nearest", "Extension: LON,LAT in WGS84. The `limit` nearest assets, nearest first, each with "
                      "`distance_m`.", {"type": "string", "example": "-3.1883,55.9533"}),
    _param("q", "Extension: words to find in the name, description and address (ranked full-text search; "
                "supports quoted phrases, OR and -exclusions).", {"type": "string", "maxLength": 200}),
    _param("authority", "Extension: GSS code of the owning authority.", {"type": "string", "example": "E08000035"}),
    _param("area", "Extension: GSS code of the district the asset lies in.", {"type": "string"}),
    _param("type", "Extension: asset types, comma-separated.",
           {"type": "array", "items": {"type": "string", "enum": list(ASSET_TYPES)}}, style="form", explode=False),
    _param("status", "Extension: surplus statuses or live statuses, comma-separated.",
           {"type": "array", "items": {"type": "string", "enum": list(SURPLUS_STATUSES) + list(params.LIVE_STATUSES)}},
           style="form", explode=False),
    _param("f", "Output format.", {"type": "string", "enum": ["json", "html"]}),
]


def document(base_url: str) -> dict:
    def ok(description, media="application/json"):
        return {"200": {"description": description, "content": {media: {"schema": {"type": "object"}}}},
                "400": PROBLEM}

    return {
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
            "/places": {"get": {"summary": "Resolve a postcode, postcode district or council name to a point",
                                "operationId": "findPlace",
                                "parameters": [_param("q", "Postcode or place", {"type": "string"}, required=True)],
                                "responses": {**ok("The place"), "404": PROBLEM}}},
            "/locate": {"get": {"summary": "Which district a point is in, and which asset footprints contain it",
                                "operationId": "locate",
                                "parameters": [_param("lon", "Longitude", {"type": "number"}, required=True),
                                               _param("lat", "Latitude", {"type": "number"}, required=True)],
                                "responses": ok("District and assets")}},
            "/deadlines": {"get": {"summary": "Statutory deadlines an event starts",
                                   "operationId": "deadlines",
                                   "parameters": [_param("event", "Event code", {"type": "string"}, required=True),
                                                  _param("date", "YYYY-MM-DD", {"type": "string", "format": "date"},
                                                         required=True)],
                                   "responses": ok("Deadlines")}},
        },
        "components": {"schemas": {"Problem": {
            "type": "object",
            "properties": {"type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
                           "detail": {"type": "string"}, "invalid_param": {"type": "string"}}}}},
    }
