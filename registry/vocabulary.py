"""Controlled lists shared by models, forms, the API and the demo data.

Each is an ordered mapping of stored code -> label shown to people.
"""

ASSET_TYPES = {
    "community_centre": "Community centre",
    "library": "Library",
    "park_pavilion": "Park pavilion",
    "public_toilet": "Public toilet",
    "former_school": "Former school",
    "depot": "Depot",
    "office": "Office",
    "land": "Land",
    "public_house": "Public house",
    "sports_ground": "Sports ground",
    "youth_centre": "Youth centre",
    "museum": "Museum",
    "swimming_pool": "Swimming pool",
    "allotments": "Allotments",
    "car_park": "Car park",
    "church_hall": "Church hall",
    "other": "Other",
}

CONDITIONS = {
    "good": "Good",
    "fair": "Fair",
    "poor": "Poor",
    "very_poor": "Very poor",
    "unknown": "Not known",
}

OCCUPANCY = {
    "in_use": "In use",
    "partly_used": "Partly used",
    "vacant": "Vacant",
}

SURPLUS_STATUSES = {
    "operational": "Operational",
    "under_review": "Under review",
    "surplus": "Surplus",
    "available_for_transfer": "Available for community transfer",
    "transferred": "Transferred",
    "disposed": "Disposed",
    # In the register but not in the council's latest file (an import's --retire-missing): kept, never
    # deleted, and hidden from search and the map unless asked for by status.
    "withdrawn": "Withdrawn from the council's register",
}

# Statuses search leaves out unless the query names them.
HIDDEN_BY_DEFAULT_STATUSES = ("withdrawn",)

# Where an asset's point came from (asset.location_source, migration 0006). Approximate ones are left
# out of radius and nearest answers unless asked for; `none` has no point and is never on the map.
LOCATION_SOURCES = {
    "surveyed": "Surveyed: the council's own coordinates or boundary",
    "postcode": "Approximate: the centre of its postcode",
    "postcode_district": "Approximate: the centre of its postcode district",
    "none": "Not known",
}
APPROXIMATE_LOCATION_SOURCES = ("postcode", "postcode_district")

HOLDING_TYPES = {
    "land": "Land",
    "building": "Building",
    "land_and_building": "Land and building",
}

# Kept by the workflow engine on each asset while a case is live (asset.live_status).
LIVE_STATUSES = {
    "nominated": "Nominated as an asset of community value",
    "listed": "Listed as an asset of community value",
    "in_moratorium": "Listed: in a moratorium",
    "under_consideration": "Request under consideration",
    "transferred": "Transferred to the community",
}

# What the public sees: the live status when there is one, else the surplus status.
PUBLIC_STATUSES = {**SURPLUS_STATUSES, **LIVE_STATUSES}

# domain.md §0.3
LEGAL_FORMS = {
    "unincorporated_association": "Unincorporated association",
    "charity": "Charity",
    "CIO": "Charitable incorporated organisation (CIO)",
    "SCIO": "Scottish charitable incorporated organisation (SCIO)",
    "CLG_non_distributing": "Company limited by guarantee (non-distributing)",
    "CIC": "Community interest company (CIC)",
    "community_benefit_society": "Community benefit society",
    "cooperative_society": "Co-operative society",
    "parish_council": "Parish or town council",
    "community_council_wales": "Community council (Wales)",
    "neighbourhood_forum": "Neighbourhood forum",
    "trust": "Trust",
    "employee_group": "Group of employees",
}

NATIONS = {
    "england": "England",
    "wales": "Wales",
    "scotland": "Scotland",
    "northern_ireland": "Northern Ireland",
}

GSS_PREFIX_KIND = {
    "E06": ("unitary", "england"),
    "E07": ("district", "england"),
    "E08": ("metropolitan_district", "england"),
    "E09": ("london_borough", "england"),
    "W06": ("principal_area", "wales"),
    "S12": ("council_area", "scotland"),
    "N09": ("district", "northern_ireland"),
}


def sql_in_list(vocabulary: dict) -> str:
    """The codes as a SQL list literal, for CHECK constraints in migrations."""
    return ", ".join("'" + code.replace("'", "''") + "'" for code in vocabulary)


