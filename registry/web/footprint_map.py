"""The edit page's map: the current footprint (or the authority's area) with a drawing tool.

Built on maps.py (local Leaflet, nonce'd scripts); static/js/footprint-draw.js
does the drawing and fills the form's geometry field.
"""

from branca.element import MacroElement
from folium.template import Template

from .. import maps
from ..static_files import url_path

DRAW_JS = [("footprint_draw_js", "js/footprint-draw.js")]


class _AttachDrawing(MacroElement):
    _template = Template(
        """
{% macro script(this, kwargs) %}
if (window.FootprintDraw) { window.FootprintDraw.attach({{ this._parent.get_name() }}, {textareaId: {{ this.textarea_id | tojson }}, footprint: {{ this.footprint | tojson }}}); }
{% endmacro %}
"""
    )

    def __init__(self, textarea_id: str, footprint: dict | None = None):
        super().__init__()
        self._name = "AttachDrawing"
        self.textarea_id = textarea_id
        self.footprint = footprint


def drawing_map(*, feature: dict | None, center: tuple[float, float] | None, tile_url: str,
                tile_attribution: str, label: str, textarea_id: str = "geometry", offer_footprint: bool = False):
    """offer_footprint: a "Use the asset's footprint" button that copies the feature's polygon to the form."""
    if feature is not None:
        m = maps.footprint_map(feature, tile_url=tile_url, tile_attribution=tile_attribution, popup=False,
                               label=label, max_zoom=18)
    else:
        lat, lon = center or maps.DEFAULT_CENTER
        m = maps.LocalMap(location=[lat, lon], zoom_start=13 if center else maps.DEFAULT_ZOOM,
                          css_class="app-map--footprint", attributes={"aria-label": label},
                          tile_url=tile_url, tile_attribution=tile_attribution)
    # Fingerprinted like every other script (registry/static_files.py): a year's cache, never stale.
    m.default_js = [*m.default_js, *[(name, f"{maps.DEFAULT_STATIC_URL}/{url_path(path)}") for name, path in DRAW_JS]]
    geometry = (feature or {}).get("geometry") or {}
    offered = geometry if offer_footprint and geometry.get("type") in ("Polygon", "MultiPolygon") else None
    _AttachDrawing(textarea_id, offered).add_to(m)
    return m
