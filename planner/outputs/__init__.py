"""What people read from a plan, as data and text (no HTML: that is ``maps``): the French
printout, the coverage and territory reports, real dates, iCalendar and GIS files."""
