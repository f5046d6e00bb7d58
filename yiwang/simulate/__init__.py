"""`yiwang simulate`: a seeded simulator of one city's four legacy platforms (under construction)."""

import typer

cli = typer.Typer(help="Simulate one city's legacy platforms (数字城管, 12345, 综治网格, 智慧党建).")
