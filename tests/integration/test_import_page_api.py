"""The import page (/imports) and the import API (POST /api/imports) over a real council extract.

The file is Trafford Council's 2023 land and building assets register (fixtures/samples/councils,
see its README): 25 records, every one with WGS84 GeoX/GeoY, OrganisationURI naming Trafford
(E08000009), which owns no demo assets. Expected values are read from the file with the csv module,
never from the importer.
"""

import csv
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import text

from registry import accounts, db

from .conftest import csrf_token, sign_in

EXTRACT = Path(__file__).resolve().parents[2] / "fixtures" / "samples" / "councils" / "formats" / \
    "trafford_2023_extract.csv"
TRAFFORD = "E08000009"


def file_rows() -> list[dict]:
    with EXTRACT.open(newline="", encoding="utf-8") as handle:
        return [r for r in csv.DictReader(handle) if any(v.strip() for v in r.values())]


ROWS = file_rows()
REFERENCES = {r["AssetCode"] for r in ROWS}


def stored() -> dict[str, dict]:
    db.session.expire_all()
    return {r.reference: dict(r._mapping) for r in db.session.execute(text(
        "SELECT reference, name, description, other_detail, ST_X(point) AS lon, ST_Y(point) AS lat "
        "FROM asset WHERE authority_code = :a"), {"a": TRAFFORD})}


def counts() -> tuple:
    db.session.expire_all()
    return (db.session.execute(text("SELECT count(*) FROM asset")).scalar(),
            db.session.execute(text("SELECT count(*) FROM import_run")).scalar(),
            db.session.execute(text("SELECT count(*) FROM import_upload")).scalar())


@pytest.fixture()
def people(db_session, make_user, two_authorities):
    ours, _ = two_authorities
    assert ours != TRAFFORD
    trafford = make_user("council_officer", authority_code=TRAFFORD)
    other = make_user("council_officer", authority_code=ours)
    _, trafford_token = accounts.create_api_token(trafford, "trafford system")
    _, other_token = accounts.create_api_token(other, "other system")
    db.session.commit()
    return {"trafford": trafford, "other": other, "trafford_token": trafford_token, "other_token": other_token,
            "other_code": ours}


def post_file(client, token, **fields):
    data = {"file": (io.BytesIO(EXTRACT.read_bytes()), EXTRACT.name), **fields}
    return client.post("/api/imports", data=data, content_type="multipart/form-data",
                       headers={"Authorization": f"Bearer {token}"})


def test_the_extract_is_what_the_tests_assume():
    assert len(ROWS) == 25 and len(REFERENCES) == 25
    assert all(r["GeoX"].strip() and r["GeoY"].strip() for r in ROWS)


# ---------------------------------------------------------------- the API


def test_a_small_file_through_the_api_answers_201_with_its_summary(client, people):
    assert stored() == {}
    response = post_file(client, people["trafford_token"])
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["status"] == "done" and body["authority"] == TRAFFORD and body["rows"] == 25
    assert body["summary"]["counts"]["new"] == 25 and body["summary"]["written"] is True
    assert body["summary"]["problems"] == []
    assert response.headers["Location"].endswith(f"/api/imports/{body['id']}")
    assets = stored()
    assert set(assets) == REFERENCES
    by_code = {r["AssetCode"]: r for r in ROWS}
    for reference, asset in assets.items():
        assert asset["name"] == by_code[reference]["PropertyName"].strip()
        assert abs(asset["lon"] - float(by_code[reference]["GeoX"])) < 1e-6
        assert abs(asset["lat"] - float(by_code[reference]["GeoY"])) < 1e-6
    run = db.session.execute(text("SELECT via, actor, written, file_name, sha256 FROM import_run "
                                  "WHERE id = :id"), {"id": body["import_run"]}).one()
    import hashlib

    assert run.via == "api" and run.written and run.actor == people["trafford"].email
    assert run.file_name == EXTRACT.name and run.sha256 == hashlib.sha256(EXTRACT.read_bytes()).hexdigest()
    # The status URL answers the same.
    status = client.get(f"/api/imports/{body['id']}", headers={"Authorization": f"Bearer {people['trafford_token']}"})
    assert status.status_code == 200 and status.get_json()["status"] == "done"


def test_a_dry_run_through_the_api_writes_no_asset(client, people):
    before = counts()
    response = post_file(client, people["trafford_token"], dry_run="true")
    assert response.status_code == 201
    assert response.get_json()["summary"]["counts"]["new"] == 25
    assert response.get_json()["summary"]["written"] is False
    assert counts()[:2] == before[:2] and stored() == {}


