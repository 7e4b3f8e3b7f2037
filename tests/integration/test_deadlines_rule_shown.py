"""/api/deadlines and /deadlines say which rule each deadline used: words, citation, counting, carry, verified."""


def test_api_gives_the_rule_used_for_the_tribunal_appeal(client):
    body = client.get("/api/deadlines?event=acv-review-decision-sent&date=2026-01-31").get_json()
    (appeal,) = body["deadlines"]
    assert appeal["due"] == "2026-03-02" and appeal["carried_from"] == "2026-02-28"
    assert appeal["words"].startswith("within 28 days of the date on which notice")
    assert appeal["counting"] == "after" and appeal["verified"] is False and appeal["confidence"] == "P"
    assert "SI 2009/1976 r.22(1)(b)" in appeal["statute"]
    assert "r.12" in appeal["source_note"]


def test_api_marks_a_period_read_in_the_statute_as_verified(client):
    body = client.get("/api/deadlines?event=atr-decision-notice-sent&date=2026-11-09").get_json()
    found = {d["rule"]: d for d in body["deadlines"]}
    review = found["atr_review_or_appeal_due"]
    assert review["due"] == "2026-12-07" and review["verified"] is True and review["carried_from"] is None
    assert review["counting"] == "beginning_with"
    assert found["atr_offer_deadline_earliest"]["verified"] is False


def test_page_shows_the_words_and_the_scottish_decision_period(client):
    page = client.get("/deadlines?event=atr-validated&date-day=1&date-month=6&date-year=2026").get_data(as_text=True)
    assert '<time datetime="2026-12-01">1 December 2026</time>' in page
    assert "6 months after the date on which the asset transfer request is treated as having been made" in page
    assert "SSI 2016/357 reg 10" in page and "Not verified: configurable" in page
    assert "the first day is not counted" in page
