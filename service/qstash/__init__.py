"""The QStash-facing side: step webhook, signatures, publisher (with its outbox), sweeper."""
