"""Connector settings for the urban_management platform: see tables.yml and README.md here."""
