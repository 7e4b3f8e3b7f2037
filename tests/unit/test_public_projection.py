"""What the public projection publishes, read from the declarations (issue 12 item 1)."""

import pytest

from registry.workflow import engine
from registry.workflow.public import public_keys, public_reasons


@pytest.mark.parametrize(("process", "key", "published"), [
    ("acv", "land_description", True),  # the list describes the land (SI 2012/2421 reg 6, domain §2)
    ("acv", "community_value_reasons", True),
    ("acv", "owners_known", False),  # names and addresses of owners: private=True
    ("acv", "eligibility_evidence", False),
    ("acv", "grounds", False),  # the owner's grounds for review
    ("acv", "nominating_group", True),  # derived: the group's name
    ("acv", "checks", False),
    ("scottish_atr", "land_description", True),
    ("scottish_atr", "grounds", False),  # free text without public=True: private by default
    ("scottish_atr", "funding", False),
    ("scottish_atr", "contact_address", False),
    ("scottish_atr", "owners_tenants_occupiers", False),
    ("community_right_to_buy", "land_description", False),
    ("community_right_to_buy", "ros_reference", True),
    ("right_to_challenge", "grounds", True),  # codes from the Schedule, not words
    ("right_to_challenge", "financial_resources", False),
    ("compensation", "claimant_details", False),
    ("compensation", "amount_claimed_gbp", False),
    ("compensation", "late_claim_note", False),
    ("cat", "funding", False),
    ("cat", "proposal", True),
])
def test_declared_public_keys(process, key, published):
    assert (key in public_keys(process)) is published


def test_every_public_free_text_is_declared_so():
    for process in engine.all_processes():
        for t in process.transitions:
            for f in t.fields:
                if f.kind in ("text", "textarea") and f.name in public_keys(process.code):
                    assert f.public, f"{process.code}.{t.action}.{f.name}"


@pytest.mark.parametrize(("process", "action", "published"), [
    ("acv", "list", True),  # reasons=True: the decision's reasons are published
    ("acv", "extend_deadline", False),  # "who agreed it, and why": not a declared step, private
    ("acv", "submit", False),
    ("right_to_challenge", "accept", False),
    ("right_to_challenge", "reject", True),
])
def test_reasons_published_only_where_the_step_declares_them(process, action, published):
    assert (public_reasons(process, action, "Words") == "Words") is published
