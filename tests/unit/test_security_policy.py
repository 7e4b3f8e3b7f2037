"""The Content-Security-Policy string: built once per tile URL, with each response's own nonce (issue 14)."""

from registry.security import content_security_policy

# Written out from security.py's directives, by hand.
EXPECTED_NO_TILES = (
    "default-src 'self'; script-src 'self' 'nonce-abc'; style-src 'self' 'nonce-abc'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def test_the_policy_without_a_tile_host():
    assert content_security_policy("abc", "") == EXPECTED_NO_TILES


def test_each_nonce_gets_its_own_policy_from_the_cached_template():
    first = content_security_policy("abc", "")
    second = content_security_policy("Xy-9_z", "")
    assert first == EXPECTED_NO_TILES
    assert second == EXPECTED_NO_TILES.replace("'nonce-abc'", "'nonce-Xy-9_z'")


def test_the_tile_host_joins_img_src_only():
    policy = content_security_policy("n1", "https://{s}.tile.example.org/{z}/{x}/{y}.png")
    assert "img-src 'self' data: https://*.tile.example.org;" in policy
    assert policy.count("https://*.tile.example.org") == 1
    assert policy.count("'nonce-n1'") == 2
