"""Developer tools of the gwconform checkout (not installed with the package)."""
