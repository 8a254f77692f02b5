"""Access to help: travel times (offline model, OSRM, cached matrices), coverage of communes
by France Services, lieux de médiation, kiosks and mobile stops, 2SFCA accessibility, and the
siting models that choose where to add stops. Works on plain records; only ``area`` reads the
database."""