def test_a_long_file_is_queued_202_and_the_worker_finishes_it(app, client, people, monkeypatch):
    monkeypatch.setattr(app.config["SETTINGS"], "import_sync_rows", 10)  # 25 rows is "long" here
    response = post_file(client, people["trafford_token"])
    assert response.status_code == 202, response.get_data(as_text=True)
    body = response.get_json()
    assert body["status"] == "queued" and body["progress"]["total"] == 25
    status_url = response.headers["Location"]
    assert stored() == {}  # nothing written until the worker runs
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["imports", "work", "--once"])
    assert result.exit_code == 0, result.output
    assert f"Import {body['id']} finished." in result.output

    answer = client.get(status_url, headers={"Authorization": f"Bearer {people['trafford_token']}"}).get_json()
    assert answer["status"] == "done" and answer["summary"]["counts"]["new"] == 25
    assert set(stored()) == REFERENCES
    # Nothing left queued: a second pass runs nothing.
    again = app.test_cli_runner().invoke(args=["imports", "work", "--once"])
    assert "0 queued import(s) run." in again.output


def test_a_token_of_another_authority_is_refused_and_nothing_is_written(client, people):
    before = counts()
    # Naming Trafford with a token of another authority.
    named = post_file(client, people["other_token"], authority=TRAFFORD)
    assert named.status_code == 403 and named.mimetype == "application/problem+json"
    assert "authority" in named.get_data(as_text=True)
    # Its own authority, but every row of the file says Trafford.
    rows_say = post_file(client, people["other_token"])
    assert rows_say.status_code == 403 and rows_say.mimetype == "application/problem+json"
    assert TRAFFORD in rows_say.get_json()["detail"]
    assert counts() == before and stored() == {}


