"""Connector settings for the hotline platform: see tables.yml and README.md here."""
