"""gradcheck's pytest plugin entry point; it imports nothing heavy (not even numpy) at load time."""
