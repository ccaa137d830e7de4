"""The dashboard's static files (plain HTML, JS and CSS; no build step)."""
