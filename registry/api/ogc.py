"""OGC API – Features (Part 1 Core, Part 2 CRS) over the asset register.

Documented extensions on /collections/assets/items: near+radius, nearest, q,
authority, area, type, status (see /api/openapi). JSON by default; `f=html`
or an Accept header preferring HTML gives a page.
"""

from datetime import UTC, datetime
from urllib.parse import urlencode

from flask import Blueprint, Response, render_template, request

from .. import authorities as authority_register
from .. import search
from ..errors import InvalidInput, NotFound
from ..permissions import public
from . import geojson, openapi, params

bp = Blueprint("api_ogc", __name__, url_prefix="/api")

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
]
UK_EXTENT = [-8.7, 49.8, 1.8, 60.9]


def base_url() -> str:
    return request.host_url.rstrip("/")


def wants_html() -> bool:
    f = request.args.get("f")
    if f:
        if f not in ("json", "html", "geojson"):
            raise InvalidInput("f must be json or html.", field="f")
        return f == "html"
    best = request.accept_mimetypes.best_match(["application/json", "application/geo+json", "text/html"])
    return best == "text/html"


def json_response(document, mimetype="application/json", headers=None) -> Response:
    return Response(geojson.dumps(document), mimetype=mimetype, headers=headers or {})


def link(href, rel, type_, title=None) -> dict:
    entry = {"href": href, "rel": rel, "type": type_}
    if title:
        entry["title"] = title
    return entry


def collection_document(collection_id: str) -> dict:
    root = base_url()
    titles = {
        "assets": ("Public buildings and land",
                   "Assets owned by councils and other public bodies, with their use, condition and status."),
        "authorities": ("Local authority districts",
                        "Councils with their area. Boundaries are approximate unless official ONS boundaries "
                        "have been imported."),
    }
    title, description = titles[collection_id]
    document = {
        "id": collection_id,
        "title": title,
        "description": description,
        "itemType": "feature",
        "extent": {"spatial": {"bbox": [UK_EXTENT], "crs": params.CRS84}},
        "crs": list(params.SUPPORTED_CRS),
        "storageCrs": params.CRS84,
        "links": [
            link(f"{root}/api/collections/{collection_id}", "self", "application/json"),
            link(f"{root}/api/collections/{collection_id}?f=html", "alternate", "text/html"),
            link(f"{root}/api/collections/{collection_id}/items", "items", "application/geo+json", "Items"),
            link(f"{root}/api/collections/{collection_id}/items?f=html", "items", "text/html", "Items as HTML"),
        ],
    }
    return document


@bp.get("/")
@bp.get("")
@public
def landing():
    root = base_url()
    document = {
        "title": "Community Asset Registry",
        "description": "Public buildings and land, and the community rights that apply to them. "
                       "OGC API – Features, with radius and nearest search.",
        "links": [
            link(f"{root}/api", "self", "application/json", "This document"),
            link(f"{root}/api?f=html", "alternate", "text/html", "This document as HTML"),
            link(f"{root}/api/openapi", "service-desc", "application/vnd.oai.openapi+json;version=3.0",
                 "The API definition"),
            link(f"{root}/api/conformance", "conformance", "application/json", "Conformance classes"),
            link(f"{root}/api/collections", "data", "application/json", "Collections"),
        ],
    }
    if wants_html():
        return render_template("api/landing.html", document=document)
    return json_response(document)


@bp.get("/openapi")
@public
def openapi_document():
    return json_response(openapi.document(base_url()), "application/vnd.oai.openapi+json;version=3.0")


@bp.get("/conformance")
@public
def conformance():
    document = {"conformsTo": CONFORMANCE}
    if wants_html():
        return render_template("api/conformance.html", document=document)
    return json_response(document)


@bp.get("/collections")
@public
def collections():
    root = base_url()
    document = {
        "links": [link(f"{root}/api/collections", "self", "application/json"),
                  link(f"{root}/api/collections?f=html", "alternate", "text/html")],
        "collections": [collection_document("assets"), collection_document("authorities")],
        "crs": list(params.SUPPORTED_CRS),
    }
    if wants_html():
        return render_template("api/collections.html", document=document)
    return json_response(document)


@bp.get("/collections/<collection_id>")
@public
def collection(collection_id):
    if collection_id not in ("assets", "authorities"):
        raise NotFound(f"There is no collection called {collection_id!r}.")
    document = collection_document(collection_id)
    if wants_html():
        return render_template("api/collection.html", document=document)
    return json_response(document)


