/*
 * Draw an asset's footprint on the edit page's map (progressive enhancement:
 * without JavaScript the officer pastes GeoJSON or grid references instead).
 *
 * Click "Start drawing", click the map at each corner, then "Use this boundary":
 * the boundary is written as a GeoJSON Polygon into the page's #geometry
 * textarea and the GeoJSON (longitude, latitude) format is chosen. The server
 * checks it like any other input (self-intersections are refused there).
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

    var points = []
    var drawing = false
    var shape = null

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
      say('Click the map at each corner of the boundary, then choose "Use this boundary".')
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
      container.classList.remove('app-map--drawing')
      say('Boundary with ' + points.length + ' corners added to the form. Save the asset to keep it.')
    })

    map.on('click', function (e) {
      if (!drawing) return
      points.push(e.latlng)
      redraw()
      say(points.length + (points.length === 1 ? ' corner' : ' corners') + ' so far.')
    })
  }

  window.FootprintDraw = { attach: attach }
})()
