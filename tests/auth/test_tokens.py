"""Bondfire's own access tokens across a key rotation done by another process."""

from api.auth.keys import SigningKeys
from api.auth.tokens import BondfireTokens, InvalidToken


def _tokens(keys: SigningKeys, directory, interval: float = 0.0) -> BondfireTokens:
    return BondfireTokens(
        keys,
        issuer="bondfire",
        audience="bondfire-api",
        ttl_seconds=300,
        leeway=0,
        reload=lambda: SigningKeys.load_or_create(directory),
        reload_interval=interval,
    )


def test_a_running_process_picks_up_a_key_rotated_elsewhere(tmp_path):
    # given a running API process with the original key
    running = _tokens(SigningKeys.load_or_create(tmp_path), tmp_path)
    old_token = running.issue(7)
    # when another process rotates the key and signs with the new one
    rotated = SigningKeys.load_or_create(tmp_path).rotated()
    rotated.save(tmp_path)
    new_token = _tokens(rotated, tmp_path).issue(8)
    # then the running process verifies both (it re-read the key store once)
    assert running.verify(new_token).subject == "8"
    assert running.verify(old_token).subject == "7"
    assert running.keys.current.kid == rotated.current.kid


def test_garbage_kids_cannot_make_a_process_reread_its_keys_on_every_request(tmp_path):
    # given a process that may re-read its key store at most once an hour
    reads = []

    def reload() -> SigningKeys:
        reads.append(1)
        return SigningKeys.load_or_create(tmp_path)

    running = BondfireTokens(
        SigningKeys.load_or_create(tmp_path),
        issuer="bondfire",
        audience="bondfire-api",
        ttl_seconds=300,
        leeway=0,
        reload=reload,
        reload_interval=3600,
    )
    stranger = _tokens(SigningKeys.load_or_create(tmp_path / "other"), tmp_path / "other")
    # when tokens signed by unknown keys keep coming
    for member_id in range(5):
        try:
            running.verify(stranger.issue(member_id))
        except InvalidToken:
            continue
        raise AssertionError("a token from an unknown key must be refused")
    # then the key store was not read again
    assert reads == []
