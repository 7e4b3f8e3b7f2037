// Starts GOV.UK Frontend's components (loaded as an ES module by templates/base.html).
// Kept in a file, not inline, so the Content Security Policy needs no 'unsafe-inline'.
import { initAll } from '../vendor/govuk-frontend/govuk-frontend.min.js'

initAll()
