"""The only place with SQL: the encrypted SQLCipher file, its schema and repositories."""
