"""What the services need from the outside world: database, files, mail."""
