"""The simulator's DES (VNC authentication) against published vectors and noVNC's own DES."""

from __future__ import annotations

import pytest

from taartenfabriek.sim.des import encrypt_block, vnc_key, vnc_response

# FIPS 46 worked example, and NBS SP 500-20 vectors.
FIPS_VECTORS = [
    ("133457799bbcdff1", "0123456789abcdef", "85e813540f0ab405"),
    ("0e329232ea6d0d73", "8787878787878787", "0000000000000000"),
    ("0101010101010101", "95f8a5e5dd31d900", "8000000000000000"),
    ("8001010101010101", "0000000000000000", "95a8d72813daa94d"),
    ("7ca110454a1a6e57", "01a1d6d039776742", "690f5b0d9a26939b"),
]

# Produced with noVNC 1.7.0's core/crypto/des.js (DESECBCipher), whose key schedule reverses the
# bits of every key byte itself (the VNC convention): these keys are given as noVNC takes them.
NOVNC_VECTORS = [
    ("a2bc1cb67f5a6bb6", "15d1aabcb21033af", "230c7592b1698da8"),
    ("2dd17b186a082bfa", "1f3d9ff738b3f426", "2cf8f0c741314114"),
    ("0a067c1989948f41", "cd364842760375a3", "8d0e747073f85edd"),
    ("11a6c59b9c3d8f94", "907bbd1810dd9f92", "8b2246aa14fc0373"),
    ("ee427fd2320e2bc6", "add6d227369d6609", "6bb45b96f0e9f82e"),
    ("f1f5427f242c01b4", "ecd8f2bd94a9e043", "72599192cc12027c"),
]


@pytest.mark.parametrize(("key", "plain", "cipher"), FIPS_VECTORS)
def test_des_matches_the_standard(key: str, plain: str, cipher: str) -> None:
    assert encrypt_block(bytes.fromhex(key), bytes.fromhex(plain)).hex() == cipher


@pytest.mark.parametrize(("key", "plain", "cipher"), NOVNC_VECTORS)
def test_vnc_des_matches_novnc(key: str, plain: str, cipher: str) -> None:
    reversed_key = bytes(int(f"{b:08b}"[::-1], 2) for b in bytes.fromhex(key))
    assert encrypt_block(reversed_key, bytes.fromhex(plain)).hex() == cipher


def test_vnc_key_takes_eight_bytes_with_reversed_bits() -> None:
    assert vnc_key("") == bytes(8)
    assert vnc_key("a") == bytes([0x86]) + bytes(7)  # 0x61 = 01100001 -> 10000110
    assert vnc_key("abcdefgh") == vnc_key("abcdefghijk")  # VNC passwords are cut at 8 bytes
    challenge = bytes(range(16))
    response = vnc_response("secret", challenge)
    assert len(response) == 16
    assert response[:8] == encrypt_block(vnc_key("secret"), challenge[:8])
    assert response != vnc_response("secreT", challenge)


def test_bad_sizes_are_refused() -> None:
    with pytest.raises(ValueError):
        encrypt_block(bytes(7), bytes(8))
    with pytest.raises(ValueError):
        vnc_response("pw", bytes(8))