# What a recorded field is called to people, by its name: the case page's summary list (a case's
# data) and the import page's column choices (an asset's fields) both read this one table, so a field
# is labelled once. A name missing here is shown as its words ("agreed_on" → "Agreed on").
FIELD_LABELS = {
    # a case's data (the workflow processes' fields, and what their effects record)
    "nomination_date": "Nominated on", "local_connection": "Local connection",
    "local_connection_confirmed": "Local connection confirmed", "nominating_group": "Nominated by",
    "land_description": "The land", "current_use": "Current or recent use",
    "community_value_reasons": "Why it is of community value", "owner_notified_on": "Owner notified on",
    "occupier_notified_on": "Occupier notified on", "decision": "Decision", "decision_date": "Decision date",
    "decision_late": "Decided after the 8 weeks", "entry_date": "Entered on the list",
    "invalid_reason": "Why invalid", "decline_reason": "Why not listed",
    "llc_reference": "Local land charge reference", "hmlr_restriction_reference": "Land Registry restriction",
    "request_received_on": "Request received on", "request_sent_on": "Written request to the owner sent on",
    "hearing_requested": "Oral hearing requested", "tribunal_reference": "Tribunal reference",
    "appeal_lodged_on": "Appeal lodged on", "removal_reason": "Why removed", "end_date": "Removed on",
    "notice_received_on": "Owner's notice received on", "disposal_type": "Intended disposal",
    "interested_group": "Group treated as a potential bidder", "exemption_code": "Exemption",
    "disposal_date": "Disposal date", "buyer_type": "Buyer",
    "to_community": "Sold to a community interest group", "service_name": "Service", "service_area": "Area",
    "relevant_body_type": "Kind of body", "outcomes": "Proposed outcomes",
    "window_closes_on": "Submission window closes", "decision_by": "Decision promised by",
    "modifications": "Modifications proposed", "publication_url": "Published at",
    "procurement_min_months": "Procurement to start no sooner than (months)",
    "procurement_max_months": "Procurement to start within (months)",
    "procurement_reference": "Procurement reference", "winner": "Contract won by",
    "contract_start": "Contract starts", "grounds": "Grounds for rejection", "proposal": "Proposal",
    "community_benefit": "Community benefit", "tenure_sought": "Asked for",
    "business_case_due": "Business case due", "business_case_summary": "Business case",
    "assessment_score": "Assessment score", "assessment_max_score": "Out of",
    "assessment_summary": "Assessment", "tenure": "Tenure", "lease_term_years": "Lease term (years)",
    "annual_rent_gbp": "Annual rent (£)", "market_value_gbp": "Market value (£)",
    "consideration_gbp": "Consideration (£)", "undervalue_gbp": "Undervalue (£)",
    "short_tenancy": "Short tenancy (7 years or less): best-consideration duty not engaged",
    "gdc_limit_gbp": "General Disposal Consent limit (£)",
    "within_general_consent": "Within the General Disposal Consent",
    "wellbeing_justification": "Well-being justification", "consent_reference": "Specific consent reference",
    "open_space": "Open space", "s123_notice_published_on": "s.123(2A) notice published",
    "objections_considered_on": "Objections considered", "decision_reference": "Decision reference",
    "completion_date": "Completed on", "title_numbers": "Title number(s)",
    "claim_received_on": "Claim received on", "loss_ended_on": "Loss ended on", "decision_outcome": "Outcome",
    "outcome": "Stage", "ros_register": "Register", "ros_reference": "Registers of Scotland reference",
    "application_date": "Applied on", "late_application": "Late application",
    "registration_date": "Registered on", "owner_notice_date": "Date on the owner's notice",
    "owner_notice_received_on": "Owner's notice received by Ministers", "confirmed_on": "Body confirmed on",
    "ballot_date": "Ballot held on", "votes_for": "Votes for", "votes_against": "Votes against",
    "eligible_voters": "People eligible to vote",
    "turnout_judged_sufficient": "Ministers judged the turnout sufficient", "ballot_turnout": "Turnout",
    "ballot_result": "Ballot result", "consent_date": "Ministers consented on", "valuation_date": "Valued on",
    "valuation_price_gbp": "Price set by the valuer (£)", "title_number": "Title number",
    "ground": "Why the land qualifies", "tried_to_buy": "Tried to buy first",
    "notified_on": "Owner and creditors notified on", "views_sent_on": "Views sent to the body on",
    "replied_on": "Body replied on", "invited_on": "Views invited on",
    # an asset's fields, as an import maps a column onto them
    "address": "Address (in one column)", "asset_type": "Type of asset",
    "authority_code": "Council (its code or name)", "condition": "Condition",
    "crs": "Coordinate reference system", "description": "Description",
    "easting": "Easting (British National Grid)", "effective_date": "Date the details are correct at",
    "floor_area_m2": "Floor area (m²)", "geometry": "Shape or boundary (WKT)", "holding_type": "Holding type",
    "latitude": "Latitude (WGS84)", "location": "Latitude and longitude in one column",
    "longitude": "Longitude (WGS84)", "name": "Name", "northing": "Northing (British National Grid)",
    "occupancy": "Occupancy", "occupancy_since": "Occupied or empty since", "other_detail": "Other detail",
    "point": "Point (WKT)", "post_town": "Post town", "postcode": "Postcode",
    "reference": "Reference (the council's own)", "site_area_m2": "Site area (m²)", "street": "Street",
    "street_number": "Street number", "surplus_status": "Surplus status", "tenure_detail": "Tenure detail",
    "uprn": "UPRN (Unique Property Reference Number)", "x": "X coordinate (longitude or easting)",
    "y": "Y coordinate (latitude or northing)",
}

# Where the import page words a field otherwise than a case page does: a council's spreadsheet column
# holds the asset's use now and its title numbers at the Land Registry.
IMPORT_FIELD_LABELS = {**FIELD_LABELS, "current_use": "Current use",
                       "title_numbers": "Land Registry title numbers"}


def field_label(name: str, labels: dict[str, str] = FIELD_LABELS) -> str:
    """A field's name in words: its entry in ``labels``, else the name itself made words."""
    return labels.get(name) or name.replace("_", " ").capitalize()
