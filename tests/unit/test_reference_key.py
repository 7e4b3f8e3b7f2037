"""The reference key re-imports match on: case and runs of white space do not count (a table test)."""

import pytest

from registry.assets import reference_key

CASES = [
    ("09/01609/Land", "09/01609/land"),
    ("09/01609/LAND", "09/01609/land"),
    ("  A   1 ", "a 1"),
    ("a\u00a01", "a 1"),  # a non-breaking space, as spreadsheets paste them
    ("A\t1\n", "a 1"),
    ("CAMACV17 (2nd moratorium)", "camacv17 (2nd moratorium)"),
]


@pytest.mark.parametrize(("reference", "key"), CASES)
def test_reference_key(reference, key):
    assert reference_key(reference) == key


def test_different_references_keep_different_keys():
    assert reference_key("A-1") != reference_key("A 1")
    assert reference_key("A1") != reference_key("A 1")
