"""TAXII 2.1 server: discovery, one API root, collections per audience, objects, status."""
