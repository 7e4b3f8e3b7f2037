"""Contact details in text that will be published (issue 12 item 1): a table of what is caught and what is not."""

import pytest

from registry.workflow.publication import contact_details


@pytest.mark.parametrize(("text", "found"), [
    ("Email zeb@quietby.example for the key", ["zeb@quietby.example"]),
    ("first.last+tag@sub.council.gov.uk", ["first.last+tag@sub.council.gov.uk"]),
    ("mobile 07700 900461", ["07700 900461"]),
    ("mobile 07700900461", ["07700900461"]),
    ("call (0113) 496 0000 weekdays", ["(0113) 496 0000"]),
    ("London 020 7946 0000", ["020 7946 0000"]),
    ("from abroad +44 7700 900461", ["+44 7700 900461"]),
    ("Freephone 0808 157 0192", ["0808 157 0192"]),
    # not contact details: references, dates, money, postcodes, statute
    ("ACV-2026-000042 listed under s.88(1)", []),
    ("Title WYK123456, restriction entry 2", []),
    ("£45,000 on 2026-06-01 or 1 6 2026", []),
    ("Leeds LS1 1UR, 12 High Street", []),
    ("Tribunal reference CR/2027/9", []),
])
def test_contact_details_found_in_text(text, found):
    assert contact_details(text) == found
