"""Reading what schools' systems export: MIS CSV reports and DfE Common Transfer Files.

Pure parsing (no database): ``files`` checks a file before it is read (size, type,
encoding), ``mis_csv`` recognises columns and reads rows, ``ctf`` reads a CTF safely and
keeps only what a case needs. ``core.services.imports`` validates, previews and stores.
"""
