"""The conformance tests (run with `gwconform run` or `pytest --pyargs conformance.tests`)."""
