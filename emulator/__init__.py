"""Local stand-ins for the outside services: a QStash emulator and a ScrapeCreators mock."""
