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
