"""Pure domain types and rules of community management of severe mental disorders.

Nothing here does I/O. Everything here may be imported by every other package.
"""
