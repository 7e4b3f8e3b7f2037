"""A small world for the workflow tests: an English council's asset, its officers and two groups."""

import itertools
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from registry import accounts, db
from registry.assets import Asset
from registry.organisations import Organisation
from registry.workflow import engine

LEEDS = "E08000035"
_serial = itertools.count(1)


@dataclass
class World:
    asset: Asset
    rep: accounts.User
    cig_rep: accounts.User
    officer: accounts.User
    decision_maker: accounts.User
    reviewer: accounts.User
    other_officer: accounts.User  # an officer of another council
    citizen: accounts.User
    group: Organisation  # an unincorporated association: may nominate, may not trigger the moratorium
    cig: Organisation  # a charity: a community interest group


PASSWORD = "correct horse battery"
_PASSWORD_HASH = accounts.hash_password(PASSWORD)  # hashed once: argon2 is slow on purpose


def _user(label, roles=(), authority=None):
    n = next(_serial)
    user = accounts.User(email=f"{label}{n}-{uuid.uuid4().hex[:8]}@example.org", display_name=label.title(),
                         password_hash=_PASSWORD_HASH, stored_roles=sorted(roles), authority_code=authority,
                         email_confirmed_at=datetime.now(UTC))
    db.session.add(user)
    db.session.flush()
    return user


def build(authority: str = LEEDS) -> World:
    asset = db.session.scalar(
        select(Asset).where(Asset.authority_code == authority, Asset.area_code == authority,
                            Asset.withheld.is_(False), Asset.live_status.is_(None),
                            Asset.surplus_status.not_in(("transferred", "disposed"))).order_by(Asset.id).limit(1)
    )
    group = Organisation(name="Friends of the Green", legal_form="unincorporated_association",
                         member_count=40, local_member_count=30, non_distribution_of_surplus=True,
                         area_code=authority, contact_email="secret@example.org", contact_name="Ann Secret")
    cig = Organisation(name="Green Community Trust", legal_form="charity", area_code=authority,
                       contact_email="cig@example.org")
    db.session.add_all([group, cig])
    db.session.flush()
    rep = _user("rep")
    accounts.add_membership(rep, group.id)
    cig_rep = _user("cigrep")
    accounts.add_membership(cig_rep, cig.id)
    other = db.session.scalar(select(Asset.authority_code).where(Asset.authority_code != authority).limit(1))
    return World(
        asset=asset, rep=rep, cig_rep=cig_rep, group=group, cig=cig,
        officer=_user("officer", ("council_officer",), authority),
        decision_maker=_user("decider", ("council_decision_maker",), authority),
        reviewer=_user("reviewer", ("reviewer",), authority),
        other_officer=_user("elsewhere", ("council_officer", "council_decision_maker"), other),
        citizen=_user("citizen"),
    )


NOMINATION = {
    "land_description": "The green and its pavilion, bounded by the lane and the beck.",
    "community_value_reasons": "Used every week for football, the fair and the bonfire.",
    "current_use": "Sports and community events",
    "owners_known": "Mr A Owner, 1 The Lane (freeholder)",
}


def nominate(world: World, today: date, **extra):
    case = engine.open_case("acv", "start_draft", world.rep, {**NOMINATION, **extra}, today,
                            authority_code=world.asset.area_code, asset_id=world.asset.id,
                            organisation_id=world.group.id)
    engine.transition(case.id, "submit", world.rep, {}, today)
    return case


def list_asset(world: World, today: date):
    case = nominate(world, today)
    engine.transition(case.id, "begin_validation", world.officer, {}, today)
    engine.transition(case.id, "accept_nomination", world.officer, {"owner_notified_on": today.isoformat()}, today)
    engine.transition(case.id, "list", world.decision_maker, {"reasons": "Furthers social wellbeing (s.88)."},
                      today)
    return case


def counts(case_id: int) -> tuple[int, int]:
    events = db.session.scalar(text("SELECT count(*) FROM case_event WHERE case_id = :id"), {"id": case_id})
    deadlines = db.session.scalar(text("SELECT count(*) FROM deadline WHERE case_id = :id"), {"id": case_id})
    return events, deadlines


def case_count() -> int:
    return db.session.scalar(select(func.count()).select_from(engine.Case))


def purge(world: World) -> None:
    """Remove committed rows a test made for this world.

    Case events are append-only and the app role cannot lift the trigger: the clean-up runs as
    the owner role (tests/conftest.py), which can.
    """
    from tests.conftest import owner_engine

    ids = {"asset": world.asset.id,
           "users": [u.id for u in (world.rep, world.cig_rep, world.officer, world.decision_maker, world.reviewer,
                                    world.other_officer, world.citizen)],
           "orgs": [world.group.id, world.cig.id]}
    db.session.commit()
    db.session.remove()
    with owner_engine().begin() as session:
        case_ids = session.execute(text(
            'SELECT id FROM "case" WHERE asset_id = :asset OR organisation_id = ANY(:orgs) '
            "OR created_by_user_id = ANY(:users)"), ids).scalars().all()
        session.execute(text("ALTER TABLE case_event DISABLE TRIGGER case_event_append_only"))
        session.execute(text("DELETE FROM case_event WHERE case_id = ANY(:ids)"), {"ids": case_ids})
        session.execute(text("ALTER TABLE case_event ENABLE TRIGGER case_event_append_only"))
        session.execute(text("DELETE FROM deadline WHERE case_id = ANY(:ids)"), {"ids": case_ids})
        session.execute(text("DELETE FROM ros_status_record WHERE case_id = ANY(:ids)"), {"ids": case_ids})
        session.execute(text('DELETE FROM "case" WHERE id = ANY(:ids) AND parent_case_id IS NOT NULL'),
                        {"ids": case_ids})
        session.execute(text('DELETE FROM "case" WHERE id = ANY(:ids)'), {"ids": case_ids})
        session.execute(text("UPDATE asset SET live_status = NULL WHERE id = :asset"), ids)
        for user_id in ids["users"]:
            try:
                with session.begin_nested():
                    session.execute(text("DELETE FROM user_account WHERE id = :id"), {"id": user_id})
            except IntegrityError:  # the audit log refers to them (signing in is audited): keep, but disable
                session.execute(text("UPDATE user_account SET active = false WHERE id = :id"), {"id": user_id})
        session.execute(text("DELETE FROM organisation WHERE id = ANY(:orgs)"), ids)
