"""The admin side of phone provisioning: phone URL, device files and history, unrecognised phones."""
