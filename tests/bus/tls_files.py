"""A throwaway CA and a client certificate signed by it, as PEM files (for the security tests)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class TlsFiles:
    ca: Path
    cert: Path
    key: Path


Key = ec.EllipticCurvePrivateKey


def _certificate(subject: str, key: Key, issuer: str, signer: Key, *, ca: bool) -> x509.Certificate:
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .sign(signer, hashes.SHA256())
    )


def write_tls_files(directory: Path) -> TlsFiles:
    ca_key, client_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    files = TlsFiles(directory / "ca.crt", directory / "user.crt", directory / "user.key")
    files.ca.write_bytes(
        _certificate("test-ca", ca_key, "test-ca", ca_key, ca=True).public_bytes(serialization.Encoding.PEM)
    )
    files.cert.write_bytes(
        _certificate("hub", client_key, "test-ca", ca_key, ca=False).public_bytes(serialization.Encoding.PEM)
    )
    files.key.write_bytes(
        client_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return files
