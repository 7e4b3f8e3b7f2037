/*
 * The app's own base map: vector tiles from /tiles/base/{z}/{x}/{y}.mvt
 * (registry/basemap.py: land, council boundaries, place points), drawn by the
 * npm plugin Leaflet.VectorGrid. No request leaves this host. registry/maps.py
 * adds it to every map when no TILE_URL is configured: the map's element
 * carries data-base-tiles (the URL template) and data-base-attribution.
 */
(function (window) {
  'use strict'

  // interactive: false on every symbol: the base map never takes a click, focus or the
  // .leaflet-interactive class from the register's own layers.
  var STYLES = {
    land: { fill: true, fillColor: '#f4f2ec', fillOpacity: 1, stroke: true, color: '#b1b4b6', weight: 0.6,
      interactive: false },
    boundaries: { color: '#505a5f', weight: 1.2, opacity: 0.8, dashArray: '4 3', fill: false, interactive: false },
    areas: { color: '#8e979c', weight: 0.8, opacity: 0.7, dashArray: '2 3', fill: false, interactive: false },
    places: { radius: 0, stroke: false, fill: false, interactive: false }
  }

  function attach (map) {
    var L = window.L
    var element = map.getContainer()
    var url = element.getAttribute('data-base-tiles')
    if (!url || !L || !L.vectorGrid) return null
    element.classList.add('app-map--own-base')
    var layer = L.vectorGrid.protobuf(url, {
      rendererFactory: L.svg.tile,
      vectorTileLayerStyles: STYLES,
      interactive: false,
      maxNativeZoom: 16,
      maxZoom: map.getMaxZoom ? map.getMaxZoom() : 19,
      attribution: element.getAttribute('data-base-attribution') || '',
      pane: 'tilePane'
    })
    layer.addTo(map)
    return layer
  }

  window.AssetRegistryBaseMap = { attach: attach, styles: STYLES }
})(window)
