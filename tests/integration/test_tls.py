"""TLS options reach the drivers from the URL and connect_args, against private servers that
serve TLS with a certificate from a CA made at test time (``tls_postgresql``, ``tls_mariadb``
in private_servers.py): the right CA verifies, a wrong one fails with a clear error."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from corral import create_engine, exc, text
from corral.engine import URL, Engine
from tests.integration.private_servers import Certificates, PrivateServer

pytestmark = pytest.mark.server

#: A password the servers (trust / no password) never check, to see it kept out of errors.
SENTINEL = "s3ntinel-TLS-pw"


def certificates(server: PrivateServer) -> Certificates:
    assert server.tls is not None
    return server.tls


def with_query(url: URL, **options: Any) -> URL:
    return url.set(query={**url.query, **{key: str(value) for key, value in options.items()}})


@pytest.fixture
def engines() -> Iterator[list[Engine]]:
    made: list[Engine] = []
    yield made
    for engine in made:
        engine.dispose()


def connect_error(engine: Engine) -> exc.OperationalError:
    with pytest.raises(exc.OperationalError) as caught, engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    # A certificate refused is no outage: never retried as DatabaseUnavailable.
    assert not isinstance(caught.value, exc.RetryableError)
    return caught.value


# -- PostgreSQL ---------------------------------------------------------------------------


def pg_encrypted(engine: Engine) -> bool:
    with engine.connect() as connection:
        query = text("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        return bool(connection.execute(query).scalar_one())


def test_postgresql_verify_full_with_the_right_ca_connects_encrypted(
    tls_postgresql: PrivateServer, engines: list[Engine]
) -> None:
    """sslmode=verify-full with the signing CA in sslrootcert, from the URL or connect_args:
    the session is encrypted (pg_stat_ssl)."""
    ca = str(certificates(tls_postgresql).ca)
    for host in ("127.0.0.1", "localhost"):  # both names the certificate lists
        url = with_query(tls_postgresql.url.set(host=host), sslmode="verify-full", sslrootcert=ca)
        engines.append(create_engine(url))
        assert pg_encrypted(engines[-1])
    engines.append(
        create_engine(
            tls_postgresql.url, connect_args={"sslmode": "verify-full", "sslrootcert": ca}
        )
    )
    assert pg_encrypted(engines[-1])


def test_postgresql_wrong_ca_fails_naming_the_option(
    tls_postgresql: PrivateServer, engines: list[Engine]
) -> None:
    """With a CA that did not sign the server's certificate, connecting raises an
    OperationalError that says the certificate could not be verified and names sslrootcert,
    without the password."""
    wrong = str(certificates(tls_postgresql).wrong_ca)
    url = with_query(
        tls_postgresql.url.set(password=SENTINEL), sslmode="verify-full", sslrootcert=wrong
    )
    engines.append(create_engine(url))
    error = connect_error(engines[-1])
    message = str(error)
    assert "certificate verify failed" in message
    assert "could not be verified" in message and "sslrootcert" in message
    assert SENTINEL not in message and SENTINEL not in repr(error)


def test_postgresql_controls_without_verification(
    tls_postgresql: PrivateServer, engines: list[Engine]
) -> None:
    """Controls: sslmode=disable gives an unencrypted session, and without TLS options libpq
    (sslmode=prefer) connects although nothing vouches for the server's certificate."""
    engines.append(create_engine(with_query(tls_postgresql.url, sslmode="disable")))
    assert not pg_encrypted(engines[-1])
    engines.append(create_engine(tls_postgresql.url))
    assert pg_encrypted(engines[-1])  # encrypted, but to whoever answered


def test_postgresql_verify_full_refuses_a_host_the_certificate_does_not_name(
    tls_postgresql: PrivateServer, engines: list[Engine]
) -> None:
    """verify-full checks the host name: the right CA but a host address the certificate
    does not list (127.0.0.1 reached as hostaddr under another name) fails, saying so."""
    ca = str(certificates(tls_postgresql).ca)
    url = with_query(
        tls_postgresql.url.set(host="db.invalid"),
        hostaddr="127.0.0.1",
        sslmode="verify-full",
        sslrootcert=ca,
    )
    engines.append(create_engine(url))
    message = str(connect_error(engines[-1]))
    assert "does not match host name" in message
    assert "certificate does not name the host connected to" in message


# -- MariaDB ------------------------------------------------------------------------------


