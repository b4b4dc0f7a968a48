"""A demo year of incidents (2025) for the demo city: the CSV, the script that generates it, and its loader."""
