"""Serialisers of the delivery band (issue 9 item 1): the one formula-safe CSV writer, GeoJSON
FeatureCollections, WKT, the planning.data.gov.uk ACV CSV and the Atom feed.

Domain modules (registers.py, obligations.py) return rows and values; the web and API views turn
them into a wire format with these functions. Nothing here queries the database.
"""
