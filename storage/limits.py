"""What storage keeps, in a module that imports nothing: the command line checks an
instant against it without loading SQLite's helpers (`clecbot ask` opens no database)."""

FIRST_YEAR, LAST_YEAR = 1970, 2100  # the years an instant may be stored in
