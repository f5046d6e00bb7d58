"""Connector settings for the party_building platform: see tables.yml and README.md here."""
