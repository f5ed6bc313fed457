"""Staff accounts: names and salted scrypt password hashes in the instance folder.

``Accounts(folder)`` reads and writes ``users.json`` atomically; passwords
are never stored, only ``hashlib.scrypt`` hashes (memory-hard) with a random
salt per account, compared in constant time.

Each account has a role (``ROLES``, from the least to the most trusted):
``contributeur`` adds drafts, ``documentaliste`` does all document work,
``administrateur`` also manages accounts and settings. An account written
before roles existed had every right: it reads as ``administrateur``. A new
account without a role given is ``administrateur`` if it is the first one (a
fresh install needs someone to manage it), else ``documentaliste``.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import json
import re
import secrets
from pathlib import Path
from typing import Any, cast

from docsearch.corpus.atomic import write_atomic
from docsearch.errors import UserError

# scrypt cost: 16 MiB of memory and about 50 ms per check on this machine.
SCRYPT = {"n": 2**14, "r": 8, "p": 1}
MIN_PASSWORD = 10
_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,39}")
# Role → its French label, from the least to the most trusted (a role has the rights of those before it).
ROLES = {"contributeur": "Contributeur·rice", "documentaliste": "Documentaliste", "administrateur": "Administrateur·rice"}
LEGACY_ROLE = "administrateur"  # accounts created before roles existed could do everything


def role_rank(role: str | None) -> int:
    """The place of a role in ``ROLES`` (-1 for none or an unknown one)."""
    return list(ROLES).index(role) if role in ROLES else -1


def hash_password(password: str, salt: bytes | None = None, **cost: int) -> dict[str, Any]:
    params = {**SCRYPT, **cost}
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, maxmem=64 * 1024 * 1024, dklen=32, **params)
    return {"salt": salt.hex(), "hash": digest.hex(), **params}


def check_password(password: str, record: dict[str, Any]) -> bool:
    cost = {k: int(record[k]) for k in ("n", "r", "p")}
    expected = hash_password(password, bytes.fromhex(record["salt"]), **cost)["hash"]
    return hmac.compare_digest(expected, record["hash"])


class Accounts:
    def __init__(self, instance: Path) -> None:
        self.path = instance / "users.json"
        _dummy()  # made before any sign-in is checked: the first unknown name takes no longer than the next

    def _load(self) -> dict[str, dict[str, Any]]:
        try:
            # json gives Any: users.json maps each user name to its record.
            return cast(dict[str, dict[str, Any]], json.loads(self.path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return {}

    def _save(self, users: dict[str, dict[str, Any]]) -> None:
        write_atomic(self.path, json.dumps(users, indent=1, sort_keys=True).encode("utf-8"))
        self.path.chmod(0o600)

    def names(self) -> list[str]:
        return sorted(self._load())

    def add(self, name: str, password: str, role: str | None = None) -> None:
        users = self._load()
        if name in users:
            raise UserError(f"le compte {name!r} existe déjà (pour changer son mot de passe : `docsearch users passwd {name}`)")
        role = role or ("administrateur" if not users else "documentaliste")
        users[_valid_name(name)] = {**hash_password(_valid_password(password)), "role": _valid_role(role),
                                    "created": dt.datetime.now().isoformat(timespec="seconds")}
        self._save(users)

    def role(self, name: str) -> str | None:
        """The account's role; None for an unknown account."""
        record = self._load().get(name)
        return None if record is None else str(record.get("role") or LEGACY_ROLE)

    def roles(self) -> dict[str, str]:
        """Every account's role, by name."""
        return {name: str(record.get("role") or LEGACY_ROLE) for name, record in sorted(self._load().items())}

    def set_role(self, name: str, role: str) -> None:
        users = self._load()
        if name not in users:
            raise UserError(f"aucun compte nommé {name!r}")
        users[name]["role"] = _valid_role(role)
        self._save(users)

    def set_password(self, name: str, password: str) -> None:
        users = self._load()
        if name not in users:
            raise UserError(f"aucun compte nommé {name!r}")
        users[name].update(hash_password(_valid_password(password)))
        self._save(users)

    def remove(self, name: str) -> None:
        users = self._load()
        if users.pop(name, None) is None:
            raise UserError(f"aucun compte nommé {name!r}")
        self._save(users)

    def session_version(self, name: str) -> str | None:
        """Changes when the password changes, the account goes or its sessions are ended;
        None for an unknown account. A session carries it and is valid while it matches."""
        record = self._load().get(name)
        if record is None:
            return None
        return hashlib.sha256(f"{record['hash']}:{record.get('epoch', 0)}".encode()).hexdigest()[:16]

    def end_sessions(self, name: str) -> None:
        """Sign the account out everywhere (its cookies stop working)."""
        users = self._load()
        if name in users:
            users[name]["epoch"] = int(users[name].get("epoch", 0)) + 1
            self._save(users)

    def verify(self, name: str, password: str) -> bool:
        record = self._load().get(name)
        if record is None:
            check_password(password, _dummy())  # same time whether the name exists or not
            return False
        return check_password(password, record)


@functools.cache
def _dummy() -> dict[str, Any]:
    """A record to check unknown names against; made at the first sign-in, not at
    import (0.08 s, paid by every ``docsearch`` command, which imports ``ROLES``)."""
    return hash_password("not a password", b"\0" * 16)


def is_account_name(name: str) -> bool:
    return bool(_NAME.fullmatch(name))


def _valid_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise UserError("un nom de compte compte de 1 à 40 caractères : lettres minuscules sans accent, chiffres, « . », « _ » ou « - »")
    return name


def _valid_role(role: str) -> str:
    if role not in ROLES:
        raise UserError(f"rôle inconnu : {role!r} (rôles : {', '.join(ROLES)})")
    return role


def _valid_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"un mot de passe compte au moins {MIN_PASSWORD} caractères")
    return password