def test_no_token_is_401_and_a_session_is_not_a_token(client, people):
    assert client.post("/api/imports", data={}).status_code == 401
    sign_in(client, people["trafford"])
    response = client.post("/api/imports", data={"file": (io.BytesIO(b"x"), "a.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 401  # a cookie is not a token: nothing written
    assert stored() == {}


@pytest.mark.parametrize(("fields", "field"), [
    ({"file": None}, "file"),
    ({"mapping": "{not json"}, "mapping"),
    ({"mapping": json.dumps({"AssetCode": "no_such_field"})}, "mapping"),
    ({"dry_run": "perhaps"}, "dry_run"),
])
def test_bad_requests_are_problem_json_naming_the_field(client, people, fields, field):
    data = {"file": (io.BytesIO(EXTRACT.read_bytes()), EXTRACT.name), **fields}
    data = {k: v for k, v in data.items() if v is not None}
    before = counts()
    response = client.post("/api/imports", data=data, content_type="multipart/form-data",
                           headers={"Authorization": f"Bearer {people['trafford_token']}"})
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["invalid_param"] == field
    assert counts() == before


def test_an_api_mapping_changes_a_column(client, people):
    response = post_file(client, people["trafford_token"], mapping=json.dumps({"OtherDetail": "description"}))
    assert response.status_code == 201
    assets = stored()
    for row in ROWS:
        detail = row["OtherDetail"].strip() or None
        assert assets[row["AssetCode"]]["description"] == detail


# ---------------------------------------------------------------- the page


def upload_on_page(client):
    token = csrf_token(client)
    return client.post("/imports", data={"csrf_token": token, "file": (io.BytesIO(EXTRACT.read_bytes()),
                                                                       EXTRACT.name)},
                       content_type="multipart/form-data")


def test_the_page_uploads_previews_maps_and_confirms(client, people):
    sign_in(client, people["trafford"])
    response = upload_on_page(client)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    preview_url = response.headers["Location"]
    upload_id = int(preview_url.rstrip("/").rsplit("/", 1)[1])
    page = client.get(preview_url).get_data(as_text=True)
    assert 'data-count="new">25<' in page and 'data-count="rows">25<' in page
    assert stored() == {}  # a preview writes nothing
    # Every column of the file has its select.
    header = next(csv.reader(EXTRACT.open(encoding="utf-8")))
    for index, name in enumerate(header):
        assert f'name="field-{index}"' in page and f'value="{name}"' in page

    # Map OtherDetail to the description and save it for Trafford.
    form = {"csrf_token": csrf_token(client), "save_mapping": "y", "column": header}
    for index, name in enumerate(header):
        form[f"field-{index}"] = "description" if name == "OtherDetail" else ""
    assert client.post(f"/imports/{upload_id}/mapping", data=form).status_code == 302
    saved = db.session.execute(text("SELECT mapping FROM import_mapping WHERE authority_code = :a"),
                               {"a": TRAFFORD}).scalar()
    assert saved == {"OtherDetail": "description"}

    confirmed = client.post(f"/imports/{upload_id}/confirm", data={"csrf_token": csrf_token(client)})
    assert confirmed.status_code == 302
    status = client.get(confirmed.headers["Location"]).get_data(as_text=True)
    assert 'data-status="done"' in status and 'data-count="new">25<' in status
    assets = stored()
    assert set(assets) == REFERENCES
    for row in ROWS:
        assert assets[row["AssetCode"]]["description"] == (row["OtherDetail"].strip() or None)

    # The history lists it, and its report downloads as CSV through the one writer.
    history = client.get("/imports").get_data(as_text=True)
    run_id = db.session.execute(text("SELECT import_run_id FROM import_upload WHERE id = :id"),
                                {"id": upload_id}).scalar()
    assert f"/imports/runs/{run_id}.csv" in history
    report = client.get(f"/imports/runs/{run_id}.csv")
    assert report.status_code == 200 and report.mimetype == "text/csv"
    lines = list(csv.DictReader(io.StringIO(report.get_data(as_text=True))))
    assert {r["reference"] for r in lines if r["outcome"] == "new"} == REFERENCES

    # The next upload starts from the saved mapping.
    second = upload_on_page(client)
    next_upload = int(second.headers["Location"].rsplit("/", 1)[1])
    mapping = db.session.execute(text("SELECT mapping FROM import_upload WHERE id = :id"),
                                 {"id": next_upload}).scalar()
    assert mapping == {"OtherDetail": "description"}


def test_confirm_rechecks_the_file_hash(client, people):
    sign_in(client, people["trafford"])
    upload_id = int(upload_on_page(client).headers["Location"].rsplit("/", 1)[1])
    db.session.execute(text("UPDATE import_upload SET content = content || 'x'::bytea WHERE id = :id"),
                       {"id": upload_id})
    db.session.commit()
    response = client.post(f"/imports/{upload_id}/confirm", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 400
    assert "changed since its preview" in response.get_data(as_text=True)
    assert stored() == {}


def test_an_officer_of_another_authority_gets_403_on_the_page(client, people):
    sign_in(client, people["trafford"])
    upload_id = int(upload_on_page(client).headers["Location"].rsplit("/", 1)[1])
    sign_in(client, people["other"])
    before = counts()
    assert client.get(f"/imports/{upload_id}").status_code == 403
    assert client.get(f"/imports/{upload_id}/status").status_code == 403
    token = csrf_token(client)
    assert client.post(f"/imports/{upload_id}/confirm", data={"csrf_token": token}).status_code == 403
    assert client.post(f"/imports/{upload_id}/mapping", data={"csrf_token": token}).status_code == 403
    assert counts() == before and stored() == {}


@pytest.mark.parametrize("role", ["public", "citizen", "reviewer"])
def test_only_officers_and_admins_reach_the_page(client, make_user, people, role):
    if role != "public":
        sign_in(client, make_user(*([role] if role != "citizen" else []), authority_code=TRAFFORD))
    status = client.get("/imports").status_code
    assert status == (401 if role == "public" else 403)


def upload_id_of(response) -> int:
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def work_once(app) -> str:
    result = app.test_cli_runner().invoke(args=["imports", "work", "--once"])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_long_files_preview_is_queued_with_progress_and_rechecked_after_a_mapping_change(
        app, client, people, monkeypatch):
    """Over `import_sync_rows` the page never runs the dry run in the request: the worker does, with progress."""
    monkeypatch.setattr(app.config["SETTINGS"], "import_sync_rows", 10)  # 25 rows is "long" here
    sign_in(client, people["trafford"])
    upload_id = upload_id_of(upload_on_page(client))
    row = db.session.execute(text("SELECT preview_status, progress_done, progress_total FROM import_upload "
                                  "WHERE id = :id"), {"id": upload_id}).one()
    assert tuple(row) == ("queued", 0, 25)
    waiting = client.get(f"/imports/{upload_id}").get_data(as_text=True)
    assert 'data-preview-status="queued"' in waiting and 'http-equiv="refresh"' in waiting
    assert 'data-progress="0/25"' in waiting and 'data-count="new"' not in waiting
    db.session.commit()

    assert f"Import {upload_id} finished." in work_once(app)
    db.session.expire_all()
    row = db.session.execute(text("SELECT preview_status, status, progress_done, progress_total FROM import_upload "
                                  "WHERE id = :id"), {"id": upload_id}).one()
    assert tuple(row) == ("ready", "uploaded", 25, 25)  # every row checked; the import itself not started
    assert stored() == {} and counts()[1] == 0  # a preview writes no asset and records no run
    page = client.get(f"/imports/{upload_id}").get_data(as_text=True)
    assert 'data-count="new">25<' in page and 'data-count="rows">25<' in page and "http-equiv" not in page
    header = next(csv.reader(EXTRACT.open(encoding="utf-8")))
    for index, name in enumerate(header):
        assert f'name="field-{index}"' in page and f'value="{name}"' in page

    # Map AssetCode to nothing: every row then lacks its reference, and the preview must say so.
    form = {"csrf_token": csrf_token(client), "column": header}
    for index, name in enumerate(header):
        form[f"field-{index}"] = "extra" if name == "AssetCode" else ""
    assert client.post(f"/imports/{upload_id}/mapping", data=form).status_code == 302
    assert 'data-preview-status="queued"' in client.get(f"/imports/{upload_id}").get_data(as_text=True)
    db.session.commit()
    work_once(app)
    page = client.get(f"/imports/{upload_id}").get_data(as_text=True)
    assert 'data-count="rejected">25<' in page  # each of the 25 records is refused for its reference
    assert page.count("Record ") >= 25 and "Confirm the import" not in page

    # Back to the file's own mapping, checked again, then confirmed: the import is queued and written.
    for index, name in enumerate(header):
        form[f"field-{index}"] = ""
    form["csrf_token"] = csrf_token(client)
    assert client.post(f"/imports/{upload_id}/mapping", data=form).status_code == 302
    db.session.commit()
    work_once(app)
    assert 'data-count="new">25<' in client.get(f"/imports/{upload_id}").get_data(as_text=True)
    confirmed = client.post(f"/imports/{upload_id}/confirm", data={"csrf_token": csrf_token(client)})
    assert confirmed.status_code == 302
    assert 'data-status="queued"' in client.get(confirmed.headers["Location"]).get_data(as_text=True)
    db.session.commit()
    work_once(app)
    assert 'data-status="done"' in client.get(confirmed.headers["Location"]).get_data(as_text=True)
    assert set(stored()) == REFERENCES


def test_a_long_file_uploaded_elsewhere_is_checked_on_request_and_a_failed_check_says_why(
        app, client, people, monkeypatch):
    monkeypatch.setattr(app.config["SETTINGS"], "import_sync_rows", 10)
    sign_in(client, people["trafford"])
    upload_id = upload_id_of(upload_on_page(client))
    # As if the upload came in before previews were queued (or through the API): nothing queued yet.
    db.session.execute(text("UPDATE import_upload SET preview_status = NULL WHERE id = :id"), {"id": upload_id})
    db.session.commit()
    page = client.get(f"/imports/{upload_id}").get_data(as_text=True)
    assert 'data-preview-status="none"' in page and "http-equiv" not in page and "Check the file" in page
    assert "0 queued import(s) run." in work_once(app)  # a GET queues nothing
    assert client.post(f"/imports/{upload_id}/preview", data={"csrf_token": csrf_token(client)}).status_code == 302
    # The stored bytes no longer match their hash: the check fails, and the page says why.
    db.session.execute(text("UPDATE import_upload SET content = content || 'x'::bytea WHERE id = :id"),
                       {"id": upload_id})
    db.session.commit()
    work_once(app)
    page = client.get(f"/imports/{upload_id}").get_data(as_text=True)
    assert 'data-preview-status="failed"' in page and "changed since its preview" in page
    assert "Check the file again" in page and stored() == {}


# ---------------------------------------------------------------- the page in words (newuser findings 6 and 14)


def council_name(code: str) -> str:
    return db.session.execute(text("SELECT display_name FROM authority WHERE code = :c"), {"c": code}).scalar()


def test_rows_of_another_council_are_a_problem_and_no_confirm_button_is_offered(client, people):
    """An officer of another council previews Trafford's file: each of its 25 rows is Trafford's, so confirming
    would be refused. The preview counts them as problems, names both councils and offers no Confirm button."""
    assert council_name(TRAFFORD) == "Trafford Council"
    ours = people["other_code"]
    sign_in(client, people["other"])
    response = upload_on_page(client)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    upload_id = upload_id_of(response)
    page = client.get(f"/imports/{upload_id}").get_data(as_text=True)
    assert 'data-count="rejected">25<' in page  # the 25 rows of Trafford, none of them importable here
    summary = page.split('govuk-error-summary__list"', 1)[1].split("</ul>", 1)[0]
    assert "25 rows are assets of Trafford Council (E08000009)" in summary
    assert f"This import is for {council_name(ours)} ({ours})" in summary
    assert "Ask an officer of Trafford Council, or an admin, to import them" in summary
    assert "Confirm the import" not in page and f"/imports/{upload_id}/confirm" not in page
    assert "cannot be imported while it has problems" in page
    assert "govuk-warning-text" not in page  # a problem now, not a warning beside a working button
    # Confirming anyway (a stale page, a crafted post) is still refused, and nothing is written.
    before = counts()
    assert client.post(f"/imports/{upload_id}/confirm", data={"csrf_token": csrf_token(client)}).status_code == 403
    assert counts()[0] == before[0] and stored() == {}


def test_the_officer_of_the_file_still_gets_the_confirm_button(client, people):
    sign_in(client, people["trafford"])
    page = client.get(f"/imports/{upload_id_of(upload_on_page(client))}").get_data(as_text=True)
    assert 'data-count="rejected">0<' in page and "Confirm the import" in page
    assert "assets of Trafford Council" not in page


def test_the_pages_name_the_council_and_the_fields_in_words(client, people):
    sign_in(client, people["trafford"])
    index = client.get("/imports").get_data(as_text=True)
    assert '<span class="govuk-caption-l">Trafford Council</span>' in index
    assert "Imports for Trafford Council" in index
    upload_id = upload_id_of(upload_on_page(client))
    page = client.get(f"/imports/{upload_id}").get_data(as_text=True)
    assert '<span class="govuk-caption-l">Trafford Council</span>' in page
    assert "Save this mapping as the default for Trafford Council" in page
    assert "default for E08000009" not in page
    for value, words in (("floor_area_m2", "Floor area (m²)"), ("market_value_gbp", "Market value (£)"),
                         ("crs", "Coordinate reference system"), ("x", "X coordinate (longitude or easting)"),
                         ("site_area_m2", "Site area (m²)")):
        assert f'<option value="{value}">{words}</option>' in page
    import re

    labels = re.findall(r"<option value=\"[^\"]*\"(?: selected)?>([^<]*)</option>", page)
    assert labels and not [label for label in labels if "_" in label or label in ("xy", "crs", "x", "y")]
    # The mapping saved message names the council too.
    header = next(csv.reader(EXTRACT.open(encoding="utf-8")))
    form = {"csrf_token": csrf_token(client), "save_mapping": "y", "column": header}
    saved = client.post(f"/imports/{upload_id}/mapping", data=form, follow_redirects=True).get_data(as_text=True)
    assert "the next file for Trafford Council starts from it" in saved


def test_the_history_gives_the_date_in_words(client, people):
    from zoneinfo import ZoneInfo

    sign_in(client, people["trafford"])
    upload_id = upload_id_of(upload_on_page(client))
    assert client.post(f"/imports/{upload_id}/confirm", data={"csrf_token": csrf_token(client)}).status_code == 302
    started = db.session.execute(text("SELECT started_at FROM import_run ORDER BY id DESC LIMIT 1")).scalar()
    uk = started.astimezone(ZoneInfo("Europe/London"))
    months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
              "November", "December"]
    hour = uk.hour % 12 or 12
    expected = f"{uk.day} {months[uk.month - 1]} {uk.year} at {hour}:{uk.minute:02d}{'am' if uk.hour < 12 else 'pm'}"
    history = client.get("/imports").get_data(as_text=True)
    assert f'<td class="govuk-table__cell">{expected}</td>' in history


def test_an_admin_with_no_council_reads_a_sentence_that_makes_sense(client, make_user):
    sign_in(client, make_user("admin"))
    page = client.get("/imports").get_data(as_text=True)
    assert "Your authority's imports" not in page and "No imports yet" not in page
    assert "You are not an officer of a council, so there is no list" in page
    assert "Council to import into" in page


def test_an_admin_naming_an_unknown_council_is_told_in_words(client, make_user):
    sign_in(client, make_user("admin"))
    response = client.post("/imports", data={"csrf_token": csrf_token(client), "authority": "Nowhere Council",
                                             "file": (io.BytesIO(EXTRACT.read_bytes()), EXTRACT.name)},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert "We do not know a council called \u201cNowhere Council\u201d" in response.get_data(as_text=True)
