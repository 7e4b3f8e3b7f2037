"""The permission matrix: every role against every write endpoint of accounts, admin and assets.

Each row gives the expected status and whether data changed. Refusals (401,
403, 400 for a missing CSRF token) must leave the database as it was.
"""

import io

import pytest
from sqlalchemy import text

from registry import accounts, acv_lists, db, join_requests, permissions
from registry.imports import uploads
from tests.integration.conftest import csrf_token, sign_in

IMPORT_FILE = b"AssetCode,PropertyName,GeoX,GeoY\r\nM-1,Matrix Hall,-1.55,53.8\r\n"
# A one-entry list of assets of community value, in Oxford City Council's columns.
ACV_FILE = b"Reference,Name of Asset,Date nomination requested,Date of decision\r\nM-ACV-1,Matrix Arms,01/09/2026,20/10/2026\r\n"
ROLES = ["public", "citizen", "community_group_rep", "council_officer", "other_officer",
         "council_decision_maker", "reviewer", "admin"]


@pytest.fixture()
def world(db_session, make_user, two_authorities):
    ours, theirs = two_authorities
    organisation_id = db.session.execute(text("SELECT id FROM organisation ORDER BY id LIMIT 1")).scalar()
    if organisation_id is None:
        organisation_id = db.session.execute(text(
            "INSERT INTO organisation (name, legal_form) VALUES ('Test Group', 'charity') RETURNING id")).scalar()
    users = {
        "public": None,
        "citizen": make_user(),
        "community_group_rep": make_user(organisation_ids=[organisation_id]),
        "council_officer": make_user("council_officer", authority_code=ours),
        "other_officer": make_user("council_officer", authority_code=theirs),
        "council_decision_maker": make_user("council_decision_maker", authority_code=ours),
        "reviewer": make_user("reviewer", authority_code=ours),
        "admin": make_user("admin"),
    }
    asset_id = db.session.execute(text("SELECT min(id) FROM asset WHERE authority_code = :a"), {"a": ours}).scalar()
    target_user = make_user()
    officers_token, _secret = accounts.create_api_token(users["council_officer"], "the officer's own")
    upload = uploads.store(IMPORT_FILE, "matrix.csv", actor=users["council_officer"], authority_code=ours,
                           via="web")
    acv_upload = uploads.store(ACV_FILE, "matrix-acv.csv", actor=users["council_officer"], authority_code=ours,
                               via="web", kind="acv", row_counter=acv_lists.count_upload_rows)
    join = join_requests.ask_to_join(target_user, organisation_id, "Let me in")
    db.session.commit()
    return {"ours": ours, "theirs": theirs, "users": users, "asset_id": asset_id,
            "organisation_id": organisation_id, "target_user": target_user, "token_id": officers_token.id,
            "upload_id": upload.id, "acv_upload_id": acv_upload.id, "join_id": join.id}


def snapshot(world) -> tuple:
    """Everything the endpoints below might write."""
    db.session.expire_all()
    return (
        db.session.execute(text("SELECT count(*), max(id) FROM asset")).one(),
        db.session.execute(text("SELECT name, surplus_status, updated_at FROM asset WHERE id = :id"),
                           {"id": world["asset_id"]}).first(),
        db.session.execute(text("SELECT count(*) FROM api_token")).scalar(),
        db.session.execute(text("SELECT authority_code, roles FROM user_account WHERE id = :id"),
                           {"id": world["target_user"].id}).one(),
        db.session.execute(text("SELECT count(*) FROM membership")).scalar(),
        db.session.execute(text("SELECT count(*) FROM import_upload")).scalar(),
        db.session.execute(text("SELECT count(*) FROM organisation")).scalar(),
        db.session.execute(text("SELECT count(*) FROM join_request")).scalar(),
        db.session.execute(text("SELECT revoked_at FROM api_token WHERE id = :id"), {"id": world["token_id"]}).one(),
        db.session.execute(text('SELECT count(*) FROM "case"')).scalar(),
        db.session.execute(text("SELECT status FROM join_request WHERE id = :id"), {"id": world["join_id"]}).one(),
        db.session.execute(text("SELECT status, import_run_id, preview_status FROM import_upload WHERE id = :id"),
                           {"id": world["upload_id"]}).one(),
        db.session.execute(text("SELECT status, import_run_id FROM import_upload WHERE id = :id"),
                           {"id": world["acv_upload_id"]}).one(),
    )


