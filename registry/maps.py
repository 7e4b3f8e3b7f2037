"""Folium maps that load nothing from another host and fit a GOV.UK page.

folium normally pulls Leaflet, jQuery, Bootstrap and Font Awesome from CDNs,
writes a full-page stylesheet (``html, body {height: 100%}``, a viewport meta
that forbids zooming) and inline ``<script>`` blocks. Here:

* ``LocalMap`` points folium at the copies ``bin/build-assets`` puts under
  ``/static/vendor/`` and drops jQuery, Bootstrap and awesome-markers (nothing
  we draw needs them. folium's ``Popup`` needs jQuery and pastes its HTML into a
  JS template literal, so we never use it: popups are built from text nodes by
  ``static/js/asset-map.js`` instead);
* its header is empty: the map's size comes from ``app.css`` classes
  (``app-map--full``, ``app-map--footprint``), or a nonce'd ``<style>`` when a
  height is given;
* ``embed()`` splits the rendered map into three pieces for a Jinja template
  (no iframe), each ``<script>``/``<style>`` carrying the request's CSP nonce.

How a template embeds a map (the view passes ``map=maps.embed(m, nonce=csp_nonce())``)::

    {% block head_extra %}{{ map.head }}{% endblock %}
    {% block content %} ... {{ map.body }} ... {% endblock %}
    {% block scripts_extra %}{{ map.script }}{% endblock %}

``map.head`` must be in ``<head>`` (Leaflet and asset-map.js load there, before
the map's own script, which must come after ``map.body`` in the document).

The full map is a skeleton whose size does not depend on the number of assets:
the browser asks ``data_url`` for what is in view (see asset-map.js for the
contract). Tiles come from the configured ``tile_url``; with an empty URL the
map has no base layer at all.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import folium
from branca.element import MacroElement
from folium.template import Template
from markupsafe import Markup, escape

from .static_files import url_path

DEFAULT_STATIC_URL = "/static"
DEFAULT_CENTER = (54.0, -2.5)  # Great Britain
DEFAULT_ZOOM = 6
MIN_ZOOM = 4
MAX_ZOOM = 19

# (folium resource name, path under the static URL). Names matter: folium keys
# header children by them, so a plugin asking for "leaflet" reuses ours.
LEAFLET_JS = [("leaflet", "vendor/leaflet/leaflet.js")]
LEAFLET_CSS = [("leaflet_css", "vendor/leaflet/leaflet.css")]
MARKERCLUSTER_JS = [("markerclusterjs", "vendor/leaflet.markercluster/leaflet.markercluster.js")]
MARKERCLUSTER_CSS = [("markerclustercss", "vendor/leaflet.markercluster/MarkerCluster.css")]
ASSET_MAP_JS = [("asset_map_js", "js/asset-map.js")]
VECTORGRID_JS = [("leaflet_vectorgrid", "vendor/leaflet.vectorgrid/Leaflet.VectorGrid.bundled.min.js")]
BASE_MAP_JS = [("base_map_js", "js/base-map.js")]
# With no TILE_URL, every map draws the app's own base map (registry/basemap.py).
BASE_TILES_URL = "/tiles/base/{z}/{x}/{y}.mvt"
# Both land sources are named: which one is loaded depends on what npm installed (registry/basemap.py).
BASE_ATTRIBUTION = ("Land: © OpenStreetMap contributors (ODbL) or Natural Earth. Boundaries: ONS, Crown copyright. "
                    "Places: GeoNames")
ASSET_TILES_URL = "/tiles/assets/{z}/{x}/{y}.mvt"


_LOCAL_MAP_TEMPLATE = Template(
    """
{% macro header(this, kwargs) %}
{%- if this.height_css %}
<style>#{{ this.get_name() }} { height: {{ this.height_css }}; }</style>
{%- endif %}
{% endmacro %}

{% macro html(this, kwargs) %}
<div id="{{ this.get_name() }}" class="folium-map app-map {{ this.css_class|e }}"
{%- for name, value in this.attributes.items() %} {{ name }}="{{ value|e }}"{% endfor %}></div>
{% endmacro %}

