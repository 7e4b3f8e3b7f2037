/*
 * The app's own base map: vector tiles from /tiles/base/{z}/{x}/{y}.mvt
 * (registry/basemap.py: land, council boundaries, place points), drawn by the
 * npm plugin Leaflet.VectorGrid. No request leaves this host. registry/maps.py
 * adds it to every map when no TILE_URL is configured: the map's element
 * carries data-base-tiles (the URL template) and data-base-attribution.
 *
 * VectorGrid draws no text, so the place names are read from the same tiles
 * (layer "places", or "place" in a PMTiles basemap of the OpenMapTiles
 * schema) and drawn as DOM text in a pane of their own: readable by screen
 * readers, sharp at any zoom, and built with textContent only. Lower "rank"
 * comes first; a label that would overlap one already shown is hidden.
 */
(function (window, document) {
  'use strict'

  // interactive: false on every symbol: the base map never takes a click, focus or the
  // .leaflet-interactive class from the register's own layers.
  var STYLES = {
    // No outline: the land is stored cut into small pieces (registry/basemap.py), and an outline would
    // draw every cut as a grey line across the country. The fill against the sea draws the coast.
    land: { fill: true, fillColor: '#f4f2ec', fillOpacity: 1, stroke: false, interactive: false },
    boundaries: { color: '#505a5f', weight: 1.2, opacity: 0.8, dashArray: '4 3', fill: false, interactive: false },
    areas: { color: '#8e979c', weight: 0.8, opacity: 0.7, dashArray: '2 3', fill: false, interactive: false },
    // The points themselves are not drawn: their names are (see labels below).
    places: { radius: 0, stroke: false, fill: false, interactive: false },
    place: { radius: 0, stroke: false, fill: false, interactive: false }
  }
  var LABEL_LAYERS = ['places', 'place']
  var LABEL_PANE = 'appPlaceLabels'
  var RANK_OF_CLASS = { city: 1, town: 2, village: 4, suburb: 4, hamlet: 7 } // OpenMapTiles "class"

  // Pixels within which a second label of the same name is left out.
  var SAME_NAME_GAP = 120

  function rankOf (properties) {
    var rank = Number(properties.rank)
    if (!isNaN(rank) && properties.rank !== undefined && properties.rank !== null) return rank
    return RANK_OF_CLASS[properties['class'] || properties.kind] || 8
  }

  // Names from every loaded tile, one DOM label each, kept while their tile is on the map.
  function PlaceLabels (map) {
    this.map = map
    this.byTile = {}
    this.layer = window.L.layerGroup().addTo(map)
    this.pending = null
    map.on('zoomend moveend', this.schedule, this)
  }

  PlaceLabels.prototype.addTile = function (key, coords, vectorTile, tileSize) {
    var L = window.L
    var map = this.map
    var markers = []
    LABEL_LAYERS.forEach(function (name) {
      var layer = vectorTile.layers && vectorTile.layers[name]
      if (!layer || !layer.features) return
      var scale = tileSize.x / layer.extent
      layer.features.forEach(function (feature) {
        var properties = feature.properties || {}
        var text = properties.name
        var ring = feature.type === 1 && feature.geometry && feature.geometry[0]
        if (!text || !ring || !ring[0]) return
        var p = ring[0]
        // Points in a neighbour's buffer belong to that neighbour's tile.
        if (p.x < 0 || p.y < 0 || p.x >= layer.extent || p.y >= layer.extent) return
        var latlng = map.unproject(L.point(coords.x * tileSize.x + p.x * scale, coords.y * tileSize.y + p.y * scale),
          coords.z)
        var label = document.createElement('span')
        label.className = 'app-place-label app-place-label--' +
          String(properties.kind || properties['class'] || 'place').replace(/[^a-z_-]/g, '')
        label.textContent = String(text)
        var marker = L.marker(latlng, {
          icon: L.divIcon({ html: label, className: 'app-place-label-icon', iconSize: null }),
          interactive: false,
          keyboard: false,
          pane: LABEL_PANE
        })
        marker.appRank = rankOf(properties)
        markers.push(marker)
      })
    })
    this.removeTile(key)
    this.byTile[key] = markers
    markers.forEach(function (marker) {
      this.layer.addLayer(marker)
      // Hidden until the next decluttering pass has measured it: a label shown the moment its tile
      // arrives would sit over a better-ranked one for a frame (and a screen reader would read both).
      var element = marker.getElement()
      if (element) {
        element.style.visibility = 'hidden'
        element.setAttribute('aria-hidden', 'true')
      }
    }, this)
    this.schedule()
  }

  PlaceLabels.prototype.removeTile = function (key) {
    var markers = this.byTile[key]
    if (!markers) return
    markers.forEach(function (marker) { this.layer.removeLayer(marker) }, this)
    delete this.byTile[key]
  }

  PlaceLabels.prototype.schedule = function () {
    if (this.pending) return
    var self = this
    this.pending = window.requestAnimationFrame(function () { self.pending = null; self.declutter() })
  }

  // Best rank first; hide any label whose box meets one already shown.
  PlaceLabels.prototype.declutter = function () {
    var markers = []
    Object.keys(this.byTile).forEach(function (key) { markers = markers.concat(this.byTile[key]) }, this)
    markers.sort(function (a, b) { return a.appRank - b.appRank })
    var shown = []
    markers.forEach(function (marker) {
      var element = marker.getElement()
      if (!element) return
      element.style.visibility = ''
      element.removeAttribute('aria-hidden')
      var box = element.getBoundingClientRect()
      var text = element.textContent
      var clash = shown.some(function (other) {
        var near = other.text === text ? SAME_NAME_GAP : 0 // a town and its council share a name: show it once
        return box.left < other.right + 4 + near && box.right + 4 + near > other.left &&
          box.top < other.bottom + 2 + near && box.bottom + 2 + near > other.top
      })
      if (clash) {
        element.style.visibility = 'hidden'
        element.setAttribute('aria-hidden', 'true')
      } else {
        shown.push({ left: box.left, right: box.right, top: box.top, bottom: box.bottom, text: text })
      }
    })
  }

  function attach (map) {
    var L = window.L
    var element = map.getContainer()
    var url = element.getAttribute('data-base-tiles')
    if (!url || !L || !L.vectorGrid) return null
    element.classList.add('app-map--own-base')
    if (!map.getPane(LABEL_PANE)) {
      var pane = map.createPane(LABEL_PANE)
      pane.style.zIndex = 450 // above the base map and footprints (400), below markers (600) and popups
      pane.style.pointerEvents = 'none'
    }
    var labels = new PlaceLabels(map)
    var LabelledGrid = L.VectorGrid.Protobuf.extend({
      _getVectorTilePromise: function (coords) {
        var grid = this
        return L.VectorGrid.Protobuf.prototype._getVectorTilePromise.call(this, coords).then(function (tile) {
          // The tile's own zoom and unscaled size (getTileSize() is scaled when over-zoomed).
          var size = grid.options.tileSize
          labels.addTile(grid._tileCoordsToKey(coords), coords, tile, size instanceof L.Point ? size : L.point(size, size))
          return tile
        })
      }
    })
    var layer = new LabelledGrid(url, {
      rendererFactory: L.svg.tile,
      vectorTileLayerStyles: STYLES,
      interactive: false,
      maxNativeZoom: 16,
      maxZoom: map.getMaxZoom ? map.getMaxZoom() : 19,
      attribution: element.getAttribute('data-base-attribution') || '',
      pane: 'tilePane'
    })
    layer.on('tileunload', function (e) { labels.removeTile(layer._tileCoordsToKey(e.coords)) })
    layer.addTo(map)
    layer.placeLabels = labels
    return layer
  }

  window.AssetRegistryBaseMap = { attach: attach, styles: STYLES }
})(window, document)
