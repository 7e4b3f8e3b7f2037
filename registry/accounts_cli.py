"""`flask users ...`: bootstrap administrators and officers from the command line.

The CLI acts as the system (audit rows with via='cli' and no actor). Each
command commits once at the end, or not at all.
"""

import os

import click

from . import accounts, audit, db
from .cli_support import CommandGroup
from .errors import RegistryError

users_cli = CommandGroup("users", help="People and their roles.")


@users_cli.command("create")
@click.argument("email")
@click.option("--name", required=True, help="The person's name.")
@click.option("--role", "roles", multiple=True,
              type=click.Choice(accounts.STORED_ROLES), help="A role (repeat for several).")
@click.option("--authority", "authority_code", default=None, help="GSS code of the officer's authority.")
@click.option("--password", envvar="NEW_USER_PASSWORD", default=None,
              help="Password (or NEW_USER_PASSWORD; prompted if neither).")
def create(email, name, roles, authority_code, password):
    """Create a confirmed user, e.g. the first administrator."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        if authority_code:
            from . import authorities

            authorities.get(authority_code)
        user = accounts.create_user(email, password, name, roles=roles, authority_code=authority_code,
                                    confirmed=True)
        audit.record(None, "account.create", "user", user.id, {"roles": sorted(roles)}, via="cli")
        db.session.commit()
    except RegistryError as error:
        db.session.rollback()
        raise click.ClickException(error.detail) from None
    click.echo(f"Created user {user.id} with roles {', '.join(sorted(user.roles))}.")


@users_cli.command("list")
def list_users():
    """List users, their roles and authority."""
    for user in accounts.all_users():
        click.echo(f"{user.id}\t{user.email}\t{','.join(sorted(user.roles))}\t{user.authority_code or ''}")


@users_cli.command("demo")
@click.option("--password", envvar="DEMO_PASSWORD", default="demo-password-123")
def demo(password):
    """Demo people: an admin, and an officer, decision-maker and reviewer for each authority with assets."""
    from sqlalchemy import text

    codes = db.session.execute(text("SELECT DISTINCT authority_code FROM asset ORDER BY 1")).scalars().all()
    people = [("admin@demo.example", "Demo Administrator", ["admin"], None)]
    for code in codes:
        for role in ("council_officer", "council_decision_maker", "reviewer"):
            people.append((f"{role.replace('_', '.')}.{code.lower()}@demo.example",
                           f"Demo {role.replace('_', ' ')} {code}", [role], code))
    groups = db.session.execute(text("SELECT id, name FROM organisation ORDER BY id LIMIT 10")).all()
    for number, (organisation_id, organisation_name) in enumerate(groups, start=1):
        people.append((f"group.rep.{number}@demo.example", f"Demo representative of {organisation_name}",
                       [], None, organisation_id))
    made = 0
    for email, name, roles, code, *organisation in people:
        if accounts.find_by_email(email) is None:
            user = accounts.create_user(email, password, name, roles=roles, authority_code=code, confirmed=True)
            for organisation_id in organisation:
                accounts.add_membership(user, organisation_id)
            audit.record(None, "account.create", "user", user.id, {"roles": roles, "demo": True}, via="cli")
            made += 1
    db.session.commit()
    shown_password = "from DEMO_PASSWORD" if os.environ.get("DEMO_PASSWORD") else password
    click.echo(f"{made} demo users created ({len(people)} in all); password: {shown_password}")
    click.echo("  admin@demo.example  (administrator)")
    click.echo("  council.officer.<code>@demo.example, council.decision.maker.<code>@demo.example, "
               "reviewer.<code>@demo.example  (for each council with assets, e.g. e08000035 for Leeds)")
    for number, (_, organisation_name) in enumerate(groups, start=1):
        click.echo(f"  group.rep.{number}@demo.example  (acts for {organisation_name})")
