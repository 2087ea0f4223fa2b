"""Where the data key lives: the OS keyring, a passphrase-wrapped key file, a recovery key."""