def page_links(query: search.AssetQuery, returned: list[dict], matched: int | None,
               known_more: bool | None = None) -> list[dict]:
    root = base_url()
    path = f"{root}/api/collections/assets/items"
    args = {k: v for k, v in request.args.items() if k not in ("offset", "after", "f")}
    links = [link(f"{path}?{urlencode({**args, **request.args})}", "self", "application/geo+json"),
             link(f"{path}?{urlencode({**args, 'f': 'html'})}", "alternate", "text/html")]
    # No `next` on the last page, even when the result is an exact multiple of the page size.
    if matched is not None and query.after_id is None:
        more = query.offset + len(returned) < matched
    elif known_more is not None:
        more = known_more  # the search fetched one row past the page
    else:
        more = search.has_more(query, returned)
    if query.nearest is not None:
        more = False  # nearest answers exactly `limit` features
    if more:
        if query.ordered_by_id:
            next_args = {**args, "after": returned[-1]["id"]}
        else:
            next_args = {**args, "offset": query.offset + query.limit}
        links.append(link(f"{path}?{urlencode(next_args)}", "next", "application/geo+json", "Next page"))
    if query.offset > 0 and query.after_id is None:
        prev_args = {**args, "offset": max(0, query.offset - query.limit)}
        links.append(link(f"{path}?{urlencode(prev_args)}", "prev", "application/geo+json", "Previous page"))
    return links


@bp.get("/collections/assets/items")
@public
def asset_items():
    html = wants_html()
    query, options = params.asset_query(request.args)
    result = search.find_assets(query)
    features = geojson.asset_features(result.rows, {}, base_url=base_url(), crs=options["crs"])
    document = {
        "type": "FeatureCollection",
        "timeStamp": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "numberReturned": len(features),
        "features": features,
        "links": page_links(query, result.rows, result.number_matched, result.more),
    }
    if result.number_matched is not None:
        document["numberMatched"] = result.number_matched
    if html:
        return render_template("api/items.html", document=document, query=query)
    headers = {"Content-Crs": f"<{options['crs']}>"}
    return json_response(document, "application/geo+json", headers)


@bp.get("/collections/assets/items/<int:asset_id>")
@public
def asset_item(asset_id):
    html = wants_html()
    crs = params.crs_uri(request.args.get("crs"), "crs")
    row = search.get_public(asset_id)
    if row is None:
        raise NotFound(f"There is no asset {asset_id}.")
    feature = geojson.asset_features([row], {}, base_url=base_url(), crs=crs)[0]
    feature["links"].append(link(f"{base_url()}/api/collections/assets", "collection", "application/json"))
    if html:
        return render_template("api/item.html", feature=feature)
    return json_response(feature, "application/geo+json", {"Content-Crs": f"<{crs}>"})


@bp.get("/collections/authorities/items")
@public
def authority_items():
    html = wants_html()
    unknown = set(request.args) - {"f", "limit", "offset", "bbox", "crs", "bbox-crs"}
    if unknown:
        name = sorted(unknown)[0]
        raise InvalidInput(f"Unknown parameter {name!r}.", field=name)
    limit = params.integer(request.args.get("limit"), "limit", default=50, minimum=1, maximum=500, clamp=True)
    offset = params.integer(request.args.get("offset"), "offset", default=0, minimum=0, maximum=1_000_000)
    bbox_wgs84, bbox_wkt = (None, None)
    if request.args.get("bbox"):
        bbox_wgs84, bbox_wkt = params.bbox(request.args["bbox"],
                                           params.crs_uri(request.args.get("bbox-crs"), "bbox-crs"))
    result = authority_register.features_page(limit=limit, offset=offset, bbox=bbox_wgs84, bbox_wkt=bbox_wkt)
    root = base_url()
    features = [
        {"type": "Feature", "id": row["code"], "geometry": row["geometry"],
         "properties": {"name": row["name"], "kind": row["kind"], "nation": row["nation"],
                        "boundary_source": row["boundary_source"], "asset_count": row["asset_count"]},
         "links": [link(f"{root}/authorities/{row['code']}", "alternate", "text/html")]}
        for row in result["rows"]
    ]
    path = f"{root}/api/collections/authorities/items"
    args = {k: v for k, v in request.args.items() if k != "offset"}
    links = [link(f"{path}?{urlencode(request.args)}", "self", "application/geo+json")]
    if offset + len(features) < result["matched"]:
        links.append(link(f"{path}?{urlencode({**args, 'offset': offset + limit})}", "next",
                          "application/geo+json"))
    if offset:
        links.append(link(f"{path}?{urlencode({**args, 'offset': max(0, offset - limit)})}", "prev",
                          "application/geo+json"))
    document = {"type": "FeatureCollection", "numberMatched": result["matched"],
                "numberReturned": len(features), "features": features, "links": links}
    if html:
        return render_template("api/authority_items.html", document=document)
    return json_response(document, "application/geo+json")


@bp.get("/collections/authorities/items/<code>")
@public
def authority_item(code):
    row = authority_register.feature(code.upper())
    feature = {"type": "Feature", "id": row["code"], "geometry": row["geometry"],
               "properties": {"name": row["name"], "kind": row["kind"], "nation": row["nation"],
                              "boundary_source": row["boundary_source"], "asset_count": row["asset_count"]},
               "links": [link(f"{base_url()}/authorities/{row['code']}", "alternate", "text/html")]}
    if wants_html():
        return render_template("api/authority_items.html",
                               document={"features": [feature], "numberReturned": 1, "links": []})
    return json_response(feature, "application/geo+json")
