"""One resource mechanism for every API on the admin port: a resource is a `Collection`
declaration served by one generic handler over one record store (`records.py`), with
answers and error bodies formatted per API (`answers.py`, `endpoint.py`)."""