{% macro script(this, kwargs) %}{{ folium_map_script(this, kwargs) }}{% endmacro %}
"""
)
# Reuse folium's own script macro (L.map options, controls) rather than a copy of it.
_LOCAL_MAP_TEMPLATE.globals["folium_map_script"] = folium.Map._template.module.script


class LocalMap(folium.Map):
    """A folium Map that loads its scripts from our static files, sized by CSS.

    Resource lists are per instance: folium's ``add_js_link`` would otherwise
    mutate the class-wide default lists shared by every map.
    """

    _template = _LOCAL_MAP_TEMPLATE

    def __init__(
        self,
        *,
        static_url: str = DEFAULT_STATIC_URL,
        js: Sequence[tuple[str, str]] = (),
        css: Sequence[tuple[str, str]] = (),
        css_class: str = "",
        attributes: Mapping[str, str] | None = None,
        height: str | None = None,
        tile_url: str = "",
        tile_attribution: str = "",
        base_tiles_url: str = BASE_TILES_URL,
        **kwargs: Any,
    ):
        kwargs.setdefault("control_scale", True)
        min_zoom = kwargs.pop("min_zoom", MIN_ZOOM)
        max_zoom = kwargs.pop("max_zoom", MAX_ZOOM)
        super().__init__(tiles=None, **kwargs)
        # folium hands min/max zoom to its tile layer only; without a base layer
        # Leaflet would then zoom without limit.
        self.options.update(min_zoom=min_zoom, max_zoom=max_zoom)
        base = static_url.rstrip("/")
        if not tile_url and base_tiles_url:  # the app's own vector base map needs the tile plugin
            js = [*js, *(VECTORGRID_JS if VECTORGRID_JS[0] not in js else []), *BASE_MAP_JS]
        # Fingerprinted names (registry/static_files.py): cached for a year, never stale.
        self.default_js = [(name, f"{base}/{url_path(path)}") for name, path in [*LEAFLET_JS, *js]]
        self.default_css = [(name, f"{base}/{url_path(path)}") for name, path in [*LEAFLET_CSS, *css]]
        self.css_class = css_class
        self.attributes = {"role": "region", "aria-label": "Map", **(attributes or {})}
        self.height_css = _css_length(height)
        if tile_url:
            folium.TileLayer(
                tiles=tile_url,
                # folium refuses a custom URL without attribution; the page footer
                # also carries it (templates/base.html, map pages).
                attr=tile_attribution or "Base map",
                max_zoom=max_zoom,
                control=False,
            ).add_to(self)
        elif base_tiles_url:
            self.attributes["data-base-tiles"] = base_tiles_url
            self.attributes["data-base-attribution"] = BASE_ATTRIBUTION
            _AttachBaseMap().add_to(self)


class _AttachBaseMap(MacroElement):
    """Draws the app's own vector base map (static/js/base-map.js) under everything else."""

    _template = Template(
        """
{% macro script(this, kwargs) %}
if (window.AssetRegistryBaseMap) { window.AssetRegistryBaseMap.attach({{ this._parent.get_name() }}); }
{% endmacro %}
"""
    )

    def __init__(self):
        super().__init__()
        self._name = "AttachBaseMap"


class _AttachAssetMap(MacroElement):
    """Hands the Leaflet map to asset-map.js, which loads and draws the assets."""

    _template = Template(
        """
{% macro script(this, kwargs) %}
if (window.AssetRegistryMap) { window.AssetRegistryMap.attach({{ this._parent.get_name() }}); }
{% endmacro %}
"""
    )

    def __init__(self):
        super().__init__()
        self._name = "AttachAssetMap"


class _BindAssetPopup(MacroElement):
    """Binds asset-map.js's text-only popup to a layer (data as escaped JSON)."""

    _template = Template(
        """
{% macro script(this, kwargs) %}
if (window.AssetRegistryMap) {
    window.AssetRegistryMap.bindAssetPopup({{ this.layer.get_name() }}, {{ this.properties_json }});
}
{% endmacro %}
"""
    )

    def __init__(self, layer, properties: Mapping[str, Any]):
        super().__init__()
        self._name = "BindAssetPopup"
        self.layer = layer
        self.properties_json = script_json(properties)