def asset_form(reference, **extra) -> dict:
    return {"reference": reference, "name": "Matrix Hall", "asset_type": "community_centre",
            "condition": "fair", "occupancy": "vacant", "surplus_status": "surplus", "geometry_format": "bng",
            "geometry": "430000, 433000", "confirm_location": "y", **extra}  # a Leeds point: confirmed


# endpoint name -> (method, path builder, form builder)
WEB_WRITES = {
    "asset_create": ("/assets/new", lambda w: asset_form("MATRIX-NEW")),
    "asset_edit": ("/assets/{asset_id}/edit", lambda w: asset_form("MATRIX-EDIT", name="Renamed by matrix")),
    "asset_status": ("/assets/{asset_id}/status", lambda w: {"surplus_status": "available_for_transfer"}),
    "token_create": ("/account/tokens", lambda w: {"name": "Matrix token"}),
    "admin_officer": ("/admin/users/{target_user_id}/officer",
                      lambda w: {"officer-authority_code": w["ours"], "officer-roles": ["council_officer"]}),
    "admin_membership": ("/admin/users/{target_user_id}/memberships",
                         lambda w: {"membership-organisation_id": str(w["organisation_id"])}),
    "import_upload": ("/imports", lambda w: {"authority": w["ours"],
                                             "file": (io.BytesIO(IMPORT_FILE), "matrix.csv")}),
    "organisation_new": ("/organisations/new", lambda w: {"name": "Matrix Friends", "legal_form": "charity"}),
    "ask_to_join": ("/organisations/{organisation_id}/join", lambda w: {"message": "May I help?"}),
    # The council officer's own token; the group rep's membership of the group.
    "token_revoke": ("/account/tokens/{token_id}/revoke", lambda w: {}),
    # A one-row file the council officer uploaded into our authority, waiting for its confirmation.
    "import_confirm": ("/imports/{upload_id}/confirm", lambda w: {}),
    # The same upload's preview, queued for the worker (the page does so for long files).
    "import_prepare": ("/imports/{upload_id}/preview", lambda w: {}),
    # A council's list of assets of community value, uploaded (then previewed) and confirmed.
    "acv_list_upload": ("/imports/acv", lambda w: {"acv_authority": w["ours"],
                                                   "acv_file": (io.BytesIO(ACV_FILE), "matrix-acv.csv")}),
    "acv_list_confirm": ("/imports/acv/{acv_upload_id}/confirm", lambda w: {}),
    # The target user asked to act for the group; the group's own rep approves.
    "join_decide": ("/join-requests/{join_id}/approve", lambda w: {}),
    # A draft ACV nomination for the rep's group.
    "acv_nominate": ("/assets/{asset_id}/nominate", lambda w: {"organisation_id": str(w["organisation_id"])}),
    "admin_membership_remove": ("/admin/users/{rep_id}/memberships/{organisation_id}/remove", lambda w: {}),
}

OK = {"organisation_new": 302, "ask_to_join": 302, "token_revoke": 302, "admin_membership_remove": 302, "import_confirm": 302, "import_prepare": 302, "acv_list_upload": 302, "acv_list_confirm": 302, "join_decide": 302, "acv_nominate": 302,
      "asset_create": 302, "asset_edit": 302, "asset_status": 302, "token_create": 200,
      "admin_officer": 302, "admin_membership": 302, "import_upload": 302}
