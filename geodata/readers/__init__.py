"""Readers of the pinned source files: pure functions from a file to pandas / GeoPandas frames.

One module per source family (COG communes and EPCI, contours, IFN, France Services, CNFS lieux,
Aidants Connect). Readers check the columns they need and raise :class:`~geodata.errors.DataError`
naming the file and what is missing; they never touch the database, the network, or the
registry (callers pass paths), and they drop personal contact data at the border.
"""
