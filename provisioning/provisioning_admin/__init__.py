"""The admin side of phone provisioning: phone URL, device files, history, unknown phones."""
