"""The creator-scout scraping service: job API, signed QStash webhook and job steps."""