def full_map(
    center: tuple[float, float] = DEFAULT_CENTER,
    zoom: int = DEFAULT_ZOOM,
    data_url: str = "/api/map/clusters",
    *,
    query: str | Mapping[str, Any] | Sequence[tuple[str, Any]] = "",
    tile_url: str = "",
    tile_attribution: str = "",
    status_id: str | None = "asset-map-status",
    list_link_id: str | None = None,
    label: str = "Map of community assets",
    height: str | None = None,
    static_url: str = DEFAULT_STATIC_URL,
    tiles_url: str = "",
) -> LocalMap:
    """The browsable map: a skeleton that fetches what is in view from ``data_url``.

    With ``tiles_url`` (``ASSET_TILES_URL``) it reads the register's vector tiles instead
    (same clusters, markers and popups); ``data_url`` then only names the JSON equivalent.

    ``query`` is the page's filter (``{"status": "surplus"}`` or
    ``"status=surplus"``), passed through on every request. ``status_id`` names an
    element the template provides for the live status text ("Showing 27
    assets ..."); ``list_link_id`` an ``<a>`` (to the list page) whose ``bbox``
    parameter follows the map. Neither element is required.
    """
    if not isinstance(query, str):
        query = urlencode(list(query.items()) if isinstance(query, Mapping) else list(query), doseq=True)
    attributes = {"aria-label": label, "data-asset-map-url": data_url}
    if query:
        attributes["data-asset-map-query"] = query.lstrip("?")
    if status_id:
        attributes["data-asset-map-status"] = status_id
    if list_link_id:
        attributes["data-asset-map-list"] = list_link_id
    extra_js = []
    if tiles_url:  # the register's vector tiles, read through Leaflet.VectorGrid
        attributes["data-asset-map-tiles"] = tiles_url
        extra_js = VECTORGRID_JS
    m = LocalMap(
        location=list(center),
        zoom_start=zoom,
        max_zoom=MAX_ZOOM,
        static_url=static_url,
        js=[*MARKERCLUSTER_JS, *extra_js, *ASSET_MAP_JS],
        css=MARKERCLUSTER_CSS,
        css_class="app-map--full",
        attributes=attributes,
        height=height,
        tile_url=tile_url,
        tile_attribution=tile_attribution,
    )
    _AttachAssetMap().add_to(m)
    return m


def footprint_map(
    feature_geojson: Mapping[str, Any],
    height: str | None = None,
    *,
    tile_url: str = "",
    tile_attribution: str = "",
    popup: bool = True,
    label: str | None = None,
    max_zoom: int = 17,
    static_url: str = DEFAULT_STATIC_URL,
) -> LocalMap:
    """A small map of one asset: its footprint (or point), fitted to its bounds.

    ``feature_geojson`` is a GeoJSON Feature (or bare geometry) in WGS84 with
    the public properties of api/geojson.py (name, status or live_status /
    surplus_status, status_label, asset_type_label, url). Properties reach the page as escaped JSON and the
    popup is built from text nodes.
    """
    feature = dict(feature_geojson)
    if feature.get("type") != "Feature":
        feature = {"type": "Feature", "geometry": feature, "properties": {}}
    properties = dict(feature.get("properties") or {})
    # api/geojson.py features carry live_status / surplus_status rather than one status.
    status = str(
        properties.get("status")
        or properties.get("live_status")
        or properties.get("surplus_status")
        or "unknown"
    )
    properties["status"] = status
    status_class = "app-status app-status--" + re.sub(r"[^a-z0-9_-]", "", status.lower())
    name = str(properties.get("name") or "the asset")

    m = LocalMap(
        location=list(DEFAULT_CENTER),
        zoom_start=DEFAULT_ZOOM,
        max_zoom=MAX_ZOOM,
        static_url=static_url,
        js=ASSET_MAP_JS,
        css_class="app-map--footprint",
        attributes={"aria-label": label or f"Map showing the location of {name}"},
        height=height,
        tile_url=tile_url,
        tile_attribution=tile_attribution,
    )
    # Only the geometry goes into folium's inline GeoJSON; the properties travel
    # separately, as escaped JSON, to the popup builder.
    layer = folium.GeoJson(
        {"type": "Feature", "geometry": feature["geometry"], "properties": {}},
        # folium also copies this style onto a point's icon options: give points
        # the marker class, polygons the footprint class.
        style_function=lambda f: {
            "className": f"app-marker {status_class}"
            if (f.get("geometry") or {}).get("type") == "Point"
            else f"app-footprint {status_class}"
        },
        # Leaflet makes the point's icon a focusable button: give it a name.
        marker=folium.Marker(
            icon=folium.DivIcon(
                html=f'<span class="govuk-visually-hidden">{escape(name)}</span>',
                icon_size=(20, 20),
                class_name=f"app-marker {status_class}",
            )
        ),
        highlight_function=None,
        smooth_factor=0.5,
    ).add_to(m)
    if popup:
        _BindAssetPopup(layer, properties).add_to(m)
    bounds = layer.get_bounds()
    if bounds and None not in (bounds[0][0], bounds[1][0]):
        m.fit_bounds(bounds, max_zoom=max_zoom, padding=(20, 20))
    return m


