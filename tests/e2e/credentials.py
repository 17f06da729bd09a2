"""Users for the tests that need basic auth (e2e and adversarial): bcrypt
hashes made with libxcrypt through Python's crypt module (Debian's Python
3.11 still has it)."""
import base64
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt

USER = "alice"
PASSWORD = "s3cret pass"


def authorization(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def bcrypt_hash(password, cost=4):
    return crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1 << cost))


def basic_auth_config(directory, users=None):
    """(path of a web config with `users` {name: (password, cost)}, headers for USER)."""
    users = users or {USER: (PASSWORD, 4)}
    lines = ["basic_auth_users:"]
    lines += [f"  {name}: '{bcrypt_hash(password, cost)}'" for name, (password, cost) in users.items()]
    path = directory / "web.yml"
    path.write_text("\n".join(lines) + "\n")
    name, (password, _) = next(iter(users.items()))
    return path, {"Authorization": authorization(name, password)}
