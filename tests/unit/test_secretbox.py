from cryptography.fernet import Fernet

from provisioning.crypto import SecretBox


def test_a_running_process_decrypts_after_the_key_was_rotated_elsewhere():
    old, new = Fernet.generate_key(), Fernet.generate_key()
    key_file = [old]
    running = SecretBox((old,), b"u" * 44, reload=lambda: tuple(key_file))
    rotated_elsewhere = SecretBox((new,), b"u" * 44).encrypt("sip-secret")
    key_file[:] = [new]  # rotate-key replaced the key file and dropped the old key
    assert running.decrypt(rotated_elsewhere) == "sip-secret"


def test_a_token_no_key_opens_is_an_error_not_garbage():
    box = SecretBox((Fernet.generate_key(),), b"u" * 44, reload=lambda: (Fernet.generate_key(),))
    other = SecretBox((Fernet.generate_key(),), b"u" * 44).encrypt("x")
    try:
        box.decrypt(other)
    except RuntimeError as exc:
        assert "cannot be decrypted" in str(exc)
    else:
        raise AssertionError("decrypted with the wrong key")


def test_generated_sip_passwords_start_with_a_letter_so_no_client_reads_them_as_numbers():
    from provisioning.crypto import generate_password

    for _ in range(500):  # bounded
        value = generate_password(24)
        assert len(value) == 24 and value[0].isalpha() and value.isalnum()
