"""`flask basemap load`: the app's own base map (registry/basemap.py). Commits once at the end."""

import click

from . import basemap, db
from .cli_support import CommandGroup, as_owner, audit_load

basemap_cli = CommandGroup("basemap", help="The base map the app serves itself (/tiles/base).")


@basemap_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing if the land is already loaded.")
def basemap_load(if_empty):
    """Load the UK's land polygons (Natural Earth 1:10m, npm package world-atlas) into basemap_land."""
    as_owner()  # a bulk load: the owner role (DATABASE_OWNER_URL) where one is configured
    if if_empty and basemap.land_loaded():
        click.echo("Base map already loaded.")
        return
    try:
        count = basemap.load_land()
        audit_load("basemap.load", "basemap_land", {"polygons": count})
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    click.echo(f"Base map: {count} land polygons loaded.")