@dataclass(frozen=True)
class MapParts:
    """A rendered map, in the three places a page template puts it."""

    head: Markup  # <link>/<script src> tags (and a sizing <style>): {% block head_extra %}
    body: Markup  # the map's <div>: where the map goes in {% block content %}
    script: Markup  # one <script nonce=...> block: {% block scripts_extra %}

    def __html__(self) -> str:  # {{ parts }} alone renders all three, for previews
        return self.head + self.body + self.script


def embed(m: folium.Map, nonce: str | None = None) -> MapParts:
    """Render ``m`` for embedding in one of our pages, nonce on every script/style.

    folium's render is not idempotent (layers re-append their addTo call), so the
    rendering is done once per map and kept on it; each call only adds the nonce.
    """
    rendered = getattr(m, "_registry_rendered", None)
    if rendered is None:
        figure = m.get_root()
        figure.render()  # populates figure.header / html / script
        rendered = (
            "\n".join(
                child.render() for name, child in figure.header._children.items() if name != "meta_http"
            ),
            figure.html.render(),
            "<script>\n" + figure.script.render() + "\n</script>",
        )
        m._registry_rendered = rendered
    head, body, script = rendered
    return MapParts(
        head=Markup(with_nonce(head, nonce)),
        body=Markup(with_nonce(body, nonce)),
        script=Markup(with_nonce(script, nonce)),
    )


_TAG_WITHOUT_NONCE = re.compile(r"<(script|style)\b(?![^>]*\bnonce=)", re.IGNORECASE)


def with_nonce(html: str, nonce: str | None) -> str:
    """Add ``nonce="..."`` to every ``<script>`` and ``<style>`` tag that lacks one."""
    if not nonce:
        return html
    value = escape(nonce)
    return _TAG_WITHOUT_NONCE.sub(lambda match: f'<{match.group(1)} nonce="{value}"', html)


def _css_length(value: str | int | None) -> str | None:
    """A CSS length from ``"360px"``/``"40vh"``/``360``; anything else is refused."""
    if value is None or value == "":
        return None
    if isinstance(value, int):
        return f"{value}px"
    if re.fullmatch(r"\d+(\.\d+)?(px|rem|em|vh|%)", value.strip()):
        return value.strip()
    raise ValueError(f"not a CSS length: {value!r}")


def script_json(value: Any) -> str:
    """JSON safe to place inside a <script> element (no tag, comment or quote breakout).

    Dates, Decimals and other non-JSON values become their text.
    """
    text = json.dumps(value, default=str, ensure_ascii=False, separators=(",", ":"))
    for char, escaped in _SCRIPT_ESCAPES.items():
        text = text.replace(char, escaped)
    return text


_SCRIPT_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "'": "\\u0027",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
