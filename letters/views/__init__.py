"""Staff and public screens of the letters app, one module per screen group."""