def mariadb_cipher(engine: Engine) -> str:
    with engine.connect() as connection:
        row = connection.execute(text("SHOW SESSION STATUS LIKE 'Ssl_cipher'")).one()
        return str(row[1] or "")


def test_mariadb_url_ssl_ca_verifies_and_encrypts(
    tls_mariadb: PrivateServer, engines: list[Engine]
) -> None:
    """?ssl_ca= (SQLAlchemy's meaning: verify the certificate and host name) connects
    encrypted; so do PyMySQL's own keywords in connect_args."""
    ca = str(certificates(tls_mariadb).ca)
    for host in ("127.0.0.1", "localhost"):
        engines.append(create_engine(with_query(tls_mariadb.url.set(host=host), ssl_ca=ca)))
        assert mariadb_cipher(engines[-1])
    engines.append(
        create_engine(
            with_query(tls_mariadb.url, ssl_ca=ca, ssl_verify_cert="true", ssl_verify_identity=1)
        )
    )
    assert mariadb_cipher(engines[-1])
    args = {"ssl_ca": ca, "ssl_verify_cert": True, "ssl_verify_identity": True}
    engines.append(create_engine(tls_mariadb.url, connect_args=args))
    assert mariadb_cipher(engines[-1])


def test_mariadb_wrong_ca_fails_naming_the_option(
    tls_mariadb: PrivateServer, engines: list[Engine]
) -> None:
    """With a CA that did not sign the server's certificate, from the URL or connect_args,
    connecting raises an OperationalError naming ssl_ca, without the password."""
    wrong = str(certificates(tls_mariadb).wrong_ca)
    url = tls_mariadb.url.set(password=SENTINEL)
    engines.append(create_engine(with_query(url, ssl_ca=wrong)))
    engines.append(create_engine(url, connect_args={"ssl_ca": wrong, "ssl_verify_cert": True}))
    for engine in engines:
        error = connect_error(engine)
        message = str(error)
        assert "CERTIFICATE_VERIFY_FAILED" in message
        assert "could not be verified" in message and "ssl_ca" in message
        assert SENTINEL not in message and SENTINEL not in repr(error)


def test_mariadb_sqlalchemy_url_options_reach_the_ssl_settings(
    tls_mariadb: PrivateServer, engines: list[Engine]
) -> None:
    """SQLAlchemy's URL options ssl_check_hostname and ssl_cipher reach PyMySQL's ssl
    settings: the named cipher is the one the session uses."""
    ca = str(certificates(tls_mariadb).ca)
    cipher = "ECDHE-ECDSA-AES128-GCM-SHA256"  # a TLS 1.2 cipher for the EC test key
    url = with_query(tls_mariadb.url, ssl_ca=ca, ssl_check_hostname="false", ssl_cipher=cipher)
    engines.append(create_engine(url))
    assert mariadb_cipher(engines[-1]) in (
        cipher,
        "TLS_AES_256_GCM_SHA384",
        "TLS_AES_128_GCM_SHA256",
    )


def test_mariadb_host_name_checked_unless_turned_off(
    tls_mariadb: PrivateServer, engines: list[Engine]
) -> None:
    """?ssl_ca= checks the host name: 127.1 (127.0.0.1, a name the certificate does not list)
    fails, saying so; ssl_check_hostname=false keeps the CA check and drops the name's."""
    ca = str(certificates(tls_mariadb).ca)
    unlisted = tls_mariadb.url.set(host="127.1")
    engines.append(create_engine(with_query(unlisted, ssl_ca=ca)))
    message = str(connect_error(engines[-1]))
    assert "Hostname mismatch" in message
    assert "certificate does not name the host connected to" in message
    engines.append(create_engine(with_query(unlisted, ssl_ca=ca, ssl_check_hostname="false")))
    assert mariadb_cipher(engines[-1])


def test_mariadb_controls_without_verification(
    tls_mariadb: PrivateServer, engines: list[Engine]
) -> None:
    """Controls: ssl_disabled=true gives an unencrypted session, and ssl_verify_cert=false
    connects with the wrong CA: verification is what refuses it."""
    certs = certificates(tls_mariadb)
    engines.append(create_engine(with_query(tls_mariadb.url, ssl_disabled="true")))
    assert mariadb_cipher(engines[-1]) == ""
    url = with_query(tls_mariadb.url, ssl_ca=str(certs.wrong_ca), ssl_verify_cert="false")
    engines.append(create_engine(url))
    assert mariadb_cipher(engines[-1])
