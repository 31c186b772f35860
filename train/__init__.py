"""absl-flag trainers, one program per job (`python -m train.<name>`)."""
