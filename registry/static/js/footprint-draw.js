/*
 * Draw an asset's footprint on the edit page's map (progressive enhancement:
 * without JavaScript the officer pastes GeoJSON or grid references instead).
 *
 * Click "Start drawing", click the map at each corner, then "Use this boundary":
 * the boundary is written as a GeoJSON Polygon into the page's #geometry
 * textarea and the GeoJSON (longitude, latitude) format is chosen. The server
 * checks it like any other input (self-intersections are refused there).
 *
 * By keyboard: while drawing, a cross marks the middle of the map. The map
 * takes focus; the arrow keys move the map under the cross (Leaflet's own
 * keyboard panning, + and - zoom), Enter adds a corner at the cross, Backspace
 * removes the last corner, and "Use this boundary" closes the ring. "Find a
 * postcode or place" centres the map (GET /api/places) before drawing.
 * Each corner is announced in a live region.
 *
 * Buttons and messages are built with textContent, never innerHTML.
 */
(function () {
  'use strict'

  function button (text, classes) {
    var node = document.createElement('button')
    node.type = 'button'
    node.className = 'govuk-button govuk-!-margin-right-2 govuk-!-margin-bottom-2 ' + (classes || '')
    node.textContent = text
    return node
  }

  // GOV.UK buttons set display, which beats the hidden attribute: toggle the style.
  function show (node, visible) { node.style.display = visible ? '' : 'none' }

  function attach (map, options) {
    options = options || {}
    var textarea = document.getElementById(options.textareaId || 'geometry')
    if (!textarea || !window.L) return
    var container = map.getContainer()
    var controls = document.createElement('div')
    controls.className = 'app-footprint-draw'
    var start = button('Start drawing', 'govuk-button--secondary')
    var finish = button('Use this boundary')
    var clear = button('Clear', 'govuk-button--warning')
    start.id = 'footprint-draw-start'
    finish.id = 'footprint-draw-finish'
    var status = document.createElement('p')
    status.className = 'govuk-body-s'
    status.setAttribute('aria-live', 'polite')
    status.id = 'footprint-draw-status'
    show(finish, false)
    show(clear, false)
    // The keyboard way (besides typing corners into the box): copy the asset's own footprint.
    if (options.footprint && /Polygon$/.test(options.footprint.type || '')) {
      var useFootprint = button("Use the asset's footprint", 'govuk-button--secondary')
      useFootprint.id = 'use-asset-footprint'
      useFootprint.addEventListener('click', function () {
        textarea.value = JSON.stringify(options.footprint)
        showGiven(true)
        say("The asset's footprint is in the site boundary box. Save or send the form to keep it.")
        textarea.focus()
      })
      controls.appendChild(useFootprint)
    }
    controls.appendChild(start)
    controls.appendChild(finish)
    controls.appendChild(clear)
    controls.appendChild(status)
    container.parentNode.insertBefore(controls, container.nextSibling)
    container.parentNode.insertBefore(placeFinder(map, function (text) { say(text) }), container)

    var points = []
    var drawing = false
    var shape = null
    var cross = document.createElement('div')
    cross.className = 'app-draw-cross'
    cross.setAttribute('aria-hidden', 'true')
    show(cross, false)
    container.appendChild(cross)
    var help = document.createElement('p')
    help.className = 'govuk-hint'
    help.id = 'footprint-draw-keys'
    help.textContent = 'With a keyboard: the map has focus. Move the map under the cross with the arrow keys ' +
      '(+ and - zoom), press Enter to add a corner at the cross and Backspace to remove the last one, ' +
      'then Tab to "Use this boundary".'
    show(help, false)
    controls.insertBefore(help, status)

    function redraw () {
      if (shape) { map.removeLayer(shape); shape = null }
      if (points.length === 0) return
      shape = points.length < 3
        ? L.polyline(points, { className: 'app-footprint-draft' }).addTo(map)
        : L.polygon(points, { className: 'app-footprint-draft' }).addTo(map)
    }

    function say (text) { status.textContent = text }

    start.addEventListener('click', function () {
      drawing = true
      points = []
      redraw()
      show(start, false)
      show(finish, true)
      show(clear, true)
      container.classList.add('app-map--drawing')
      show(cross, true)
      show(help, true)
      container.setAttribute('aria-describedby', help.id)
      say('Click the map at each corner of the boundary, or press Enter at each corner, then choose ' +
        '"Use this boundary".')
      container.focus()
    })

    clear.addEventListener('click', function () {
      points = []
      redraw()
      say('Boundary cleared. Click the map at each corner.')
    })

    finish.addEventListener('click', function () {
      if (points.length < 3) {
        say('A boundary needs at least 3 corners; you have ' + points.length + '.')
        return
      }
      var ring = points.map(function (p) {
        return [Math.round(p.lng * 1e7) / 1e7, Math.round(p.lat * 1e7) / 1e7]
      })
      ring.push(ring[0])
      textarea.value = JSON.stringify({ type: 'Polygon', coordinates: [ring] })
      var radio = document.querySelector('input[name="geometry_format"][value="geojson"]')
      if (radio) radio.checked = true
      drawing = false
      show(start, true)
      start.textContent = 'Draw again'
      show(finish, false)
      show(cross, false)
      show(help, false)
      container.removeAttribute('aria-describedby')
      container.classList.remove('app-map--drawing')
      points = []
      redraw()
      showGiven(false)
      say('Boundary with ' + (ring.length - 1) + ' corners added to the form. Save the form to keep it.')
    })

    // The boundary already in the form (typed, pasted, or saved before): shown on the map, and again
    // whenever the box changes, so a saved boundary never disappears from view.
    var given = null
    function showGiven (fit) {
      if (given) { map.removeLayer(given); given = null }
      var geometry = null
      try { geometry = JSON.parse(textarea.value) } catch (e) { return }
      if (geometry && geometry.type === 'Feature') geometry = geometry.geometry
      if (!geometry || !/Polygon$/.test(geometry.type || '')) return
      try {
        var layer = L.geoJSON(geometry, { style: { className: 'app-footprint-given' }, interactive: false })
        var bounds = layer.getBounds()
        // Eastings and northings (the British National Grid formats) are not longitudes: not drawn here.
        if (!bounds.isValid() || Math.abs(bounds.getWest()) > 180 || Math.abs(bounds.getEast()) > 180 ||
            Math.abs(bounds.getSouth()) > 90 || Math.abs(bounds.getNorth()) > 90) return
        given = layer.addTo(map)
        if (fit) map.fitBounds(bounds, { maxZoom: 18, padding: [20, 20] })
      } catch (e) { given = null }
    }
    showGiven(true)
    textarea.addEventListener('change', function () { showGiven(false) })

    function cornersSoFar () {
      return points.length + (points.length === 1 ? ' corner' : ' corners') + ' so far.'
    }

    function addCorner (latlng) {
      points.push(latlng)
      redraw()
      say('Corner ' + points.length + ' added at latitude ' + latlng.lat.toFixed(5) + ', longitude ' +
        latlng.lng.toFixed(5) + '. ' + cornersSoFar())
    }

    map.on('click', function (e) {
      if (!drawing) return
      addCorner(e.latlng)
    })

    var moving = false
    map.on('movestart zoomstart', function () { moving = true })
    map.on('moveend', function () { moving = false })

    // Keys on the map itself (not on a marker or control inside it).
    container.addEventListener('keydown', function (e) {
      if (!drawing || e.target !== container || e.altKey || e.ctrlKey || e.metaKey) return
      if (e.key === 'Enter') {
        e.preventDefault()
        // Mid-move (an arrow's pan, a zoom, the map centring on a place) the centre is still moving:
        // take the corner where the move ends.
        if (moving || (map._panAnim && map._panAnim._inProgress)) {
          map.once('moveend', function () { addCorner(map.getCenter()) })
        } else {
          addCorner(map.getCenter())
        }
      } else if (e.key === 'Backspace' || e.key === 'Delete') {
        e.preventDefault()
        if (!points.length) { say('There are no corners to remove.'); return }
        points.pop()
        redraw()
        say('Last corner removed. ' + cornersSoFar())
      }
    })
  }

  // "Find a postcode or place": centres the map on what /api/places finds. Its input has no name, so
  // it is never sent with the form; Enter in it looks the place up instead of sending the form.
  function placeFinder (map, say) {
    var group = document.createElement('div')
    group.className = 'govuk-form-group app-place-finder'
    var label = document.createElement('label')
    label.className = 'govuk-label govuk-label--s'
    label.htmlFor = 'footprint-place'
    label.textContent = 'Find a postcode or place on the map'
    var input = document.createElement('input')
    input.className = 'govuk-input govuk-input--width-10 govuk-!-margin-right-2'
    input.id = 'footprint-place'
    input.type = 'text'
    input.autocomplete = 'postal-code'
    input.spellcheck = false
    var go = button('Show on the map', 'govuk-button--secondary govuk-!-margin-bottom-0')
    go.id = 'footprint-place-go'

    function lookUp () {
      var query = input.value.trim()
      if (!query) { say('Enter a postcode or place name to find it on the map.'); input.focus(); return }
      fetch('/api/places?q=' + encodeURIComponent(query), { headers: { Accept: 'application/json' } })
        .then(function (response) {
          return response.json().then(function (body) { return { ok: response.ok, body: body } })
        })
        .then(function (answer) {
          var place = answer.body || {}
          if (!answer.ok) {
            var more = (place.suggestions && place.suggestions.length)
              ? ' Did you mean ' + place.suggestions.join(', ') + '?' : ''
            say((place.detail || 'We could not find ' + query + '.') + more)
            input.focus()
            return
          }
          if (place.bbox && place.kind !== 'postcode') {
            map.fitBounds([[place.bbox[1], place.bbox[0]], [place.bbox[3], place.bbox[2]]], { maxZoom: 17 })
          } else {
            map.setView([place.lat, place.lon], 17)
          }
          say('The map is centred on ' + place.name + '. Start drawing, or press Enter at each corner ' +
            'while drawing.')
        })
        .catch(function () { say('The place search is not working at the moment. Try again.') })
    }

    go.addEventListener('click', lookUp)
    input.addEventListener('keydown', function (e) {
      if (e.key === 'Enter') { e.preventDefault(); lookUp() }
    })
    group.appendChild(label)
    group.appendChild(input)
    group.appendChild(go)
    return group
  }

  window.FootprintDraw = { attach: attach }
})()