ALLOWED = {
    # An officer of any authority may add to (and make tokens for) their own register.
    "asset_create": {"council_officer", "other_officer", "council_decision_maker"},
    "asset_edit": {"council_officer", "council_decision_maker"},
    "asset_status": {"council_officer", "council_decision_maker"},
    "token_create": {"council_officer", "other_officer", "council_decision_maker"},
    "admin_officer": {"admin"},
    "admin_membership": {"admin"},
    # Officers (and admins) of an authority upload into their own authority's imports.
    "import_upload": {"council_officer", "other_officer", "council_decision_maker", "admin"},
    # Any signed-in person may register a group or ask to act for one (the citizen's way in).
    "organisation_new": set(ROLES[1:]),
    "ask_to_join": set(ROLES[1:]),
    # One's own token only; an admin (never scoped) may revoke anyone's, e.g. a leaked one.
    "token_revoke": {"council_officer", "admin"},
    "admin_membership_remove": {"admin"},
    # Our authority's upload: not the other authority's officer; an admin (never scoped) may.
    "import_confirm": {"council_officer", "council_decision_maker", "admin"},
    "import_prepare": {"council_officer", "council_decision_maker", "admin"},
    # A council's ACV list records its own decisions: its officers (any authority uploads into its own);
    # an admin, who records no council's decisions (acv.validate), may not.
    "acv_list_upload": {"council_officer", "other_officer", "council_decision_maker"},
    "acv_list_confirm": {"council_officer", "council_decision_maker"},
    # Only those who act for the group decide who joins it (the issue: the group answers, not the council).
    "join_decide": {"community_group_rep"},
    "acv_nominate": {"community_group_rep"},
}
# A signed-in person who may not use a right is sent to "who can use this right" (302), never a bare 403,
# and nothing is written.
OFFERED_JOIN = {("acv_nominate", role) for role in ROLES[1:] if role != "community_group_rep"}
# Allowed by role but refused on the facts: the rep already acts for the group they ask to join.
SPECIAL = {("ask_to_join", "community_group_rep"): 409}


def expected(endpoint: str, role: str) -> int:
    if (endpoint, role) in SPECIAL:
        return SPECIAL[endpoint, role]
    if (endpoint, role) in OFFERED_JOIN:
        return 302
    if role in ALLOWED[endpoint]:
        return OK[endpoint]
    return 401 if role == "public" else 403


def path_of(path: str, world) -> str:
    return path.format(asset_id=world["asset_id"], target_user_id=world["target_user"].id,
                       organisation_id=world["organisation_id"], token_id=world["token_id"],
                       rep_id=world["users"]["community_group_rep"].id, upload_id=world["upload_id"],
                       acv_upload_id=world["acv_upload_id"], join_id=world["join_id"])


MATRIX = [(endpoint, role, expected(endpoint, role)) for endpoint in WEB_WRITES for role in ROLES]


@pytest.mark.parametrize(("endpoint", "role", "status"), MATRIX, ids=[f"{e}-{r}-{s}" for e, r, s in MATRIX])
def test_web_write_matrix(client, world, endpoint, role, status):
    path, form = WEB_WRITES[endpoint]
    path = path_of(path, world)
    user = world["users"][role]
    if user is not None:
        sign_in(client, user)
    before = snapshot(world)
    response = client.post(path, data={**form(world), "csrf_token": csrf_token(client)})
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    changed = snapshot(world) != before
    if (endpoint, role) in OFFERED_JOIN:
        assert "/who-can-use" in response.headers["Location"]
        assert not changed
    else:
        assert changed == (status < 400)


@pytest.mark.parametrize("endpoint", list(WEB_WRITES))
def test_form_posts_without_csrf_are_refused_and_change_nothing(client, world, endpoint):
    path, form = WEB_WRITES[endpoint]
    path = path_of(path, world)
    allowed_role = min(role for role in ALLOWED[endpoint] if (endpoint, role) not in SPECIAL)
    sign_in(client, world["users"][allowed_role])
    before = snapshot(world)
    response = client.post(path, data=form(world))
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert snapshot(world) == before


def test_officer_cannot_edit_another_authoritys_asset_page(client, world):
    sign_in(client, world["users"]["other_officer"])
    assert client.get(f"/assets/{world['asset_id']}/edit").status_code == 403
    assert client.get("/assets/new").status_code == 200  # but may add to their own register


