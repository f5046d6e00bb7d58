"""Connector settings for the grid_platform platform: see tables.yml and README.md here."""
