"""The audit view shows and filters what workflow steps, imports and boundary loads record (issue 12 item 7)."""

from registry import audit, db

from .conftest import sign_in


def test_audit_view_filters_by_family_and_target(client, make_user):
    admin = make_user("admin")
    audit.record(None, "case.list", "case", 9101, {"from_state": "owner_notified", "to_state": "listed"})
    audit.record(None, "import.run", "import_run", 9102, {"rows": 12})
    audit.record(None, "boundary.load", "authority", "E08000035", {"source": "ons"})
    db.session.commit()
    sign_in(client, admin)
    everything = client.get("/admin/audit").get_data(as_text=True)
    assert all(a in everything for a in ("case.list", "import.run", "boundary.load"))
    assert "Workflow steps" in everything and "Imports" in everything and "Boundary loads" in everything
    steps = client.get("/admin/audit?family=case").get_data(as_text=True)
    assert "case.list" in steps and "import.run" not in steps and "boundary.load" not in steps
    imports = client.get("/admin/audit?family=import&target_type=import_run&target_id=9102").get_data(as_text=True)
    assert "import.run" in imports and "case.list" not in imports
    # a prefix is a whole family: "case" does not match "caseload.x"
    audit.record(None, "caseload.viewed", "case", 1, {})
    db.session.commit()
    assert "caseload.viewed" not in client.get("/admin/audit?family=case").get_data(as_text=True)