# ---------------------------------------------------------------- the write API


def feature(reference="API-1", name="Pushed Hall", geometry=None):
    return {"type": "Feature", "geometry": geometry or {"type": "Point", "coordinates": [-1.55, 53.8]},
            "properties": {"reference": reference, "name": name, "asset_type": "library"}}


@pytest.fixture()
def tokens(world):
    officer, other = world["users"]["council_officer"], world["users"]["other_officer"]
    _, ours = accounts.create_api_token(officer, "ours")
    _, theirs = accounts.create_api_token(other, "theirs")
    revoked_token, revoked = accounts.create_api_token(officer, "revoked")
    accounts.revoke_api_token(revoked_token)
    db.session.commit()
    return {"none": None, "garbage": "car_not-a-real-token", "revoked": revoked, "ours": ours, "theirs": theirs}


API_CALLS = {
    # Names our authority: a token of another authority must be refused.
    "create": ("POST", "/api/collections/assets/items",
               lambda w: {**feature("API-MATRIX"), "properties": {**feature("API-MATRIX")["properties"],
                                                                  "authority_code": w["ours"]}}),
    "replace": ("PUT", "/api/collections/assets/items/{asset_id}", lambda w: feature("API-PUT", "Put Hall")),
    "patch": ("PATCH", "/api/collections/assets/items/{asset_id}",
              lambda w: {"type": "Feature", "geometry": None, "properties": {"name": "Patched Hall"}}),
    "delete": ("DELETE", "/api/collections/assets/items/{asset_id}", lambda w: None),
    # Multipart, not JSON: names our authority, so a token of another authority is refused (403).
    "import": ("POST", "/api/imports", lambda w: {"authority": w["ours"],
                                                  "file": (io.BytesIO(IMPORT_FILE), "matrix.csv")}),
}
MULTIPART = {"import"}
# A one-row file runs at once: 201 with the import done (one asset added, one upload stored).
API_OK = {"create": 201, "replace": 204, "patch": 204, "delete": 204, "import": 201}
TOKEN_STATUS = {"none": 401, "garbage": 401, "revoked": 401, "theirs": 403}
API_MATRIX = [(call, kind, API_OK[call] if kind == "ours" else TOKEN_STATUS[kind])
              for call in API_CALLS for kind in ("none", "garbage", "revoked", "ours", "theirs")]


@pytest.mark.parametrize(("call", "kind", "status"), API_MATRIX, ids=[f"{c}-{k}-{s}" for c, k, s in API_MATRIX])
def test_api_write_matrix(client, world, tokens, call, kind, status):
    method, path, body = API_CALLS[call]
    asset_id = world["asset_id"]
    if call == "delete" and kind == "ours":
        # A fresh asset of ours (demo assets may carry cases).
        created = client.post("/api/collections/assets/items", json=feature("API-DEL"),
                              headers={"Authorization": f"Bearer {tokens['ours']}"})
        asset_id = int(created.headers["Location"].rsplit("/", 1)[1])
        db.session.commit()
    headers = {"Authorization": f"Bearer {tokens[kind]}"} if tokens[kind] else {}
    before = snapshot({**world, "asset_id": asset_id})
    if call in MULTIPART:
        response = client.open(path.format(asset_id=asset_id), method=method, data=body(world), headers=headers,
                               content_type="multipart/form-data")
    else:
        response = client.open(path.format(asset_id=asset_id), method=method, json=body(world), headers=headers)
    assert response.status_code == status, response.get_data(as_text=True)
    assert (snapshot({**world, "asset_id": asset_id}) != before) == (status < 400)
    if status == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert response.mimetype == "application/problem+json"
    if call == "delete" and kind == "ours":
        assert db.session.execute(text("SELECT count(*) FROM asset WHERE id = :id"), {"id": asset_id}).scalar() == 0


def test_a_signed_in_session_cannot_use_the_write_api(client, world):
    sign_in(client, world["users"]["council_officer"])
    response = client.post("/api/collections/assets/items", json=feature("API-SESSION"))
    assert response.status_code == 401


