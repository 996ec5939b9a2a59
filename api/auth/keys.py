"""Bondfire's own signing keys: generated on first run, rotated by command, published as JWKS."""

import json
import os
from pathlib import Path

from joserfc.jwk import ECKey, KeySet

KEYS_FILE = "signing-keys.json"
KEEP_RETIRED = 2  # retired keys stay published so tokens they signed verify until they expire
ALGORITHM = "ES256"


class SigningKeys:
    def __init__(self, keys: list[ECKey]) -> None:
        if not keys:
            raise ValueError("at least one signing key is required")
        self._keys = keys

    @property
    def current(self) -> ECKey:
        return self._keys[-1]

    @property
    def verification_set(self) -> KeySet:
        return KeySet(list(self._keys))

    def public_jwks(self) -> dict[str, object]:
        return {"keys": [key.as_dict(private=False) for key in self._keys]}

    @classmethod
    def load_or_create(cls, directory: Path) -> "SigningKeys":
        path = directory / KEYS_FILE
        if not path.exists():
            keys = cls([_new_key()])
            keys.save(directory)
            return keys
        try:
            data = json.loads(path.read_text())
            return cls([ECKey.import_key(entry) for entry in data["keys"]])
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(f"signing keys at {path} are unreadable: {error}") from error

    def rotated(self) -> "SigningKeys":
        return SigningKeys([*self._keys[-KEEP_RETIRED:], _new_key()])

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / KEYS_FILE
        temporary = path.with_suffix(".tmp")
        # Private keys: owner-only, written atomically so a crash never leaves half a file.
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump({"keys": [key.as_dict(private=True) for key in self._keys]}, handle)
        temporary.replace(path)


def _new_key() -> ECKey:
    return ECKey.generate_key(
        "P-256", parameters={"use": "sig", "alg": ALGORITHM}, private=True, auto_kid=True
    )
