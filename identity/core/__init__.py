"""Identity's pure cores: plain functions over plain data, no Django."""