def test_the_permission_table_lists_every_action(app):
    actions = {rule.action for rule in permissions.table()}
    assert {"asset.create", "asset.edit", "asset.delete", "admin.assign_officer",
            "admin.assign_membership", "api_token.create"} <= actions
    for rule in permissions.table():
        assert rule.roles <= set(permissions.ROLES)


OWN_BLUEPRINTS = ("web_accounts", "web_admin", "web_asset_edit", "api_assets_write")


def test_every_route_declares_who_may_call_it(app):
    """Every view says who may call it (`@public`, `@route_requires(action)` or `@signed_in`)."""
    unmarked = sorted(rule.endpoint for rule in app.url_map.iter_rules()
                      if rule.endpoint != "static"
                      and permissions.view_permission(app.view_functions[rule.endpoint]) is None)
    assert unmarked == []


# ---------------------------------------------------------------- every write route is in the matrix or exempt

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

# Write routes deliberately outside the role matrix, each with its reason.
EXEMPT = {
    "web_accounts.sign_in": "the sign-in form: open to everyone by design, it writes only the session",
    "web_accounts.sign_out": "ends one's own session; harmless for any role, public included",
    "web_accounts.sign_up": "the sign-up form: open to the public by design (it is how a citizen account starts)",
    "web_accounts.reset_request": "asks for a password-reset email: public by design, says the same for any address",
    "web_accounts.reset_password": "authorised by the emailed one-time token, not by a role",
    "api_clawback.calculate": "a calculator: POST only for the body, writes nothing (public by the issue text)",
    # alerts (issue 15): no account is needed by design; the write is authorised by who holds the email
    "web_alerts.subscribe": "alerts sign-up: public by design, rate-limited, nothing sent until the email confirms it",
    "web_alerts.confirm": "authorised by the emailed signed confirmation token, not by a role; a GET changes nothing",
    "web_alerts.unsubscribe_now": "authorised by the emailed signed token (RFC 8058 one-click), not by a role",
    # Statements of community support (issue 15 item 5): residents need no account.
    "web_support.page": "a resident adds their support: public by design, rate-limited, confirmed by email",
    "web_support.confirm": "authorised by the emailed one-time token and the postcode, not by a role",
    "web_support.withdraw": "authorised by the emailed signed withdrawal token, not by a role; a GET changes nothing",
}


def _matrix_endpoints(app) -> set[str]:
    """The endpoints the matrices really call (this file's and test_permissions_workflow's), by their paths."""
    from tests.integration import test_permissions_workflow as workflow_matrix

    adapter = app.url_map.bind("localhost")
    calls = [("POST", path) for path, _form in WEB_WRITES.values()]
    calls += [(method, path) for method, path, _body in API_CALLS.values()]
    calls += [("POST", route.path) for route in workflow_matrix.WEB_ROUTES.values()]
    calls += [(call.method, call.path) for call in workflow_matrix.API_ROUTES.values()]
    ids = dict.fromkeys(("asset_id", "target_user_id", "organisation_id", "token_id", "rep_id", "upload_id",
                         "acv_upload_id",
                         "join_id", "case_id", "transfer_id", "condition_id", "monitoring_id"), 1)
    found = set()
    for method, path in calls:
        endpoint, _args = adapter.match(path.format(authority="E08000035", **ids).split("?", 1)[0], method=method)
        found.add(endpoint)
    return found


def test_every_write_route_is_in_the_matrix_or_exempt(app):
    """A new POST/PUT/PATCH/DELETE route fails here until it has a matrix row (or a reasoned exemption)."""
    writes = {rule.endpoint for rule in app.url_map.iter_rules() if set(rule.methods) & WRITE_METHODS}
    covered = _matrix_endpoints(app)
    assert sorted(writes - covered - set(EXEMPT)) == []
    # The list stays honest: nothing both exempt and in the matrix, nothing stale.
    assert covered & set(EXEMPT) == set()
    assert sorted(set(EXEMPT) - writes) == []
