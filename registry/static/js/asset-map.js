/*
 * The asset map: fetches only what is in view and draws it.
 *
 * registry/maps.py builds a folium map whose page holds no asset data. Its
 * script ends with AssetRegistryMap.attach(<the L.Map>), and attach() reads
 * its settings from data attributes on the map's container:
 *
 *   data-asset-map-url    the clusters endpoint (GeoJSON FeatureCollection)
 *   data-asset-map-query  filter query string passed through ("status=surplus&type=pub")
 *   data-asset-map-status id of an element to hold the live status text (optional)
 *   data-asset-map-list   id of an <a> whose href gets the current bbox (optional)
 *
 * On every moveend it requests url?<query>&bbox=minlon,minlat,maxlon,maxlat&zoom=Z,
 * aborting any request still in flight. Features are either clusters
 * (properties.cluster === true, count, statuses) or assets (id, name, status,
 * status_label, asset_type_label, url, and at high zoom a footprint
 * MultiPolygon). Text from the server only ever reaches the page through
 * textContent or attribute setters, never innerHTML.
 *
 * Dispatch "asset-map:refresh" on the container to reload (after changing
 * data-asset-map-query, say).
 */
(function (window, document) {
  'use strict'

  var SVG_NS = 'http://www.w3.org/2000/svg'
  var DEBOUNCE_MS = 150
  var CLUSTER_ZOOM_STEP = 2

  function statusClass (status) {
    var safe = String(status || 'unknown').toLowerCase().replace(/[^a-z0-9_-]/g, '')
    return 'app-status app-status--' + (safe || 'unknown')
  }

  function humanise (status) {
    return String(status || 'unknown').replace(/_/g, ' ')
  }

  function formatCount (n) {
    return Number(n || 0).toLocaleString('en-GB')
  }

  // Only same-origin or http(s) links; anything else (javascript:, data:) becomes inert.
  function safeHref (url) {
    if (!url) return null
    try {
      var parsed = new URL(String(url), window.location.href)
      if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return String(url)
    } catch (e) {}
    return null
  }

  function el (tag, className, text) {
    var node = document.createElement(tag)
    if (className) node.className = className
    if (text !== undefined && text !== null) node.textContent = String(text)
    return node
  }

  function visuallyHidden (text) {
    return el('span', 'govuk-visually-hidden', text)
  }

  // Statuses sorted by count, largest first, as [[status, n], ...].
  function statusEntries (statuses) {
    var entries = []
    if (statuses && typeof statuses === 'object') {
      Object.keys(statuses).forEach(function (key) {
        var n = Number(statuses[key])
        if (n > 0) entries.push([key, n])
      })
    }
    entries.sort(function (a, b) { return b[1] - a[1] || (a[0] < b[0] ? -1 : 1) })
    return entries
  }

  // "27 assets: 3 listed, 5 surplus"
  function clusterLabel (count, statuses) {
    var label = formatCount(count) + (Number(count) === 1 ? ' asset' : ' assets')
    var parts = statusEntries(statuses).map(function (entry) {
      return formatCount(entry[1]) + ' ' + humanise(entry[0])
    })
    return parts.length ? label + ': ' + parts.join(', ') : label
  }

  function clusterSize (count) {
    if (count < 10) return 34
    if (count < 100) return 42
    if (count < 1000) return 50
    return 60
  }

  // A white disc with the count, ringed by one SVG arc per status.
  function clusterIcon (count, statuses) {
    var size = clusterSize(count)
    var stroke = size < 45 ? 5 : 7
    var radius = (size - stroke) / 2
    var circumference = 2 * Math.PI * radius
    var label = clusterLabel(count, statuses)

    var root = el('div', 'app-cluster' + (size >= 50 ? ' app-cluster--large' : ''))
    root.title = label
    root.style.width = size + 'px'
    root.style.height = size + 'px'

    var svg = document.createElementNS(SVG_NS, 'svg')
    svg.setAttribute('class', 'app-cluster__ring')
    svg.setAttribute('viewBox', '0 0 ' + size + ' ' + size)
    svg.setAttribute('aria-hidden', 'true')
    svg.setAttribute('focusable', 'false')

    function arc (className, length, offset) {
      var circle = document.createElementNS(SVG_NS, 'circle')
      circle.setAttribute('class', className)
      circle.setAttribute('cx', size / 2)
      circle.setAttribute('cy', size / 2)
      circle.setAttribute('r', radius)
      circle.setAttribute('stroke-width', stroke)
      if (length !== undefined) {
        circle.setAttribute('stroke-dasharray', length + ' ' + (circumference - length))
        circle.setAttribute('stroke-dashoffset', String(-offset))
      }
      svg.appendChild(circle)
    }

    arc('app-cluster__track')
    var entries = statusEntries(statuses)
    var total = entries.reduce(function (sum, entry) { return sum + entry[1] }, 0)
    var offset = 0
    entries.forEach(function (entry) {
      var length = circumference * entry[1] / total
      arc('app-cluster__segment ' + statusClass(entry[0]), length, offset)
      offset += length
    })
    root.appendChild(svg)

    var countText = el('span', 'app-cluster__count', count >= 10000 ? Math.round(count / 1000) + 'k' : formatCount(count))
    countText.setAttribute('aria-hidden', 'true')
    root.appendChild(countText)
    root.appendChild(visuallyHidden(label))

    return window.L.divIcon({
      html: root,
      className: 'app-cluster-icon',
      iconSize: [size, size]
    })
  }

  function assetIcon (props) {
    var root = el('span')
    root.appendChild(visuallyHidden((props.name || 'Asset') + ' (' + (props.status_label || humanise(props.status)) + ')'))
    return window.L.divIcon({
      html: root,
      className: 'app-marker ' + statusClass(props.status),
      iconSize: [20, 20]
    })
  }

  // The popup for one asset, built from text nodes.
  function popupContent (props) {
    var root = el('div', 'app-map-popup')
    var title = el('p', 'app-map-popup__title')
    var href = safeHref(props.url)
    if (href) {
      var link = el('a', 'govuk-link', props.name || 'Unnamed asset')
      link.setAttribute('href', href)
      title.appendChild(link)
    } else {
      title.textContent = props.name || 'Unnamed asset'
    }
    root.appendChild(title)

    if (props.asset_type_label) {
      root.appendChild(el('p', 'app-map-popup__meta', props.asset_type_label))
    }
    if (props.status || props.status_label) {
      var status = el('p', 'app-map-popup__meta')
      var swatch = el('span', 'app-status-swatch ' + statusClass(props.status))
      swatch.setAttribute('aria-hidden', 'true')
      status.appendChild(swatch)
      status.appendChild(document.createTextNode('Status: ' + (props.status_label || humanise(props.status))))
      root.appendChild(status)
    }
    return root
  }

  function footprintStyle (status) {
    return function () {
      return { className: 'app-footprint ' + statusClass(status), weight: 3 }
    }
  }

  function debounce (fn, ms) {
    var timer = null
    return function () {
      window.clearTimeout(timer)
      timer = window.setTimeout(fn, ms)
    }
  }

  function round6 (n) {
    return Math.round(n * 1e6) / 1e6
  }

  function clamp (n, lo, hi) {
    return Math.max(lo, Math.min(hi, n))
  }

  function attach (map, options) {
    var L = window.L
    var container = map.getContainer()
    var data = container.dataset
    options = options || {}
    var dataUrl = options.dataUrl || data.assetMapUrl
    if (!dataUrl) throw new Error('asset-map: no data-asset-map-url on the map container')

    var statusNode = document.getElementById(data.assetMapStatus || '')
    var listLink = document.getElementById(data.assetMapList || '')

    var clusterLayer = L.layerGroup().addTo(map)
    var footprintLayer = L.layerGroup().addTo(map)
    // Individual assets: Leaflet.markercluster groups those that overlap at mid
    // zooms, drawn like the server's clusters so the two read the same.
    var assetLayer = (typeof L.markerClusterGroup === 'function')
      ? L.markerClusterGroup({
        maxClusterRadius: 40,
        disableClusteringAtZoom: 17,
        showCoverageOnHover: false,
        spiderfyOnMaxZoom: true,
        chunkedLoading: true,
        iconCreateFunction: function (cluster) {
          var statuses = {}
          cluster.getAllChildMarkers().forEach(function (marker) {
            var s = marker.options.assetStatus || 'unknown'
            statuses[s] = (statuses[s] || 0) + 1
          })
          return clusterIcon(cluster.getChildCount(), statuses)
        }
      })
      : L.layerGroup()
    assetLayer.addTo(map)

    var assetMarkers = new window.Map() // key -> marker, kept across moves
    var footprints = new window.Map()
    var controller = null

    function setStatus (text, isError) {
      if (!statusNode) return
      statusNode.textContent = text
      statusNode.classList.toggle('app-map-status--error', !!isError)
    }

    function currentBbox () {
      var b = map.getBounds()
      return [
        round6(clamp(b.getWest(), -180, 180)),
        round6(clamp(b.getSouth(), -90, 90)),
        round6(clamp(b.getEast(), -180, 180)),
        round6(clamp(b.getNorth(), -90, 90))
      ].join(',')
    }

    function requestUrl (bbox, zoom) {
      var url = new URL(dataUrl, window.location.href)
      var query = new URLSearchParams(container.dataset.assetMapQuery || '')
      query.forEach(function (value, key) {
        if (key !== 'bbox' && key !== 'zoom') url.searchParams.append(key, value)
      })
      url.searchParams.set('bbox', bbox)
      url.searchParams.set('zoom', String(zoom))
      return url
    }

    function updateListLink (bbox) {
      if (!listLink) return
      var url = new URL(listLink.getAttribute('href'), window.location.href)
      url.searchParams.set('bbox', bbox)
      listLink.href = url.pathname + url.search + url.hash
    }

    function zoomToCluster (latlng, props, keyboard) {
      if (Array.isArray(props.bbox) && props.bbox.length === 4) {
        map.fitBounds([[props.bbox[1], props.bbox[0]], [props.bbox[3], props.bbox[2]]])
      } else {
        var target = props.expansion_zoom || map.getZoom() + CLUSTER_ZOOM_STEP
        map.setView(latlng, Math.min(target, map.getMaxZoom()))
      }
      // The cluster is about to be replaced: keep keyboard users on the map.
      if (keyboard) container.focus()
    }

    function clusterMarker (latlng, props) {
      var marker = L.marker(latlng, {
        icon: clusterIcon(Number(props.count) || 0, props.statuses),
        keyboard: true,
        title: clusterLabel(props.count, props.statuses),
        riseOnHover: true
      })
      marker.on('click', function () { zoomToCluster(latlng, props, false) })
      marker.on('keypress', function (e) {
        var key = e.originalEvent && e.originalEvent.key
        if (key === 'Enter' || key === ' ') {
          e.originalEvent.preventDefault()
          zoomToCluster(latlng, props, true)
        }
      })
      return marker
    }

    function assetMarker (latlng, props) {
      var marker = L.marker(latlng, {
        icon: assetIcon(props),
        keyboard: true,
        title: props.name || '',
        riseOnHover: true,
        assetStatus: props.status || 'unknown'
      })
      marker.bindPopup(function () { return popupContent(props) })
      return marker
    }

    // Keyboard: after a popup opens, Tab from the element that opened it goes
    // into the popup (its link); Escape closes the popup and returns focus there.
    var popupSource = null

    function popupFocusTarget (popup) {
      var node = popup && popup.getElement && popup.getElement()
      return node && node.querySelector('.app-map-popup a, .leaflet-popup-content a, .leaflet-popup-close-button')
    }

    map.on('popupopen', function (e) {
      var layer = e.popup && e.popup._source
      var source = layer && (layer._icon || (layer.getElement && layer.getElement()))
      popupSource = source || (document.activeElement !== document.body ? document.activeElement : null)
    })

    map.on('popupclose', function () {
      var source = popupSource
      popupSource = null
      var active = document.activeElement
      // Only pull focus back when it was in the popup (or had fallen to the page).
      if (source && source.isConnected && (!active || active === document.body || active === container ||
          (active.closest && active.closest('.leaflet-popup')))) {
        source.focus()
      }
    })

    container.addEventListener('keydown', function (event) {
      var popup = map._popup
      if (!popup || !map.hasLayer(popup)) return
      var inPopup = event.target.closest && event.target.closest('.leaflet-popup')
      if (event.key === 'Escape' && (inPopup || event.target === popupSource)) {
        event.preventDefault()
        event.stopPropagation()
        map.closePopup()
      } else if (event.key === 'Tab' && !event.shiftKey && event.target === popupSource) {
        var target = popupFocusTarget(popup)
        if (target) {
          event.preventDefault()
          target.focus()
        }
      } else if (event.key === 'Tab' && event.shiftKey && inPopup && popupSource &&
          event.target === popupFocusTarget(popup)) {
        event.preventDefault()
        popupSource.focus()
      }
    }, true)

    // Footprints (SVG paths) take focus and open their popup with Enter or Space.
    function focusableFootprint (group, props) {
      group.eachLayer(function (layer) {
        var path = layer.getElement && layer.getElement()
        if (!path || path.getAttribute('tabindex') === '0') return
        path.setAttribute('tabindex', '0')
        path.setAttribute('role', 'button')
        path.setAttribute('aria-label', 'Footprint of ' + (props.name || 'an asset') +
          ' (' + (props.status_label || humanise(props.status)) + ')')
        path.addEventListener('keydown', function (event) {
          if (event.key === 'Enter' || event.key === ' ') {
            event.preventDefault()
            group.openPopup(layer.getBounds ? layer.getBounds().getCenter() : undefined)
          }
        })
      })
    }

    function render (collection) {
      var features = (collection && Array.isArray(collection.features)) ? collection.features : []
      var clusters = 0
      var singles = 0
      var total = 0
      var seenAssets = new window.Map()
      var seenFootprints = new window.Map()

      clusterLayer.clearLayers()
      features.forEach(function (feature) {
        var geometry = feature && feature.geometry
        var props = (feature && feature.properties) || {}
        if (!geometry || geometry.type !== 'Point' || !Array.isArray(geometry.coordinates)) return
        var latlng = L.latLng(geometry.coordinates[1], geometry.coordinates[0])

        if (props.cluster) {
          clusters += 1
          total += Number(props.count) || 0
          clusterLayer.addLayer(clusterMarker(latlng, props))
          return
        }

        singles += 1
        total += 1
        var key = [props.id, props.status, props.name, latlng.lat, latlng.lng].join('|')
        seenAssets.set(key, assetMarkers.get(key) || assetMarker(latlng, props))
        if (props.footprint && props.footprint.type) {
          var fkey = props.id + '|' + props.status
          var existing = footprints.get(fkey)
          if (!existing) {
            existing = L.geoJSON(props.footprint, {
              style: footprintStyle(props.status)
            }).bindPopup(function () { return popupContent(props) })
            existing.on('add', function (ev) { focusableFootprint(ev.target, props) })
            existing.assetProps = props
          }
          seenFootprints.set(fkey, existing)
        }
      })

      // Keep markers that are still in view (and any focus on them); swap the rest.
      var stale = []
      assetMarkers.forEach(function (marker, key) { if (!seenAssets.has(key)) stale.push(marker) })
      var fresh = []
      seenAssets.forEach(function (marker, key) { if (!assetMarkers.has(key)) fresh.push(marker) })
      if (assetLayer.removeLayers) {
        assetLayer.removeLayers(stale)
        assetLayer.addLayers(fresh)
      } else {
        stale.forEach(function (m) { assetLayer.removeLayer(m) })
        fresh.forEach(function (m) { assetLayer.addLayer(m) })
      }
      assetMarkers = seenAssets

      footprints.forEach(function (layer, key) { if (!seenFootprints.has(key)) footprintLayer.removeLayer(layer) })
      seenFootprints.forEach(function (layer, key) {
        if (!footprints.has(key)) {
          footprintLayer.addLayer(layer)
          focusableFootprint(layer, layer.assetProps || {})
        }
      })
      footprints = seenFootprints

      if (total === 0) {
        setStatus('No assets in this part of the map.')
      } else {
        var text = 'Showing ' + formatCount(total) + (total === 1 ? ' asset' : ' assets')
        if (clusters) {
          text += ' (' + formatCount(clusters) + (clusters === 1 ? ' group' : ' groups') +
            (singles ? ' and ' + formatCount(singles) + ' shown individually' : '') + ')'
        }
        setStatus(text + '.')
      }
    }

    // The register's vector tiles (/tiles/assets/{z}/{x}/{y}.mvt), fetched and decoded by the npm
    // plugin Leaflet.VectorGrid, then drawn as the same focusable markers, popups and footprints.
    var tilesUrl = data.assetMapTiles
    var decoder = (tilesUrl && L.vectorGrid && L.vectorGrid.protobuf)
      ? L.vectorGrid.protobuf(tilesWithQuery(tilesUrl), { fetchOptions: { credentials: 'same-origin' } })
      : null
    var generation = 0

    function tilesWithQuery (template) {
      var query = new URLSearchParams(container.dataset.assetMapQuery || '').toString()
      return query ? template + (template.indexOf('?') < 0 ? '?' : '&') + query : template
    }

    function tileLatLng (z, tx, ty, px, py, extent) {
      var n = Math.pow(2, z)
      var x = (tx + px / extent) / n
      var y = (ty + py / extent) / n
      var lat = Math.atan(Math.sinh(Math.PI * (1 - 2 * y))) * 180 / Math.PI
      return [x * 360 - 180, lat]
    }

    function tileFeatures (z, tx, ty, tile, out) {
      var layers = tile.layers || {}
      var footprintsById = {}
      if (layers.footprints) {
        layers.footprints.features.forEach(function (f) {
          var rings = f.geometry.map(function (ring) {
            return ring.map(function (p) { return tileLatLng(z, tx, ty, p.x, p.y, f.extent) })
          })
          var id = f.properties.id
          footprintsById[id] = footprintsById[id] || { type: 'MultiPolygon', coordinates: [] }
          footprintsById[id].coordinates.push(rings)
        })
      }
      ;['clusters', 'assets'].forEach(function (name) {
        if (!layers[name]) return
        layers[name].features.forEach(function (f) {
          var p = f.geometry[0] && f.geometry[0][0]
          if (!p) return
          var props = {}
          Object.keys(f.properties).forEach(function (k) { props[k] = f.properties[k] })
          if (name === 'clusters') {
            var mix = {}
            Object.keys(props).forEach(function (k) {
              if (k !== 'count' && k !== 'cluster') mix[k] = props[k]
            })
            props = { cluster: true, count: props.count, statuses: mix }
          } else if (footprintsById[props.id]) {
            props.footprint = footprintsById[props.id]
          }
          out.push({ type: 'Feature', id: props.id, properties: props,
            geometry: { type: 'Point', coordinates: tileLatLng(z, tx, ty, p.x, p.y, f.extent) } })
        })
      })
    }

    function loadTiles () {
      var mine = ++generation
      var bbox = currentBbox()
      var z = Math.max(0, Math.min(16, Math.round(map.getZoom())))
      updateListLink(bbox)
      container.setAttribute('aria-busy', 'true')
      var bounds = map.getBounds()
      var nw = map.project(bounds.getNorthWest(), z).divideBy(256).floor()
      var se = map.project(bounds.getSouthEast(), z).divideBy(256).floor()
      var n = Math.pow(2, z)
      var jobs = []
      for (var tx = Math.max(0, nw.x); tx <= Math.min(n - 1, se.x); tx++) {
        for (var ty = Math.max(0, nw.y); ty <= Math.min(n - 1, se.y); ty++) {
          jobs.push({ x: tx, y: ty, z: z })
        }
      }
      Promise.all(jobs.map(function (c) {
        return decoder._getVectorTilePromise(c).then(function (tile) { return { coords: c, tile: tile } })
      }))
        .then(function (tiles) {
          if (mine !== generation) return
          var features = []
          tiles.forEach(function (t) { tileFeatures(t.coords.z, t.coords.x, t.coords.y, t.tile, features) })
          // Tiles reach past the view's edges: show (and count) the individual assets in view only.
          var view = map.getBounds()
          features = features.filter(function (f) {
            var c = f.geometry.coordinates
            return f.properties.cluster || view.contains(L.latLng(c[1], c[0]))
          })
          render({ type: 'FeatureCollection', features: features })
        })
        .catch(function () {
          if (mine !== generation) return
          setStatus('Sorry, the map could not load assets. Move the map to try again, or use the list.', true)
        })
        .then(function () {
          if (mine === generation) container.removeAttribute('aria-busy')
        })
    }

    function load () {
      if (decoder) return loadTiles()
      if (controller) controller.abort()
      var ownController = controller = new window.AbortController()
      var bbox = currentBbox()
      var zoom = Math.round(map.getZoom())
      updateListLink(bbox)
      container.setAttribute('aria-busy', 'true')

      window.fetch(requestUrl(bbox, zoom), {
        signal: ownController.signal,
        credentials: 'same-origin',
        headers: { Accept: 'application/geo+json, application/json' }
      })
        .then(function (response) {
          if (!response.ok) throw new Error('HTTP ' + response.status)
          return response.json()
        })
        .then(function (collection) {
          if (ownController.signal.aborted) return
          render(collection)
        })
        .catch(function (error) {
          if (error && error.name === 'AbortError') return
          setStatus('Sorry, the map could not load assets. Move the map to try again, or use the list.', true)
        })
        .then(function () {
          if (controller === ownController) {
            container.removeAttribute('aria-busy')
            controller = null
          }
        })
    }

    // A markercluster group opened from the keyboard zooms in and disappears.
    if (assetLayer.on) {
      assetLayer.on('clusterkeypress', function (e) {
        if (e.originalEvent && e.originalEvent.key === 'Enter') container.focus()
      })
    }

    var scheduleLoad = debounce(load, DEBOUNCE_MS)
    // A new move makes any answer still on its way stale.
    map.on('movestart', function () { if (controller) controller.abort() })
    map.on('moveend', scheduleLoad)
    container.addEventListener('asset-map:refresh', load)
    map.whenReady(load)

    return {
      reload: load,
      layers: { clusters: clusterLayer, assets: assetLayer, footprints: footprintLayer }
    }
  }

  // For maps that draw their own (embedded) feature, e.g. footprint_map():
  // bind our text-only popup to a layer.
  function bindAssetPopup (layer, props) {
    layer.bindPopup(function () { return popupContent(props || {}) })
    return layer
  }

  window.AssetRegistryMap = {
    attach: attach,
    bindAssetPopup: bindAssetPopup,
    popupContent: popupContent,
    clusterLabel: clusterLabel
  }
})(window, document)
